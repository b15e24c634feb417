"""Archiving finished reviews into the review ledger (第十一条)."""

import hashlib
import io
import json
import os
import stat
import threading
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import translation

from policies import services as policy_services
from policies.models import Material
from review import archive, services, tasks
from review.models import AppendOnlyError, ArchiveRecord, Opinion, Response, State
from tests.factories import World, text_file
from tests.review.builders import (
    city_case_accepted,
    correction_requested,
    finish_live,
    on,
    resubmit_corrected,
    withdrawn_case,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def providers(monkeypatch):
    """The document provider registry, emptied for the test and restored after it."""
    registry = []
    monkeypatch.setattr(archive, "ARCHIVE_DOCUMENT_PROVIDERS", registry)
    return registry


def archive_on(case, day):
    with on(day, hour=2):
        return archive.archive_case(case.pk)


def read_zip(record):
    with record.file.open("rb") as stream:
        data = stream.read()
    return data, zipfile.ZipFile(io.BytesIO(data))


def archive_dir(case):
    return Path(settings.MEDIA_ROOT) / archive.archive_path(case).rsplit("/", 1)[0]


@pytest.fixture
def two_round_live_case(world, providers):
    """A city policy corrected once, passed and live on 2026-09-30."""
    case = correction_requested(world, "2026-09-28", days=5)
    resubmit_corrected(world, case, "2026-09-29")
    return finish_live(world, case, "2026-09-30")


# -- the archive file ----------------------------------------------------------------


def test_archive_holds_text_rounds_record_and_manifest(two_round_live_case):
    case = two_round_live_case
    assert case.state == State.LIVE
    materials = {m.kind: m for m in case.policy.materials.all()}

    record = archive_on(case, "2026-10-08")

    data, zipped = read_zip(record)
    names = set(zipped.namelist())
    draft = materials["draft_text"]
    assert "policy-text/%d-draft_text.txt" % draft.pk in names
    for number in (1, 2):
        for material in materials.values():
            assert "round-%d/%d-%s-%s.txt" % (number, material.pk, material.kind, material.kind) in names
    assert {"review.json", "manifest.json"} <= names
    assert not any(name.startswith("documents/") for name in names)

    manifest = json.loads(zipped.read("manifest.json"))
    assert manifest == record.manifest
    assert {entry["name"] for entry in manifest["files"]} == names - {"manifest.json"}
    for entry in manifest["files"]:
        content = zipped.read(entry["name"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["name"]
        assert len(content) == entry["size"], entry["name"]
    assert record.file_count == len(names) - 1

    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.size == len(data)
    assert record.file.name == "archives/policy-%d/case-%d.zip" % (case.policy_id, case.pk)


def test_review_record_lists_rounds_notices_and_opinion(two_round_live_case):
    record = archive_on(two_round_live_case, "2026-10-08")

    _data, zipped = read_zip(record)
    facts = json.loads(zipped.read("review.json"))

    assert facts["case"]["state"] == "live"
    assert [s["number"] for s in facts["submissions"]] == [1, 2]
    assert facts["notices"][0]["kind"] == "correction"
    assert facts["findings"][0]["element"] == "cap"
    assert facts["opinion"]["conclusion"] == Opinion.Conclusion.PASS
    assert "review.live" in [entry["code"] for entry in facts["history"]]


def test_archive_file_is_read_only_and_materials_marked(two_round_live_case):
    record = archive_on(two_round_live_case, "2026-10-08")

    mode = os.stat(record.file.path).st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not two_round_live_case.policy.materials.filter(archived_at__isnull=True).exists()
    assert two_round_live_case.policy.events.filter(code="review.archived").count() == 1


def test_providers_add_generated_documents(world, providers):
    case = withdrawn_case(world, "2026-09-28")
    providers.append(lambda case: [("意见书.txt", "标准化审查意见书".encode()), ("../../etc/passwd", b"x")])

    record = archive_on(case, "2026-10-08")

    _data, zipped = read_zip(record)
    assert zipped.read("documents/意见书.txt").decode() == "标准化审查意见书"
    assert zipped.read("documents/passwd") == b"x"
    assert not [name for name in zipped.namelist() if ".." in name]


# -- which cases, and when ------------------------------------------------------------


def test_cases_wait_for_the_delay(world, settings):
    case = withdrawn_case(world, "2026-09-28")

    with on("2026-09-28", hour=23):
        assert archive.cases_due() == []
    with on("2026-09-29", hour=11):
        assert archive.cases_due() == [case.pk]
    settings.ARCHIVE_DELAY_DAYS = 3
    with on("2026-09-30", hour=11):
        assert archive.cases_due() == []
    with on("2026-10-01", hour=11):
        assert archive.cases_due() == [case.pk]


def test_every_way_a_review_ends_is_archived(world, providers):
    live = finish_live(world, city_case_accepted(world, "2026-09-28", title="长春市甲政策"), "2026-09-29")
    withdrawn = withdrawn_case(world, "2026-09-28", title="长春市乙政策")
    failed = city_case_accepted(world, "2026-09-28", title="长春市丙政策")
    with on("2026-09-29"):
        services.issue_opinion(world.city_reviewer, failed, conclusion=Opinion.Conclusion.FAIL, reasons="方式不明确")
        failed.refresh_from_db()
        services.confirm_receipt(world.city_drafter, failed)
        failed.refresh_from_db()
        services.respond(world.city_drafter, failed, kind=Response.Kind.CLOSED)
    still_open = city_case_accepted(world, "2026-09-28", title="长春市丁政策")

    with on("2026-10-09"):
        due = archive.cases_due()
        queued = tasks.archive_finished_reviews.apply().get()

    assert set(due) == {live.pk, withdrawn.pk, failed.pk}
    assert queued == 3
    assert set(ArchiveRecord.objects.values_list("case_id", flat=True)) == {live.pk, withdrawn.pk, failed.pk}
    assert still_open.pk not in due


def test_open_case_is_refused(world, providers):
    case = city_case_accepted(world, "2026-09-28")

    with pytest.raises(archive.ArchiveError):
        archive_on(case, "2026-10-08")

    assert not ArchiveRecord.objects.exists()


def test_archiving_twice_archives_once(world, providers):
    case = withdrawn_case(world, "2026-09-28")

    first = archive_on(case, "2026-10-08")
    second = archive_on(case, "2026-10-09")

    assert first.pk == second.pk
    assert ArchiveRecord.objects.count() == 1
    assert case.policy.events.filter(code="review.archived").count() == 1


# -- crashes and retries --------------------------------------------------------------


def test_crash_midway_leaves_no_half_archive(world, providers):
    case = withdrawn_case(world, "2026-09-28")

    def broken(case):
        raise RuntimeError("document service unreachable")

    providers.append(broken)
    with pytest.raises(RuntimeError):
        archive_on(case, "2026-10-08")

    assert not ArchiveRecord.objects.exists()
    assert list(archive_dir(case).iterdir()) == []
    assert not Material.objects.filter(archived_at__isnull=False).exists()

    providers.remove(broken)
    record = archive_on(case, "2026-10-09")
    assert record.sha256 == hashlib.sha256(read_zip(record)[0]).hexdigest()


def test_retry_replaces_a_file_left_without_ledger_entry(world, providers, monkeypatch):
    # A crash after the rename and before the commit leaves a complete zip
    # under the final name and no entry; the retry writes it again.
    case = withdrawn_case(world, "2026-09-28")
    real_create = ArchiveRecord.objects.create

    def crash(**fields):
        raise OSError("disk went away")

    monkeypatch.setattr(ArchiveRecord.objects, "create", crash)
    with pytest.raises(OSError):
        archive_on(case, "2026-10-08")
    leftover = Path(settings.MEDIA_ROOT) / archive.archive_path(case)
    assert leftover.exists()
    assert not ArchiveRecord.objects.exists()

    monkeypatch.setattr(ArchiveRecord.objects, "create", real_create)
    record = archive_on(case, "2026-10-09")

    assert record.sha256 == hashlib.sha256(leftover.read_bytes()).hexdigest()
    assert json.loads(read_zip(record)[1].read("manifest.json"))["archived_at"].startswith("2026-10-0")


def test_temporary_file_of_a_killed_attempt_is_removed(world, providers):
    case = withdrawn_case(world, "2026-09-28")
    directory = archive_dir(case)
    directory.mkdir(parents=True, exist_ok=True)
    stale = directory / (".case-%d-killed.tmp" % case.pk)
    stale.write_bytes(b"PK half a zip")
    other = directory / ".case-999999-other.tmp"
    other.write_bytes(b"another case's attempt")

    archive_on(case, "2026-10-08")

    assert not stale.exists()
    assert other.exists()


def test_altered_material_is_refused(world, providers):
    case = withdrawn_case(world, "2026-09-28")
    material = case.policy.materials.first()
    os.chmod(material.file.path, 0o644)
    Path(material.file.path).write_bytes("篡改后的内容".encode())

    with pytest.raises(archive.ArchiveError, match="altered"):
        archive_on(case, "2026-10-08")

    assert not ArchiveRecord.objects.exists()


# serialized_rollback restores the rows that data migrations load (the
# element catalog, the holiday calendar, content types) before the test and
# keeps the flush after it from recreating them for the next such test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not getattr(settings, "USING_POSTGRES", False), reason="row locks need PostgreSQL")
def test_concurrent_archivers_archive_once(monkeypatch):
    world = World()
    case = withdrawn_case(world, "2026-09-28")
    started = threading.Event()

    def slow(case):
        started.set()
        time.sleep(1)
        return []

    monkeypatch.setattr(archive, "ARCHIVE_DOCUMENT_PROVIDERS", [slow])
    results, errors = [], []

    def run():
        try:
            results.append(archive.archive_case(case.pk))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=run)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=run)
    second.start()
    for thread in (first, second):
        thread.join(timeout=30)

    assert errors == []
    # The second found the case locked and left it to the first.
    assert sorted(result is None for result in results) == [False, True]
    assert ArchiveRecord.objects.count() == 1


# -- read-only afterwards -------------------------------------------------------------


def test_archived_case_refuses_transitions(world, providers):
    case = withdrawn_case(world, "2026-09-28")
    archive_on(case, "2026-10-08")

    with pytest.raises(services.ReviewError, match="archived on"):
        services.withdraw(world.city_drafter, case, reason="再次撤回")


def test_archived_material_cannot_be_removed(world, providers):
    case = finish_live(world, city_case_accepted(world, "2026-09-28"), "2026-09-29")
    archive_on(case, "2026-10-08")
    services.prepare_adjustment(world.city_drafter, case.policy)
    archived = case.policy.materials.get(kind="draft_text")
    added = policy_services.add_material(
        world.city_drafter, case.policy, kind="change_explanation", uploaded=text_file("调整说明.txt")
    )

    with pytest.raises(PermissionDenied):
        policy_services.remove_material(world.city_drafter, archived)
    policy_services.remove_material(world.city_drafter, added)

    archived.refresh_from_db()
    added.refresh_from_db()
    assert archived.removed_at is None
    assert added.removed_at is not None


def test_ledger_entry_cannot_be_changed(world, providers):
    record = archive_on(withdrawn_case(world, "2026-09-28"), "2026-10-08")

    record.sha256 = "0" * 64
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ArchiveRecord.objects.filter(pk=record.pk).update(sha256="0" * 64)
    with pytest.raises(AppendOnlyError):
        ArchiveRecord.objects.all().delete()


# -- pages ---------------------------------------------------------------------------


def test_policy_page_shows_the_archive(world, providers, client):
    case = withdrawn_case(world, "2026-09-28")
    record = archive_on(case, "2026-10-08")
    client.force_login(world.city_drafter)

    page = client.get(reverse("review:policy_detail", args=[case.policy_id]), HTTP_ACCEPT_LANGUAGE="en")

    content = page.content.decode()
    assert record.sha256 in content
    assert reverse("review:archive_download", args=[record.pk]) in content
    assert "archived on 2026-10-08" in content
    for material in case.policy.materials.all():
        assert reverse("policies:material_remove", args=[material.pk]) not in content


@pytest.mark.parametrize(
    "viewer, status",
    [("city_drafter", 200), ("city_reviewer", 200), ("supervisor", 200), ("other_drafter", 404), ("drafter", 404)],
)
def test_archive_download_checks_access(world, providers, client, viewer, status):
    record = archive_on(withdrawn_case(world, "2026-09-28"), "2026-10-08")
    client.force_login(getattr(world, viewer))

    response = client.get(reverse("review:archive_download", args=[record.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/zip"
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == record.sha256


def test_archive_download_needs_login(world, providers, client):
    record = archive_on(withdrawn_case(world, "2026-09-28"), "2026-10-08")

    response = client.get(reverse("review:archive_download", args=[record.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
