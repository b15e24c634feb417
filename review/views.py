from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from policies.elements import display_value, missing_elements
from policies.events import describe
from policies.models import REQUIRED_MATERIALS, ElementDefinition, Material, Policy
from policies.services import can_edit
from policies.views import visible_policy
from workdays.clock import explain_clock, today
from workdays.models import Clock
from workdays.store import get_calendar

from . import services
from .comparison import compare_rounds
from .deadlines import deadline
from .forms import (
    FINDING_CHOICES,
    REASON_CHOICES,
    ChangeApplicationForm,
    CommentsForm,
    CorrectionForm,
    DisputeForm,
    GoLiveForm,
    MaterialsRequestForm,
    OpinionForm,
    PreliminaryForm,
    ReasonForm,
    ResponseForm,
)
from .models import ArchiveRecord, CaseKind, Finding, ReviewCase, State
from .workflow import TRANSITIONS, actor_may, is_lead_drafter

PAGE_SIZE = 25


def home(request):
    user = request.user
    if user.is_reviewer:
        return redirect("review:queue")
    if user.is_drafter:
        return redirect("review:inbox")
    if user.role in (Role.CONSULTED, Role.SUPERVISOR):
        return redirect("review:policy_list")
    if user.is_calendar_admin:
        return redirect("workdays:year_list")
    return render(request, "home_admin.html")


def _with_last_case(queryset):
    last_case = ReviewCase.objects.filter(policy=OuterRef("pk")).order_by("-opened_at", "-id")
    return queryset.annotate(
        case_state=Subquery(last_case.values("state")[:1]),
        case_id=Subquery(last_case.values("pk")[:1]),
    )


def policy_list(request):
    policies = Policy.objects.visible_to(request.user).select_related("lead_department", "region")
    query = request.GET.get("q", "").strip()
    if query:
        policies = policies.filter(Q(title__icontains=query) | Q(doc_number__icontains=query))
    state = request.GET.get("state", "")
    policies = _with_last_case(policies)
    if state == "draft":
        policies = policies.filter(case_id__isnull=True)
    elif state in State.values:
        policies = policies.filter(case_state=state)
    policies = policies.order_by("-updated_at", "-id")
    page = Paginator(policies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/policy_list.html",
        {"page": page, "query": query, "state": state, "states": State.choices},
    )


def _item_summaries(policy, case):
    definitions = list(ElementDefinition.objects.filter(active=True))
    findings = {}
    if case is not None:
        for finding in case.findings.filter(round=case.round):
            findings.setdefault(finding.item_id, []).append(finding)
    items = []
    for item in policy.items.prefetch_related("values__element"):
        values = {v.element.code: v.value for v in item.values.all()}
        values["item_name"] = {"text": item.name}
        missing = missing_elements(definitions, values)
        item_findings = findings.get(item.pk, [])
        items.append(
            {
                "item": item,
                "missing": missing,
                "filled": len(definitions) - len(missing),
                "total": len(definitions),
                "conforms": sum(1 for f in item_findings if f.status == Finding.Status.CONFORMS),
                "open": sum(1 for f in item_findings if f.is_open),
            }
        )
    return items


