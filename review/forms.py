from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.forms import BootstrapFormMixin

from .models import CaseKind, Dispute, Finding, Opinion, Response

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Enter a date such as 2026-01-31.")}


def working_days_field(label, default):
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=60,
        initial=default,
        help_text=_("Counted in working days from the day after today; holidays are skipped and make-up workdays count."),
        error_messages={"invalid": _("Enter a whole number of working days, such as 5.")},
    )


class MaterialsRequestForm(BootstrapFormMixin, forms.Form):
    entries = forms.CharField(
        label=_("Everything the drafter must supply"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One entry per line. The notice is sent once and must list everything missing."),
    )
    days = working_days_field(_("Working days to supply"), settings.MATERIALS_DEADLINE_DAYS)
    note = forms.CharField(label=_("Note to the drafter"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_entries(self):
        entries = [line.strip() for line in self.cleaned_data["entries"].splitlines() if line.strip()]
        if not entries:
            raise forms.ValidationError(_("List at least one missing material."))
        return entries


class CorrectionForm(BootstrapFormMixin, forms.Form):
    days = working_days_field(_("Working days to correct"), settings.CORRECTION_DEADLINE_DAYS)
    note = forms.CharField(label=_("Note to the drafter"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    repeat_reason = forms.CharField(
        label=_("Reason for a further correction notice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only needed when a correction notice was already sent at this review level; it is counted in statistics."
        ),
    )


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
        help_text=_("Required unless the policy passes as it is."),
    )

    def clean(self):
        cleaned = super().clean()
        conclusion = cleaned.get("conclusion")
        if conclusion and conclusion != Opinion.Conclusion.PASS and not (cleaned.get("reasons") or "").strip():
            self.add_error("reasons", _("Give the reasons and the required revisions."))
        return cleaned


class ResponseForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Your response"), choices=Response.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When you do not fully accept the opinion, state which parts and why."),
    )


class DisputeForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Dispute.Outcome.choices, widget=forms.RadioSelect)
    reviewer_position = forms.CharField(label=_("Reviewer's position"), widget=forms.Textarea(attrs={"rows": 4}))
    resolution = forms.CharField(label=_("Agreed resolution"), widget=forms.Textarea(attrs={"rows": 3}))


class GoLiveForm(BootstrapFormMixin, forms.Form):
    approved_on = forms.DateField(label=_("Approved by the government meeting on"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    golive_on = forms.DateField(label=_("Go-live date"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentsForm(BootstrapFormMixin, forms.Form):
    comments = forms.CharField(label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ChangeApplicationForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("change application", "Application type"),
        choices=[(CaseKind.ADJUSTMENT, CaseKind.ADJUSTMENT.label), (CaseKind.OFFLINE, CaseKind.OFFLINE.label)],
        widget=forms.RadioSelect,
    )
    effective_on = forms.DateField(
        label=_("The change takes effect on"), widget=DATE_WIDGET, error_messages=DATE_ERRORS,
        help_text=_("Apply at least 5 working days before this date; a later application is flagged."),
    )
    explanation = forms.CharField(label=_("Explanation of the adjustment or repeal"), widget=forms.Textarea(attrs={"rows": 4}))


FINDING_CHOICES = [("", _("— not reviewed —"))] + list(Finding.Status.choices)
REASON_CHOICES = [("", _("— reason —"))] + list(Finding.Reason.choices)
