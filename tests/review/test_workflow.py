"""The review workflow of the measures, path by path, on dated cases."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import translation

from policies import services as policy_services
from policies.models import ElementDefinition, Policy
from review import services
from review.models import CaseKind, DepartmentRecord, Dispute, Finding, Notice, Opinion, Response, State
from review.comparison import compare_rounds
from review.workflow import allowed_actions
from tests.factories import COMPLETE_VALUES, make_policy, text_file

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def on(day, hour=10):
    """Travel to `day` (YYYY-MM-DD) at `hour` o'clock in Shanghai."""
    year, month, date = map(int, day.split("-"))
    return time_machine.travel(datetime.datetime(year, month, date, hour, tzinfo=SHANGHAI), tick=False)


def element(code):
    return ElementDefinition.objects.get(code=code)


def finding(item, code, status="not_standard", reason="vague_wording", comment=""):
    return {"item": item, "element": element(code), "status": status, "reason": reason, "comment": comment}


def city_case_in_review(world, day="2026-01-05"):
    with on(day):
        policy = make_policy(world.city_drafter, title="长春市工业企业奖励办法")
        case = services.submit(world.city_drafter, policy)
        services.accept(world.city_reviewer, case)
    case.refresh_from_db()
    return case


def test_correction_pauses_the_review_clock(world):
    case = city_case_in_review(world, "2026-01-05")
    assert case.review_clock.due_date == datetime.date(2026, 1, 19)
    item = case.policy.items.get()

    with on("2026-01-09"):
        services.record_findings(world.city_reviewer, case, [finding(item, "cap", reason="no_amount", comment="写明上限")])
        notice = services.request_correction(world.city_reviewer, case, days=3)
    case.refresh_from_db()
    assert case.state == State.CORRECTION_REQUESTED
    assert case.review_clock.state == "paused"
    assert notice.entries[0]["element"] == "兑现限额"
    assert notice.due_on == datetime.date(2026, 1, 14)

    with on("2026-01-14"):
        values = dict(COMPLETE_VALUES, cap={"amount": "30", "unit": "万元", "note": "最高"})
        policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=values, item=item)
        services.submit_or_resubmit(world.city_drafter, case.policy)
    case.refresh_from_db()
    assert case.state == State.CITY_REVIEW
    assert case.round == 2
    assert case.review_clock.due_date == datetime.date(2026, 1, 22)
    assert not DepartmentRecord.objects.exists()


def test_second_correction_notice_needs_a_reason(world):
    case = city_case_in_review(world)
    item = case.policy.items.get()
    with on("2026-01-06"):
        services.record_findings(world.city_reviewer, case, [finding(item, "cap", reason="no_amount")])
        services.request_correction(world.city_reviewer, case)
        case.refresh_from_db()
        # The case now waits for the drafter, not for the reviewer.
        assert "request_correction" not in allowed_actions(world.city_reviewer, case)

    values = dict(COMPLETE_VALUES, cap={"amount": "9", "unit": "万元", "note": ""})
    policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=values, item=item)
    with on("2026-01-07"):
        services.submit_or_resubmit(world.city_drafter, case.policy)
        case.refresh_from_db()
        services.record_findings(world.city_reviewer, case, [finding(item, "place", reason="vague_wording")])
        with pytest.raises(services.ReviewError) as raised:
            services.request_correction(world.city_reviewer, case)
        assert "already sent at this review level" in raised.value.message
        notice = services.request_correction(world.city_reviewer, case, repeat_reason="申报地点在第一次审查时被遗漏")

    assert notice.is_repeat
    assert notice.repeat_reason == "申报地点在第一次审查时被遗漏"
    assert Notice.objects.filter(kind=Notice.Kind.CORRECTION).count() == 2


def test_district_and_city_each_get_one_notice(world):
    with on("2026-01-05"):
        case = services.submit(world.drafter, make_policy(world.drafter))
        services.accept(world.district_reviewer, case)
    item = case.policy.items.get()
    with on("2026-01-06"):
        services.record_findings(world.district_reviewer, case, [finding(item, "cap", reason="no_amount")])
        services.request_correction(world.district_reviewer, case)
    values = dict(COMPLETE_VALUES, cap={"amount": "9", "unit": "万元", "note": ""})
    policy_services.save_item(world.drafter, case.policy, name=item.name, values=values, item=item)
    with on("2026-01-07"):
        services.submit_or_resubmit(world.drafter, case.policy)
        case.refresh_from_db()
        services.record_findings(world.district_reviewer, case, [finding(item, "cap", status="conforms", reason="")])
        services.pass_preliminary(world.district_reviewer, case)
        case.refresh_from_db()
        services.accept(world.city_reviewer, case)
        case.refresh_from_db()
        services.record_findings(world.city_reviewer, case, [finding(item, "place", reason="vague_wording")])
        notice = services.request_correction(world.city_reviewer, case)
    assert not notice.is_repeat


