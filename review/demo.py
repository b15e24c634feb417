"""The demo world: organizations, a person for every role, and real policies in every state.

Policies come from published Jilin province documents (policies/demo/policies.json).
Their element values are taken from the texts. A policy the demo moves past the
draft stage must be complete, so each element its text does not state is filled
with a value that the policy's source note lists as a demo supplement.
"""

import datetime
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Organization, Role, User
from policies import services as policy_services
from policies.models import REQUIRED_MATERIALS, ElementDefinition, Material, Policy

from workdays import clock as clocks
from workdays.store import get_calendar

from . import reminders, services
from .models import OpinionSeries, ReviewCase, Stage, State

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent.parent / "policies" / "demo" / "policies.json"
SAMPLES_DIR = Path(settings.BASE_DIR).parent / "shared" / "samples" / "policies"
DEMO_PASSWORD = "demo-2026"
OPINION_SERIES = {
    "cc-sjj": "长政数审",
    "jt-sjj": "九政数审",
    "xq-sjj": "新区政数审",
    "th-sjj": "通政数审",
    "lh-sjj": "柳政数审",
}

# (username, role, organization code, display name); the first block is
# printed by `demo_logins`.
FEATURED_USERS = [
    ("drafter", Role.DRAFTER, "cc-kjj", "王晓梅"),
    ("head", Role.DEPARTMENT_HEAD, "cc-kjj", "李建国"),
    ("district_reviewer", Role.DISTRICT_REVIEWER, "xq-sjj", "张海燕"),
    ("city_reviewer", Role.CITY_REVIEWER, "cc-sjj", "刘志强"),
    ("supervisor", Role.SUPERVISOR, "cc-shenji", "陈静"),
    ("consulted", Role.CONSULTED, "cc-sfj", "赵文博"),
    ("sysadmin", Role.SYSTEM_ADMIN, None, "系统管理员"),
    ("secadmin", Role.SECURITY_ADMIN, None, "安全管理员"),
    ("auditadmin", Role.AUDIT_ADMIN, None, "审计管理员"),
]
OTHER_USERS = [
    ("xq_drafter", Role.DRAFTER, "xq-kjj", "孙丽"),
    ("cc_gxj_drafter", Role.DRAFTER, "cc-gxj", "周明"),
    ("jt_drafter", Role.DRAFTER, "jt-gxj", "吴刚"),
    ("jt_reviewer", Role.DISTRICT_REVIEWER, "jt-sjj", "郑红"),
    ("lh_drafter", Role.DRAFTER, "lh-swj", "冯涛"),
    ("lh_wgl_drafter", Role.DRAFTER, "lh-wglj", "褚亮"),
    ("lh_reviewer", Role.DISTRICT_REVIEWER, "lh-sjj", "卫东"),
    ("th_reviewer", Role.CITY_REVIEWER, "th-sjj", "蒋华"),
]

# Values used where the published text states nothing but the demo needs a
# complete item; every one is listed in the policy's source note.
SUPPLEMENTS = {
    "text": {"text": "（演示补充）原文未载明"},
    "list": {"items": ["（演示补充）原文未载明"]},
    "choice": None,
    "date_range": {"start": "2026-01-01", "end": "2026-12-31"},
    "workday_period": {"days": 20},
    "amount": {"amount": "10", "unit": "万元", "note": "演示补充"},
    "yes_no": {"yes": False, "text": ""},
}
# Open demo cases whose clock is moved back so that the demo shows
# reminders and escalations at once: (state, lead department code, clock,
# working days left on the last working day up to today, negative when
# overdue).
DEMO_DEADLINES = [
    (State.DISTRICT_REVIEW, "xq-kjj", "review_clock", 2),
    (State.CITY_REVIEW, "lh-swj", "review_clock", 0),
    (State.CITY_REVIEW, "xq-kjj", "review_clock", -3),
    (State.MATERIALS_REQUESTED, "cc-kjj", "drafter_clock", -1),
]
STATE_ORDER = [
    "draft",
    "ready_to_submit",
    "submitted",
    "materials_requested",
    "district_review",
    "city_review",
    "opinion_passed",
    "opinion_failed",
]


def load_data():
    with open(DATA_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def _sample_text(source_file):
    path = SAMPLES_DIR / source_file
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    # The header (title, issuer, source …) ends at a line of dashes.
    marker = "-" * 20
    return text.split(marker, 1)[1].lstrip("-\n") if marker in text else text


def load_organizations(data):
    by_code = {}
    for position, entry in enumerate(data["organizations"]):
        parent = by_code.get(entry["parent"]) if entry["parent"] else None
        org, _created = Organization.objects.update_or_create(
            code=entry["code"],
            defaults={
                "name": entry["name"],
                "short_name": entry.get("short_name", ""),
                "kind": entry["kind"],
                "parent": parent,
                "position": position,
            },
        )
        by_code[org.code] = org
    return by_code


def load_users(orgs):
    people = {}
    for username, role, org_code, display_name in FEATURED_USERS + OTHER_USERS:
        person, created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "organization": orgs.get(org_code), "display_name": display_name},
        )
        if created:
            person.set_password(DEMO_PASSWORD)
            person.full_clean()
            person.save()
        people[username] = person
    return people


