"""Calendar pages for administrators: years, month grids, entering a notice and importing notices.

Entering a notice and importing a document are two-step forms. The first
POST validates and shows a preview (the month grids and the clocks that would
move) and the second saves. The save step carries the digest of the
previewed content and is accepted only if the content is unchanged.
"""

from __future__ import annotations

import calendar as month_calendar
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils.dates import MONTHS, WEEKDAYS_ABBR

from workdays.clock import preview_moves, today
from workdays.counting import WorkCalendar
from workdays.forms import FIRST_YEAR, LAST_YEAR, ImportForm, NoticeForm
from workdays.models import CalendarYear, SpecialDay
from workdays.notices import document_digest, holiday_lines, makeup_lines
from workdays.store import build_calendar, get_calendar, next_year_missing, notice_from_db
from workdays.updates import CREATED, UPDATED, plan_notice, save_notices


def can_edit_calendar(user) -> bool:
    """Return whether `user` may see and change the calendar.

    That is a user with the workdays.change_calendaryear permission or one
    whose `is_calendar_admin` attribute is true (the system administrator role).
    """
    return user.has_perm("workdays.change_calendaryear") or bool(getattr(user, "is_calendar_admin", False))


def calendar_admin_required(view):
    """Redirect anonymous users to the login page and respond 403 to users who may not edit the calendar."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_edit_calendar(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")


def month_grids(calendar: WorkCalendar, year: int) -> list[dict]:
    """Return the 12 months of `year` as weeks of day cells, Monday first, for the month grid template."""
    weeks_of = month_calendar.Calendar(firstweekday=0).monthdatescalendar
    months = []
    for month in range(1, 13):
        weeks = []
        for week in weeks_of(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                cells.append(calendar.day_info(day))
            weeks.append(cells)
        months.append({"number": month, "name": MONTHS[month], "weeks": weeks})
    return months


def _grid_context(calendar: WorkCalendar, year: int) -> dict:
    return {
        "months": month_grids(calendar, year),
        "weekday_names": [WEEKDAYS_ABBR[i] for i in range(7)],
        "grid_provisional": not calendar.is_confirmed_year(year),
    }


@calendar_admin_required
def year_list(request):
    years = CalendarYear.objects.annotate(
        holiday_count=Count("special_days", filter=Q(special_days__kind=SpecialDay.Kind.HOLIDAY)),
        makeup_count=Count("special_days", filter=Q(special_days__kind=SpecialDay.Kind.MAKEUP_WORKDAY)),
    ).order_by("-year")
    current = today()
    confirmed = [y.year for y in years if y.is_confirmed]
    next_to_enter = max(confirmed) + 1 if confirmed else current.year
    return render(
        request,
        "workdays/year_list.html",
        {
            "years": years,
            "missing_year": next_year_missing(current),
            "next_to_enter": next_to_enter,
        },
    )


@calendar_admin_required
def year_detail(request, year: int):
    _check_year(year)
    calendar_year = CalendarYear.objects.filter(year=year).select_related("confirmed_by").first()
    special_days = calendar_year.special_days.all() if calendar_year else []
    context = {
        "year": year,
        "calendar_year": calendar_year,
        "special_days": special_days,
        **_grid_context(get_calendar(), year),
    }
    return render(request, "workdays/year_detail.html", context)


def _initial_notice_data(year: int) -> dict:
    calendar_year = CalendarYear.objects.filter(year=year).first()
    if calendar_year is None:
        return {"year": year}
    notice = notice_from_db(calendar_year)
    return {
        "year": year,
        "notice_title": notice.title,
        "document_number": notice.document_number,
        "issued_on": notice.issued_on,
        "source_url": notice.source_url,
        "holidays": holiday_lines(notice.holiday_days()),
        "makeup_workdays": makeup_lines(notice.makeup_days()),
    }


@calendar_admin_required
def notice_form(request, year: int):
    _check_year(year)
    context = {"year": year}
    if request.method != "POST":
        context["form"] = NoticeForm(initial=_initial_notice_data(year))
        return render(request, "workdays/notice_form.html", context)

    data = request.POST.copy()
    data["year"] = str(year)
    form = NoticeForm(data)
    context["form"] = form
    if not form.is_valid():
        return render(request, "workdays/notice_form.html", context)

    notice = form.notice
    digest = notice.digest()
    if request.POST.get("action") == "save":
        if form.cleaned_data["digest"] == digest:
            result = save_notices([notice], actor=request.user)
            return render(request, "workdays/saved.html", {"result": result, "years": [year]})
        context["changed_since_preview"] = True

    preview_calendar = build_calendar(replacing=[notice])
    context.update(
        {
            "preview": True,
            "digest": digest,
            "outcome": plan_notice(notice),
            "moves": preview_moves(preview_calendar),
            **_grid_context(preview_calendar, year),
        }
    )
    return render(request, "workdays/notice_form.html", context)


@calendar_admin_required
def import_notices(request):
    if request.method != "POST":
        return render(request, "workdays/import_form.html", {"form": ImportForm()})

    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "workdays/import_form.html", {"form": form})

    notices = form.notices
    digest = document_digest(notices)
    context = {"form": form}
    if request.POST.get("action") == "save":
        if form.cleaned_data["digest"] == digest:
            result = save_notices(notices, actor=request.user)
            return render(request, "workdays/saved.html", {"result": result, "years": [n.year for n in notices]})
        context["changed_since_preview"] = True

    plans = [(notice, plan_notice(notice)) for notice in notices]
    written = [notice for notice, plan in plans if plan.outcome in (CREATED, UPDATED)]
    context.update(
        {
            "preview": True,
            "digest": digest,
            "document": form.cleaned_data["document"],
            "plans": plans,
            "moves": preview_moves(build_calendar(replacing=written)),
        }
    )
    return render(request, "workdays/import_form.html", context)
