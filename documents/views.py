import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from kombu.exceptions import OperationalError

from policies.views import visible_policy
from review.models import Notice, Opinion, Submission
from workdays.clock import today
from workdays.store import get_calendar

from . import content, delivery, export, tasks
from .fonts import FontError
from .forms import LedgerFilterForm
from .ledger import COLUMNS, build_row, ledger_cases, ledger_scope
from .models import ExportRecord
from .pdf import render_pdf
from .word import build_docx

logger = logging.getLogger(__name__)

LEDGER_PAGE_SIZE = 25

FILE_FORMATS = {
    "pdf": ("application/pdf", render_pdf),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", build_docx),
}


def _requested_format(request):
    file_format = request.GET.get("format", "pdf")
    if file_format not in FILE_FORMATS:
        return None
    return file_format


def _file_response(request, document, file_format):
    content_type, build = FILE_FORMATS[file_format]
    try:
        data = build(document)
    except FontError as error:
        logger.error("document %s %s not rendered: %s", document.kind, document.number, error)
        return HttpResponse(
            _("The document cannot be rendered because a font is missing. Tell the system administrator."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type=content_type)
    # PDFs open in the browser when asked; everything else is a download.
    as_attachment = not (file_format == "pdf" and request.GET.get("inline") == "1")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment, "%s.%s" % (document.file_stem, file_format)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _bad_format():
    return HttpResponseBadRequest(
        _("Unknown format. Use format=pdf or format=docx."), content_type="text/plain; charset=utf-8"
    )


def notice_document(request, pk):
    """Send a materials notice or correction notice; opening it counts as receipt by the drafting department."""
    notice = get_object_or_404(Notice.objects.select_related("case", "case__policy", "sent_by__organization"), pk=pk)
    policy = visible_policy(request, notice.case.policy_id)
    file_format = _requested_format(request)
    if file_format is None:
        return _bad_format()
    notice.case.policy = policy
    response = _file_response(request, content.notice_document(notice), file_format)
    if response.status_code == 200:
        delivery.record_opening(request.user, notice=notice, file_format=file_format)
    return response


def opinion_document(request, pk):
    """Send the opinion letter; the drafting department's first opening confirms receipt and starts its clock."""
    opinion = get_object_or_404(Opinion.objects.select_related("case", "issuing_bureau"), pk=pk)
    policy = visible_policy(request, opinion.case.policy_id)
    file_format = _requested_format(request)
    if file_format is None:
        return _bad_format()
    opinion.case.policy = policy
    response = _file_response(request, content.opinion_document(opinion), file_format)
    if response.status_code == 200:
        delivery.record_opening(request.user, opinion=opinion, file_format=file_format)
    return response


def element_table_document(request, pk):
    """Send the element table of a policy: its current items, or those of submission round `round`."""
    policy = visible_policy(request, pk)
    file_format = _requested_format(request)
    if file_format is None:
        return _bad_format()
    submission = None
    round_number = request.GET.get("round")
    if round_number:
        if not round_number.isdigit():
            raise Http404
        submission = (
            Submission.objects.filter(case__policy=policy, number=int(round_number))
            .order_by("-case__opened_at", "-case_id")
            .first()
        )
        if submission is None:
            raise Http404
    return _file_response(request, content.element_table_document(policy, submission), file_format)


# -- the ledger ----------------------------------------------------------------


def ledger(request):
    """Show the review ledger, filtered and paginated, with its export buttons."""
    ledger_scope(request.user)  # raises PermissionDenied for anyone but reviewers and supervisors
    form = LedgerFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = ledger_cases(request.user, filters)
    page = Paginator(cases, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    calendar = get_calendar()
    on_day = today()
    rows = [
        {
            "policy_id": case.policy_id,
            "cells": list(zip(COLUMNS, build_row(case, calendar, on_day).values(), strict=True)),
        }
        for case in page
    ]
    recent_exports = ExportRecord.objects.filter(requested_by=request.user).order_by("-requested_at", "-id")[:5]
    return render(
        request,
        "documents/ledger.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "columns": COLUMNS,
            "recent_exports": recent_exports,
            "filter_query": _filter_query(request),
        },
    )


def _filter_query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query


@require_POST
def ledger_export(request):
    """Export the filtered ledger: small exports return the file, large ones run in the background."""
    ledger_scope(request.user)
    file_format = request.POST.get("format", "")
    if file_format not in ExportRecord.Format.values:
        return HttpResponseBadRequest(_("Unknown format. Use xlsx or csv."), content_type="text/plain; charset=utf-8")
    form = LedgerFilterForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("documents:ledger")

    record = export.create_export(request.user, form, file_format)
    if record.is_background:
        transaction.on_commit(lambda: _enqueue(record.pk))
        messages.info(
            request,
            _("The export of %(count)s rows runs in the background. This page shows its progress.")
            % {"count": record.total_rows},
        )
        return redirect("documents:export_status", pk=record.pk)

    record = export.run_export(record.pk)
    if record.status != ExportRecord.Status.DONE:
        messages.error(request, _("The export failed. Try again, or tell the system administrator."))
        return redirect("documents:export_status", pk=record.pk)
    return _export_file_response(record)


def _enqueue(record_id):
    try:
        tasks.export_ledger.delay(record_id)
    except OperationalError as error:
        logger.error("ledger export %s not queued: %s", record_id, error)
        ExportRecord.objects.filter(pk=record_id).update(
            status=ExportRecord.Status.FAILED, error="The task queue is not reachable: %s" % error
        )


def _own_export(request, pk):
    """Return the requester's own export record; 404 for anyone else."""
    ledger_scope(request.user)
    return get_object_or_404(ExportRecord, pk=pk, requested_by=request.user)


def _export_file_response(record):
    try:
        handle = record.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The export file is missing. Export the ledger again.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export.download_name(record),
        content_type=export.CONTENT_TYPES[record.format],
    )


def export_status(request, pk):
    record = _own_export(request, pk)
    return render(request, "documents/export_status.html", {"record": record})


def export_progress(request, pk):
    """Return the progress of an export as JSON, for the status page's script."""
    record = _own_export(request, pk)
    done = record.status == ExportRecord.Status.DONE
    return JsonResponse(
        {
            "status": record.status,
            "status_label": record.get_status_display(),
            "percent": record.percent,
            "rows_written": record.rows_written,
            "total_rows": record.total_rows,
            "download_url": reverse("documents:export_download", args=[record.pk]) if done else "",
            "error": _("The export failed. Try again, or tell the system administrator.")
            if record.status == ExportRecord.Status.FAILED
            else "",
        }
    )


def export_download(request, pk):
    record = _own_export(request, pk)
    if record.status != ExportRecord.Status.DONE:
        raise Http404(_("This export has not finished."))
    return _export_file_response(record)
