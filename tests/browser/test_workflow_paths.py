"""Four review paths in a real browser, in the Chinese interface, each step done by the person whose turn it is.

1. A district policy with one correction round that passes and goes live.
2. A city policy that fails, is reviewed again, goes live and is then adjusted.
3. A dispute about a failed opinion, resolved with the drafter's position accepted.
4. A late application to take a live policy offline.

Each test builds its complete starting policy with `make_policy` and does
every review step through the pages, logging in and out through the login
form, unless a comment states otherwise. Dates follow today's date in
Asia/Shanghai, the day from which the server counts deadlines. Text the test
expects on a page is computed with gettext in Simplified Chinese.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from policies.models import ElementDefinition, Material, Policy
from review import services
from review.models import CaseKind, Dispute, Finding, Opinion, Response, State
from tests.factories import make_policy
from workdays.clock import today
from workdays.store import get_calendar

from .conftest import CHINESE, in_chinese
from .pages import detail_path, open_policy, queue_row, state_badge, state_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def in_chinese_plural(singular, plural, number):
    """Return the Simplified Chinese translation of a message with a plural form."""
    with translation.override(CHINESE):
        return translation.ngettext(singular, plural, number)






def coordinated_state_text():
    """Return the badge of a case whose failed opinion gave way to the drafter's position."""
    return "%s · %s" % (in_chinese(State.AWAITING_APPROVAL.label), in_chinese("Passed after coordination"))








def deadline_badge(page, label):
    """Return the deadline badge after `label` ("Review time limit" or "Drafting department's deadline")."""
    return page.locator("main .card-body span").filter(has_text=in_chinese(label)).locator('[data-testid="deadline"]')


def days_left(days, due):
    """Return the text of a running deadline badge, with the working days left and the due date."""
    left = in_chinese_plural("%(days)s working day left", "%(days)s working days left", days) % {"days": days}
    return f"{left} · {in_chinese('due')} {due.isoformat()}"


def opinion_number(sequence):
    """Return the number of the city data bureau's opinion letter `sequence` of this year."""
    return f"长政数审〔{timezone.localdate().year}〕{sequence}号"


def alert(page, text):
    """Return the alerts containing `text`, both flash messages and the live or offline banner."""
    return page.locator("main .alert").filter(has_text=text)


def write_file(directory, name, text):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def upload_material(site, policy, kind, path):
    """Upload `path` as material `kind` through the generic upload form, choosing the kind there."""
    page = site.page
    upload_path = reverse("policies:material_upload", args=[policy.pk])
    page.locator(f'main a[href="{upload_path}"]').first.click()
    page.select_option('select[name="kind"]', kind.value)
    page.set_input_files('input[name="file"]', str(path))
    page.click('main form button[type="submit"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(page.get_by_role("link", name=path.name, exact=True)).to_be_visible()


def edit_item(site, policy, values):
    """Change fields of the policy's only service item through the item form."""
    page = site.page
    item = policy.items.get()
    page.click(f'main a[href="{reverse("policies:item_edit", args=[policy.pk, item.pk])}"]')
    for name, value in values.items():
        page.fill(f'[name="{name}"]', value)
    page.click('main form button[type="submit"]')
    expect(page).to_have_url(site.url(detail_path(policy)))


def accept_from_queue(site, policy, state_before, state_after):
    """Find the policy in the reviewer's queue, open it and accept it."""
    page = site.page
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy)).to_contain_text(state_text(state_before))
    open_policy(site, policy, via="queue")
    page.click('button[data-action="accept"]')
    expect(state_badge(page)).to_have_text(state_text(state_after))


