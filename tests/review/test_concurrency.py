"""Races between people acting on the same case at the same moment.

These run only against PostgreSQL, whose row locks they exercise; with
POLICYHUB_REQUIRE_SERVICES set the suite never falls back to SQLite.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection

from review import services
from review.models import ReviewCase, State, Submission
from tests.factories import World, make_policy

pytestmark = [
    # serialized_rollback restores the rows that data migrations load (the
    # element catalog, the holiday calendar) for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not getattr(settings, "USING_POSTGRES", False), reason="row locks need PostgreSQL"),
]


def run_together(*calls):
    """Run the calls in threads released at the same instant; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def worker(call):
        try:
            barrier.wait()
            results.append(call())
        except services.ReviewError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_two_reviewers_accepting_at_once_make_one_transition():
    world = World()
    case = services.submit(world.drafter, make_policy(world.drafter))
    colleague = type(world.district_reviewer).objects.create(
        username="colleague", role="district_reviewer", organization=world.district_bureau, display_name="蒋同事"
    )

    results, errors = run_together(
        lambda: services.accept(world.district_reviewer, case), lambda: services.accept(colleague, case)
    )

    assert len(results) == 1
    assert len(errors) == 1
    case.refresh_from_db()
    assert case.state == State.DISTRICT_REVIEW
    assert str(case.state_changed_by) in errors[0].message
    assert case.policy.events.filter(code="review.accepted").count() == 1


def test_double_clicked_submit_creates_one_submission():
    world = World()
    policy = make_policy(world.drafter)

    results, errors = run_together(*[lambda: services.submit(world.drafter, policy)] * 4)

    assert len(results) == 1
    assert len(errors) == 3
    assert ReviewCase.objects.count() == 1
    assert Submission.objects.count() == 1


def test_accept_and_return_at_once_make_one_transition():
    world = World()
    case = services.submit(world.drafter, make_policy(world.drafter))

    results, errors = run_together(
        lambda: services.accept(world.district_reviewer, case),
        lambda: services.request_materials(world.district_reviewer, case, entries=["缺少函"], days=5),
    )

    assert len(results) == 1
    assert len(errors) == 1
    case.refresh_from_db()
    assert case.state in (State.DISTRICT_REVIEW, State.MATERIALS_REQUESTED)
    assert case.policy.events.filter(code__in=["review.accepted", "review.materials_requested"]).count() == 1


def test_opinions_issued_at_once_get_distinct_numbers():
    world = World()
    cases = []
    for title in ("甲政策", "乙政策", "丙政策"):
        case = services.submit(world.city_drafter, make_policy(world.city_drafter, title=title))
        services.accept(world.city_reviewer, case)
        cases.append(case)

    results, errors = run_together(
        *[lambda c=c: services.issue_opinion(world.city_reviewer, c, conclusion="pass") for c in cases]
    )

    assert errors == []
    assert sorted(opinion.sequence for opinion in results) == [1, 2, 3]
