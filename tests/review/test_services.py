import pytest
from django.utils import translation
from django.utils import timezone

from policies import services as policy_services
from policies.models import Policy
from review import services
from review.models import Notice, Opinion, ReviewCase, Stage, State, Submission
from tests.factories import make_policy, text_file


@pytest.fixture(autouse=True)
def english():
    # Messages are compared in English, the language of the msgids.
    with translation.override("en"):
        yield


def test_district_policy_full_pass(world):
    policy = make_policy(world.drafter)
    assert policy.level == Policy.Level.DISTRICT

    case = services.submit(world.drafter, policy)
    assert case.state == State.SUBMITTED
    assert case.stage == Stage.DISTRICT
    assert case.reviewing_bureau == world.district_bureau

    services.accept(world.district_reviewer, case)
    services.pass_preliminary(world.district_reviewer, case, comments="要素齐全")
    case.refresh_from_db()
    assert case.state == State.FORWARDED
    assert case.reviewing_bureau == world.city_bureau

    services.accept(world.city_reviewer, case)
    opinion = services.issue_opinion(world.city_reviewer, case, conclusion=Opinion.Conclusion.PASS)

    case.refresh_from_db()
    assert case.state == State.OPINION_ISSUED
    assert case.closed_at is None
    assert opinion.number == "长政数审〔%d〕1号" % timezone.localdate().year
    codes = list(policy.events.values_list("code", flat=True))
    assert codes[-5:] == [
        "review.submitted",
        "review.accepted",
        "review.preliminary_passed",
        "review.accepted",
        "review.opinion_issued",
    ]


def test_city_policy_goes_straight_to_city(world):
    policy = make_policy(world.city_drafter, title="长春市工业转型升级奖励")
    assert policy.level == Policy.Level.CITY

    case = services.submit(world.city_drafter, policy)
    assert case.stage == Stage.CITY
    assert case.reviewing_bureau == world.city_bureau
    with pytest.raises(services.ReviewError):
        services.accept(world.district_reviewer, case)

    services.accept(world.city_reviewer, case)
    case.refresh_from_db()
    assert case.state == State.CITY_REVIEW


def test_incomplete_submission_lists_every_gap(world):
    policy = make_policy(world.drafter, complete=False, materials=False)

    with pytest.raises(services.ReviewError) as raised:
        services.submit(world.drafter, policy)

    gaps = raised.value.gaps
    assert len(gaps) == 5
    for label in ("Application letter", "Draft policy text", "Consultation or assessment", "Fair-competition"):
        assert len([g for g in gaps if label in g]) == 1
    item_gap = [g for g in gaps if "工业企业增产奖励" in g]
    assert len(item_gap) == 1
    assert "Application materials" in item_gap[0]
    assert "Fulfilment time limit" in item_gap[0]
    assert not ReviewCase.objects.exists()


def test_policy_without_items_cannot_be_submitted(world):
    policy = policy_services.create_policy(world.drafter, title="空政策", lead_department=world.dept)
    with pytest.raises(services.ReviewError) as raised:
        services.submit(world.drafter, policy)
    assert any("no service item" in g for g in raised.value.gaps)


def test_materials_request_and_resubmission(world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    services.request_materials(
        world.district_reviewer, case, entries=["公平竞争审查意见未盖章", "", "缺少财政资金安排意见"], days=5
    )

    case.refresh_from_db()
    policy.refresh_from_db()
    assert case.state == State.MATERIALS_REQUESTED
    assert not policy.is_locked
    notice = Notice.objects.get(case=case)
    assert notice.entries == ["公平竞争审查意见未盖章", "缺少财政资金安排意见"]

    policy_services.add_material(world.drafter, policy, kind="fair_competition_fiscal", uploaded=text_file("盖章版.txt"))
    services.submit_or_resubmit(world.drafter, policy)

    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert case.round == 2
    assert Submission.objects.filter(case=case).count() == 2
    notice.refresh_from_db()
    assert notice.answered_at is not None


def test_materials_request_needs_entries_and_days(world):
    case = services.submit(world.drafter, make_policy(world.drafter))
    with pytest.raises(services.ReviewError):
        services.request_materials(world.district_reviewer, case, entries=["  "], days=3)
    with pytest.raises(services.ReviewError):
        services.request_materials(world.district_reviewer, case, entries=["缺少函"], days=-1)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_second_submit_is_refused_with_who_and_when(world):
    policy = make_policy(world.drafter)
    services.submit(world.drafter, policy)

    with pytest.raises(services.ReviewError) as raised:
        services.submit(world.drafter, policy)

    assert "王起草" in raised.value.message
    assert ReviewCase.objects.count() == 1
    assert Submission.objects.count() == 1


def test_accept_twice_reports_first_reviewer(world):
    case = services.submit(world.drafter, make_policy(world.drafter))
    colleague = type(world.district_reviewer).objects.create(
        username="colleague", role="district_reviewer", organization=world.district_bureau, display_name="蒋同事"
    )
    services.accept(colleague, case)

    with pytest.raises(services.ReviewError) as raised:
        services.accept(world.district_reviewer, case)
    assert "蒋同事" in raised.value.message


@pytest.mark.parametrize("actor", ["other_drafter", "zone_reviewer", "city_reviewer", "supervisor", "head"])
def test_accept_refused_for_others(world, actor):
    case = services.submit(world.drafter, make_policy(world.drafter))
    with pytest.raises(services.ReviewError):
        services.accept(getattr(world, actor), case)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_submit_refused_for_other_department(world):
    policy = make_policy(world.drafter)
    with pytest.raises(services.ReviewError):
        services.submit(world.other_drafter, policy)


def test_fail_needs_reasons_and_unlocks_policy(world):
    policy = make_policy(world.city_drafter, title="长春市某政策")
    case = services.submit(world.city_drafter, policy)
    services.accept(world.city_reviewer, case)
    with pytest.raises(services.ReviewError):
        services.issue_opinion(world.city_reviewer, case, conclusion=Opinion.Conclusion.FAIL, reasons="  ")

    services.issue_opinion(world.city_reviewer, case, conclusion=Opinion.Conclusion.FAIL, reasons="兑现时限不明确")

    policy.refresh_from_db()
    assert not policy.is_locked
    assert policy_services.can_edit(world.city_drafter, policy)
    assert not policy.passed_opinion


def test_locked_policy_cannot_be_edited(world):
    from django.core.exceptions import PermissionDenied

    policy = make_policy(world.drafter)
    services.submit(world.drafter, policy)
    policy.refresh_from_db()
    with pytest.raises(PermissionDenied):
        policy_services.save_item(world.drafter, policy, name="新事项", values={})


def test_opinion_numbers_increase_per_bureau(world):
    numbers = []
    for title in ("甲政策", "乙政策"):
        case = services.submit(world.city_drafter, make_policy(world.city_drafter, title=title))
        services.accept(world.city_reviewer, case)
        numbers.append(services.issue_opinion(world.city_reviewer, case, conclusion="pass").number)
    year = timezone.localdate().year
    assert numbers == ["长政数审〔%d〕1号" % year, "长政数审〔%d〕2号" % year]


def test_snapshot_keeps_submitted_content(world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    snapshot = case.submissions.get().snapshot
    assert snapshot["policy"]["title"] == policy.title
    assert snapshot["items"][0]["values"]["cap"] == {"amount": "50", "unit": "万元", "note": "最高"}
    assert len(snapshot["materials"]) == 4