def issue_opinion(site, policy, conclusion, reasons, sequence):
    """Issue the opinion letter from the policy page, as the city reviewer during city review."""
    page = site.page
    page.click('a[data-action="issue_opinion"]')
    page.check(f'input[name="conclusion"][value="{conclusion}"]')
    page.fill('[name="reasons"]', reasons)
    site.step(f"opinion form {conclusion}", "Issue the opinion letter", "Conclusion", "Reasons and requirements")
    page.click('button[data-action="confirm"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(page.locator('[data-testid="opinion-number"]')).to_have_text(opinion_number(sequence))
    expect(state_badge(page)).to_have_text(state_text(State.OPINION_ISSUED, conclusion))


def open_opinion_as_drafter(site, drafter, policy):
    """Open the policy as its drafter after the opinion was issued, which records receipt and starts the clock."""
    page = site.page
    open_policy(site, policy, via="inbox")
    opinion = Opinion.objects.get(case__policy=policy, case__closed_at__isnull=True)
    assert opinion.received_by == drafter
    received = timezone.localtime(opinion.received_at).strftime("%Y-%m-%d %H:%M")
    receipt = in_chinese("received %(when)s by %(who)s") % {"when": received, "who": str(drafter)}
    expect(page.locator("main .card", has=page.locator('[data-testid="opinion-number"]'))).to_contain_text(receipt)
    response_due = get_calendar().add_workdays(today(), settings.RESPONSE_DAYS).date
    expect(deadline_badge(page, "Drafting department's deadline")).to_contain_text(
        days_left(settings.RESPONSE_DAYS, response_due)
    )
    return opinion


def respond(site, policy, kind, text):
    page = site.page
    page.click('a[data-action="respond"]')
    page.check(f'input[name="kind"][value="{kind}"]')
    page.fill('[name="text"]', text)
    site.step(f"response form {kind}", "Respond to the opinion", "Your response", "Explanation")
    page.click('button[data-action="confirm"]')
    expect(page).to_have_url(site.url(detail_path(policy)))


def go_live_today(site, policy, number):
    """Confirm today as approval and go-live date, then mark the policy live, as the drafter after accepting."""
    page = site.page
    on_day = today().isoformat()
    page.click('a[data-action="confirm_golive"]')
    page.fill('[name="approved_on"]', on_day)
    page.fill('[name="golive_on"]', on_day)
    site.step(
        "go-live form",
        "Confirm the final content and go-live date",
        "Approved by the government meeting on",
        "Go-live date",
    )
    page.click('button[data-action="confirm"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(state_badge(page)).to_have_text(state_text(State.GOLIVE_CONFIRMED, Opinion.Conclusion.PASS))
    confirmed = in_chinese("Approved on %(approved)s; goes live on %(golive)s") % {"approved": on_day, "golive": on_day}
    expect(page.locator("main")).to_contain_text(confirmed)
    site.step("go-live confirmed", "Mark the policy live")

    page.click('button[data-action="mark_live"]')
    expect(state_badge(page)).to_have_text(state_text(State.LIVE, Opinion.Conclusion.PASS))
    live = in_chinese("Live since %(since)s · opinion letter %(number)s") % {"since": on_day, "number": number}
    expect(alert(page, live)).to_be_visible()
    policy.refresh_from_db()
    assert policy.is_live
    assert policy.live_since == today()
    assert policy.passed_opinion == number
    site.step("policy live", "Adjustment or repeal", "Prepare an adjustment or repeal")


def live_city_policy(world, title):
    """Take a city policy live through review.services on today's date, without the browser.

    The first two tests take this path through the browser, so here those
    steps would only add time.
    """
    policy = make_policy(world.city_drafter, title=title)
    case = services.submit(world.city_drafter, policy)
    services.accept(world.city_reviewer, case)
    services.issue_opinion(world.city_reviewer, case, conclusion=Opinion.Conclusion.PASS)
    services.confirm_receipt(world.city_drafter, case)
    services.respond(world.city_drafter, case, kind=Response.Kind.ACCEPTED)
    services.confirm_golive(world.city_drafter, case, approved_on=today(), golive_on=today())
    services.mark_live(world.city_drafter, case)
    policy.refresh_from_db()
    assert policy.is_live
    return policy


def test_district_correction_round_then_live(site, world):
    page = site.page
    calendar = get_calendar()
    policy = make_policy(world.drafter)
    assert policy.level == Policy.Level.DISTRICT
    item = policy.items.get()
    element = ElementDefinition.objects.get(code="fulfilment_content")
    key = f"{item.pk}-{element.pk}"
    comment = "写明奖励标准，如每增加1000万元奖励5万元"

    # The drafter submits.
    site.log_in(world.drafter)
    open_policy(site, policy, via="policies")
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    site.step("district drafter submitted", "Service items", "Materials", "History")
    site.log_out()

    # The district reviewer accepts, which starts the district's review time limit.
    site.log_in(world.district_reviewer)
    accept_from_queue(site, policy, State.SUBMITTED, State.DISTRICT_REVIEW)
    review_due = calendar.add_workdays(today(), settings.REVIEW_DAYS_DISTRICT).date
    expect(deadline_badge(page, "Review time limit")).to_contain_text(
        days_left(settings.REVIEW_DAYS_DISTRICT, review_due)
    )
    site.step("district accepted", "Review time limit", "Review the elements", "Send the correction notice")

    # One element is not standard, so its finding goes into the correction notice.
    page.click('a[data-action="record_findings"]')
    expect(page).to_have_url(site.url(reverse("review:findings", args=[policy.review_cases.get().pk])))
    page.select_option(f'select[name="status-{key}"]', Finding.Status.NOT_STANDARD.value)
    page.select_option(f'select[name="reason-{key}"]', Finding.Reason.NO_AMOUNT.value)
    page.fill(f'input[name="comment-{key}"]', comment)
    site.step("findings form", "Review the elements", "Finding", "Reason", "Save and compile the correction notice")
    page.click('button[data-action="save_and_notice"]')

    case = policy.review_cases.get()
    expect(page).to_have_url(site.url(reverse("review:action", args=[case.pk, "request_correction"])))
    open_findings = page.locator("main table tbody tr")
    expect(open_findings).to_have_count(1)
    expect(open_findings).to_contain_text(element.label_zh)
    expect(open_findings).to_contain_text(in_chinese(Finding.Reason.NO_AMOUNT.label))
    expect(open_findings).to_contain_text(comment)
    correction_days = 3
    page.fill('[name="days"]', str(correction_days))
    page.fill('[name="note"]', "请按补正通知书逐项修改后重新提交。")
    site.step("correction notice form", "Send the correction notice", "Working days to correct", "Note to the drafter")
    page.click('button[data-action="confirm"]')

    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(state_badge(page)).to_have_text(state_text(State.CORRECTION_REQUESTED))
    expect(deadline_badge(page, "Review time limit")).to_contain_text(in_chinese("paused"))
    correction_due = calendar.add_workdays(today(), correction_days).date
    expect(deadline_badge(page, "Drafting department's deadline")).to_contain_text(
        days_left(correction_days, correction_due)
    )
    site.step(
        "correction notice sent",
        "Correction notice",
        "paused",
        "Drafting department's deadline",
        "Documents",
        "Notifications",
    )
    site.log_out()

    # The drafter reads the notice, corrects the element and resubmits.
    site.log_in(world.drafter)
    open_policy(site, policy, via="inbox")
    notice = page.locator(".card.border-warning")
    expect(notice).to_contain_text(in_chinese("Correction notice"))
    expect(notice).to_contain_text(in_chinese("supply by %(due)s") % {"due": correction_due.isoformat()})
    expect(notice.locator("li")).to_have_count(1)
    expect(notice).to_contain_text(f"{item.name} · {element.label_zh}")
    expect(notice).to_contain_text(in_chinese(Finding.Status.NOT_STANDARD.label))
    expect(notice).to_contain_text(comment)
    site.step("drafter reads correction notice", "Correction notice", "Resubmit for review")

    corrected = "按主营业务收入增量给予一次性奖励，每增加1000万元奖励5万元"
    edit_item(site, policy, {"fulfilment_content": corrected})
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.DISTRICT_REVIEW))
    expect(notice.locator(".badge.bg-success")).to_be_visible()
    site.step("drafter resubmitted corrections", "Correction notice", "supplied")
    site.log_out()

    # The district reviewer sees round 2, compares it and finds the element conforming.
    site.log_in(world.district_reviewer)
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy).locator("td").nth(3)).to_have_text("2")
    open_policy(site, policy, via="queue")
    expect(page.locator("main")).to_contain_text(in_chinese("Round %(round)s") % {"round": 2})
    expect(deadline_badge(page, "Review time limit")).to_contain_text(
        days_left(settings.REVIEW_DAYS_DISTRICT, review_due)
    )
    site.step("district reviewer sees round 2", "compare with the previous round", "Review time limit")

    page.click(f'main a[href="{reverse("review:compare", args=[case.pk])}"]')
    compared = page.locator(f'tr[data-element="{element.code}"]')
    expect(compared.locator('[data-fate="changed"]')).to_have_text(in_chinese("changed, awaiting re-check"))
    expect(compared).to_contain_text(corrected)
    site.step("round comparison", "Compare rounds", "Earlier finding", "changed, awaiting re-check")

    site.open(detail_path(policy))
    page.click('a[data-action="record_findings"]')
    earlier = in_chinese("round %(round)s: %(status)s") % {
        "round": 1,
        "status": in_chinese(Finding.Status.NOT_STANDARD.label),
    }
    expect(page.locator(f'tr[data-element="{element.code}"]')).to_contain_text(earlier)
    page.select_option(f'select[name="status-{key}"]', Finding.Status.CONFORMS.value)
    page.click('button[data-action="save_findings"]')
    expect(alert(page, in_chinese("%(count)s findings saved.") % {"count": 1})).to_be_visible()
    site.step("finding conforms in round 2", "Review the elements", "Save findings")

    page.click(f'main a[href="{reverse("review:compare", args=[case.pk])}"]')
    expect(page.locator(f'tr[data-element="{element.code}"] [data-fate="fixed"]')).to_have_text(in_chinese("fixed"))

    site.open(detail_path(policy))
    page.click('a[data-action="pass_preliminary"]')
    page.fill('[name="comments"]', "经补正，要素齐全、用词规范，同意报市政数局终审。")
    site.step("preliminary review form", "Pass preliminary review and forward to the city")
    page.click('button[data-action="confirm"]')
    expect(state_badge(page)).to_have_text(state_text(State.FORWARDED))
    site.log_out()

    # The city reviewer accepts and passes it.
    site.log_in(world.city_reviewer)
    accept_from_queue(site, policy, State.FORWARDED, State.CITY_REVIEW)
    issue_opinion(site, policy, Opinion.Conclusion.PASS, "经审查，要素齐全、用词规范，同意上线。", sequence=1)
    site.step("district policy passed", "Opinion letter")
    site.log_out()

    # The drafter receives the opinion, accepts it and takes the policy live.
    site.log_in(world.drafter)
    open_opinion_as_drafter(site, world.drafter, policy)
    site.step("drafter received opinion", "Opinion letter", "Drafting department's deadline", "Respond to the opinion")
    respond(site, policy, Response.Kind.ACCEPTED, "已按意见完善，同意上线。")
    expect(state_badge(page)).to_have_text(state_text(State.AWAITING_APPROVAL, Opinion.Conclusion.PASS))
    site.step("drafter accepted opinion", "Response of the drafting department")
    go_live_today(site, policy, opinion_number(1))

    site.assert_translated()


