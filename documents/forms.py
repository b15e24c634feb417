from django import forms
from django.utils.translation import gettext_lazy as _

from review.models import Opinion, State

from .ledger import NO_OPINION, scope_departments, scope_regions


class LedgerFilterForm(forms.Form):
    """The ledger filter; its choices are limited to what the user may see."""

    region = forms.ModelChoiceField(queryset=None, required=False, label=_("Region"), empty_label=_("All regions"))
    state = forms.ChoiceField(required=False, label=_("State"))
    submitted_from = forms.DateField(
        required=False, label=_("Submitted from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        required=False, label=_("Submitted on or before"), widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Drafting department"), empty_label=_("All departments")
    )
    conclusion = forms.ChoiceField(required=False, label=_("Conclusion"))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].queryset = scope_regions(user)
        self.fields["department"].queryset = scope_departments(user)
        self.fields["state"].choices = [("", _("All states"))] + list(State.choices)
        self.fields["conclusion"].choices = [("", _("All conclusions")), (NO_OPINION, _("No opinion yet"))] + list(
            Opinion.Conclusion.choices
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The start date %(start)s is after the end date %(end)s.")
                % {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                }
            )
        return data

    def filter_json(self):
        """Return the cleaned filter as JSON-ready data that this form accepts again, empty fields left out."""
        stored = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if hasattr(value, "pk"):
                stored[name] = value.pk
            elif hasattr(value, "isoformat"):
                stored[name] = value.isoformat()
            else:
                stored[name] = value
        return stored