def policy_detail(request, pk):
    policy = visible_policy(request, pk)
    user = request.user
    case = (
        ReviewCase.objects.filter(policy=policy)
        .select_related("reviewing_bureau", "state_changed_by", "review_clock", "drafter_clock")
        .order_by("-opened_at", "-id")
        .first()
    )
    opinion = getattr(case, "opinion", None) if case else None

    # The opinion letter counts as received when someone of the drafting
    # department first opens the policy page after it was issued.
    if case and opinion and opinion.received_at is None and case.state == State.OPINION_ISSUED and is_lead_drafter(user, case):
        try:
            opinion = services.confirm_receipt(user, case)
            case.refresh_from_db()
        except services.ReviewError:
            pass

    editable = can_edit(user, policy)
    kind = case.kind if case and case.is_open else CaseKind.INITIAL
    # Listed in the order of article 5 of the measures, not by the stored code.
    order = {kind: index for index, kind in enumerate(Material.Kind.values)}
    materials = sorted(
        policy.materials.filter(removed_at__isnull=True).select_related("uploaded_by"),
        key=lambda m: (order.get(m.kind, len(order)), m.uploaded_at),
    )
    present = {m.kind for m in materials}
    calendar = get_calendar()
    findings_summary = {}
    if case:
        for finding in case.findings.filter(round=case.round):
            findings_summary[finding.status] = findings_summary.get(finding.status, 0) + 1
    coordinated = bool(
        case and case.disputes.filter(outcome="accepted").exists() and opinion and not opinion.passed
    )
    context = {
        "coordinated": coordinated,
        "policy": policy,
        "case": case,
        "items": _item_summaries(policy, case),
        "materials": materials,
        "missing_kinds": [k for k in REQUIRED_MATERIALS[kind] if k.value not in present],
        "editable": editable,
        "can_submit": editable
        and not policy.is_live
        and (case is None or not case.is_open or case.state in (State.MATERIALS_REQUESTED, State.CORRECTION_REQUESTED)),
        "gaps": services.submission_gaps(policy) if editable and not policy.is_live else [],
        "actions": [TRANSITIONS[name] for name in services.actions_for(user, case)] if case else [],
        "history": [{"event": e, "text": describe(e)} for e in policy.events.all().order_by("-at", "-id")],
        "notices": case.notices.all() if case else [],
        "opinion": opinion,
        "responses": case.responses.all() if case else [],
        "disputes": case.disputes.all() if case else [],
        "records": case.department_records.all() if case else [],
        "review_deadline": deadline(case.review_clock, calendar) if case and case.review_clock_id else None,
        "drafter_deadline": deadline(case.drafter_clock, calendar) if case and case.drafter_clock_id and case.is_open else None,
        "findings_summary": findings_summary,
        "co_departments": policy.co_departments.all(),
        "rounds": case.submissions.count() if case else 0,
        "archives": ArchiveRecord.objects.filter(case__policy=policy).select_related("case"),
    }
    context["can_apply_change"] = (
        policy.is_live
        and user.is_drafter
        and user.organization_id == policy.lead_department_id
        and (case is None or not case.is_open)
    )
    return render(request, "review/policy_detail.html", context)


def _case_for(request, pk):
    case = get_object_or_404(ReviewCase.objects.select_related("policy", "reviewing_bureau"), pk=pk)
    if not Policy.objects.visible_to(request.user).filter(pk=case.policy_id).exists():
        raise Http404
    return case


def _report(request, error):
    messages.error(request, error.message)
    for gap in error.gaps:
        messages.error(request, gap)


def submit(request, pk):
    policy = visible_policy(request, pk)
    if request.method != "POST":
        # A bookmarked or reloaded submit address leads back to the policy.
        return redirect("review:policy_detail", pk=policy.pk)
    try:
        case = services.submit_or_resubmit(request.user, policy)
    except services.ReviewError as error:
        _report(request, error)
    else:
        messages.success(
            request, _("Submitted to %(bureau)s for standardization review.") % {"bureau": case.reviewing_bureau.name}
        )
    return redirect("review:policy_detail", pk=policy.pk)


# Actions that take a form: name → (form class, call, success message).
FORM_ACTIONS = {
    "request_materials": (
        MaterialsRequestForm,
        lambda user, case, data: services.request_materials(
            user, case, entries=data["entries"], days=data["days"], note=data["note"]
        ),
        gettext_lazy("The notice listing the missing materials was sent to the drafter."),
    ),
    "request_correction": (
        CorrectionForm,
        lambda user, case, data: services.request_correction(
            user, case, days=data["days"], note=data["note"], repeat_reason=data["repeat_reason"]
        ),
        gettext_lazy("The correction notice was sent; the review period is paused until the corrections arrive."),
    ),
    "pass_preliminary": (
        PreliminaryForm,
        lambda user, case, data: services.pass_preliminary(user, case, comments=data["comments"]),
        gettext_lazy("The preliminary review is finished and the case was forwarded to the city."),
    ),
    "issue_opinion": (
        OpinionForm,
        lambda user, case, data: services.issue_opinion(
            user, case, conclusion=data["conclusion"], reasons=data["reasons"]
        ),
        gettext_lazy("The opinion letter was issued."),
    ),
    "respond": (
        ResponseForm,
        lambda user, case, data: services.respond(user, case, kind=data["kind"], text=data["text"]),
        gettext_lazy("Your response was recorded."),
    ),
    "resolve_dispute": (
        DisputeForm,
        lambda user, case, data: services.resolve_dispute(
            user,
            case,
            outcome=data["outcome"],
            reviewer_position=data["reviewer_position"],
            resolution=data["resolution"],
        ),
        gettext_lazy("The resolution was recorded."),
    ),
    "confirm_golive": (
        GoLiveForm,
        lambda user, case, data: services.confirm_golive(
            user, case, approved_on=data["approved_on"], golive_on=data["golive_on"]
        ),
        gettext_lazy("The go-live date was confirmed and the reviewer informed."),
    ),
    "withdraw": (
        ReasonForm,
        lambda user, case, data: services.withdraw(user, case, reason=data["reason"]),
        gettext_lazy("The submission was withdrawn."),
    ),
    "approve_offline": (
        CommentsForm,
        lambda user, case, data: services.approve_offline(user, case, comments=data["comments"]),
        gettext_lazy("The policy goes offline on the date the repeal takes effect."),
    ),
}

