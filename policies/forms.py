from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin, style
from accounts.models import Organization

from .elements import AMOUNT_UNITS, clean_value
from .models import ElementDefinition, Material, Policy

VT = ElementDefinition.ValueType
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Enter a date such as 2026-01-31.")}


class PolicyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["title", "doc_number", "co_departments", "summary", "issued_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "issued_on": DATE_WIDGET,
            "co_departments": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, lead_department, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].error_messages.update(DATE_ERRORS)
        self.fields["co_departments"].queryset = (
            Organization.objects.filter(city=lead_department.city)
            .exclude(kind__in=Organization.REGION_KINDS)
            .exclude(pk=lead_department.pk)
            .select_related("region")
            .order_by("region__position", "region_id", "position", "id")
        )
        self.fields["co_departments"].label_from_instance = lambda org: "%s · %s" % (org.region.name, org.name)
        self.fields["co_departments"].help_text = _("Hold Ctrl to choose several. The lead department is you.")


def _sub(code, part):
    return "%s__%s" % (code, part)


class ItemForm(BootstrapFormMixin, forms.Form):
    """The service item form: one field (or a few sub-fields) per element of the catalog."""

    name = forms.CharField(label=_("Service item name"), max_length=200)
    # Detects a save by someone else between opening and saving the form.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, definitions, values=None, **kwargs):
        self.definitions = list(definitions)
        initial = kwargs.pop("initial", {}) or {}
        for definition in self.definitions:
            initial.update(self._initial_for(definition, (values or {}).get(definition.code)))
        super().__init__(*args, initial=initial, **kwargs)
        for definition in self.definitions:
            if definition.code == "item_name":
                continue
            for name, field in self._fields_for(definition):
                style(field)
                self.fields[name] = field

    @staticmethod
    def _initial_for(definition, value):
        code = definition.code
        if not value:
            return {}
        vtype = definition.value_type
        if vtype == VT.TEXT:
            return {code: value.get("text", "")}
        if vtype == VT.CHOICE:
            return {code: value.get("choice", "")}
        if vtype == VT.DATE_RANGE:
            return {_sub(code, "start"): value.get("start"), _sub(code, "end"): value.get("end")}
        if vtype == VT.WORKDAY_PERIOD:
            return {code: value.get("days")}
        if vtype == VT.AMOUNT:
            return {
                _sub(code, "amount"): value.get("amount"),
                _sub(code, "unit"): value.get("unit"),
                _sub(code, "note"): value.get("note"),
            }
        if vtype == VT.LIST:
            return {code: "\n".join(value.get("items", []))}
        if vtype == VT.YES_NO:
            return {code: "yes" if value.get("yes") else "no", _sub(code, "text"): value.get("text", "")}
        return {}

    @staticmethod
    def _fields_for(definition):
        code, label, vtype = definition.code, definition.label, definition.value_type
        if vtype == VT.TEXT:
            yield code, forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}))
        elif vtype == VT.CHOICE:
            choices = [("", _("— choose —"))] + [(c, c) for c in definition.choices]
            yield code, forms.ChoiceField(label=label, required=False, choices=choices)
        elif vtype == VT.DATE_RANGE:
            yield _sub(code, "start"), forms.DateField(
                label=_("%(label)s: start") % {"label": label}, required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS
            )
            yield _sub(code, "end"), forms.DateField(
                label=_("%(label)s: end (empty if open-ended)") % {"label": label},
                required=False,
                widget=DATE_WIDGET,
                error_messages=DATE_ERRORS,
            )
        elif vtype == VT.WORKDAY_PERIOD:
            yield code, forms.IntegerField(
                label=_("%(label)s (working days)") % {"label": label},
                required=False,
                min_value=1,
                max_value=365,
                error_messages={"invalid": _("Enter a whole number of working days, such as 10.")},
            )
        elif vtype == VT.AMOUNT:
            yield _sub(code, "amount"), forms.CharField(label=_("%(label)s: amount") % {"label": label}, required=False)
            yield _sub(code, "unit"), forms.ChoiceField(
                label=_("unit"), required=False, choices=[("", "—")] + [(u, u) for u in AMOUNT_UNITS]
            )
            yield _sub(code, "note"), forms.CharField(
                label=_("note, such as 最高 or 每户"), required=False, max_length=100
            )
        elif vtype == VT.LIST:
            yield code, forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("One entry per line."),
            )
        elif vtype == VT.YES_NO:
            yield code, forms.ChoiceField(
                label=label, required=False, choices=[("", _("— choose —")), ("yes", _("Yes")), ("no", _("No"))]
            )
            yield _sub(code, "text"), forms.CharField(
                label=_("how, if yes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def _raw_value(self, definition):
        code, vtype = definition.code, definition.value_type
        data = self.cleaned_data
        if vtype == VT.TEXT:
            return {"text": data.get(code) or ""}
        if vtype == VT.CHOICE:
            return {"choice": data.get(code) or ""}
        if vtype == VT.DATE_RANGE:
            start, end = data.get(_sub(code, "start")), data.get(_sub(code, "end"))
            return {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None}
        if vtype == VT.WORKDAY_PERIOD:
            return {"days": data.get(code)}
        if vtype == VT.AMOUNT:
            return {
                "amount": data.get(_sub(code, "amount")) or "",
                "unit": data.get(_sub(code, "unit")) or "",
                "note": data.get(_sub(code, "note")) or "",
            }
        if vtype == VT.LIST:
            return {"items": (data.get(code) or "").splitlines()}
        if vtype == VT.YES_NO:
            answer = data.get(code) or ""
            return {"yes": None if answer == "" else answer == "yes", "text": data.get(_sub(code, "text")) or ""}
        return {}

    def clean(self):
        cleaned = super().clean()
        self.element_values = {}
        for definition in self.definitions:
            if definition.code == "item_name":
                continue
            names = [name for name, _field in self._fields_for(definition)]
            if any(name in self.errors for name in names):
                continue
            raw = self._raw_value(definition)
            try:
                clean_value(definition, raw)
            except ValidationError as error:
                self.add_error(names[0], error)
                continue
            self.element_values[definition.code] = raw
        return cleaned

    def groups(self):
        """Return the bound fields grouped under the four headings, in catalog order."""
        result = []
        for group_value, group_label in ElementDefinition.Group.choices:
            rows = []
            for definition in self.definitions:
                if definition.group != group_value or definition.code == "item_name":
                    continue
                fields = [self[name] for name, _field in self._fields_for(definition)]
                rows.append({"definition": definition, "fields": fields})
            if rows:
                result.append({"label": group_label, "rows": rows})
        return result


class MaterialForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of material"), choices=Material.Kind.choices)
    # Empty files reach check_upload, whose message names the file.
    file = forms.FileField(label=_("File"), allow_empty_file=True)


class GrantForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("User name of the person to share with"), max_length=150)
