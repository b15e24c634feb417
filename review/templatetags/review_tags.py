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
    State.OPINION_ISSUED: "success",
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