def _drafter_for(department, people):
    for person in people.values():
        if person.organization_id == department.pk and person.role == Role.DRAFTER:
            return person
    person = User(
        username="drafter_%s" % department.code.replace("-", "_"),
        role=Role.DRAFTER,
        organization=department,
        display_name="%s起草人" % department.display_name,
    )
    person.set_password(DEMO_PASSWORD)
    person.save()
    people[person.username] = person
    return person


def _reviewer_for(bureau, role, people):
    for person in people.values():
        if person.organization_id == bureau.pk and person.role == role:
            return person
    person = User(
        username="reviewer_%s" % bureau.code.replace("-", "_"),
        role=role,
        organization=bureau,
        display_name="%s审查员" % bureau.display_name,
    )
    person.set_password(DEMO_PASSWORD)
    person.save()
    people[person.username] = person
    return person


def _material_file(kind, policy_entry, present):
    title = policy_entry["title"]
    label = Material.Kind(kind).label
    if kind == Material.Kind.DRAFT_TEXT:
        body = _sample_text(policy_entry["source_file"]) or ""
        text = "%s（送审稿）\n\n%s\n\n起草说明\n%s\n" % (title, body.strip(), policy_entry.get("draft_explanation", ""))
        name = "《%s》送审稿及起草说明.txt" % title[:80]
    elif not present:
        text = "%s\n\n（空白模板，正式文本尚未提交）\n" % label
        name = "%s（模板）.txt" % label
    else:
        text = "%s\n\n关于《%s》的%s。\n（演示材料）\n" % (label, title, label)
        name = "%s.txt" % label
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def _item_values(item, definitions, complete):
    values = {code: value for code, value in item["elements"].items() if code != "item_name"}
    supplemented = []
    if complete:
        for definition in definitions:
            if definition.code == "item_name" or not definition.required or values.get(definition.code):
                continue
            value = SUPPLEMENTS.get(definition.value_type)
            if definition.value_type == "choice":
                value = {"choice": definition.choices[-1] if definition.code == "benefit_type" else definition.choices[0]}
            values[definition.code] = value
            supplemented.append(definition.label_zh)
    return values, supplemented


def load_policy(entry, orgs, people):
    lead = orgs[entry["lead_department"]]
    if Policy.objects.filter(title=entry["title"], lead_department=lead).exists():
        return None, False

    drafter = _drafter_for(lead, people)
    target = entry["demo_state"]
    complete = STATE_ORDER.index(target) >= STATE_ORDER.index("ready_to_submit")
    definitions = list(ElementDefinition.objects.filter(active=True))

    policy = policy_services.create_policy(
        drafter,
        title=entry["title"],
        lead_department=lead,
        co_departments=[orgs[code] for code in entry.get("co_departments", [])],
        doc_number=entry.get("doc_number", ""),
        summary=entry.get("summary", ""),
        issued_on=datetime.date.fromisoformat(entry["issued_on"]) if entry.get("issued_on") else None,
    )

    notes = ["演示数据，正文取自公开文件 %s。" % entry["source_file"]]
    for item in entry["items"]:
        values, supplemented = _item_values(item, definitions, complete)
        policy_services.save_item(drafter, policy, name=item["name"], values=values)
        if supplemented:
            notes.append("事项“%s”中以下要素原文未载明，为演示补充：%s。" % (item["name"], "、".join(supplemented)))
    Policy.objects.filter(pk=policy.pk).update(source_note="\n".join(notes))

    present = set(entry.get("materials", []))
    for kind in REQUIRED_MATERIALS["initial"]:
        if kind in present or complete:
            policy_services.add_material(drafter, policy, kind=kind, uploaded=_material_file(kind, entry, kind in present))

    _advance(policy, entry, target, drafter, people, present)
    return policy, True


