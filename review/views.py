from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from policies.elements import missing_elements
from policies.events import describe
from policies.models import ElementDefinition, Material, Policy
from policies.services import can_edit
from policies.views import visible_policy

from . import services
from .forms import MaterialsRequestForm, OpinionForm, PreliminaryForm, default_due
from .models import ReviewCase, State

PAGE_SIZE = 25


def home(request):
    user = request.user
    if user.is_reviewer:
        return redirect("review:queue")
    if user.role in (Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.CONSULTED, Role.SUPERVISOR):
        return redirect("review:policy_list")
    if user.is_calendar_admin:
        return redirect("workdays:year_list")
    return render(request, "home_admin.html")


def _with_open_case(queryset):
    open_cases = ReviewCase.objects.filter(policy=OuterRef("pk"), closed_at__isnull=True)
    last_case = ReviewCase.objects.filter(policy=OuterRef("pk")).order_by("-opened_at", "-id")
    return queryset.annotate(
        case_state=Subquery(last_case.values("state")[:1]),
        case_id=Subquery(last_case.values("pk")[:1]),
        case_open=Subquery(open_cases.values("pk")[:1]),
    )


def policy_list(request):
    policies = Policy.objects.visible_to(request.user).select_related("lead_department", "region")
    query = request.GET.get("q", "").strip()
    if query:
        policies = policies.filter(Q(title__icontains=query) | Q(doc_number__icontains=query))
    state = request.GET.get("state", "")
    policies = _with_open_case(policies)
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


def policy_detail(request, pk):
    policy = visible_policy(request, pk)
    user = request.user
    case = (
        ReviewCase.objects.filter(policy=policy)
        .select_related("reviewing_bureau", "state_changed_by")
        .order_by("-opened_at", "-id")
        .first()
    )
    definitions = list(ElementDefinition.objects.filter(active=True))
    items = []
    for item in policy.items.prefetch_related("values__element"):
        values = {v.element.code: v.value for v in item.values.all()}
        values["item_name"] = {"text": item.name}
        missing = missing_elements(definitions, values)
        items.append({"item": item, "missing": missing, "filled": len(definitions) - len(missing), "total": len(definitions)})
    materials = policy.materials.filter(removed_at__isnull=True).select_related("uploaded_by")
    present = {m.kind for m in materials}
    missing_kinds = [kind for kind in Material.Kind if kind.value not in present]
    editable = can_edit(user, policy)
    gaps = services.submission_gaps(policy) if editable else []
    history = [
        {"event": event, "text": describe(event)}
        for event in policy.events.all().order_by("-at", "-id")
    ]
    context = {
        "policy": policy,
        "case": case,
        "items": items,
        "materials": materials,
        "missing_kinds": missing_kinds,
        "material_kinds": Material.Kind.choices,
        "editable": editable,
        "can_submit": editable and (case is None or case.state in State.editable_by_drafter() or not case.is_open),
        "gaps": gaps,
        "actions": services.actions_for(user, case) if case and case.is_open else [],
        "history": history,
        "notices": case.notices.all() if case else [],
        "opinion": getattr(case, "opinion", None) if case else None,
        "is_lead": user.is_drafter and user.organization_id == policy.lead_department_id,
        "co_departments": policy.co_departments.all(),
    }
    return render(request, "review/policy_detail.html", context)


def _case_for(request, pk):
    case = get_object_or_404(ReviewCase.objects.select_related("policy", "reviewing_bureau"), pk=pk)
    if not Policy.objects.visible_to(request.user).filter(pk=case.policy_id).exists():
        from django.http import Http404

        raise Http404
    return case


def _run(request, action, *args, **kwargs):
    try:
        return action(request.user, *args, **kwargs), True
    except services.ReviewError as error:
        messages.error(request, error.message)
        for gap in error.gaps:
            messages.error(request, gap)
        return None, False


@require_POST
def submit(request, pk):
    policy = visible_policy(request, pk)
    case, ok = _run(request, services.submit, policy)
    if ok:
        messages.success(
            request, _("Submitted to %(bureau)s for standardization review.") % {"bureau": case.reviewing_bureau.name}
        )
    return redirect("review:policy_detail", pk=policy.pk)


@require_POST
def accept(request, pk):
    case = _case_for(request, pk)
    _result, ok = _run(request, services.accept, case)
    if ok:
        messages.success(request, _("The submission was accepted. The review period has started."))
    return redirect("review:policy_detail", pk=case.policy_id)


def request_materials(request, pk):
    case = _case_for(request, pk)
    if "request_materials" not in services.actions_for(request.user, case):
        raise PermissionDenied(_("You cannot return this submission now."))
    gaps = services.submission_gaps(case.policy)
    form = MaterialsRequestForm(
        request.POST or None,
        initial={"entries": "\n".join(gaps), "due_on": default_due(timezone.localdate(), 7)},
    )
    if request.method == "POST" and form.is_valid():
        _result, ok = _run(
            request,
            services.request_materials,
            case,
            entries=form.cleaned_data["entries"],
            due_on=form.cleaned_data["due_on"],
            note=form.cleaned_data["note"],
        )
        if ok:
            messages.success(request, _("The notice listing the missing materials was sent to the drafter."))
            return redirect("review:policy_detail", pk=case.policy_id)
    return render(request, "review/materials_request_form.html", {"form": form, "case": case, "policy": case.policy})


def pass_preliminary(request, pk):
    case = _case_for(request, pk)
    if "pass_preliminary" not in services.actions_for(request.user, case):
        raise PermissionDenied(_("You cannot finish the preliminary review of this case now."))
    form = PreliminaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _result, ok = _run(request, services.pass_preliminary, case, comments=form.cleaned_data["comments"])
        if ok:
            messages.success(request, _("The preliminary review is finished and the case was forwarded to the city."))
            return redirect("review:queue")
    return render(request, "review/preliminary_form.html", {"form": form, "case": case, "policy": case.policy})


def issue_opinion(request, pk):
    case = _case_for(request, pk)
    if "issue_opinion" not in services.actions_for(request.user, case):
        raise PermissionDenied(_("You cannot issue the opinion on this case now."))
    form = OpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        opinion, ok = _run(
            request, services.issue_opinion, case, conclusion=form.cleaned_data["conclusion"], reasons=form.cleaned_data["reasons"]
        )
        if ok:
            messages.success(request, _("Opinion letter %(number)s was issued.") % {"number": opinion.number})
            return redirect("review:policy_detail", pk=case.policy_id)
    return render(request, "review/opinion_form.html", {"form": form, "case": case, "policy": case.policy})


def queue(request):
    if not request.user.is_reviewer:
        raise PermissionDenied(_("The review queue is for reviewers."))
    cases = services.reviewer_queue(request.user)
    state = request.GET.get("state", "")
    if state in State.values:
        cases = cases.filter(state=state)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/queue.html", {"page": page, "state": state, "states": State.choices})
