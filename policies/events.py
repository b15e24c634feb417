"""The policy history: recording entries and rendering them for readers.

Entries store a code and facts; the sentence is chosen here when the
entry is shown, in the reader's language. Apps that record entries of
their own add their codes to `MESSAGES` when they load.
"""

from django.utils.translation import gettext_lazy as _

from .models import Material, PolicyEvent

MESSAGES = {
    "policy.created": _("created the policy"),
    "policy.updated": _("edited the policy details"),
    "item.created": _("added the service item “%(item)s”"),
    "item.updated": _("edited the service item “%(item)s”"),
    "item.deleted": _("deleted the service item “%(item)s”"),
    "material.uploaded": _("uploaded %(kind)s “%(name)s”"),
    "material.removed": _("removed %(kind)s “%(name)s”"),
    "access.granted": _("gave %(user)s read access"),
    "access.revoked": _("withdrew read access from %(user)s"),
}


# Code → function(data) returning extra placeholders computed at display
# time, such as the label of a stored choice value in the reader's language.
FORMATTERS = {}


def record(policy, code, actor=None, **data):
    """Append a history entry to `policy`; returns it."""
    actor_name = ""
    actor_org = ""
    if actor is not None and actor.is_authenticated:
        actor_name = str(actor)
        actor_org = actor.organization.display_name if actor.organization_id else ""
    return PolicyEvent.objects.create(
        policy=policy,
        code=code,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name,
        actor_organization=actor_org,
        data=data,
    )


def describe(event):
    """Return the sentence for `event` in the active language."""
    template = MESSAGES.get(event.code)
    if template is None:
        return event.code
    data = {key: value for key, value in event.data.items() if isinstance(value, (str, int, float))}
    if data.get("kind") in Material.Kind.values:
        data["kind"] = Material.Kind(data["kind"]).label
    formatter = FORMATTERS.get(event.code)
    if formatter is not None:
        data.update(formatter(event.data))
    try:
        return str(template) % data
    except (KeyError, TypeError, ValueError):
        return str(template)
