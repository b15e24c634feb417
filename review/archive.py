"""Archiving finished reviews into the review ledger (第十一条).

When a review ends (live, offline, closed after a failed opinion, or
withdrawn), and ARCHIVE_DELAY_DAYS have passed, its archive is built: a
zip file with

- ``policy-text/``: the policy text of the last round (draft text, or the
  adjusted text of an adjustment);
- ``round-N/``: the materials of every submission round, as its snapshot
  lists them;
- ``documents/``: the documents the registered providers generate;
- ``review.json``: the case record (rounds, notices, findings, opinion,
  responses, disputes, history);
- ``manifest.json``: the SHA-256 and size of every other file.

The zip goes to MEDIA_ROOT/archives/, and an `ArchiveRecord` row in the
same transaction as the case lock makes it the ledger entry. From then on
the review services refuse every transition on the case, and the listed
materials cannot be removed (`Material.archived_at`).
"""

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from contextlib import suppress
from datetime import timedelta
from pathlib import Path, PurePath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies import events
from policies.models import Material

from .models import ArchiveRecord, ReviewCase, State

logger = logging.getLogger(__name__)

# Callables (case) -> list of (file name, bytes) whose files go to
# documents/ in the archive. An app that generates documents (opinion
# letters, notices) appends its provider when it loads, because the
# review app must not import a higher-level app.
ARCHIVE_DOCUMENT_PROVIDERS = []

ARCHIVE_DIR = "archives"
POLICY_TEXT_KINDS = (Material.Kind.DRAFT_TEXT, Material.Kind.CHANGE_EXPLANATION)
CHUNK_SIZE = 1024 * 1024

events.MESSAGES["review.archived"] = _("archived the review in the review ledger (SHA-256 %(sha256)s)")


class ArchiveError(Exception):
    """Raised when an archive cannot be built from what is stored, such as a missing or altered file."""


def cases_due(now=None):
    """Return the ids of finished cases without an archive whose review ended at least ARCHIVE_DELAY_DAYS ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ARCHIVE_DELAY_DAYS)
    return list(
        ReviewCase.objects.filter(state__in=State.terminal(), closed_at__lte=cutoff, archive__isnull=True)
        .order_by("closed_at", "id")
        .values_list("pk", flat=True)
    )


def archive_path(case):
    """Return the archive's name relative to MEDIA_ROOT. The same for every attempt, so a retry replaces a leftover."""
    return "%s/policy-%d/case-%d.zip" % (ARCHIVE_DIR, case.policy_id, case.pk)


def archive_case(case_id):
    """Archive a finished case and write its ledger entry; return the entry.

    Returns None instead while another worker has the case row locked.

    1. Lock the case row, or skip it when another worker has it locked.
    2. Return the existing entry if the case is already archived.
    3. Write the zip to a temporary file beside its final name, fsync it,
       rename it to the final name and fsync the directory.
    4. Create the ArchiveRecord and mark the listed materials archived,
       in the transaction that holds the lock.

    A crash before step 4 commits leaves no entry, only a temporary file
    (removed by the next attempt) or a complete zip under the final name
    (replaced by the next attempt). Needs MEDIA_ROOT on a local file system,
    because the rename must be atomic.
    """
    with transaction.atomic():
        case = ReviewCase.objects.select_for_update(skip_locked=True).filter(pk=case_id).first()
        if case is None:
            if not ReviewCase.objects.filter(pk=case_id).exists():
                raise ReviewCase.DoesNotExist("Review case %s does not exist." % case_id)
            logger.info("archive skipped case=%s: another worker is archiving it", case_id)
            return None
        existing = ArchiveRecord.objects.filter(case=case).first()
        if existing is not None:
            return existing
        if case.state not in State.terminal():
            raise ArchiveError("Review case %s is still open (%s) and cannot be archived." % (case.pk, case.state))

        case = ReviewCase.objects.select_related("policy__lead_department", "reviewing_bureau").get(pk=case.pk)
        archived_at = timezone.now()
        name = archive_path(case)
        final = Path(settings.MEDIA_ROOT) / name
        manifest, material_ids = _write_atomically(case, final, archived_at)
        digest, size = _file_digest(final)

        record = ArchiveRecord.objects.create(
            case=case,
            archived_at=archived_at,
            file=name,
            sha256=digest,
            size=size,
            file_count=len(manifest["files"]),
            manifest=manifest,
        )
        Material.objects.filter(pk__in=material_ids, archived_at__isnull=True).update(archived_at=archived_at)
        events.record(case.policy, "review.archived", None, case=case.pk, sha256=digest)
        transaction.on_commit(
            lambda: logger.info("review archived case=%s record=%s sha256=%s size=%s", case.pk, record.pk, digest, size)
        )
    return record


def _write_atomically(case, final, archived_at):
    """Write the archive of `case` to `final` by way of a temporary file; return (manifest, material ids)."""
    directory = final.parent
    directory.mkdir(parents=True, exist_ok=True)
    # The caller has the case row locked, so a temporary file of this case
    # is left over from an attempt that crashed.
    for leftover in directory.glob(".%s-*.tmp" % final.stem):
        with suppress(FileNotFoundError):
            leftover.unlink()

    handle, temporary = tempfile.mkstemp(prefix=".%s-" % final.stem, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w+b") as stream:
            manifest, material_ids = _write_zip(stream, case, archived_at)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o444)
        os.replace(temporary, final)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)
    return manifest, material_ids