def test_city_failure_then_adjustment(site, world, tmp_path):
    page = site.page
    calendar = get_calendar()
    policy = make_policy(world.city_drafter, title="长春市工业企业技术改造奖励办法")
    assert policy.level == Policy.Level.CITY

    site.log_in(world.city_drafter)
    open_policy(site, policy, via="policies")
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    site.step("city drafter submitted", "Lead department", "History")
    site.log_out()

    # The city reviewer accepts and does not pass it.
    site.log_in(world.city_reviewer)
    accept_from_queue(site, policy, State.SUBMITTED, State.CITY_REVIEW)
    reasons = "申报材料中“上年度财务报表”未注明须经审计，请列明。"
    issue_opinion(site, policy, Opinion.Conclusion.FAIL, reasons, sequence=1)
    expect(page.locator("main")).to_contain_text(reasons)
    site.step("city opinion not passed", "Opinion letter")
    site.log_out()

    # The drafter closes the failed review, revises the item and submits it as a new review.
    site.log_in(world.city_drafter)
    open_opinion_as_drafter(site, world.city_drafter, policy)
    expect(page.locator("main")).to_contain_text(reasons)
    respond(site, policy, Response.Kind.CLOSED, "接受审查意见，修改后重新送审。")
    expect(state_badge(page)).to_have_text(state_text(State.CLOSED, Opinion.Conclusion.FAIL))
    site.step("failed review closed", "Response of the drafting department", "Edit policy details")

    edit_item(site, policy, {"materials": "申请表\n营业执照复印件\n经审计的上年度财务报表"})
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    assert policy.review_cases.count() == 2
    site.step("new review submitted", "History")
    site.log_out()

    site.log_in(world.city_reviewer)
    accept_from_queue(site, policy, State.SUBMITTED, State.CITY_REVIEW)
    issue_opinion(site, policy, Opinion.Conclusion.PASS, "经审查，已按意见修改，同意上线。", sequence=2)
    site.log_out()

    site.log_in(world.city_drafter)
    open_opinion_as_drafter(site, world.city_drafter, policy)
    respond(site, policy, Response.Kind.ACCEPTED, "")
    expect(state_badge(page)).to_have_text(state_text(State.AWAITING_APPROVAL, Opinion.Conclusion.PASS))
    go_live_today(site, policy, opinion_number(2))

    # The drafter prepares an adjustment with a higher cap, a new application letter and the adjusted text.
    page.click('button[data-action="prepare_adjustment"]')
    editable = in_chinese("You can now edit the policy. When it is ready, apply for the adjustment re-review.")
    expect(alert(page, editable)).to_be_visible()
    site.step("adjustment prepared", "Apply for re-review or offline", "Upload material", "Edit policy details")
    edit_item(site, policy, {"cap__amount": "80"})
    letter = write_file(
        tmp_path, "关于申请对调整后政策进行标准化审查的函.txt", "申请对调整后的奖励办法进行标准化审查。\n"
    )
    adjusted = write_file(tmp_path, "调整后政策文本及调整说明.txt", "兑现限额由50万元调整为80万元，理由如下。\n")
    upload_material(site, policy, Material.Kind.APPLICATION_LETTER, letter)
    upload_material(site, policy, Material.Kind.CHANGE_EXPLANATION, adjusted)
    site.step("adjustment materials uploaded", "Materials", "Apply for re-review or offline")

    effective_on = calendar.add_workdays(today(), 15).date
    apply_by = calendar.latest_before(effective_on, settings.CHANGE_LEAD_DAYS).date
    page.click('a[data-action="apply_change"]')
    page.check(f'input[name="kind"][value="{CaseKind.ADJUSTMENT}"]')
    page.fill('[name="effective_on"]', effective_on.isoformat())
    page.fill('[name="explanation"]', "根据企业技改投入增长情况，兑现限额由50万元提高到80万元。")
    site.step(
        "adjustment application form",
        "Apply for an adjustment re-review or to take the policy offline",
        "The change takes effect on",
        "Submit the application",
    )
    page.click('main form button[data-action="apply_change"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    submitted = in_chinese("The application was submitted to %(bureau)s.") % {"bureau": world.city_bureau.name}
    expect(alert(page, submitted)).to_be_visible()
    expect(alert(page, in_chinese("late application"))).to_have_count(0)
    expect(page.locator("main .badge.bg-danger", has_text=in_chinese("late application"))).to_have_count(0)
    assert not policy.review_cases.get(closed_at__isnull=True).is_late
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    timing = in_chinese("Takes effect on %(effective)s; the application was due on %(due)s at the latest") % {
        "effective": effective_on.isoformat(),
        "due": apply_by.isoformat(),
    }
    expect(page.locator("main")).to_contain_text(timing)
    expect(page.locator("main")).to_contain_text(in_chinese(CaseKind.ADJUSTMENT.label))
    site.step("adjustment applied", "History")
    site.log_out()

    # The city reviewer finds it in the queue as an adjustment, not marked late.
    site.log_in(world.city_reviewer)
    page.click('a[data-nav="queue"]')
    row = queue_row(page, policy)
    expect(row).to_contain_text(in_chinese(CaseKind.ADJUSTMENT.label))
    expect(row).to_contain_text(state_text(State.SUBMITTED))
    expect(row.locator(".badge.bg-danger")).to_have_count(0)
    site.step("adjustment in city queue", "Review queue", "Kind")

    site.assert_translated()


def test_dispute_resolved_for_drafter(site, world):
    page = site.page
    policy = make_policy(world.city_drafter, title="长春市中小企业数字化转型补助办法")
    reasons = "兑现方式应为“免申即享”：企业营收数据可由市统计部门共享核验。"
    drafter_position = "本事项需企业自愿申报并承诺资金用途，共享数据尚未覆盖全部企业，暂无法免申即享。"
    reviewer_position = "同意起草部门意见，待数据共享覆盖后再评估免申即享。"
    resolution = "本期按依申请兑现，数据共享接入后调整为免申即享。"

    site.log_in(world.city_drafter)
    open_policy(site, policy, via="policies")
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    site.log_out()

    site.log_in(world.city_reviewer)
    accept_from_queue(site, policy, State.SUBMITTED, State.CITY_REVIEW)
    issue_opinion(site, policy, Opinion.Conclusion.FAIL, reasons, sequence=1)
    site.log_out()

    # The drafter does not fully accept the opinion and states its position.
    site.log_in(world.city_drafter)
    open_opinion_as_drafter(site, world.city_drafter, policy)
    respond(site, policy, Response.Kind.DISPUTED, drafter_position)
    expect(state_badge(page)).to_have_text(state_text(State.DISPUTED, Opinion.Conclusion.FAIL))
    dispute_card = page.locator(".card.border-info")
    expect(dispute_card).to_contain_text(drafter_position)
    site.step("drafter disputes opinion", "Coordination of the dispute", "Drafting department's position")
    site.log_out()

    # The city reviewer records its position and resolves the dispute for the drafter.
    site.log_in(world.city_reviewer)
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy)).to_contain_text(state_text(State.DISPUTED))
    open_policy(site, policy, via="queue")
    page.click('a[data-action="resolve_dispute"]')
    page.check(f'input[name="outcome"][value="{Dispute.Outcome.DRAFTER_ACCEPTED}"]')
    page.fill('[name="reviewer_position"]', reviewer_position)
    page.fill('[name="resolution"]', resolution)
    site.step("dispute resolution form", "Resolve the dispute", "Outcome", "Reviewer's position", "Agreed resolution")
    page.click('button[data-action="confirm"]')

    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(alert(page, in_chinese("The resolution was recorded."))).to_be_visible()
    expect(state_badge(page)).to_have_text(coordinated_state_text())
    expect(dispute_card).to_contain_text(in_chinese(Dispute.Outcome.DRAFTER_ACCEPTED.label))
    expect(dispute_card).to_contain_text(drafter_position)
    expect(dispute_card).to_contain_text(reviewer_position)
    expect(dispute_card).to_contain_text(resolution)
    site.step("dispute resolved", "Coordination of the dispute", "Reviewer's position", "Resolution")
    site.log_out()

    # The drafter sees the outcome and that the policy now awaits the government's approval.
    site.log_in(world.city_drafter)
    open_policy(site, policy, via="inbox")
    expect(state_badge(page)).to_have_text(coordinated_state_text())
    expect(dispute_card).to_contain_text(in_chinese(Dispute.Outcome.DRAFTER_ACCEPTED.label))
    expect(page.locator('a[data-action="confirm_golive"]')).to_be_visible()
    site.step("drafter sees resolution", "Coordination of the dispute", "Confirm the final content and go-live date")

    site.assert_translated()


