"""Review cases in the states the documents and the ledger are built from."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from policies import services as policy_services
from policies.models import ElementDefinition
from review import services
from review.models import Opinion
from tests.factories import COMPLETE_VALUES, make_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    # Messages are compared in English, the language of the msgids.
    with translation.override("en"):
        yield


def on(day, hour=10):
    """Travel to `day` (YYYY-MM-DD) at `hour` o'clock in Shanghai."""
    year, month, date = map(int, day.split("-"))
    return time_machine.travel(datetime.datetime(year, month, date, hour, tzinfo=SHANGHAI), tick=False)


def finding(item, code, status="not_standard", reason="vague_wording", comment=""):
    element = ElementDefinition.objects.get(code=code)
    return {"item": item, "element": element, "status": status, "reason": reason, "comment": comment}


def materials_case(world, title="九台区支持工业企业增产增效若干措施", day="2026-01-05"):
    """Return a district case returned with a materials notice on `day`."""
    with on(day):
        case = services.submit(world.drafter, make_policy(world.drafter, title=title))
        services.request_materials(
            world.district_reviewer,
            case,
            entries=["公平竞争审查意见书（加盖公章）", "区财政局资金安排意见"],
            days=3,
            note="材料请通过系统上传。",
        )
    case.refresh_from_db()
    return case


def forwarded_district_case(world, title="九台区支持工业企业增产增效若干措施"):
    """Return a district case corrected at district level, forwarded and under city review.

    Accepted Mon 2026-01-05, correction notice Fri 01-09, resubmitted Wed
    01-14, forwarded Fri 01-16, accepted by the city Mon 01-19.
    """
    with on("2026-01-05"):
        case = services.submit(world.drafter, make_policy(world.drafter, title=title))
        services.accept(world.district_reviewer, case)
    item = case.policy.items.get()
    with on("2026-01-09"):
        services.record_findings(world.district_reviewer, case, [finding(item, "cap", reason="no_amount")])
        services.request_correction(world.district_reviewer, case, days=3)
    with on("2026-01-14"):
        values = dict(COMPLETE_VALUES, cap={"amount": "30", "unit": "万元", "note": "最高"})
        policy_services.save_item(world.drafter, case.policy, name=item.name, values=values, item=item)
        services.submit_or_resubmit(world.drafter, case.policy)
    case.refresh_from_db()
    with on("2026-01-16"):
        services.pass_preliminary(world.district_reviewer, case)
    case.refresh_from_db()
    with on("2026-01-19"):
        services.accept(world.city_reviewer, case)
    case.refresh_from_db()
    return case


def opinion_case(world, title="长春市工业企业奖励办法", conclusion=Opinion.Conclusion.PASS_AFTER_REVISION):
    """Return a city case with one correction notice and an issued opinion letter, not yet received.

    Accepted Mon 2026-01-05, correction notice Fri 01-09, resubmitted Wed
    01-14, opinion issued Tue 01-20.
    """
    with on("2026-01-05"):
        policy = make_policy(world.city_drafter, title=title)
        case = services.submit(world.city_drafter, policy)
        services.accept(world.city_reviewer, case)
    item = case.policy.items.get()
    with on("2026-01-09"):
        services.record_findings(
            world.city_reviewer,
            case,
            [
                finding(item, "cap", reason="no_amount", comment="写明奖励上限"),
                finding(item, "place", status="missing", reason="other", comment="补充具体办理窗口"),
            ],
        )
        services.request_correction(world.city_reviewer, case, days=3)
    with on("2026-01-14"):
        values = dict(COMPLETE_VALUES, cap={"amount": "30", "unit": "万元", "note": "最高"})
        policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=values, item=item)
        services.submit_or_resubmit(world.city_drafter, case.policy)
    case.refresh_from_db()
    with on("2026-01-20"):
        services.issue_opinion(
            world.city_reviewer,
            case,
            conclusion=conclusion,
            reasons="1．兑现限额应写明最高金额。\n2．申报地点应写明具体窗口。",
        )
    case.refresh_from_db()
    return case