def test_correction_needs_open_findings(world):
    case = city_case_in_review(world)
    item = case.policy.items.get()
    with on("2026-01-06"):
        services.record_findings(world.city_reviewer, case, [finding(item, "cap", status="conforms", reason="")])
        with pytest.raises(services.ReviewError):
            services.request_correction(world.city_reviewer, case)


def test_nonconforming_finding_needs_reason(world):
    case = city_case_in_review(world)
    item = case.policy.items.get()
    with pytest.raises(services.ReviewError) as raised:
        services.record_findings(world.city_reviewer, case, [finding(item, "cap", reason="")])
    assert len(raised.value.gaps) == 1
    assert not Finding.objects.exists()


def test_resubmitting_unchanged_content_is_refused(world):
    case = city_case_in_review(world)
    item = case.policy.items.get()
    with on("2026-01-06"):
        services.record_findings(world.city_reviewer, case, [finding(item, "cap", reason="no_amount")])
        services.request_correction(world.city_reviewer, case)
        # Saving the same values again changes nothing.
        events_before = case.policy.events.count()
        policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=COMPLETE_VALUES, item=item)
        assert case.policy.events.count() == events_before
        with pytest.raises(services.ReviewError) as raised:
            services.submit_or_resubmit(world.city_drafter, case.policy)
    assert "Nothing has changed since round 1" in raised.value.message
    case.refresh_from_db()
    assert case.round == 1
    assert case.submissions.count() == 1


def test_comparison_marks_findings_fixed_and_open(world):
    case = city_case_in_review(world)
    item = case.policy.items.get()
    with on("2026-01-06"):
        services.record_findings(
            world.city_reviewer,
            case,
            [finding(item, "cap", reason="no_amount"), finding(item, "place", reason="vague_wording")],
        )
        services.request_correction(world.city_reviewer, case)
    values = dict(COMPLETE_VALUES, cap={"amount": "30", "unit": "万元", "note": "最高"})
    policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=values, item=item)
    with on("2026-01-07"):
        services.submit_or_resubmit(world.city_drafter, case.policy)
        case.refresh_from_db()
        comparison = compare_rounds(case, 2)
        fates = {row["definition"].code: row["fate"] for row in comparison["items"][0]["rows"]}
        assert fates["cap"] == "changed"
        assert fates["place"] == "open"

        services.record_findings(world.city_reviewer, case, [finding(item, "cap", status="conforms", reason="")])
        fates = {row["definition"].code: row["fate"] for row in compare_rounds(case, 2)["items"][0]["rows"]}
    assert fates["cap"] == "fixed"
    assert fates["place"] == "open"


def opinion_for(world, conclusion="pass", reasons="", day="2026-01-12"):
    case = city_case_in_review(world)
    with on(day):
        services.issue_opinion(world.city_reviewer, case, conclusion=conclusion, reasons=reasons)
    case.refresh_from_db()
    return case


def test_response_clock_starts_on_receipt(world):
    case = opinion_for(world)
    assert case.drafter_clock is None
    assert allowed_actions(world.city_drafter, case) == ["confirm_receipt"]

    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
    case.refresh_from_db()
    assert case.drafter_clock.due_date == datetime.date(2026, 1, 20)
    assert "respond" in allowed_actions(world.city_drafter, case)

    with on("2026-01-20", hour=23):
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
    case.refresh_from_db()
    assert case.state == State.AWAITING_APPROVAL
    assert not case.responses.get().is_late
    case.policy.refresh_from_db()
    assert case.policy.passed_opinion == case.opinion.number


def test_late_response_is_recorded_against_department(world):
    case = opinion_for(world)
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
    with on("2026-01-22"):
        assert len(services.record_missed_deadlines()) == 1
        assert services.record_missed_deadlines() == []
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
    case.refresh_from_db()
    assert case.responses.get().is_late
    records = DepartmentRecord.objects.filter(kind=DepartmentRecord.Kind.RESPONSE_OVERDUE)
    assert records.count() == 1
    assert records.get().organization == world.city_dept


def test_pass_after_revision_needs_a_revised_round(world):
    case = opinion_for(world, conclusion=Opinion.Conclusion.PASS_AFTER_REVISION, reasons="补充咨询电话")
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
        with pytest.raises(services.ReviewError):
            services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
        item = case.policy.items.get()
        values = dict(COMPLETE_VALUES, consultation={"text": "市工信局 0431-88888888"})
        policy_services.save_item(world.city_drafter, case.policy, name=item.name, values=values, item=item)
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
    case.refresh_from_db()
    assert case.round == 2
    assert case.state == State.AWAITING_APPROVAL


