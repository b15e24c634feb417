"""Changes to policies, service items and materials.

Views, the API, tasks and commands all go through these functions, so the
rules on who may edit what are stated once.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import ADMIN_ROLES, Role

from . import events
from .elements import clean_value
from .models import ElementDefinition, ElementValue, Material, Policy, ServiceItem
from .uploads import check_upload

logger = logging.getLogger(__name__)


def can_edit(user, policy):
    """Return whether `user` may change the content of `policy` now."""
    return (
        user.is_authenticated
        and user.role in (Role.DRAFTER, Role.DEPARTMENT_HEAD)
        and user.organization_id == policy.lead_department_id
        and not policy.is_locked
    )


def _check_edit(user, policy):
    if not (user.is_authenticated and user.organization_id == policy.lead_department_id and user.is_drafter):
        raise PermissionDenied(_("Only the drafters of the lead department can change this policy."))
    if policy.is_locked:
        raise PermissionDenied(_("The policy is under review and cannot be changed now."))


def create_policy(user, *, title, lead_department, co_departments=(), doc_number="", summary="", issued_on=None):
    if not (user.is_drafter and user.organization_id == lead_department.pk):
        raise PermissionDenied(_("A policy is created by a drafter of its lead department."))
    with transaction.atomic():
        policy = Policy.objects.create(
            title=title,
            doc_number=doc_number,
            lead_department=lead_department,
            summary=summary,
            issued_on=issued_on,
            created_by=user,
        )
        policy.co_departments.set([d for d in co_departments if d.pk != lead_department.pk])
        events.record(policy, "policy.created", user, title=title)
    logger.info("policy.created policy=%s user=%s", policy.pk, user.pk)
    return policy


def update_policy(user, policy, *, title, co_departments, doc_number, summary, issued_on):
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        _check_edit(user, policy)
        policy.title = title
        policy.doc_number = doc_number
        policy.summary = summary
        policy.issued_on = issued_on
        policy.save()
        policy.co_departments.set([d for d in co_departments if d.pk != policy.lead_department_id])
        events.record(policy, "policy.updated", user)
    return policy


def item_version(item):
    """Return the token an edit form carries to detect that someone else saved the item meanwhile."""
    return item.updated_at.isoformat() if item is not None else ""


def save_item(user, policy, *, name, values, item=None, version=None):
    """Create or update a service item with its element values.

    `values` maps element codes to raw JSON values, each validated with
    `clean_value`. Every invalid element is reported at once, in one
    ValidationError keyed by code. Empty values remove the stored value.
    """
    definitions = {d.code: d for d in ElementDefinition.objects.filter(active=True)}
    errors = {}
    cleaned = {}
    for code, raw in values.items():
        definition = definitions.get(code)
        if definition is None:
            errors[code] = [_("Unknown element “%(code)s”.") % {"code": code}]
            continue
        try:
            cleaned[code] = clean_value(definition, raw)
        except ValidationError as error:
            errors[code] = error.messages
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the name of the service item.")]
    if errors:
        raise ValidationError(errors)

    if "item_name" in definitions:
        cleaned["item_name"] = {"text": name}

    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        _check_edit(user, policy)
        created = item is None
        if created:
            position = policy.items.count()
            item = ServiceItem.objects.create(policy=policy, name=name, position=position)
        else:
            item = ServiceItem.objects.get(pk=item.pk, policy=policy)
            if version is not None and version != item_version(item):
                raise ValidationError(
                    _(
                        "Someone else saved this service item after you opened it. Your entries are kept below; "
                        "open the item again in a new tab to see the other changes, then save what is still needed."
                    )
                )

        existing = {v.element.code: v for v in item.values.select_related("element")}
        unchanged = (
            not created
            and item.name == name
            and all(
                (existing[code].value if code in existing else None) == value for code, value in cleaned.items()
            )
        )
        if unchanged:
            # Saving the same content again leaves no trace: no history
            # entry, no new modification time.
            return item

        if not created:
            item.name = name
            item.save(update_fields=["name", "updated_at"])
        for code, value in cleaned.items():
            current = existing.get(code)
            if value is None:
                if current is not None:
                    current.delete()
            elif current is None:
                ElementValue.objects.create(item=item, element=definitions[code], value=value)
            elif current.value != value:
                current.value = value
                current.save(update_fields=["value", "updated_at"])
        Policy.objects.filter(pk=policy.pk).update(updated_at=timezone.now())
        events.record(policy, "item.created" if created else "item.updated", user, item=name)
    return item


def delete_item(user, item):
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=item.policy_id)
        _check_edit(user, policy)
        name = item.name
        item.delete()
        events.record(policy, "item.deleted", user, item=name)


def add_material(user, policy, *, kind, uploaded):
    content_type, digest, size = check_upload(uploaded)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        _check_edit(user, policy)
        material = Material(
            policy=policy,
            kind=kind,
            original_name=uploaded.name,
            size=size,
            sha256=digest,
            content_type=content_type,
            uploaded_by=user,
        )
        material.file.save(uploaded.name, uploaded, save=False)
        material.save()
        events.record(policy, "material.uploaded", user, kind=kind, name=uploaded.name)
    logger.info("material.uploaded policy=%s material=%s size=%s", policy.pk, material.pk, size)
    return material


def remove_material(user, material):
    """Withdraw a material from the policy; the file stays for earlier submission rounds."""
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=material.policy_id)
        _check_edit(user, policy)
        material = Material.objects.get(pk=material.pk)
        if material.archived_at is not None:
            raise PermissionDenied(
                _("“%(name)s” is part of an archived review and cannot be removed.") % {"name": material.original_name}
            )
        if material.removed_at is None:
            material.removed_at = timezone.now()
            material.save(update_fields=["removed_at"])
            events.record(policy, "material.removed", user, kind=material.kind, name=material.original_name)


def grant_view(user, policy, grantee):
    """Let `grantee` read `policy`, for example a consulted department's officer."""
    if not (user.is_drafter and user.organization_id == policy.lead_department_id):
        raise PermissionDenied(_("Only the lead department can share this policy."))
    if grantee.pk == user.pk:
        raise ValidationError(_("You can already read this policy."))
    if grantee.role in ADMIN_ROLES:
        # Administrators manage accounts, security and the audit log; policy
        # content stays out of their reach.
        raise ValidationError(_("Administrators cannot be given access to policy content."))
    with transaction.atomic():
        assign_perm("view_policy", grantee, policy)
        events.record(policy, "access.granted", user, user=str(grantee))


def revoke_view(user, policy, grantee):
    if not (user.is_drafter and user.organization_id == policy.lead_department_id):
        raise PermissionDenied(_("Only the lead department can share this policy."))
    with transaction.atomic():
        remove_perm("view_policy", grantee, policy)
        events.record(policy, "access.revoked", user, user=str(grantee))
