"""Dated review cases for the tests of reminders, archiving and the worker."""

import datetime
from zoneinfo import ZoneInfo

import time_machine

from policies import services as policy_services
from policies.models import ElementDefinition
from review import services
from review.models import Opinion, Response
from tests.factories import COMPLETE_VALUES, make_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


def on(day, hour=10):
    """Travel to `day` (YYYY-MM-DD) at `hour` o'clock in Shanghai."""
    return time_machine.travel(moment(day, hour), tick=False)


def moment(day, hour=10):
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=SHANGHAI)


def city_case_accepted(world, day, title="长春市工业企业奖励办法"):
    """Submit a city policy and accept it on `day`; the city review clock starts."""
    with on(day):
        policy = make_policy(world.city_drafter, title=title)
        case = services.submit(world.city_drafter, policy)
        services.accept(world.city_reviewer, case)
    case.refresh_from_db()
    return case


def correction_requested(world, day, days, title="长春市科技企业奖励办法"):
    """Accept a city policy and send a correction notice of `days` working days, both on `day`."""
    case = city_case_accepted(world, day, title)
    item = case.policy.items.get()
    cap = ElementDefinition.objects.get(code="cap")
    finding = {"item": item, "element": cap, "status": "not_standard", "reason": "no_amount", "comment": "写明上限"}
    with on(day):
        services.record_findings(world.city_reviewer, case, [finding])
        services.request_correction(world.city_reviewer, case, days=days)
    case.refresh_from_db()
    return case


def materials_requested(world, day, days, title="长春市服务业奖励办法"):
    """Submit a city policy and return it for materials with a deadline of `days` working days, both on `day`."""
    with on(day):
        policy = make_policy(world.city_drafter, title=title)
        case = services.submit(world.city_drafter, policy)
        services.request_materials(world.city_reviewer, case, entries=["请补充公平竞争审查意见的正式文本"], days=days)
    case.refresh_from_db()
    return case


def resubmit_corrected(world, case, day):
    """Revise the cap of the case's only item and resubmit on `day`: a second round."""
    item = case.policy.items.get()
    values = dict(COMPLETE_VALUES, cap={"amount": "30", "unit": "万元", "note": "最高"})
    with on(day):
        policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=values, item=item)
        services.submit_or_resubmit(world.city_drafter, case.policy)
    case.refresh_from_db()
    return case


def finish_live(world, case, day):
    """Issue a passing opinion on `day` and take the case through response and go-live to live."""
    date = datetime.date.fromisoformat(day)
    with on(day):
        services.issue_opinion(world.city_reviewer, case, conclusion=Opinion.Conclusion.PASS)
        case.refresh_from_db()
        services.confirm_receipt(world.city_drafter, case)
        case.refresh_from_db()
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
        case.refresh_from_db()
        services.confirm_golive(world.city_drafter, case, approved_on=date, golive_on=date)
        case.refresh_from_db()
        services.mark_live(world.city_drafter, case)
    case.refresh_from_db()
    return case


def withdrawn_case(world, day, title="长春市外贸企业奖励办法"):
    """Submit a city policy and withdraw it on `day`."""
    with on(day):
        policy = make_policy(world.city_drafter, title=title)
        case = services.submit(world.city_drafter, policy)
        services.withdraw(world.city_drafter, case, reason="政策需重新论证")
    case.refresh_from_db()
    return case
