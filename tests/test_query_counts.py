"""The number of queries of every list page, pinned.

Each page is measured with 3 rows and with 15, and the count must be the
same for both, so a page that runs one more query per row (N+1) fails here.
The first request of each test warms the in-process caches (the working-day
calendar, content types) and is not counted. The clock is frozen because
the calendar pages run one more query from 1 November, when they check
whether next year's holiday notice is entered.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.notifications import notify
from policies.models import ElementDefinition
from review import services as review_services
from review.models import Finding, Opinion
from tests.factories import make_policy
from workdays.models import CalendarYear, SpecialDay

# A Monday in the bundled 2026 calendar, before the 1 November reminder.
FROZEN_AT = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(FROZEN_AT, tick=False)


def policies_in_mixed_states(world, count):
    """Create `count` policies of the drafter's department: drafts, submitted and accepted ones."""
    for number in range(count):
        policy = make_policy(world.drafter, title=f"九台区惠企政策第{number + 1}号")
        if number % 3 == 0:
            continue
        case = review_services.submit(world.drafter, policy)
        if number % 3 == 2:
            review_services.accept(world.district_reviewer, case)


def cases_at_district_bureau(world, count):
    """Create `count` open cases waiting for the district bureau, some accepted and so with a running clock."""
    for number in range(count):
        policy = make_policy(world.drafter, title=f"九台区待审政策第{number + 1}号")
        case = review_services.submit(world.drafter, policy)
        if number % 2:
            review_services.accept(world.district_reviewer, case)


def cases_waiting_for_drafter(world, count):
    """Create `count` open cases waiting for the drafter: materials notices, correction notices and opinions."""
    cap = ElementDefinition.objects.get(code="cap")
    for number in range(count):
        policy = make_policy(world.drafter, title=f"九台区待补正政策第{number + 1}号")
        case = review_services.submit(world.drafter, policy)
        if number % 3 == 0:
            review_services.request_materials(world.district_reviewer, case, entries=["缺少申请函"], days=5)
            continue

        review_services.accept(world.district_reviewer, case)
        if number % 3 == 1:
            finding = {
                "item": policy.items.get(),
                "element": cap,
                "status": Finding.Status.NOT_STANDARD,
                "reason": Finding.Reason.NO_AMOUNT,
                "comment": "",
            }
            review_services.record_findings(world.district_reviewer, case, [finding])
            review_services.request_correction(world.district_reviewer, case, days=5)
            continue

        review_services.pass_preliminary(world.district_reviewer, case)
        review_services.accept(world.city_reviewer, case)
        review_services.issue_opinion(
            world.city_reviewer, case, conclusion=Opinion.Conclusion.FAIL, reasons="兑现时限不明确"
        )


def calendar_years(world, count):
    """Replace the calendar with `count` confirmed years, each with one holiday."""
    CalendarYear.objects.all().delete()
    for year in range(2024, 2024 + count):
        calendar_year = CalendarYear.objects.create(
            year=year,
            notice_title=f"国务院办公厅关于{year}年部分节假日安排的通知",
            status=CalendarYear.Status.CONFIRMED,
        )
        SpecialDay.objects.create(
            date=datetime.date(year, 1, 1), kind=SpecialDay.Kind.HOLIDAY, name="元旦", calendar_year=calendar_year
        )


def notifications_for_drafter(world, count):
    """Create `count` notifications for the drafter, half of them read."""
    for number in range(count):
        notification = notify(world.drafter, "review.materials_requested", url=f"/policies/{number + 1}/")
        if number % 2:
            notification.read_at = FROZEN_AT
            notification.save(update_fields=["read_at"])


def shown_policies(response):
    return len(response.context["page"])


def shown_cases(response):
    return len(response.context["rows"])


def shown_years(response):
    return len(response.context["years"])


# page → (URL name, viewer, builder, rows the viewer sees out of the built
# ones, function that counts the rows on the page, pinned query count)
PAGES = {
    "policy list, drafter": (
        "review:policy_list",
        "drafter",
        policies_in_mixed_states,
        lambda count: count,
        shown_policies,
        6,
    ),
    "policy list, city reviewer": (
        "review:policy_list",
        "city_reviewer",
        policies_in_mixed_states,
        lambda count: count - (count + 2) // 3,
        shown_policies,
        7,
    ),
    "review queue": (
        "review:queue",
        "district_reviewer",
        cases_at_district_bureau,
        lambda count: count,
        shown_cases,
        7,
    ),
    "drafter inbox": (
        "review:inbox",
        "drafter",
        cases_waiting_for_drafter,
        lambda count: count,
        shown_cases,
        7,
    ),
    "review ledger": (
        "documents:ledger",
        "district_reviewer",
        cases_at_district_bureau,
        lambda count: count,
        shown_cases,
        15,
    ),
    "notification centre": (
        "accounts:notifications",
        "drafter",
        notifications_for_drafter,
        lambda count: count,
        shown_cases,
        6,
    ),
    "calendar years": (
        "workdays:year_list",
        "sysadmin",
        calendar_years,
        lambda count: count,
        shown_years,
        6,
    ),
}


@pytest.mark.parametrize("rows", [3, 15])
@pytest.mark.parametrize("list_page", sorted(PAGES))
def test_list_page_query_count(world, client, django_assert_num_queries, list_page, rows):
    url_name, viewer, build, visible, count_shown, queries = PAGES[list_page]
    build(world, rows)
    client.force_login(getattr(world, viewer))
    url = reverse(url_name)
    client.get(url)

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200
    assert count_shown(response) == visible(rows)


# URLs without arguments that show no list: forms, redirects and actions.
NOT_LISTS = {
    "home",
    "login",
    "logout",
    "set_language",
    "policies:create",
    "review:home",
    "workdays:import",
    "documents:ledger_export",
    "accounts:notifications_read_all",
}


def _names_without_arguments(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            if namespace and inner:
                inner = f"{namespace}:{inner}"
            yield from _names_without_arguments(entry.url_patterns, inner or namespace)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_list_page_is_pinned():
    names = {name for name in _names_without_arguments(get_resolver().url_patterns) if not name.startswith("admin:")}
    pinned = {url_name for url_name, *_rest in PAGES.values()}

    unpinned = sorted(names - pinned - NOT_LISTS)
    assert not unpinned, f"pin the query count of these pages, or add them to NOT_LISTS: {unpinned}"
