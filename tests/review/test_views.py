"""The review pass through the pages, as drafters and reviewers click through it.

Each step posts what the page's form or button posts, then follows the
redirect and checks the messages and the policy page displayed next.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.models import Role
from policies.models import ElementDefinition
from review import services

# Imported at collection, before any test switches the language, so that
# the module-level messages of the views are built in the default language
# as in a server process.
from review import views as _views  # noqa: F401
from review.models import Notice, Opinion, ReviewCase, Stage, State, Submission
from tests.factories import make_policy, user

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


class HistoryList(HTMLParser):
    """The entries of the history list on a policy page, as plain text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.entries = []
        self._depth = 0
        self._entry = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ol" and attrs.get("data-testid") == "history":
            self._depth = 1
        elif self._depth and tag == "ol":
            self._depth += 1
        elif self._depth == 1 and tag == "li":
            self._entry = []

    def handle_endtag(self, tag):
        if self._depth and tag == "ol":
            self._depth -= 1
        elif self._depth == 1 and tag == "li" and self._entry is not None:
            self.entries.append(" ".join("".join(self._entry).split()))
            self._entry = None

    def handle_data(self, data):
        if self._entry is not None:
            self._entry.append(data)


@pytest.fixture(autouse=True)
def english_requests(client):
    # Messages are compared in English, the language of the msgids.
    client.defaults.update(ENGLISH)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def message_levels(response):
    return [message.level_tag for message in response.context["messages"]]


def detail_url(policy):
    return reverse("review:policy_detail", kwargs={"pk": policy.pk})


def action_url(case, name):
    return reverse("review:action", kwargs={"pk": case.pk, "name": name})


def as_user(client, person):
    client.force_login(person)
    return client


def submit(client, policy):
    return client.post(reverse("review:submit", kwargs={"pk": policy.pk}), follow=True)


def open_case(policy):
    return ReviewCase.objects.get(policy=policy, closed_at__isnull=True)


def test_drafter_submits(client, world):
    policy = make_policy(world.drafter)
    as_user(client, world.drafter)

    response = submit(client, policy)

    assert response.redirect_chain == [(detail_url(policy), 302)]
    case = open_case(policy)
    assert case.state == State.SUBMITTED
    assert case.reviewing_bureau == world.district_bureau
    assert Submission.objects.filter(case=case).count() == 1
    assert messages_of(response) == [f"Submitted to {world.district_bureau.name} for standardization review."]
    policy.refresh_from_db()
    assert policy.is_locked


def test_submission_with_gaps_lists_every_gap(client, world):
    policy = make_policy(world.drafter, complete=False, materials=False)
    gaps = services.submission_gaps(policy)
    assert len(gaps) == 5
    as_user(client, world.drafter)

    response = submit(client, policy)

    displayed = messages_of(response)
    assert displayed[0] == "The policy cannot be submitted yet. Complete the following:"
    assert displayed[1:] == gaps
    html = response.content.decode()
    for gap in gaps:
        assert gap in html
    assert not ReviewCase.objects.filter(policy=policy).exists()


def test_double_submit_creates_one_submission(client, world):
    policy = make_policy(world.drafter)
    as_user(client, world.drafter)

    first = submit(client, policy)
    second = submit(client, policy)

    assert Submission.objects.filter(case__policy=policy).count() == 1
    assert ReviewCase.objects.filter(policy=policy).count() == 1
    assert messages_of(first)[0].startswith("Submitted to ")
    second_messages = messages_of(second)
    assert len(second_messages) == 1
    assert "already handled by 王起草" in second_messages[0]


