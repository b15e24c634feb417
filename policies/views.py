from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User

from . import services
from .elements import display_value
from .forms import GrantForm, ItemForm, MaterialForm, PolicyForm
from .models import ElementDefinition, Material, Policy, ServiceItem


def visible_policy(request, pk):
    """Return the policy if the user may read it; 404 otherwise, so that its existence is not revealed."""
    return get_object_or_404(Policy.objects.visible_to(request.user).select_related("lead_department", "region"), pk=pk)


def editable_policy(request, pk):
    policy = visible_policy(request, pk)
    if not services.can_edit(request.user, policy):
        raise PermissionDenied(_("You cannot change this policy now."))
    return policy


def policy_create(request):
    user = request.user
    if not user.is_drafter or user.organization is None:
        raise PermissionDenied(_("Only drafters of a department can create policies."))
    form = PolicyForm(request.POST or None, lead_department=user.organization)
    if request.method == "POST" and form.is_valid():
        policy = services.create_policy(
            user,
            title=form.cleaned_data["title"],
            lead_department=user.organization,
            co_departments=form.cleaned_data["co_departments"],
            doc_number=form.cleaned_data["doc_number"],
            summary=form.cleaned_data["summary"],
            issued_on=form.cleaned_data["issued_on"],
        )
        messages.success(request, _("The policy was created. Now add its service items and materials."))
        return redirect("review:policy_detail", pk=policy.pk)
    return render(request, "policies/policy_form.html", {"form": form, "policy": None})


def policy_edit(request, pk):
    policy = editable_policy(request, pk)
    form = PolicyForm(request.POST or None, instance=policy, lead_department=policy.lead_department)
    if request.method == "POST" and form.is_valid():
        services.update_policy(
            request.user,
            policy,
            title=form.cleaned_data["title"],
            co_departments=form.cleaned_data["co_departments"],
            doc_number=form.cleaned_data["doc_number"],
            summary=form.cleaned_data["summary"],
            issued_on=form.cleaned_data["issued_on"],
        )
        messages.success(request, _("The policy was saved."))
        return redirect("review:policy_detail", pk=policy.pk)
    return render(request, "policies/policy_form.html", {"form": form, "policy": policy})


def item_edit(request, pk, item_pk=None):
    policy = editable_policy(request, pk)
    item = get_object_or_404(ServiceItem, pk=item_pk, policy=policy) if item_pk else None
    definitions = ElementDefinition.objects.filter(active=True)
    values = {}
    if item is not None:
        values = {v.element.code: v.value for v in item.values.select_related("element")}
    form = ItemForm(
        request.POST or None,
        definitions=definitions,
        values=values,
        initial={"name": item.name if item else "", "version": services.item_version(item)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.save_item(
                request.user,
                policy,
                name=form.cleaned_data["name"],
                values=form.element_values,
                item=item,
                version=(form.cleaned_data["version"] or None) if item is not None else None,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The service item “%(name)s” was saved.") % {"name": item.name})
            return redirect("review:policy_detail", pk=policy.pk)
    elif request.method == "POST":
        messages.error(request, _("Some values are not valid. They are marked below; nothing else was lost."))
    return render(request, "policies/item_form.html", {"form": form, "policy": policy, "item": item})


@require_POST
def item_delete(request, pk, item_pk):
    policy = editable_policy(request, pk)
    item = get_object_or_404(ServiceItem, pk=item_pk, policy=policy)
    services.delete_item(request.user, item)
    messages.success(request, _("The service item was deleted."))
    return redirect("review:policy_detail", pk=policy.pk)


def material_upload(request, pk):
    policy = editable_policy(request, pk)
    form = MaterialForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_material(
                request.user, policy, kind=form.cleaned_data["kind"], uploaded=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("The material was uploaded."))
            return redirect("review:policy_detail", pk=policy.pk)
    return render(request, "policies/material_form.html", {"form": form, "policy": policy})


def material_download(request, pk):
    material = get_object_or_404(Material, pk=pk)
    if not Policy.objects.visible_to(request.user).filter(pk=material.policy_id).exists():
        raise Http404
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The stored file is missing. Tell the system administrator.")) from None
    return FileResponse(handle, as_attachment=True, filename=material.original_name, content_type=material.content_type)


@require_POST
def material_remove(request, pk):
    material = get_object_or_404(Material, pk=pk)
    editable_policy(request, material.policy_id)
    services.remove_material(request.user, material)
    messages.success(request, _("The material was removed."))
    return redirect("review:policy_detail", pk=material.policy_id)


def element_table(request, pk):
    """Render the service-item element table (服务事项办理要素情况表) from the structured data."""
    policy = visible_policy(request, pk)
    definitions = list(ElementDefinition.objects.filter(active=True))
    items = []
    for item in policy.items.prefetch_related("values__element"):
        values = {v.element.code: v.value for v in item.values.all()}
        groups = []
        for group_value, group_label in ElementDefinition.Group.choices:
            rows = []
            for definition in definitions:
                if definition.group != group_value:
                    continue
                value = {"text": item.name} if definition.code == "item_name" else values.get(definition.code)
                rows.append(
                    {
                        "definition": definition,
                        "text": display_value(definition, value),
                        "missing": definition.required and not value,
                    }
                )
            if rows:
                groups.append({"label": group_label, "rows": rows})
        items.append({"item": item, "groups": groups})
    return render(request, "policies/element_table.html", {"policy": policy, "items": items})


def sharing(request, pk):
    policy = visible_policy(request, pk)
    if not (request.user.is_drafter and request.user.organization_id == policy.lead_department_id):
        raise PermissionDenied(_("Only the lead department can share this policy."))
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grantee = User.objects.filter(username=form.cleaned_data["username"], is_active=True).first()
        if grantee is None:
            form.add_error("username", _("No active user has this user name. Check the spelling."))
        else:
            try:
                services.grant_view(request.user, policy, grantee)
            except ValidationError as error:
                form.add_error("username", error)
            else:
                messages.success(request, _("%(user)s can now read this policy.") % {"user": grantee})
                return redirect("policies:sharing", pk=policy.pk)
    from guardian.shortcuts import get_users_with_perms

    grantees = get_users_with_perms(policy, only_with_perms_in=["view_policy"], with_group_users=False)
    return render(request, "policies/sharing.html", {"policy": policy, "form": form, "grantees": grantees})


@require_POST
def sharing_revoke(request, pk, user_pk):
    policy = visible_policy(request, pk)
    grantee = get_object_or_404(User, pk=user_pk)
    services.revoke_view(request.user, policy, grantee)
    messages.success(request, _("%(user)s can no longer read this policy.") % {"user": grantee})
    return redirect("policies:sharing", pk=policy.pk)
