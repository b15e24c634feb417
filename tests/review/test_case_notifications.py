"""People who must act next hear about it in their notification centre."""

import pytest
from django.utils import translation

from accounts.models import Notification
from accounts.notifications import describe
from review import services
from tests.factories import make_policy


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_submission_notifies_reviewers(world):
    services.submit(world.drafter, make_policy(world.drafter))

    notice = Notification.objects.get(user=world.district_reviewer)
    assert notice.code == "review.case_moved"
    assert "王起草" in describe(notice)
    assert "submitted the policy" in describe(notice)
    assert not Notification.objects.filter(user=world.drafter).exists()


def test_materials_request_notifies_drafters(world):
    case = services.submit(world.drafter, make_policy(world.drafter))
    services.request_materials(world.district_reviewer, case, entries=["缺少盖章"], days=5)

    texts = [describe(n) for n in Notification.objects.filter(user=world.drafter)]
    assert len(texts) == 1
    assert "1 missing materials" in texts[0]
    assert not Notification.objects.filter(user=world.other_drafter).exists()


def test_opinion_notifies_drafters(world):
    case = services.submit(world.city_drafter, make_policy(world.city_drafter, title="长春市某政策"))
    services.accept(world.city_reviewer, case)
    opinion = services.issue_opinion(world.city_reviewer, case, conclusion="pass")

    texts = [describe(n) for n in Notification.objects.filter(user=world.city_drafter)]
    assert any(opinion.number in text for text in texts)