POST_ACTIONS = {
    "accept": (services.accept, gettext_lazy("The submission was accepted. The review period has started.")),
    "confirm_receipt": (services.confirm_receipt, gettext_lazy("Receipt confirmed. You have 5 working days to respond.")),
    "mark_live": (services.mark_live, gettext_lazy("The policy is live.")),
}


def case_action(request, pk, name):
    case = _case_for(request, pk)
    if name in POST_ACTIONS:
        if request.method != "POST":
            return redirect("review:policy_detail", pk=case.policy_id)
        call, success = POST_ACTIONS[name]
        try:
            call(request.user, case)
        except services.ReviewError as error:
            _report(request, error)
        else:
            messages.success(request, success)
        return redirect("review:policy_detail", pk=case.policy_id)

    if name not in FORM_ACTIONS:
        raise Http404
    if name not in services.actions_for(request.user, case):
        transition = TRANSITIONS[name]
        if case.state not in transition.sources and actor_may(request.user, case, transition):
            # The case moved on while the form was open, for example after
            # a colleague acted in another tab.
            messages.error(request, services.already_handled_message(case))
            return redirect("review:policy_detail", pk=case.policy_id)
        raise PermissionDenied(_("This action is not available to you for this case now."))
    form_class, call, success = FORM_ACTIONS[name]
    initial = {}
    extra = {}
    if name == "request_materials":
        initial["entries"] = "\n".join(services.submission_gaps(case.policy, case.kind))
    if name == "request_correction":
        extra["open_findings"] = services.open_findings(case)
        extra["is_repeat"] = case.notices.filter(kind="correction", stage=case.stage).exists()
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            call(request.user, case, form.cleaned_data)
        except services.ReviewError as error:
            _report(request, error)
        else:
            messages.success(request, success)
            return redirect("review:policy_detail", pk=case.policy_id)
    context = {"form": form, "case": case, "policy": case.policy, "transition": TRANSITIONS[name], **extra}
    return render(request, "review/action_form.html", context)


def findings(request, pk):
    """Record the reviewer's element-by-element findings for the current round."""
    case = _case_for(request, pk)
    if "record_findings" not in services.actions_for(request.user, case):
        raise PermissionDenied(_("Findings are recorded by the reviewing bureau during review."))
    definitions = list(ElementDefinition.objects.filter(active=True))
    items = list(case.policy.items.prefetch_related("values__element"))
    current = {(f.item_id, f.element_id): f for f in case.findings.filter(round=case.round)}
    previous = {}
    for f in case.findings.filter(round__lt=case.round).order_by("round"):
        previous[(f.item_id, f.element_id)] = f

    if request.method == "POST":
        entries = []
        for item in items:
            for definition in definitions:
                key = "%s-%s" % (item.pk, definition.pk)
                entries.append(
                    {
                        "item": item,
                        "element": definition,
                        "status": request.POST.get("status-" + key, ""),
                        "reason": request.POST.get("reason-" + key, ""),
                        "comment": request.POST.get("comment-" + key, ""),
                    }
                )
        try:
            saved = services.record_findings(request.user, case, entries)
        except services.ReviewError as error:
            _report(request, error)
        else:
            messages.success(request, _("%(count)s findings saved.") % {"count": saved})
            if request.POST.get("then") == "notice":
                return redirect("review:action", pk=case.pk, name="request_correction")
            return redirect("review:findings", pk=case.pk)

    rows = []
    for item in items:
        values = {v.element_id: v.value for v in item.values.all()}
        item_rows = []
        for definition in definitions:
            key = "%s-%s" % (item.pk, definition.pk)
            value = {"text": item.name} if definition.code == "item_name" else values.get(definition.pk)
            finding = current.get((item.pk, definition.pk))
            posted = request.POST if request.method == "POST" else {}
            item_rows.append(
                {
                    "key": key,
                    "definition": definition,
                    "text": display_value(definition, value),
                    "empty": not value,
                    "finding": finding,
                    "previous": previous.get((item.pk, definition.pk)),
                    "status": posted.get("status-" + key, finding.status if finding else ""),
                    "reason": posted.get("reason-" + key, finding.reason if finding else ""),
                    "comment": posted.get("comment-" + key, finding.comment if finding else ""),
                    "locked": finding is not None and finding.notice_id is not None,
                }
            )
        rows.append({"item": item, "rows": item_rows})
    return render(
        request,
        "review/findings.html",
        {
            "case": case,
            "policy": case.policy,
            "items": rows,
            "status_choices": FINDING_CHOICES,
            "reason_choices": REASON_CHOICES,
        },
    )


