"""The access grid: who may request which object URL.

Every URL of the project that takes an argument is listed by walking the
URL resolver, so a new URL without a grid entry fails
`test_grid_covers_every_object_url`. Each one is then requested with GET
and with POST by people who must not reach the object. They get a redirect
to the login page, 403, 404 or (GET on a POST-only view) 405, never the
data, and a POST changes no row. The positive side checks that drafters,
reviewers and supervisors read what the rules on who sees what give them,
and nothing more.
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notifications import notify
from documents import export as ledger_export
from documents.forms import LedgerFilterForm
from documents.models import DocumentDelivery, ExportRecord
from policies import services as policy_services
from policies.models import (
    ElementDefinition,
    ElementValue,
    Material,
    Policy,
    PolicyEvent,
    PolicyUserObjectPermission,
    ServiceItem,
)
from review import archive as review_archive
from review import services as review_services
from review import views as review_views
from review.models import (
    ArchiveRecord,
    DepartmentRecord,
    Dispute,
    Finding,
    Notice,
    Opinion,
    Response,
    ReviewCase,
    Submission,
)
from tests.factories import make_policy
from workdays.models import CalendarYear, Clock, ClockEvent, SpecialDay

# The Django admin checks is_staff itself and registers no policy model
# (`test_admin_registers_no_policy_content`), so the grid leaves it out.
EXCLUDED_NAMESPACES = {"admin"}

DISTRICT_STATES = [
    "draft",
    "submitted",
    "materials_requested",
    "district_review",
    "city_review",
    "failed",
    "live",
]
ALL_STATES = DISTRICT_STATES + ["city"]
SUBMITTED_STATES = [state for state in ALL_STATES if state != "draft"]

OUTSIDERS = ["anonymous", "other_drafter", "zone_reviewer", "other_city_reviewer", "sysadmin"]


def _takes_argument(pattern):
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return True
    regex = getattr(pattern.pattern, "regex", None)
    return bool(regex is not None and regex.groups)


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield namespace, entry


def object_url_names():
    """Return the names of every URL pattern that takes an argument, outside the excluded namespaces."""
    names = set()
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace.split(":")[0] in EXCLUDED_NAMESPACES or not _takes_argument(pattern):
            continue
        assert pattern.name, f"URL pattern {pattern.pattern} takes an argument but has no name"
        names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


# Building the grid world ---------------------------------------------------


def _submit(drafter, title):
    policy = make_policy(drafter, title=title)
    case = review_services.submit(drafter, policy)
    return policy, case


def _to_city_review(world, title):
    policy, case = _submit(world.drafter, title)
    review_services.accept(world.district_reviewer, case)
    review_services.pass_preliminary(world.district_reviewer, case, comments="要素齐全")
    review_services.accept(world.city_reviewer, case)
    return policy, case


def build_policies(world):
    """Create one policy per review state; the consulted officer may read each of them."""
    today = timezone.localdate()
    policies = {}

    policies["draft"] = make_policy(world.drafter, title="草稿：九台区工业企业技术改造补助办法")
    policies["draft"].co_departments.add(world.zone_dept)

    policies["submitted"], _case = _submit(world.drafter, "已送审：九台区支持工业企业增产增效若干措施")

    policies["materials_requested"], case = _submit(world.drafter, "补正中：九台区中小企业融资贴息办法")
    review_services.request_materials(world.district_reviewer, case, entries=["公平竞争审查意见未盖章"], days=5)

    policies["district_review"], case = _submit(world.drafter, "区初审：九台区工业企业上规奖励办法")
    review_services.accept(world.district_reviewer, case)

    policies["city_review"], _case = _to_city_review(world, "市审查：九台区工业企业数字化转型补助办法")

    policies["failed"], case = _to_city_review(world, "未通过：九台区工业企业稳岗补贴办法")
    review_services.issue_opinion(
        world.city_reviewer, case, conclusion=Opinion.Conclusion.FAIL, reasons="兑现时限不明确"
    )
    review_services.confirm_receipt(world.drafter, case)

    policies["live"], case = _to_city_review(world, "已上线：九台区工业企业研发费用补助办法")
    review_services.issue_opinion(world.city_reviewer, case, conclusion=Opinion.Conclusion.PASS)
    review_services.confirm_receipt(world.drafter, case)
    review_services.respond(world.drafter, case, kind=Response.Kind.ACCEPTED)
    review_services.confirm_golive(world.drafter, case, approved_on=today, golive_on=today)
    review_services.mark_live(world.drafter, case)

    policies["city"], _case = _submit(world.city_drafter, "市级：长春市工业转型升级奖励办法")

    for state, policy in policies.items():
        lead = world.city_drafter if state == "city" else world.drafter
        policy_services.grant_view(lead, policy, world.consulted)
        policy.refresh_from_db()
    return policies


def build_ledger_export(reviewer):
    """Export the ledger as `reviewer` and return the finished export record."""
    form = LedgerFilterForm({}, user=reviewer)
    assert form.is_valid(), form.errors
    record = ledger_export.create_export(reviewer, form, ExportRecord.Format.CSV)
    return ledger_export.run_export(record.pk)


@pytest.fixture
def grid(world):
    world.policies = build_policies(world)
    live_case = latest_case(world.policies["live"])
    world.archive = review_archive.archive_case(live_case.pk)
    world.export = build_ledger_export(world.district_reviewer)
    world.notification = notify(
        world.drafter, "review.materials_requested", url=reverse("review:policy_detail", args=[live_case.policy_id])
    )
    return world


def person(world, name):
    return None if name == "anonymous" else getattr(world, name)


def log_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


SNAPSHOT_MODELS = [
    Policy,
    Policy.co_departments.through,
    ServiceItem,
    ElementValue,
    Material,
    PolicyEvent,
    PolicyUserObjectPermission,
    ReviewCase,
    Submission,
    Finding,
    Notice,
    Opinion,
    Response,
    Dispute,
    DepartmentRecord,
    Clock,
    ClockEvent,
    CalendarYear,
    SpecialDay,
    ArchiveRecord,
    ExportRecord,
    DocumentDelivery,
    Notification,
]


def snapshot():
    """Return a digest of every row a request could change, per table.

    On PostgreSQL one query hashes the full text of every row, which keeps
    the grid fast; other databases compare the rows themselves.
    """
    if connection.vendor != "postgresql":
        return {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}
    quote = connection.ops.quote_name
    selects = []
    for model in SNAPSHOT_MODELS:
        table = model._meta.db_table
        digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), ''))"
        selects.append(f"SELECT '{table}', {digest} FROM {quote(table)} t")
    sql = " UNION ALL ".join(selects)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


# The grid ------------------------------------------------------------------
#
# TARGETS maps each URL name to a function that yields, for the grid world,
# a label, the policy the object belongs to (None for objects of no single
# policy) and the URL arguments. POST_DATA gives, for URLs that take a
# form, a valid form that would change rows if the view let the requester
# through.


def latest_case(policy):
    return ReviewCase.objects.filter(policy=policy).order_by("-opened_at", "-id").first()


def first_item(policy):
    return policy.items.order_by("pk").first()


def first_material(policy):
    return policy.materials.filter(removed_at__isnull=True).order_by("pk").first()


def each_policy(build):
    """Turn `build(world, policy)`, which returns URL arguments, into targets over every policy of the grid."""

    def targets(world):
        for state in ALL_STATES:
            policy = world.policies[state]
            for kwargs in build(world, policy):
                yield f"{state} policy", policy, kwargs

    return targets


def policy_target(world, policy):
    return [{"pk": policy.pk}]


def item_target(world, policy):
    return [{"pk": policy.pk, "item_pk": first_item(policy).pk}]


def material_target(world, policy):
    return [{"pk": first_material(policy).pk}]


def revoke_target(world, policy):
    return [{"pk": policy.pk, "user_pk": world.consulted.pk}]


def case_target(world, policy):
    case = latest_case(policy)
    return [] if case is None else [{"pk": case.pk}]


# Every case action the view serves; `test_grid_covers_every_case_action`
# keeps this list equal to the view's own tables.
CASE_ACTIONS = [
    "accept",
    "confirm_receipt",
    "mark_live",
    "request_materials",
    "request_correction",
    "pass_preliminary",
    "issue_opinion",
    "respond",
    "resolve_dispute",
    "confirm_golive",
    "withdraw",
    "approve_offline",
]


def case_action_target(world, policy):
    case = latest_case(policy)
    return [] if case is None else [{"pk": case.pk, "name": name} for name in CASE_ACTIONS]


def clock_target(world, policy):
    case = latest_case(policy)
    if case is None:
        return []
    clock_ids = [case.review_clock_id, case.drafter_clock_id]
    return [{"pk": clock_id} for clock_id in clock_ids if clock_id is not None]


def notice_target(world, policy):
    return [{"pk": pk} for pk in Notice.objects.filter(case__policy=policy).values_list("pk", flat=True)]


def opinion_target(world, policy):
    return [{"pk": pk} for pk in Opinion.objects.filter(case__policy=policy).values_list("pk", flat=True)]


def archive_targets(world):
    yield "archive of the live policy", world.policies["live"], {"pk": world.archive.pk}


def export_targets(world):
    yield "ledger export of the district reviewer", None, {"pk": world.export.pk}


def notification_targets(world):
    yield "notification of the drafter", None, {"pk": world.notification.pk}


def year_targets(world):
    yield "calendar year", None, {"year": 2027}


def policy_form(world, actor, policy, kwargs):
    return {"title": "被篡改的标题", "doc_number": "长府办函〔2026〕99号", "summary": "", "issued_on": ""}


def item_form(world, actor, policy, kwargs):
    return {"name": "被篡改的事项", "place": "篡改的地点", "internal_time_limit": "5"}


def upload_form(world, actor, policy, kwargs):
    return {
        "kind": Material.Kind.APPLICATION_LETTER,
        "file": SimpleUploadedFile("篡改.txt", "篡改的材料".encode(), content_type="text/plain"),
    }


def share_form(world, actor, policy, kwargs):
    # The requester tries to give itself read access.
    return {"username": actor.username if actor is not None else world.other_drafter.username}


def findings_form(world, actor, policy, kwargs):
    item = first_item(policy)
    element = ElementDefinition.objects.get(code="cap")
    key = f"{item.pk}-{element.pk}"
    return {
        "status-" + key: Finding.Status.NOT_STANDARD,
        "reason-" + key: Finding.Reason.NO_AMOUNT,
        "comment-" + key: "篡改",
    }


def change_form(world, actor, policy, kwargs):
    effective = timezone.localdate() + datetime.timedelta(days=60)
    return {"kind": "offline", "effective_on": effective.isoformat(), "explanation": "篡改的废止说明"}


def notice_form(world, actor, policy, kwargs):
    return {
        "notice_title": "国务院办公厅关于2027年部分节假日安排的通知",
        "holidays": "2027-01-01 2027-01-03 元旦",
        "makeup_workdays": "",
        "action": "save",
    }


CASE_ACTION_FORMS = {
    "request_materials": {"entries": "缺少申请函", "days": "5", "note": ""},
    "request_correction": {"days": "5", "note": "", "repeat_reason": "再次补正"},
    "pass_preliminary": {"comments": "初审通过"},
    "issue_opinion": {"conclusion": Opinion.Conclusion.PASS, "reasons": ""},
    "respond": {"kind": Response.Kind.ACCEPTED, "text": ""},
    "resolve_dispute": {"outcome": Dispute.Outcome.DRAFTER_ACCEPTED, "reviewer_position": "同意", "resolution": "采纳"},
    "confirm_golive": {"approved_on": "2026-01-05", "golive_on": "2026-01-06"},
    "withdraw": {"reason": "篡改"},
    "approve_offline": {"comments": "同意下线"},
}


def case_action_form(world, actor, policy, kwargs):
    return dict(CASE_ACTION_FORMS.get(kwargs["name"], {}))


TARGETS = {
    "policies:edit": each_policy(policy_target),
    "policies:item_create": each_policy(policy_target),
    "policies:item_edit": each_policy(item_target),
    "policies:item_delete": each_policy(item_target),
    "policies:material_upload": each_policy(policy_target),
    "policies:element_table": each_policy(policy_target),
    "policies:sharing": each_policy(policy_target),
    "policies:sharing_revoke": each_policy(revoke_target),
    "policies:material_download": each_policy(material_target),
    "policies:material_remove": each_policy(material_target),
    "review:policy_detail": each_policy(policy_target),
    "review:submit": each_policy(policy_target),
    "review:apply_change": each_policy(policy_target),
    "review:prepare_adjustment": each_policy(policy_target),
    "review:findings": each_policy(case_target),
    "review:compare": each_policy(case_target),
    "review:action": each_policy(case_action_target),
    "review:clock": each_policy(clock_target),
    "review:archive_download": archive_targets,
    "documents:notice": each_policy(notice_target),
    "documents:opinion": each_policy(opinion_target),
    "documents:element_table": each_policy(policy_target),
    "documents:export_status": export_targets,
    "documents:export_progress": export_targets,
    "documents:export_download": export_targets,
    "accounts:notification_read": notification_targets,
    # The calendar takes a year, not a policy.
    "workdays:year_detail": year_targets,
    "workdays:notice_form": year_targets,
}

POST_DATA = {
    "policies:edit": policy_form,
    "policies:item_create": item_form,
    "policies:item_edit": item_form,
    "policies:material_upload": upload_form,
    "policies:sharing": share_form,
    "review:findings": findings_form,
    "review:action": case_action_form,
    "review:apply_change": change_form,
    "workdays:notice_form": notice_form,
}

# People who may use a URL by design, left out of the outsider grid: the
# system administrator maintains the holiday calendar.
ALLOWED = {
    "workdays:year_detail": {"sysadmin"},
    "workdays:notice_form": {"sysadmin"},
}


def test_snapshot_sees_a_change(grid):
    before = snapshot()

    Policy.objects.filter(pk=grid.policies["live"].pk).update(summary="改过的摘要")

    assert snapshot() != before


def test_grid_covers_every_object_url():
    names = object_url_names()

    missing = sorted(names - set(TARGETS))
    assert not missing, f"add a grid entry for these URLs: {missing}"

    stale = sorted(set(TARGETS) - names)
    assert not stale, f"these grid entries name no URL: {stale}"


def test_grid_covers_every_case_action():
    served = set(review_views.POST_ACTIONS) | set(review_views.FORM_ACTIONS)

    assert set(CASE_ACTIONS) == served


def _check_refused(response, outsider, method, where):
    if outsider == "anonymous":
        assert response.status_code == 302, f"{where} returned {response.status_code}"
        assert response["Location"].startswith(reverse("login") + "?next="), where
        return
    allowed = {403, 404, 405} if method == "GET" else {403, 404}
    assert response.status_code in allowed, f"{where} returned {response.status_code}"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_outsiders_reach_no_object(grid, client, name):
    build_form = POST_DATA.get(name)
    titles = [policy.title.encode() for policy in grid.policies.values()]
    before = snapshot()
    requested = 0

    for outsider in OUTSIDERS:
        if outsider in ALLOWED.get(name, set()):
            continue
        actor = person(grid, outsider)
        client.logout()
        log_in(client, actor)

        for label, policy, kwargs in TARGETS[name](grid):
            url = reverse(name, kwargs=kwargs)
            for method in ("GET", "POST"):
                where = f"{method} {url} as {outsider} ({label})"
                if method == "GET":
                    response = client.get(url)
                else:
                    data = build_form(grid, actor, policy, kwargs) if build_form else {}
                    response = client.post(url, data)

                _check_refused(response, outsider, method, where)
                if not response.streaming:
                    for title in titles:
                        assert title not in response.content, where
                assert snapshot() == before, f"{where} changed rows"
                requested += 1

    assert requested > 0


# Who sees what -------------------------------------------------------------

READERS = {
    "drafter": DISTRICT_STATES,
    "head": DISTRICT_STATES,
    # The zone's science bureau co-drafts the draft only.
    "zone_drafter": ["draft"],
    "district_reviewer": [state for state in DISTRICT_STATES if state != "draft"],
    "city_reviewer": SUBMITTED_STATES,
    "supervisor": SUBMITTED_STATES,
    "city_drafter": ["city"],
    "consulted": ALL_STATES,
}


def listed_titles(client):
    response = client.get(reverse("review:policy_list"))
    assert response.status_code == 200
    return {policy.title for policy in response.context["page"]}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_sees_exactly_their_policies(grid, client, reader):
    log_in(client, person(grid, reader))
    readable = READERS[reader]

    for state in ALL_STATES:
        policy = grid.policies[state]
        expected = 200 if state in readable else 404
        urls = [
            reverse("review:policy_detail", kwargs={"pk": policy.pk}),
            reverse("policies:element_table", kwargs={"pk": policy.pk}),
            reverse("policies:material_download", kwargs={"pk": first_material(policy).pk}),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == expected, f"GET {url} as {reader} ({state} policy)"

    expected_titles = {grid.policies[state].title for state in readable}
    assert listed_titles(client) == expected_titles


@pytest.mark.parametrize("reviewer", ["district_reviewer", "city_reviewer", "supervisor"])
def test_draft_hidden_from_reviewers(grid, client, reviewer):
    draft = grid.policies["draft"]
    log_in(client, person(grid, reviewer))

    response = client.get(reverse("review:policy_detail", kwargs={"pk": draft.pk}))

    assert response.status_code == 404
    assert draft.title not in listed_titles(client)


def arguments_for(world, state, name):
    """Return the URL arguments of the first target of `name` that belongs to the policy in `state`."""
    policy = world.policies[state]
    return next(kwargs for _label, owner, kwargs in TARGETS[name](world) if owner == policy)


def url_of(world, state, name, action=None):
    kwargs = arguments_for(world, state, name)
    if action is not None:
        kwargs = {**kwargs, "name": action}
    return reverse(name, kwargs=kwargs)


# (person, policy state, URL name, case action, expected status of a GET)
ACTION_PAGES = [
    ("drafter", "draft", "policies:edit", None, 200),
    ("drafter", "draft", "policies:item_create", None, 200),
    ("drafter", "draft", "policies:item_edit", None, 200),
    ("drafter", "draft", "policies:material_upload", None, 200),
    ("drafter", "draft", "policies:sharing", None, 200),
    ("drafter", "materials_requested", "policies:edit", None, 200),
    ("drafter", "failed", "policies:item_create", None, 200),
    ("drafter", "submitted", "policies:edit", None, 403),
    ("drafter", "district_review", "policies:item_edit", None, 403),
    ("drafter", "city_review", "policies:material_upload", None, 403),
    ("drafter", "live", "policies:edit", None, 403),
    ("drafter", "live", "review:apply_change", None, 200),
    ("drafter", "submitted", "policies:sharing", None, 200),
    ("drafter", "submitted", "review:action", "request_materials", 403),
    ("drafter", "submitted", "review:action", "withdraw", 200),
    ("drafter", "failed", "review:action", "respond", 200),
    ("drafter", "district_review", "review:findings", None, 403),
    ("head", "draft", "policies:edit", None, 200),
    ("zone_drafter", "draft", "policies:edit", None, 403),
    ("zone_drafter", "draft", "policies:sharing", None, 403),
    ("district_reviewer", "submitted", "review:action", "request_materials", 200),
    ("district_reviewer", "district_review", "review:action", "pass_preliminary", 200),
    ("district_reviewer", "district_review", "review:findings", None, 200),
    # The reviewer who will take this action later is sent back to the
    # policy page with a message, not shown an error page.
    ("district_reviewer", "submitted", "review:action", "pass_preliminary", 302),
    ("district_reviewer", "city_review", "review:action", "issue_opinion", 403),
    ("district_reviewer", "submitted", "policies:edit", None, 403),
    ("district_reviewer", "submitted", "policies:sharing", None, 403),
    ("district_reviewer", "live", "review:apply_change", None, 403),
    ("district_reviewer", "district_review", "review:compare", None, 200),
    ("district_reviewer", "district_review", "review:clock", None, 200),
    ("city_reviewer", "city_review", "review:action", "issue_opinion", 200),
    ("city_reviewer", "city", "review:action", "request_materials", 200),
    ("city_reviewer", "submitted", "review:action", "request_materials", 403),
    ("city_reviewer", "district_review", "review:action", "pass_preliminary", 403),
    ("city_reviewer", "district_review", "review:findings", None, 403),
    ("city_reviewer", "materials_requested", "policies:item_create", None, 403),
    ("supervisor", "submitted", "review:action", "request_materials", 403),
    ("supervisor", "city_review", "review:action", "issue_opinion", 403),
    ("supervisor", "city_review", "review:findings", None, 403),
    ("supervisor", "failed", "policies:edit", None, 403),
    ("supervisor", "city_review", "review:clock", None, 200),
    ("consulted", "draft", "policies:edit", None, 403),
    ("consulted", "draft", "policies:sharing", None, 403),
]


@pytest.mark.parametrize("who, state, name, action, expected", ACTION_PAGES)
def test_action_page_by_role(grid, client, who, state, name, action, expected):
    log_in(client, person(grid, who))

    response = client.get(url_of(grid, state, name, action))

    assert response.status_code == expected


# (person, policy state, URL name, case action): people who can read the
# policy but may not take the action. The POST must change no row.
FORBIDDEN_POSTS = [
    ("district_reviewer", "district_review", "review:submit", None),
    ("district_reviewer", "materials_requested", "policies:edit", None),
    ("district_reviewer", "materials_requested", "policies:item_create", None),
    ("district_reviewer", "materials_requested", "policies:material_upload", None),
    ("district_reviewer", "materials_requested", "policies:material_remove", None),
    ("district_reviewer", "materials_requested", "policies:item_delete", None),
    ("district_reviewer", "submitted", "policies:sharing", None),
    ("district_reviewer", "submitted", "policies:sharing_revoke", None),
    ("district_reviewer", "live", "review:apply_change", None),
    ("district_reviewer", "live", "review:prepare_adjustment", None),
    ("district_reviewer", "city_review", "review:action", "issue_opinion"),
    ("district_reviewer", "failed", "review:action", "respond"),
    ("district_reviewer", "submitted", "review:action", "withdraw"),
    ("city_reviewer", "submitted", "review:action", "accept"),
    ("city_reviewer", "submitted", "review:action", "request_materials"),
    ("city_reviewer", "district_review", "review:action", "pass_preliminary"),
    ("city_reviewer", "district_review", "review:findings", None),
    ("city_reviewer", "failed", "review:submit", None),
    ("supervisor", "submitted", "review:action", "accept"),
    ("supervisor", "city", "review:action", "accept"),
    ("supervisor", "district_review", "review:action", "pass_preliminary"),
    ("supervisor", "city_review", "review:action", "issue_opinion"),
    ("supervisor", "city_review", "review:findings", None),
    ("zone_drafter", "draft", "review:submit", None),
    ("zone_drafter", "draft", "policies:edit", None),
    ("zone_drafter", "draft", "policies:item_delete", None),
    ("zone_drafter", "draft", "policies:sharing", None),
    ("zone_drafter", "draft", "policies:sharing_revoke", None),
    ("consulted", "draft", "policies:item_create", None),
    ("consulted", "draft", "policies:material_remove", None),
    ("consulted", "draft", "policies:sharing_revoke", None),
    ("consulted", "failed", "review:action", "respond"),
    ("drafter", "submitted", "policies:edit", None),
    ("drafter", "submitted", "policies:item_delete", None),
    ("drafter", "submitted", "policies:material_remove", None),
    ("drafter", "submitted", "review:action", "accept"),
    ("drafter", "district_review", "review:findings", None),
    ("drafter", "city_review", "review:action", "issue_opinion"),
    ("head", "live", "review:action", "mark_live"),
]


@pytest.mark.parametrize("who, state, name, action", FORBIDDEN_POSTS)
def test_forbidden_post_changes_nothing(grid, client, who, state, name, action):
    actor = person(grid, who)
    log_in(client, actor)
    policy = grid.policies[state]
    kwargs = arguments_for(grid, state, name)
    if action is not None:
        kwargs = {**kwargs, "name": action}
    build_form = POST_DATA.get(name)
    data = build_form(grid, actor, policy, kwargs) if build_form else {}
    before = snapshot()

    response = client.post(reverse(name, kwargs=kwargs), data)

    # A refused review transition redirects back to the policy with a message.
    assert response.status_code in (302, 403)
    assert snapshot() == before


# (person, URL name, method, expected status) for objects of no single
# policy: an export belongs to whoever requested it, a notification to its
# recipient, an archive to the readers of its policy.
OWNED_OBJECTS = [
    ("district_reviewer", "documents:export_status", "GET", 200),
    ("district_reviewer", "documents:export_progress", "GET", 200),
    ("district_reviewer", "documents:export_download", "GET", 200),
    ("city_reviewer", "documents:export_status", "GET", 404),
    ("city_reviewer", "documents:export_download", "GET", 404),
    ("supervisor", "documents:export_download", "GET", 404),
    ("drafter", "documents:export_download", "GET", 403),
    ("drafter", "accounts:notification_read", "POST", 302),
    ("head", "accounts:notification_read", "POST", 404),
    ("district_reviewer", "accounts:notification_read", "POST", 404),
    ("drafter", "review:archive_download", "GET", 200),
    ("district_reviewer", "review:archive_download", "GET", 200),
    ("supervisor", "review:archive_download", "GET", 200),
    ("city_drafter", "review:archive_download", "GET", 404),
]


@pytest.mark.parametrize("who, name, method, expected", OWNED_OBJECTS)
def test_owned_object_by_person(grid, client, who, name, method, expected):
    log_in(client, person(grid, who))
    _label, _policy, kwargs = next(iter(TARGETS[name](grid)))
    url = reverse(name, kwargs=kwargs)

    response = client.get(url) if method == "GET" else client.post(url)

    assert response.status_code == expected


def test_foreign_ids_under_own_policy_are_not_found(grid, client):
    own = grid.policies["draft"]
    foreign = grid.policies["city"]
    foreign_item = first_item(foreign)
    foreign_material = first_material(foreign)
    log_in(client, grid.drafter)
    before = snapshot()

    edit = client.post(
        reverse("policies:item_edit", kwargs={"pk": own.pk, "item_pk": foreign_item.pk}),
        item_form(grid, grid.drafter, own, {}),
    )
    delete = client.post(reverse("policies:item_delete", kwargs={"pk": own.pk, "item_pk": foreign_item.pk}))
    remove = client.post(reverse("policies:material_remove", kwargs={"pk": foreign_material.pk}))
    download = client.get(reverse("policies:material_download", kwargs={"pk": foreign_material.pk}))
    revoke = client.post(reverse("policies:sharing_revoke", kwargs={"pk": own.pk, "user_pk": 999999}))

    assert edit.status_code == 404
    assert delete.status_code == 404
    assert remove.status_code == 404
    assert download.status_code == 404
    assert revoke.status_code == 404
    assert snapshot() == before


# Single-object grants (django-guardian) -----------------------------------


def test_single_object_grant_opens_one_policy(world, client):
    granted = make_policy(world.drafter, title="征求意见稿：九台区工业企业增产奖励办法")
    other = make_policy(world.drafter, title="未共享：九台区工业企业稳岗补贴办法")
    log_in(client, world.consulted)
    granted_url = reverse("review:policy_detail", kwargs={"pk": granted.pk})
    assert client.get(granted_url).status_code == 404

    policy_services.grant_view(world.drafter, granted, world.consulted)

    assert client.get(granted_url).status_code == 200
    assert client.get(reverse("policies:element_table", kwargs={"pk": granted.pk})).status_code == 200
    download = reverse("policies:material_download", kwargs={"pk": first_material(granted).pk})
    assert client.get(download).status_code == 200
    assert client.get(reverse("review:policy_detail", kwargs={"pk": other.pk})).status_code == 404
    assert listed_titles(client) == {granted.title}
    # Reading is all the grant gives.
    assert client.get(reverse("policies:edit", kwargs={"pk": granted.pk})).status_code == 403

    policy_services.revoke_view(world.drafter, granted, world.consulted)

    assert client.get(granted_url).status_code == 404
    assert listed_titles(client) == set()


def test_model_permission_does_not_widen_list(world, client):
    policy = make_policy(world.drafter, title="九台区工业企业增产奖励办法")
    review_services.submit(world.drafter, policy)
    permission = Permission.objects.get(content_type__app_label="policies", codename="view_policy")
    world.other_drafter.user_permissions.add(permission)
    # Reload the user so that the permission cache is empty.
    reader = User.objects.get(pk=world.other_drafter.pk)
    assert reader.has_perm("policies.view_policy")
    log_in(client, reader)

    detail = client.get(reverse("review:policy_detail", kwargs={"pk": policy.pk}))
    download = client.get(reverse("policies:material_download", kwargs={"pk": first_material(policy).pk}))

    assert detail.status_code == 404
    assert download.status_code == 404
    assert listed_titles(client) == set()


# Administrators ------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [Policy, ServiceItem, ElementValue, Material, PolicyEvent, ReviewCase, Submission, Finding, Notice, Opinion],
)
def test_admin_registers_no_policy_content(model):
    assert not admin.site.is_registered(model)


def test_sysadmin_policy_list_shows_nothing(grid, client):
    log_in(client, grid.sysadmin)

    response = client.get(reverse("review:policy_list"))

    assert response.status_code in (200, 403)
    for policy in grid.policies.values():
        assert policy.title.encode() not in response.content


def test_sysadmin_home_opens_calendar(world, client):
    log_in(client, world.sysadmin)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("workdays:year_list")
    assert client.get(response["Location"]).status_code == 200


def test_sysadmin_opens_calendar_year(world, client):
    log_in(client, world.sysadmin)

    response = client.get(reverse("workdays:year_detail", kwargs={"year": 2026}))

    assert response.status_code == 200


def test_sharing_with_administrator_is_rejected(world, client):
    policy = make_policy(world.drafter, title="九台区工业企业增产奖励办法")
    log_in(client, world.drafter)
    before = PolicyUserObjectPermission.objects.count()

    response = client.post(reverse("policies:sharing", kwargs={"pk": policy.pk}), {"username": world.sysadmin.username})

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert PolicyUserObjectPermission.objects.count() == before
    log_in(client, world.sysadmin)
    assert client.get(reverse("review:policy_detail", kwargs={"pk": policy.pk})).status_code == 404


# Anonymous visitors ---------------------------------------------------------


@pytest.mark.parametrize("name", ["review:policy_list", "review:queue", "review:inbox", "workdays:year_list"])
def test_anonymous_list_redirects_to_login(db, client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_can_switch_language(db, client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert response.cookies["django_language"].value == "en"