def test_dispute_upheld_then_accepted(world):
    case = opinion_for(world, conclusion=Opinion.Conclusion.FAIL, reasons="兑现方式应为免申即享")
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
        with pytest.raises(services.ReviewError):
            services.respond(world.city_drafter, case, kind=Response.Kind.DISPUTED, text="")
        services.respond(world.city_drafter, case, kind=Response.Kind.DISPUTED, text="本事项需企业申报后核验，无法免申")
    case.refresh_from_db()
    assert case.state == State.DISPUTED

    with on("2026-01-14"):
        with pytest.raises(services.ReviewError):
            services.resolve_dispute(world.city_reviewer, case, outcome="upheld", reviewer_position="", resolution="")
        services.resolve_dispute(
            world.city_reviewer, case, outcome=Dispute.Outcome.OPINION_UPHELD, reviewer_position="数据可共享核验", resolution="起草部门修改"
        )
    case.refresh_from_db()
    assert case.state == State.OPINION_ISSUED
    assert case.drafter_clock.due_date == datetime.date(2026, 1, 21)

    with on("2026-01-15"):
        services.respond(world.city_drafter, case, kind=Response.Kind.DISPUTED, text="共享数据尚未接入")
        case.refresh_from_db()
        services.resolve_dispute(
            world.city_reviewer, case, outcome=Dispute.Outcome.DRAFTER_ACCEPTED, reviewer_position="同意", resolution="暂按依申请兑现"
        )
    case.refresh_from_db()
    assert case.state == State.AWAITING_APPROVAL
    dispute = case.disputes.order_by("raised_at").last()
    assert dispute.drafter_position == "共享数据尚未接入"
    assert dispute.reviewer_position == "同意"


def test_failed_policy_closes_and_can_be_reviewed_again(world):
    case = opinion_for(world, conclusion=Opinion.Conclusion.FAIL, reasons="兑现时限不明确")
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
        with pytest.raises(services.ReviewError):
            services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
        services.respond(world.city_drafter, case, kind=Response.Kind.CLOSED)
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.closed_at is not None
    with on("2026-01-14"):
        again = services.submit(world.city_drafter, case.policy)
    assert again.pk != case.pk
    assert again.state == State.SUBMITTED


def live_policy(world):
    case = opinion_for(world)
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
        case.refresh_from_db()
        services.confirm_golive(
            world.city_drafter, case, approved_on=datetime.date(2026, 1, 13), golive_on=datetime.date(2026, 2, 2)
        )
        case.refresh_from_db()
        with pytest.raises(services.ReviewError):
            services.mark_live(world.city_drafter, case)
    with on("2026-02-02"):
        services.mark_live(world.city_drafter, case)
    case.refresh_from_db()
    return case


def test_passed_policy_stays_locked(world):
    case = opinion_for(world)
    policy = Policy.objects.get(pk=case.policy_id)
    assert policy.is_locked
    assert not policy_services.can_edit(world.city_drafter, policy)


def test_content_changed_after_review_cannot_go_live(world):
    case = opinion_for(world)
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
        case.refresh_from_db()
        services.confirm_golive(
            world.city_drafter, case, approved_on=datetime.date(2026, 1, 13), golive_on=datetime.date(2026, 1, 13)
        )
    # A change that bypasses the services, as a direct database edit would.
    item = case.policy.items.get()
    item.values.filter(element__code="cap").update(value={"amount": "5000", "unit": "万元", "note": ""})
    case.refresh_from_db()
    with on("2026-01-13"), pytest.raises(services.ReviewError) as raised:
        services.mark_live(world.city_drafter, case)
    assert "changed after its last review round" in raised.value.message
    assert not Policy.objects.get(pk=case.policy_id).is_live


def test_go_live_needs_passed_review(world):
    case = live_policy(world)
    assert case.state == State.LIVE
    policy = Policy.objects.get(pk=case.policy_id)
    assert policy.is_live
    assert policy.live_since == datetime.date(2026, 2, 2)


