"""Forms for entering a year's holiday notice and for importing a notice document."""

import json

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workdays.notices import (
    NoticeFormatError,
    YearNotice,
    check_notice,
    parse_holiday_lines,
    parse_makeup_lines,
    parse_notice_document,
)
from workdays.updates import find_conflicts

FIRST_YEAR = 2000
LAST_YEAR = 2100


class NoticeForm(forms.Form):
    """A year's notice typed by an administrator.

    `notice` is the parsed notice after successful validation, else None.

    `digest` carries the content digest of the previewed notice, so a save is
    accepted only for exactly what the preview showed.
    """

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, widget=forms.HiddenInput)
    notice_title = forms.CharField(
        label=_("Notice title"),
        max_length=200,
        help_text=_("For example 国务院办公厅关于2027年部分节假日安排的通知."),
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=100,
        required=False,
        help_text=_("For example 国办发明电〔2024〕12号. Leave empty if the published copy gives none."),
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source_url = forms.URLField(label=_("Source URL"), max_length=500, required=False, assume_scheme="https")
    holidays = forms.CharField(
        label=_("Holidays"),
        widget=forms.Textarea(attrs={"rows": 9, "class": "font-monospace"}),
        help_text=_(
            "One range per line as in the notice: first day, last day, holiday name, for example "
            "“2027-01-01 2027-01-03 元旦”. A single day may be written as “2027-06-09 端午节”."
        ),
    )
    makeup_workdays = forms.CharField(
        label=_("Make-up workdays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7, "class": "font-monospace"}),
        help_text=_(
            "One Saturday or Sunday per line on which people work (调休上班), for example “2027-02-06”. "
            "A holiday name may follow the date; without one the nearest holiday's name is used."
        ),
    )
    digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice: YearNotice | None = None
        for name in ("notice_title", "document_number", "issued_on", "source_url", "holidays", "makeup_workdays"):
            widget = self.fields[name].widget
            widget.attrs["class"] = ("form-control " + widget.attrs.get("class", "")).strip()

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        if year is None or "holidays" not in cleaned:
            return cleaned

        holidays, holiday_problems = parse_holiday_lines(cleaned["holidays"], year)
        makeup_days, makeup_problems = parse_makeup_lines(cleaned.get("makeup_workdays", ""), year)
        notice = YearNotice(
            year=year,
            confirmed=True,
            title=cleaned.get("notice_title", "").strip(),
            document_number=cleaned.get("document_number", "").strip(),
            issued_on=cleaned.get("issued_on"),
            source_url=cleaned.get("source_url", ""),
            holidays=holidays,
            makeup_workdays=makeup_days,
        )

        # Report every problem at once: lines that do not parse, then the
        # checks on the lines that do.
        problems = holiday_problems + makeup_problems + check_notice(notice) + find_conflicts(notice)
        for problem in problems:
            if problem.field:
                self.add_error(problem.field, str(problem))
            elif "notice_title" not in self.errors:
                self.add_error(None, str(problem))

        if not self.errors:
            self.notice = notice
        return cleaned


class ImportForm(forms.Form):
    """A notice document in the format of cn-holidays.json, pasted or uploaded."""

    upload = forms.FileField(label=_("JSON file"), required=False)
    document = forms.CharField(
        label=_("Or paste the JSON document"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "form-control font-monospace"}),
    )
    digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notices: list[YearNotice] = []
        self.fields["upload"].widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        text = cleaned.get("document", "")
        if upload is not None:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    gettext("The file is not UTF-8 text. Save it as UTF-8 JSON and upload it again.")
                ) from None
            # The preview page passes the document text on to the save step.
            cleaned["document"] = text
        if not text.strip():
            raise forms.ValidationError(gettext("Choose a JSON file or paste the document."))

        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                gettext("The document is not valid JSON: %(error)s (line %(line)s, column %(column)s).")
                % {"error": error.msg, "line": error.lineno, "column": error.colno}
            ) from None
        try:
            notices = parse_notice_document(data)
        except NoticeFormatError as error:
            raise forms.ValidationError(str(error)) from None

        for notice in notices:
            conflicts = find_conflicts(notice)
            if conflicts:
                raise forms.ValidationError(
                    gettext("%(year)s: %(message)s") % {"year": notice.year, "message": conflicts[0].message}
                )
        self.notices = notices
        return cleaned
