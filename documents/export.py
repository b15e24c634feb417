"""Ledger exports: the ExportRecord of each one and the file it produces.

A small export runs inside the request; one above DOCUMENTS_EXPORT_ASYNC_ROWS
rows runs as the Celery task `documents.tasks.export_ledger`. Both call
`run_export`, which writes the file to a temporary path, stores it with the
record and reports progress on the record as it goes.
"""

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from . import conf, writers
from .forms import LedgerFilterForm
from .ledger import COLUMNS, iter_rows, ledger_cases
from .models import ExportRecord

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ExportRecord.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportRecord.Format.CSV: "text/csv; charset=utf-8",
}


def download_name(record):
    local = timezone.localtime(record.requested_at)
    return "标准化审查工作台帐-%s.%s" % (local.strftime("%Y%m%d-%H%M%S"), record.format)


def create_export(user, form, file_format):
    """Record an export request of the rows matching a valid LedgerFilterForm; return the record.

    The record runs in the background when the row count is above the
    configured threshold.
    """
    total = ledger_cases(user, form.cleaned_data).count()
    return ExportRecord.objects.create(
        requested_by=user,
        filters=form.filter_json(),
        format=file_format,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        is_background=total > conf.export_async_rows(),
        total_rows=total,
    )


def _claim(record_id):
    """Mark a waiting record as running and return it, or return None when another run already took it."""
    with transaction.atomic():
        record = ExportRecord.objects.select_for_update().select_related("requested_by").get(pk=record_id)
        if record.status != ExportRecord.Status.PENDING:
            return None
        record.status = ExportRecord.Status.RUNNING
        record.save(update_fields=["status"])
    return record


def _fail(record, message):
    ExportRecord.objects.filter(pk=record.pk).update(
        status=ExportRecord.Status.FAILED, error=message, finished_at=timezone.now()
    )


def run_export(record_id):
    """Write the file of a waiting export record and store it; return the record as it ends.

    A record that is not waiting is returned unchanged, so a task delivered
    twice writes the file once. Errors are logged and stored on the record.
    """
    record = _claim(record_id)
    if record is None:
        return ExportRecord.objects.get(pk=record_id)

    user = record.requested_by

    def report(count):
        ExportRecord.objects.filter(pk=record.pk).update(rows_written=count)

    try:
        with translation.override(record.language or settings.LANGUAGE_CODE):
            form = LedgerFilterForm(record.filters, user=user)
            if not form.is_valid():
                _fail(record, "The stored filter is no longer valid: %s" % form.errors.as_json())
                logger.warning("ledger export %s: stored filter invalid: %s", record.pk, form.errors.as_json())
                return ExportRecord.objects.get(pk=record.pk)
            cases = ledger_cases(user, form.cleaned_data)
            rows = (row.values() for row in iter_rows(cases))
            with tempfile.TemporaryDirectory(prefix="policyhub-export-") as directory:
                path = Path(directory) / ("ledger.%s" % record.format)
                count = writers.WRITERS[record.format](path, COLUMNS, rows, on_progress=report)
                with path.open("rb") as handle:
                    record.file.save(download_name(record), File(handle), save=False)
    except Exception as error:  # noqa: BLE001 - the record must end as failed whatever went wrong
        logger.exception("ledger export %s failed", record.pk)
        _fail(record, "%s: %s" % (type(error).__name__, error))
        return ExportRecord.objects.get(pk=record.pk)

    record.status = ExportRecord.Status.DONE
    record.row_count = count
    record.rows_written = count
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "row_count", "rows_written", "finished_at", "file"])
    logger.info("ledger export %s done: %s rows as %s", record.pk, count, record.format)
    return record
