from django import template
from django.utils.translation import gettext as _

from review.models import State

register = template.Library()

STATE_COLOURS = {
    State.SUBMITTED: "primary",
    State.MATERIALS_REQUESTED: "warning",
    State.DISTRICT_REVIEW: "info",
    State.FORWARDED: "primary",
    State.CITY_REVIEW: "info",
    State.CORRECTION_REQUESTED: "warning",
    State.OPINION_ISSUED: "primary",
    State.DISPUTED: "danger",
    State.AWAITING_APPROVAL: "info",
    State.GOLIVE_CONFIRMED: "info",
    State.LIVE: "success",
    State.OFFLINE: "secondary",
    State.WITHDRAWN: "secondary",
    State.CLOSED: "dark",
}


@register.filter
def state_label(state):
    if not state:
        return _("Draft")
    try:
        return State(state).label
    except ValueError:
        return state


@register.filter
def state_colour(state):
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def finding_label(status):
    from review.models import Finding

    try:
        return Finding.Status(status).label
    except ValueError:
        return status


@register.filter
def reason_label(reason):
    from review.models import Finding

    try:
        return Finding.Reason(reason).label
    except ValueError:
        return reason


@register.simple_tag
def colon():
    """Return the colon that follows a label in the active language: full-width in Chinese."""
    from django.utils.translation import get_language

    return "：" if (get_language() or "").startswith("zh") else ": "
