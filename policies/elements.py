"""Values of standard elements: validation, completeness and display.

A value is stored as JSON whose shape depends on the element's value type
(see `policies.catalog`). The same functions serve the item form, the demo
loader, the submission check and the review pages.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import ElementDefinition

VT = ElementDefinition.ValueType
AMOUNT_UNITS = ["元", "万元", "亿元", "%"]
# At most 12 digits before the decimal point and 4 after it.
AMOUNT_PATTERN = re.compile(r"\d{1,12}(\.\d{1,4})?")
MAX_WORKDAY_PERIOD = 365


def _parse_date(text, label):
    try:
        return datetime.date.fromisoformat(str(text))
    except ValueError:
        raise ValidationError(
            _("%(label)s: “%(value)s” is not a date. Use the form 2026-01-31.") % {"label": label, "value": text}
        ) from None


def clean_value(element, value):
    """Return `value` normalised for `element`, or raise ValidationError naming the element.

    An empty value is returned as None; whether it may be empty is decided
    at submission, so that drafters can save unfinished items.
    """
    label = element.label_zh
    if not isinstance(value, dict):
        raise ValidationError(_("%(label)s: the value has the wrong form.") % {"label": label})

    vtype = element.value_type
    if vtype == VT.TEXT:
        text = str(value.get("text") or "").strip()
        return {"text": text} if text else None

    if vtype == VT.CHOICE:
        choice = str(value.get("choice") or "").strip()
        if not choice:
            return None
        if choice not in element.choices:
            raise ValidationError(
                _("%(label)s: “%(value)s” is not a standard term. Choose one of: %(terms)s.")
                % {"label": label, "value": choice, "terms": "、".join(element.choices)}
            )
        return {"choice": choice}

    if vtype == VT.DATE_RANGE:
        start, end = value.get("start"), value.get("end")
        if not start and not end:
            return None
        if not start:
            raise ValidationError(_("%(label)s: enter the start date.") % {"label": label})
        start_date = _parse_date(start, label)
        end_date = _parse_date(end, label) if end else None
        if end_date and end_date < start_date:
            raise ValidationError(_("%(label)s: the end date is before the start date.") % {"label": label})
        return {"start": start_date.isoformat(), "end": end_date.isoformat() if end_date else None}

    if vtype == VT.WORKDAY_PERIOD:
        days = value.get("days")
        if days in (None, ""):
            return None
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise ValidationError(
                _("%(label)s: enter a whole number of working days.") % {"label": label}
            ) from None
        if not 1 <= days <= MAX_WORKDAY_PERIOD:
            raise ValidationError(
                _("%(label)s: enter between 1 and %(max)s working days.") % {"label": label, "max": MAX_WORKDAY_PERIOD}
            )
        return {"days": days}

    if vtype == VT.AMOUNT:
        amount = str(value.get("amount") or "").strip().replace(",", "")
        unit = str(value.get("unit") or "").strip()
        note = str(value.get("note") or "").strip()
        if not amount and not note:
            return None
        if not amount:
            raise ValidationError(_("%(label)s: enter the amount as a number.") % {"label": label})
        # Plain digits with an optional decimal part: no exponents, no NaN.
        if not AMOUNT_PATTERN.fullmatch(amount):
            raise ValidationError(
                _(
                    "%(label)s: “%(value)s” is not a valid amount. Enter digits with at most 4 decimal places, "
                    "such as 500 or 12.5."
                )
                % {"label": label, "value": amount}
            )
        number = Decimal(amount)
        if number <= 0:
            raise ValidationError(_("%(label)s: the amount must be greater than zero.") % {"label": label})
        if unit not in AMOUNT_UNITS:
            raise ValidationError(
                _("%(label)s: choose the unit (%(units)s).") % {"label": label, "units": "、".join(AMOUNT_UNITS)}
            )
        if unit == "%" and number > 100:
            raise ValidationError(_("%(label)s: a percentage cannot be more than 100.") % {"label": label})
        return {"amount": format(number.normalize(), "f"), "unit": unit, "note": note}

    if vtype == VT.LIST:
        items = value.get("items") or []
        if isinstance(items, str):
            items = items.splitlines()
        items = [str(line).strip() for line in items if str(line).strip()]
        return {"items": items} if items else None

    if vtype == VT.YES_NO:
        yes = value.get("yes")
        text = str(value.get("text") or "").strip()
        if yes in (None, ""):
            return None
        if isinstance(yes, str):
            yes = yes == "yes"
        if yes and not text:
            raise ValidationError(
                _("%(label)s: you answered yes; describe how.") % {"label": label}
            )
        return {"yes": bool(yes), "text": text}

    raise ValidationError(_("%(label)s: unknown value type.") % {"label": label})


def display_value(element, value):
    """Return `value` as one line of text for pages and documents."""
    if not value:
        return ""
    vtype = element.value_type
    if vtype == VT.TEXT:
        return value.get("text", "")
    if vtype == VT.CHOICE:
        return value.get("choice", "")
    if vtype == VT.DATE_RANGE:
        if value.get("end"):
            return _("%(start)s to %(end)s") % {"start": value["start"], "end": value["end"]}
        return _("from %(start)s, no end date") % {"start": value["start"]}
    if vtype == VT.WORKDAY_PERIOD:
        return _("%(days)s working days") % {"days": value["days"]}
    if vtype == VT.AMOUNT:
        text = "%s%s" % (value["amount"], value["unit"])
        return "%s（%s）" % (text, value["note"]) if value.get("note") else text
    if vtype == VT.LIST:
        return "；".join(value.get("items", []))
    if vtype == VT.YES_NO:
        if value.get("yes"):
            return _("Yes: %(how)s") % {"how": value.get("text", "")}
        return _("No")
    return str(value)


def missing_elements(definitions, values_by_code):
    """Return the required definitions that have no value."""
    return [d for d in definitions if d.required and not values_by_code.get(d.code)]