def test_database_refuses_live_without_passed_review(world):
    policy = make_policy(world.drafter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Policy.objects.filter(pk=policy.pk).update(is_live=True)


def test_golive_dates_are_checked(world):
    case = opinion_for(world)
    with on("2026-01-13"):
        services.confirm_receipt(world.city_drafter, case)
        services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
        case.refresh_from_db()
        with pytest.raises(services.ReviewError):
            services.confirm_golive(
                world.city_drafter, case, approved_on=datetime.date(2026, 1, 20), golive_on=datetime.date(2026, 1, 19)
            )
        with pytest.raises(services.ReviewError):
            services.confirm_golive(
                world.city_drafter, case, approved_on=datetime.date(2026, 2, 1), golive_on=datetime.date(2026, 2, 2)
            )


def test_late_adjustment_is_flagged(world):
    case = live_policy(world)
    policy = case.policy
    with on("2026-03-02"):
        services.prepare_adjustment(world.city_drafter, policy)
        policy_services.add_material(world.city_drafter, policy, kind="application_letter", uploaded=text_file("函.txt"))
        policy_services.add_material(world.city_drafter, policy, kind="change_explanation", uploaded=text_file("调整说明.txt"))
        adjustment = services.submit(
            world.city_drafter, policy, kind=CaseKind.ADJUSTMENT, effective_on=datetime.date(2026, 3, 6), explanation="提高限额"
        )
    # 2026-02-28 is a Saturday worked in lieu of the Spring Festival holiday.
    assert adjustment.apply_by == datetime.date(2026, 2, 28)
    assert adjustment.is_late
    assert DepartmentRecord.objects.filter(kind=DepartmentRecord.Kind.LATE_CHANGE_APPLICATION).count() == 1


def test_timely_offline_request_takes_policy_offline(world):
    case = live_policy(world)
    policy = case.policy
    with on("2026-03-02"):
        services.prepare_adjustment(world.city_drafter, policy)
        with pytest.raises(services.ReviewError) as raised:
            services.submit(world.city_drafter, policy, kind=CaseKind.OFFLINE, effective_on=datetime.date(2026, 3, 31), explanation="废止")
        assert len(raised.value.gaps) == 2
        policy_services.add_material(world.city_drafter, policy, kind="application_letter", uploaded=text_file("下线函.txt"))
        policy_services.add_material(world.city_drafter, policy, kind="repeal_decision", uploaded=text_file("废止决定.txt"))
        offline = services.submit(
            world.city_drafter, policy, kind=CaseKind.OFFLINE, effective_on=datetime.date(2026, 3, 31), explanation="政策到期废止"
        )
        assert not offline.is_late
        services.accept(world.city_reviewer, offline)
        offline.refresh_from_db()
        assert allowed_actions(world.city_reviewer, offline) == ["approve_offline"]
        services.approve_offline(world.city_reviewer, offline)
    policy.refresh_from_db()
    # Approved now, but the repeal takes effect on 03-31: live until then.
    assert policy.is_live
    assert policy.offline_since == datetime.date(2026, 3, 31)

    with on("2026-03-30"):
        assert services.take_offline_due() == 0
    with on("2026-03-31"):
        assert services.take_offline_due() == 1
        assert services.take_offline_due() == 0
    policy.refresh_from_db()
    assert not policy.is_live
    assert policy.events.filter(code="review.went_offline").count() == 1


def test_withdraw_needs_reason_and_stops_clocks(world):
    case = city_case_in_review(world)
    with pytest.raises(services.ReviewError):
        services.withdraw(world.city_drafter, case, reason=" ")
    with on("2026-01-06"):
        services.withdraw(world.city_drafter, case, reason="政策暂缓出台")
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN
    assert case.review_clock.state == "stopped"
    assert policy_services.can_edit(world.city_drafter, Policy.objects.get(pk=case.policy_id))


def test_missed_materials_deadline_is_recorded_once(world):
    with on("2026-01-05"):
        case = services.submit(world.drafter, make_policy(world.drafter))
        services.request_materials(world.district_reviewer, case, entries=["缺少盖章"], days=2)
    with on("2026-01-08"):
        first = services.record_missed_deadlines()
        second = services.record_missed_deadlines()
    assert [r.kind for r in first] == [DepartmentRecord.Kind.MATERIALS_OVERDUE]
    assert second == []
    assert first[0].organization == world.dept


def test_reviewer_queue_sorted_by_days_left(world):
    with on("2026-01-05"):
        late = services.submit(world.city_drafter, make_policy(world.city_drafter, title="先受理"))
        services.accept(world.city_reviewer, late)
    with on("2026-01-07"):
        early = services.submit(world.city_drafter, make_policy(world.city_drafter, title="后受理"))
        services.accept(world.city_reviewer, early)
        waiting = services.submit(world.city_drafter, make_policy(world.city_drafter, title="待受理"))
        queue = list(services.reviewer_queue(world.city_reviewer))
    assert [c.pk for c in queue] == [late.pk, early.pk, waiting.pk]