def _fsync_directory(directory):
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _file_digest(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe_name(name):
    """Return `name` without directories or leading dots, so it cannot leave its folder in the zip."""
    name = PurePath(name.replace("\\", "/")).name.lstrip(".")
    return name[-150:] or "file"


def _write_zip(stream, case, archived_at):
    submissions = list(case.submissions.order_by("number"))
    if not submissions:
        raise ArchiveError("Review case %s has no submission round to archive." % case.pk)
    rounds = [(s.number, [entry["id"] for entry in s.snapshot.get("materials", [])]) for s in submissions]
    material_ids = {pk for _number, ids in rounds for pk in ids}
    materials = Material.objects.in_bulk(material_ids)
    missing = material_ids - set(materials)
    if missing:
        raise ArchiveError("Materials %s listed by review case %s no longer exist." % (sorted(missing), case.pk))

    stamp = timezone.localtime(archived_at).timetuple()[:6]
    files = []
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add_bytes(name, data):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            files.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

        def add_material(name, material):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            digest = hashlib.sha256()
            size = 0
            try:
                source = material.file.open("rb")
            except FileNotFoundError:
                message = "The file of material %s (%s) is missing." % (material.pk, material.file.name)
                raise ArchiveError(message) from None
            with source, archive.open(info, "w") as target:
                while chunk := source.read(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
            if digest.hexdigest() != material.sha256:
                raise ArchiveError(
                    "The file of material %s does not match the SHA-256 recorded at upload, so it was altered."
                    % material.pk
                )
            files.append({"name": name, "sha256": material.sha256, "size": size, "material": material.pk})

        last_number, last_ids = rounds[-1]
        for pk in last_ids:
            material = materials[pk]
            if material.kind in POLICY_TEXT_KINDS:
                add_material("policy-text/%d-%s" % (pk, _safe_name(material.original_name)), material)
        for number, ids in rounds:
            for pk in ids:
                material = materials[pk]
                name = "round-%d/%d-%s-%s" % (number, pk, material.kind, _safe_name(material.original_name))
                add_material(name, material)
        for provider in ARCHIVE_DOCUMENT_PROVIDERS:
            for name, data in provider(case):
                add_bytes("documents/%s" % _safe_name(name), data)
        add_bytes("review.json", _json_bytes(case_record(case, submissions)))

        manifest = {
            "case": case.pk,
            "policy": {"id": case.policy_id, "title": case.policy.title, "doc_number": case.policy.doc_number},
            "state": case.state,
            "archived_at": archived_at.isoformat(),
            "files": files,
        }
        info = zipfile.ZipInfo("manifest.json", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, _json_bytes(manifest))
    return manifest, sorted(material_ids)


def _json_bytes(value):
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


NOTICE_FIELDS = [
    "kind", "round", "stage", "entries", "note", "due_on", "is_repeat", "repeat_reason", "sent_at", "answered_at",
]


def case_record(case, submissions):
    """Return the facts of the review as a JSON-ready dict.

    It contains the rounds, notices, findings, opinion, responses, disputes,
    department records and the history entries of the case.
    """
    opinion = getattr(case, "opinion", None)
    return {
        "case": _fields(
            case,
            [
                "id", "kind", "state", "stage", "round", "opened_at", "closed_at", "district_accepted_at",
                "city_accepted_at", "effective_on", "apply_by", "is_late", "change_explanation", "approved_on",
                "golive_on", "live_at",
            ],
        )
        | {"reviewing_bureau": case.reviewing_bureau.name, "lead_department": case.policy.lead_department.name},
        "submissions": [
            _fields(s, ["number", "submitted_at", "snapshot"]) | {"submitted_by": str(s.submitted_by or "")}
            for s in submissions
        ],
        "notices": [
            _fields(n, NOTICE_FIELDS) for n in case.notices.order_by("sent_at", "id")
        ],
        "findings": [
            _fields(f, ["round", "stage", "item_name", "status", "reason", "comment", "recorded_at"])
            | {"element": f.element.code}
            for f in case.findings.select_related("element").order_by("round", "id")
        ],
        "opinion": (
            _fields(opinion, ["number", "conclusion", "reasons", "issued_at", "received_at"])
            | {"issuing_bureau": opinion.issuing_bureau.name}
            if opinion is not None
            else None
        ),
        "responses": [_fields(r, ["kind", "text", "responded_at", "is_late"]) for r in case.responses.order_by("id")],
        "disputes": [
            _fields(d, ["drafter_position", "reviewer_position", "outcome", "resolution", "raised_at", "resolved_at"])
            for d in case.disputes.order_by("id")
        ],
        "department_records": [
            _fields(r, ["kind", "due_on", "detail", "recorded_at"]) for r in case.department_records.order_by("id")
        ],
        "history": [
            _fields(e, ["at", "code", "actor_name", "actor_organization", "data"])
            for e in case.policy.events.filter(data__case=case.pk).order_by("at", "id")
        ],
    }