def compare(request, pk):
    case = _case_for(request, pk)
    numbers = list(case.submissions.values_list("number", flat=True))
    if not numbers:
        raise Http404
    try:
        number = int(request.GET.get("round", numbers[-1]))
    except ValueError:
        number = numbers[-1]
    if number not in numbers:
        raise Http404
    return render(
        request,
        "review/compare.html",
        {"case": case, "policy": case.policy, "comparison": compare_rounds(case, number), "numbers": numbers, "number": number},
    )


def clock_explanation(request, pk):
    """Explain a deadline step by step to a user who may read the case it belongs to."""
    clock = get_object_or_404(Clock, pk=pk)
    case = ReviewCase.objects.filter(Q(review_clock=clock) | Q(drafter_clock=clock)).select_related("policy").first()
    if case is None or not Policy.objects.visible_to(request.user).filter(pk=case.policy_id).exists():
        raise Http404
    return render(
        request,
        "review/clock_explanation.html",
        {
            "clock": clock,
            "explanation": explain_clock(clock),
            "case": case,
            "policy": case.policy,
            "deadline": deadline(clock),
            "events": clock.events.select_related("actor"),
        },
    )


def archive_download(request, pk):
    """Send the archive of a finished review to a user who may read its policy."""
    record = get_object_or_404(ArchiveRecord.objects.select_related("case"), pk=pk)
    if not Policy.objects.visible_to(request.user).filter(pk=record.case.policy_id).exists():
        raise Http404
    try:
        handle = record.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The archive file is missing. Tell the system administrator.")) from None
    filename = "policyhub-review-%d.zip" % record.case_id
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")


def _work_list(request, cases, clock_field, waiting_states, template):
    """Render a paginated list of cases with the deadline figures of `clock_field`, filtered by state."""
    state = request.GET.get("state", "")
    if state in waiting_states:
        cases = cases.filter(state=state)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    calendar = get_calendar()
    on_day = today()
    rows = [{"case": case, "deadline": deadline(getattr(case, clock_field), calendar, on_day)} for case in page]
    states = [(s.value, s.label) for s in State if s in waiting_states]
    return render(request, template, {"page": page, "rows": rows, "state": state, "states": states})


def queue(request):
    if not request.user.is_reviewer:
        raise PermissionDenied(_("The review queue is for reviewers."))
    cases = services.reviewer_queue(request.user)
    return _work_list(request, cases, "review_clock", State.with_reviewer(), "review/queue.html")


def inbox(request):
    if not request.user.is_drafter:
        raise PermissionDenied(_("The inbox is for drafting departments."))
    cases = services.drafter_inbox(request.user)
    return _work_list(request, cases, "drafter_clock", State.with_drafter(), "review/inbox.html")


def apply_change(request, pk):
    """Apply for the re-review of an adjustment, or for taking a live policy offline (第十三条)."""
    policy = visible_policy(request, pk)
    user = request.user
    if not (user.is_drafter and user.organization_id == policy.lead_department_id and policy.is_live):
        raise PermissionDenied(_("Only the lead department of a live policy can apply for an adjustment or repeal."))
    form = ChangeApplicationForm(request.POST or None, initial={"kind": request.GET.get("kind", CaseKind.ADJUSTMENT)})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.submit(
                user,
                policy,
                kind=form.cleaned_data["kind"],
                effective_on=form.cleaned_data["effective_on"],
                explanation=form.cleaned_data["explanation"],
            )
        except services.ReviewError as error:
            _report(request, error)
        else:
            if case.is_late:
                messages.warning(
                    request,
                    _("The application was due by %(date)s and is recorded as late.") % {"date": case.apply_by.isoformat()},
                )
            messages.success(request, _("The application was submitted to %(bureau)s.") % {"bureau": case.reviewing_bureau.name})
            return redirect("review:policy_detail", pk=policy.pk)
    materials = {m.kind for m in policy.materials.filter(removed_at__isnull=True)}
    return render(
        request,
        "review/change_form.html",
        {"form": form, "policy": policy, "material_kinds": Material.Kind, "present": materials},
    )


@require_POST
def prepare_adjustment(request, pk):
    policy = visible_policy(request, pk)
    try:
        services.prepare_adjustment(request.user, policy)
    except services.ReviewError as error:
        _report(request, error)
    else:
        messages.success(request, _("You can now edit the policy. When it is ready, apply for the adjustment re-review."))
    return redirect("review:policy_detail", pk=policy.pk)