def _advance(policy, entry, target, drafter, people, present):
    if target in ("draft", "ready_to_submit"):
        return

    case = services.submit(drafter, policy)
    first = _reviewer_for(
        case.reviewing_bureau,
        Role.CITY_REVIEWER if policy.level == Policy.Level.CITY else Role.DISTRICT_REVIEWER,
        people,
    )
    if target == "submitted":
        return

    if target == "materials_requested":
        entries = [
            "《%s》只提交了空白模板，请补充加盖公章的正式文本。" % Material.Kind(kind).label
            for kind in REQUIRED_MATERIALS["initial"]
            if kind not in present
        ]
        for item in entry["items"]:
            entries.extend("事项“%s”：%s" % (item["name"], gap) for gap in item.get("gaps", [])[:2])
        services.request_materials(first, case, entries=entries, days=5, note="请一次性补齐后重新提交。")
        return

    services.accept(first, case)
    if target == "district_review":
        return

    if policy.level == Policy.Level.DISTRICT:
        services.pass_preliminary(first, case, comments="初审意见：%s" % "；".join(entry["items"][0].get("gaps", [])[:2]))
        case.refresh_from_db()
        city = _reviewer_for(case.reviewing_bureau, Role.CITY_REVIEWER, people)
        services.accept(city, case)
    else:
        city = first
    if target == "city_review":
        return

    reasons = []
    for item in entry["items"]:
        reasons.extend("事项“%s”：%s" % (item["name"], gap) for gap in item.get("gaps", []))
    conclusion = "pass" if target == "opinion_passed" else "fail"
    services.issue_opinion(city, case, conclusion=conclusion, reasons="\n".join(reasons))


def last_workday(calendar, day):
    """Return `day` if it is a working day, else the working day before it."""
    return calendar.latest_before(day + datetime.timedelta(days=1), 1).date


def move_demo_deadlines():
    """Demo only: restart the clocks listed in DEMO_DEADLINES as if they had started earlier.

    The clock started today is stopped and replaced by one of the same
    kind and budget, started on the day that puts its due date where
    DEMO_DEADLINES puts it. A clock that did not start today was moved by
    an earlier run and is left alone.
    """
    calendar = get_calendar()
    today = clocks.today()
    reference = last_workday(calendar, today)
    for state, department, field, left in DEMO_DEADLINES:
        case = ReviewCase.objects.open().filter(state=state, policy__lead_department__code=department).first()
        clock = getattr(case, field) if case is not None else None
        if clock is None or clock.started_on != today:
            continue
        if left > 0:
            due = calendar.add_workdays(reference, left).date
        elif left == 0:
            due = reference
        else:
            due = calendar.latest_before(reference, -left).date
        start = calendar.latest_before(due, clock.budget).date
        moved = clocks.start_clock(clock.kind, clock.budget, start, label=clock.label)
        clocks.stop_clock(clock, today, reason="demo: replaced by a clock started on %s" % start.isoformat())
        setattr(case, field, moved)
        case.save(update_fields=[field])
        _backdate_records(case, field, start, moved.due_date)


def _backdate_records(case, field, start, due):
    """Demo only: date the notice or acceptance behind a moved clock on the day the clock now starts.

    Without this a demo notice would be dated today and due days ago. The
    history entries are rewritten with a queryset update, which the
    append-only model allows only outside its save().
    """
    moment = timezone.make_aware(datetime.datetime.combine(start, datetime.time(10, 0)))
    if field == "drafter_clock":
        case.notices.filter(answered_at__isnull=True).update(due_on=due, sent_at=moment)
        codes = ["review.materials_requested", "review.correction_requested", "review.opinion_received"]
    else:
        accepted = "district_accepted_at" if case.stage == Stage.DISTRICT else "city_accepted_at"
        ReviewCase.objects.filter(pk=case.pk).update(**{accepted: moment})
        # A district case reached the city after the district accepted it.
        ReviewCase.objects.filter(pk=case.pk, district_accepted_at__gt=moment).update(district_accepted_at=moment)
        codes = ["review.accepted"]
    last = case.policy.events.filter(code__in=codes).order_by("-at", "-id").first()
    if last is not None:
        type(last).objects.filter(pk=last.pk).update(at=moment)
    ReviewCase.objects.filter(pk=case.pk).update(state_changed_at=moment)


def load(stdout=None):
    """Create the demo world; running it again adds only what is missing."""
    data = load_data()
    created = 0
    # Generated file names and notices are in the users' language.
    translation.activate("zh-hans")
    with transaction.atomic():
        orgs = load_organizations(data)
        people = load_users(orgs)
        for code, prefix in OPINION_SERIES.items():
            if code in orgs:
                OpinionSeries.objects.get_or_create(bureau=orgs[code], defaults={"prefix": prefix})
    for entry in data["policies"]:
        with transaction.atomic():
            _policy, was_created = load_policy(entry, orgs, people)
        created += int(was_created)
    with transaction.atomic():
        move_demo_deadlines()
    services.record_missed_deadlines()
    reminders.send_due_reminders(last_workday(get_calendar(), clocks.today()))
    if stdout is not None:
        stdout.write("Demo data: %d organizations, %d users, %d new policies." % (len(orgs), len(people), created))
    return created
