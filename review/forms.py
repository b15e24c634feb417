import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin

from .models import Opinion


class MaterialsRequestForm(BootstrapFormMixin, forms.Form):
    entries = forms.CharField(
        label=_("Everything the drafter must supply"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One entry per line. The notice is sent once and must list everything missing."),
    )
    due_on = forms.DateField(
        label=_("Supply by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-01-31.")},
    )
    note = forms.CharField(label=_("Note to the drafter"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_entries(self):
        entries = [line.strip() for line in self.cleaned_data["entries"].splitlines() if line.strip()]
        if not entries:
            raise forms.ValidationError(_("List at least one missing material."))
        return entries


class PreliminaryForm(BootstrapFormMixin, forms.Form):
    comments = forms.CharField(
        label=_("Preliminary review comments for the city"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class OpinionForm(BootstrapFormMixin, forms.Form):
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=Opinion.Conclusion.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reasons and requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required when the policy does not pass."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("conclusion") == Opinion.Conclusion.FAIL and not (cleaned.get("reasons") or "").strip():
            self.add_error("reasons", _("Give the reasons why the policy did not pass."))
        return cleaned


def default_due(today: datetime.date, days: int) -> datetime.date:
    return today + datetime.timedelta(days=days)