def test_late_offline_request(site, world, tmp_path):
    page = site.page
    calendar = get_calendar()
    policy = live_city_policy(world, "长春市工业企业稳岗奖励办法")
    effective_on = calendar.add_workdays(today(), 2).date
    apply_by = calendar.latest_before(effective_on, settings.CHANGE_LEAD_DAYS).date
    assert apply_by < today()

    # The drafter prepares the repeal and applies two working days before it takes effect.
    site.log_in(world.city_drafter)
    open_policy(site, policy, via="policies")
    page.click('button[data-action="prepare_adjustment"]')
    letter = write_file(tmp_path, "关于申请政策下线的函.txt", "申请将长春市工业企业稳岗奖励办法下线。\n")
    decision = write_file(tmp_path, "废止决定及说明.txt", "经市政府同意，该办法自生效日起废止。\n")
    upload_material(site, policy, Material.Kind.APPLICATION_LETTER, letter)
    upload_material(site, policy, Material.Kind.REPEAL_DECISION, decision)

    page.click('a[data-action="apply_change"]')
    page.check(f'input[name="kind"][value="{CaseKind.OFFLINE}"]')
    page.fill('[name="effective_on"]', effective_on.isoformat())
    page.fill('[name="explanation"]', "上位政策调整，本办法废止。")
    site.step("offline application form", "Adjustment or repeal", "Explanation of the adjustment or repeal")
    page.click('main form button[data-action="apply_change"]')

    expect(page).to_have_url(site.url(detail_path(policy)))
    late_warning = in_chinese("The application was due by %(date)s and is recorded as late.") % {
        "date": apply_by.isoformat()
    }
    expect(alert(page, late_warning)).to_be_visible()
    timing = in_chinese("Takes effect on %(effective)s; the application was due on %(due)s at the latest") % {
        "effective": effective_on.isoformat(),
        "due": apply_by.isoformat(),
    }
    expect(page.locator("main")).to_contain_text(timing)
    expect(page.locator("main .badge.bg-danger", has_text=in_chinese("late application"))).to_be_visible()
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    site.step("late offline application", "late application", "Offline request")
    site.log_out()

    # The city reviewer sees it marked late, accepts it and approves taking the policy offline.
    site.log_in(world.city_reviewer)
    page.click('a[data-nav="queue"]')
    row = queue_row(page, policy)
    expect(row).to_contain_text(in_chinese(CaseKind.OFFLINE.label))
    expect(row.locator(".badge.bg-danger")).to_have_text(in_chinese("late"))
    site.step("late request in queue", "Review queue", "late")
    open_policy(site, policy, via="queue")
    page.click('button[data-action="accept"]')
    expect(state_badge(page)).to_have_text(state_text(State.CITY_REVIEW))
    expect(page.locator('a[data-action="issue_opinion"]')).to_have_count(0)
    site.step("offline request accepted", "Approve taking the policy offline")

    page.click('a[data-action="approve_offline"]')
    page.fill('[name="comments"]', "逾期申请已记录，同意自生效日起下线。")
    site.step("approve offline form", "Approve taking the policy offline", "Comments")
    page.click('button[data-action="confirm"]')

    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(state_badge(page)).to_have_text(state_text(State.OFFLINE))
    # The repeal takes effect in two working days; until then the policy stays live.
    scheduled = in_chinese("Goes offline on %(since)s") % {"since": effective_on.isoformat()}
    expect(alert(page, scheduled)).to_be_visible()
    policy.refresh_from_db()
    assert policy.offline_since == effective_on
    assert policy.is_live
    site.step("policy offline", "Offline request")

    site.assert_translated()