def test_reviewer_accepts(client, world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    as_user(client, world.district_reviewer)

    response = client.post(action_url(case, "accept"), follow=True)

    assert response.redirect_chain == [(detail_url(policy), 302)]
    assert message_levels(response) == ["success"]
    case.refresh_from_db()
    assert case.state == State.DISTRICT_REVIEW
    assert case.district_accepted_at is not None
    assert case.review_clock is not None


def test_stale_accept_names_who_handled_it(client, world):
    case = services.submit(world.drafter, make_policy(world.drafter))
    colleague = user("colleague", Role.DISTRICT_REVIEWER, world.district_bureau, "蒋同事")
    services.accept(colleague, case)
    as_user(client, world.district_reviewer)

    response = client.post(action_url(case, "accept"), follow=True)

    displayed = messages_of(response)
    assert len(displayed) == 1
    assert "蒋同事" in displayed[0]
    assert "District preliminary review" in displayed[0]
    case.refresh_from_db()
    assert case.state == State.DISTRICT_REVIEW
    assert case.state_changed_by == colleague


def test_materials_form_prefilled_with_gaps(client, world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    # The city revises the catalog after the submission: the penalty
    # element becomes required, so the submitted item now lacks it.
    ElementDefinition.objects.filter(code="penalty").update(required=True)
    gaps = services.submission_gaps(policy)
    assert len(gaps) == 1
    as_user(client, world.district_reviewer)

    response = client.get(action_url(case, "request_materials"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["entries"].value() == "\n".join(gaps)
    assert gaps[0] in response.content.decode()


def test_reviewer_returns_with_materials_list(client, world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    as_user(client, world.district_reviewer)
    data = {"entries": "公平竞争审查意见未盖章\n\n缺少财政资金安排意见\n", "days": "5", "note": "请一并补正"}

    response = client.post(action_url(case, "request_materials"), data, follow=True)

    assert response.redirect_chain == [(detail_url(policy), 302)]
    assert message_levels(response) == ["success"]
    case.refresh_from_db()
    assert case.state == State.MATERIALS_REQUESTED
    notice = Notice.objects.get(case=case)
    assert notice.kind == Notice.Kind.MATERIALS
    assert notice.entries == ["公平竞争审查意见未盖章", "缺少财政资金安排意见"]
    assert notice.note == "请一并补正"
    assert notice.due_on == case.drafter_clock.due_date
    policy.refresh_from_db()
    assert not policy.is_locked


def test_materials_return_needs_an_entry(client, world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    as_user(client, world.district_reviewer)

    response = client.post(action_url(case, "request_materials"), {"entries": " \n ", "days": "5", "note": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["entries"]
    assert not Notice.objects.exists()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_reviewer_passes_preliminary(client, world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    services.accept(world.district_reviewer, case)
    as_user(client, world.district_reviewer)

    response = client.post(action_url(case, "pass_preliminary"), {"comments": "要素齐全，同意报市级终审"}, follow=True)

    assert response.redirect_chain == [(detail_url(policy), 302)]
    assert message_levels(response) == ["success"]
    case.refresh_from_db()
    assert case.state == State.FORWARDED
    assert case.stage == Stage.CITY
    assert case.reviewing_bureau == world.city_bureau


def _in_city_review(world):
    policy = make_policy(world.drafter)
    case = services.submit(world.drafter, policy)
    services.accept(world.district_reviewer, case)
    services.pass_preliminary(world.district_reviewer, case)
    services.accept(world.city_reviewer, case)
    return policy, case


def test_fail_without_reasons_rerenders(client, world):
    policy, case = _in_city_review(world)
    as_user(client, world.city_reviewer)

    response = client.post(action_url(case, "issue_opinion"), {"conclusion": Opinion.Conclusion.FAIL, "reasons": "  "})

    assert response.status_code == 200
    errors = response.context["form"].errors["reasons"]
    assert len(errors) == 1
    assert errors[0] in response.content.decode()
    assert response.context["form"]["conclusion"].value() == Opinion.Conclusion.FAIL
    assert not Opinion.objects.exists()
    case.refresh_from_db()
    assert case.state == State.CITY_REVIEW


def test_city_issues_opinion(client, world):
    policy, case = _in_city_review(world)
    as_user(client, world.city_reviewer)

    data = {"conclusion": Opinion.Conclusion.FAIL, "reasons": "兑现时限不明确"}

    response = client.post(action_url(case, "issue_opinion"), data, follow=True)

    assert response.redirect_chain == [(detail_url(policy), 302)]
    opinion = Opinion.objects.get(case=case)
    assert opinion.conclusion == Opinion.Conclusion.FAIL
    assert opinion.reasons == "兑现时限不明确"
    assert opinion.issued_by == world.city_reviewer
    assert opinion.number in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.OPINION_ISSUED


def test_double_opinion_post_issues_one_letter(client, world):
    policy, case = _in_city_review(world)
    as_user(client, world.city_reviewer)
    data = {"conclusion": Opinion.Conclusion.PASS, "reasons": ""}

    first = client.post(action_url(case, "issue_opinion"), data)
    second = client.post(action_url(case, "issue_opinion"), data)

    assert first.status_code == 302
    assert second.status_code in (302, 403)
    assert Opinion.objects.filter(case=case).count() == 1


def test_history_shows_actor_names(client, world):
    policy = make_policy(world.drafter)
    as_user(client, world.drafter)
    submit(client, policy)
    case = open_case(policy)
    as_user(client, world.district_reviewer)
    client.post(action_url(case, "accept"))
    client.post(action_url(case, "pass_preliminary"), {"comments": ""})
    as_user(client, world.city_reviewer)
    client.post(action_url(case, "accept"))
    client.post(action_url(case, "issue_opinion"), {"conclusion": Opinion.Conclusion.PASS, "reasons": ""})

    response = client.get(detail_url(policy))

    entries = HistoryList(response.content.decode()).entries
    # Newest first. Each entry contains the time, the actor and the sentence.
    expected = [
        ("冯市审", "issued opinion letter"),
        ("冯市审", "accepted the submission"),
        ("吴区审", "passed the preliminary review"),
        ("吴区审", "accepted the submission"),
        ("王起草", "submitted the policy for standardization review"),
    ]
    assert len(entries) >= len(expected)
    for entry, (actor, sentence) in zip(entries[: len(expected)], expected, strict=True):
        assert actor in entry, entry
        assert sentence in entry, entry
    assert "王起草" in entries[-1]
    assert "created the policy" in entries[-1]


@pytest.mark.parametrize(
    "name, data, expected",
    [
        ("accept", {}, "The submission was accepted. The review period has started."),
        (
            "request_materials",
            {"entries": "缺少申请函", "days": "5", "note": ""},
            "The notice listing the missing materials was sent to the drafter.",
        ),
    ],
)
def test_action_message_in_reader_language(client, world, name, data, expected):
    case = services.submit(world.drafter, make_policy(world.drafter))
    as_user(client, world.district_reviewer)

    response = client.post(action_url(case, name), data, follow=True)

    assert messages_of(response) == [expected]
