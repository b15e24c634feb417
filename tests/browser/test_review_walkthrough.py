"""The standardization review in a real browser, role by role, in the Chinese interface.

Pages are driven through stable hooks (data-action attributes, form field
names, link URLs). Text the test expects on a page is computed with gettext
in Simplified Chinese, never copied here, so it follows the catalog.
"""

import io
import re
import zipfile
from xml.sax.saxutils import escape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from policies.events import describe
from policies.models import ElementDefinition, Material, Policy
from review import services
from review.models import Opinion, State
from tests.factories import make_policy

from .conftest import CHINESE, in_chinese
from .pages import detail_path, open_policy, queue_row, state_badge, state_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

POLICY_TITLE = "九台区支持工业企业增产增效若干措施"
ITEM_NAME = "工业企业增产奖励"

# The item form as a drafter fills it: every element of the catalog,
# including the optional ones. Field names follow policies.forms.ItemForm.
ITEM_TEXT_FIELDS = {
    "name": ITEM_NAME,
    "basis": "《长春市推动经济持续向好增量政策措施》",
    "validity__start": "2026-01-01",
    "validity__end": "2027-12-31",
    "region": "九台区",
    "drafting_unit": "九台区工业和信息化局",
    "implementing_unit": "九台区工业和信息化局",
    "publishing_unit": "九台区人民政府",
    "applicant": "在九台区注册的工业企业",
    "conditions": "上年度主营业务收入2000万元以上\n无失信记录",
    "application_window__start": "2026-03-01",
    "application_window__end": "2026-03-31",
    "place": "九台区政务服务中心3号窗口",
    "materials": "申请表\n营业执照复印件\n上年度财务报表",
    "process": "企业申报\n部门受理\n审核公示\n资金拨付",
    "internal_process": "科室初审\n分管领导审核\n局务会审定",
    "internal_time_limit": "10",
    "fulfilment_time_limit": "20",
    "fulfilment_content": "按主营业务收入增量给予一次性奖励",
    "cap__amount": "50",
    "cap__note": "最高",
    "competitive__text": "",
    "fund_supervision": "区财政局会同区工信局对资金使用情况进行检查",
    "clawback": "以虚假材料骗取资金的，全额追回",
    "penalty": "依照《财政违法行为处罚处分条例》处理",
    "public_notice": "拟兑现名单在区政府网站公示5个工作日",
    "objection_handling": "公示期内收到异议的，由区工信局在5个工作日内核实答复",
    "consultation": "区工信局企业服务科 0431-82300000",
}
ITEM_SELECT_FIELDS = {
    "benefit_type": "资金奖励",
    "application_count": "每年一次",
    "application_method": "网上或窗口申报",
    "fulfilment_level": "区县级",
    "fulfilment_method": "依申请",
    "cap__unit": "万元",
    "competitive": "no",
}
INVALID_AMOUNT = "五十"
DRAFT_TEXT_NAME = "九台区支持工业企业增产增效若干措施 （送审稿）及起草说明 v2.1.最终版.pdf"

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELATIONSHIPS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>"
)


def docx_bytes(paragraph):
    """Build a minimal Word document with one paragraph."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("_rels/.rels", RELATIONSHIPS_XML)
        archive.writestr("word/document.xml", DOCUMENT_XML % escape(paragraph))
    return buffer.getvalue()


def pdf_bytes(text):
    """Build a one-page PDF 1.4 document showing `text`, which must be ASCII."""
    stream = b"BT /F1 18 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_offset = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        document += b"%010d 00000 n \n" % offset
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_offset)
    return bytes(document)


def write_materials(directory):
    """Write one file per material of a first submission into `directory`; return {kind: path}."""
    contents = {
        Material.Kind.APPLICATION_LETTER: (
            "关于申请标准化审查的函.docx",
            docx_bytes("关于申请对九台区支持工业企业增产增效若干措施进行标准化审查的函"),
        ),
        Material.Kind.DRAFT_TEXT: (DRAFT_TEXT_NAME, pdf_bytes("Draft policy text and explanation")),
        Material.Kind.CONSULTATION_RECORD: (
            "意见征求情况.txt",
            "已征求区财政局、区市场监管局意见，均无异议。\n".encode(),
        ),
        Material.Kind.FAIR_COMPETITION_FISCAL: (
            "公平竞争审查及财政资金安排意见.pdf",
            pdf_bytes("Fair competition review and fiscal opinion"),
        ),
    }
    paths = {}
    for kind, (name, data) in contents.items():
        path = directory / name
        path.write_bytes(data)
        paths[kind] = path
    return paths












def fill_item_form(page, amount):
    for name, value in ITEM_TEXT_FIELDS.items():
        page.fill(f'[name="{name}"]', amount if name == "cap__amount" else value)
    for name, value in ITEM_SELECT_FIELDS.items():
        page.select_option(f'select[name="{name}"]', value)


def check_history(page, policy):
    """Check that the history panel shows every recorded step with its actor's name."""
    history = page.locator('[data-testid="history"] li')
    for event in policy.events.order_by("at", "id"):
        with translation.override(CHINESE):
            sentence = describe(event)
        entry = history.filter(has_text=event.actor_name).filter(has_text=sentence)
        expect(entry, f"history entry {event.code} by {event.actor_name}").not_to_have_count(0)


def opinion_number(sequence):
    """Return the number of the city data bureau's opinion letter `sequence` of this year."""
    return f"长政数审〔{timezone.localdate().year}〕{sequence}号"


def test_district_policy_review(site, world, tmp_path):
    page = site.page
    materials = write_materials(tmp_path)

    # 1. The drafter creates the policy and its service item.
    site.open(reverse("login"))
    site.step("login page", "Log in", "Policy standardization review")
    site.log_in(world.drafter)
    page.click('a[data-nav="policies"]')
    site.step("drafter policy list", "Policies", "New policy")

    page.click(f'main a[href="{reverse("policies:create")}"]')
    page.fill('[name="title"]', POLICY_TITLE)
    page.select_option('select[name="co_departments"]', str(world.other_dept.pk))
    page.fill('[name="summary"]', "对主营业务收入增长的工业企业给予一次性奖励。")
    site.step("new policy form", "New policy", "Save")
    page.click('main form button[type="submit"]')

    policy = Policy.objects.get(title=POLICY_TITLE)
    assert policy.lead_department == world.dept
    assert policy.level == Policy.Level.DISTRICT
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(page.locator("main")).to_contain_text(world.other_dept.short_name)
    expect(page.locator(".gap-list li")).not_to_have_count(0)
    site.step(
        "new policy draft", "Add service item", "Upload material", "Before you can submit, complete the following:"
    )

    # The item form, first with an amount in words: the amount is marked
    # and everything else typed is still there.
    page.click(f'a[href="{reverse("policies:item_create", args=[policy.pk])}"]')
    form_fields = page.locator("main form").locator("input:not([type=hidden]), select, textarea")
    field_names = set(form_fields.evaluate_all("fields => fields.map(field => field.name)"))
    assert field_names == set(ITEM_TEXT_FIELDS) | set(ITEM_SELECT_FIELDS)
    fill_item_form(page, amount=INVALID_AMOUNT)
    site.step("item form filled", "New service item", "Text information", "Save service item")
    page.click('main form button[type="submit"]')

    cap_label = ElementDefinition.objects.get(code="cap").label_zh
    amount_error = in_chinese(
        "%(label)s: “%(value)s” is not a valid amount. Enter digits with at most 4 decimal places, such as 500 or 12.5."
    ) % {
        "label": cap_label,
        "value": INVALID_AMOUNT,
    }
    expect(page.locator(".alert-danger")).to_contain_text(
        in_chinese("Some values are not valid. They are marked below; nothing else was lost.")
    )
    expect(page.locator('[data-element="cap"] .invalid-feedback')).to_have_text(amount_error)
    expect(page.locator('[name="cap__amount"]')).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator('[name="cap__amount"]')).to_have_value(INVALID_AMOUNT)
    for name, value in ITEM_TEXT_FIELDS.items():
        if name != "cap__amount":
            expect(page.locator(f'[name="{name}"]'), f"value kept in {name}").to_have_value(value)
    for name, value in ITEM_SELECT_FIELDS.items():
        expect(page.locator(f'[name="{name}"]'), f"choice kept in {name}").to_have_value(value)
    assert not policy.items.exists()
    site.step("item form amount error", "Some values are not valid. They are marked below; nothing else was lost.")

    page.fill('[name="cap__amount"]', ITEM_TEXT_FIELDS["cap__amount"])
    page.click('main form button[type="submit"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    item = policy.items.get()
    assert item.name == ITEM_NAME
    assert item.values.get(element__code="cap").value == {"amount": "50", "unit": "万元", "note": "最高"}
    expect(page.locator("main table .badge.bg-warning")).to_have_count(0)
    expect(page.locator(".gap-list li")).to_have_count(len(materials))
    site.step("item saved", "Service items", "Materials")

    # The four materials, each through the upload form.
    upload_path = reverse("policies:material_upload", args=[policy.pk])
    for kind, path in materials.items():
        page.click(f'a[href="{upload_path}?kind={kind}"]')
        expect(page.locator('select[name="kind"]')).to_have_value(kind)
        page.set_input_files('input[name="file"]', str(path))
        if kind == Material.Kind.APPLICATION_LETTER:
            site.step("material upload form", "Upload material", "Kind of material")
        page.click('main form button[type="submit"]')
        expect(page).to_have_url(site.url(detail_path(policy)))

    stored_names = set(policy.materials.values_list("original_name", flat=True))
    assert stored_names == {path.name for path in materials.values()}
    for path in materials.values():
        expect(page.get_by_role("link", name=path.name, exact=True)).to_be_visible()
    expect(page.locator(".gap-list")).to_have_count(0)
    site.step("materials uploaded", "Submit for standardization review", "Service-item element table")

    draft_text = materials[Material.Kind.DRAFT_TEXT]
    with page.expect_download() as download_info:
        page.get_by_role("link", name=draft_text.name, exact=True).click()
    assert download_info.value.suggested_filename == draft_text.name
    with open(download_info.value.path(), "rb") as downloaded:
        assert downloaded.read() == draft_text.read_bytes()

    # The element table is generated from the item.
    page.locator(f'main a[href="{reverse("policies:element_table", args=[policy.pk])}"]').first.click()
    element_table = page.locator("table.table-element-table")
    expect(element_table.locator("tbody tr")).to_have_count(ElementDefinition.objects.filter(active=True).count())
    expect(element_table.locator("tr.table-warning")).to_have_count(0)
    expect(element_table).to_contain_text("50万元（最高）")
    expect(element_table).to_contain_text("上年度主营业务收入2000万元以上；无失信记录")
    validity = in_chinese("%(start)s to %(end)s") % {"start": "2026-01-01", "end": "2027-12-31"}
    expect(element_table).to_contain_text(validity)
    site.step("element table", "Service-item element table", "Group", "Element", "Content")

    site.open(detail_path(policy))
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    expect(page.locator(".alert-success")).to_contain_text(world.district_bureau.name)
    site.step("drafter submitted", "History")
    site.log_out()

    # 2. The district reviewer returns it with a materials notice.
    site.log_in(world.district_reviewer)
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy)).to_contain_text(state_text(State.SUBMITTED))
    site.step("district queue", "Review queue", "Lead department", "Round")
    open_policy(site, policy, via="queue")
    site.step("district reviewer opens case", "Actions", "Accept for review", "Return: request missing materials")

    page.click('a[data-action="request_materials"]')
    with translation.override(CHINESE):
        system_gaps = services.submission_gaps(policy)
    entries = page.locator('textarea[name="entries"]')
    expect(entries).to_have_value("\n".join(system_gaps))
    own_entry = "意见征求或评估情况中缺少区司法局的书面意见，请补充盖章扫描件"
    entries.fill("\n".join([*system_gaps, own_entry]))
    page.fill('[name="note"]', "请在期限内一次性补齐。")
    site.step(
        "materials notice form",
        "Return: request missing materials",
        "Everything the drafter must supply",
        "Working days to supply",
    )
    page.click('button[data-action="confirm"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(state_badge(page)).to_have_text(state_text(State.MATERIALS_REQUESTED))
    expect(page.locator(".card.border-warning")).to_contain_text(own_entry)
    site.step("materials notice sent", "Materials notice")
    site.log_out()

    # 3. The drafter reads the notice, replaces the consultation record and resubmits.
    site.log_in(world.drafter)
    open_policy(site, policy, via="policies")
    expect(page.locator(".card.border-warning")).to_contain_text(own_entry)
    site.step("drafter reads notice", "Materials notice", "Resubmit for review")

    replaced = policy.materials.get(kind=Material.Kind.CONSULTATION_RECORD)
    replacement = tmp_path / "意见征求情况（含区司法局书面意见）.txt"
    replacement.write_text("已征求区财政局、区市场监管局、区司法局意见，区司法局书面意见附后。\n", encoding="utf-8")
    page.click(f'main a[href="{upload_path}"]')
    page.select_option('select[name="kind"]', Material.Kind.CONSULTATION_RECORD.value)
    page.set_input_files('input[name="file"]', str(replacement))
    page.click('main form button[type="submit"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    page.click(f'form[action="{reverse("policies:material_remove", args=[replaced.pk])}"] button')
    expect(page.get_by_role("link", name=replacement.name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=replaced.original_name, exact=True)).to_have_count(0)
    site.step("replacement uploaded", "Materials")

    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    expect(page.locator(".card.border-warning .badge.bg-success")).to_be_visible()
    assert policy.review_cases.get().notices.get().answered_at is not None
    site.step("drafter resubmitted", "Materials notice", "supplied")
    site.log_out()

    # 4. The district reviewer accepts and passes the preliminary review.
    site.log_in(world.district_reviewer)
    open_policy(site, policy, via="queue")
    page.click('button[data-action="accept"]')
    expect(state_badge(page)).to_have_text(state_text(State.DISTRICT_REVIEW))
    site.step("district accepted", "Pass preliminary review and forward to the city", "Review time limit")
    page.click('a[data-action="pass_preliminary"]')
    page.fill('[name="comments"]', "要素齐全，用词规范，同意报市政数局终审。")
    site.step("preliminary review form", "Pass preliminary review and forward to the city")
    page.click('button[data-action="confirm"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(state_badge(page)).to_have_text(state_text(State.FORWARDED))
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy)).to_have_count(0)
    site.step("district forwarded", "Review queue")
    site.log_out()

    # 5. The city reviewer accepts and issues the opinion letter: pass.
    site.log_in(world.city_reviewer)
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy)).to_contain_text(state_text(State.FORWARDED))
    site.step("city queue", "Review queue")
    open_policy(site, policy, via="queue")
    page.click('button[data-action="accept"]')
    expect(state_badge(page)).to_have_text(state_text(State.CITY_REVIEW))
    page.click('a[data-action="issue_opinion"]')
    page.check(f'input[name="conclusion"][value="{Opinion.Conclusion.PASS}"]')
    page.fill('[name="reasons"]', "经审查，该政策服务事项要素齐全、用词规范，同意上线。")
    site.step("opinion form", "Issue the opinion letter", "Conclusion", "Reasons and requirements")
    page.click('button[data-action="confirm"]')

    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(page.locator('[data-testid="opinion-number"]')).to_have_text(opinion_number(1))
    expect(state_badge(page)).to_have_text(state_text(State.OPINION_ISSUED, Opinion.Conclusion.PASS))
    assert Opinion.objects.get(case__policy=policy).number == opinion_number(1)

    drafter, district, city = str(world.drafter), str(world.district_reviewer), str(world.city_reviewer)
    review_steps = [
        (event.code, event.actor_name)
        for event in policy.events.order_by("at", "id")
        if event.code.startswith("review.")
    ]
    assert review_steps == [
        ("review.submitted", drafter),
        ("review.materials_requested", district),
        ("review.resubmitted", drafter),
        ("review.accepted", district),
        ("review.preliminary_passed", district),
        ("review.accepted", city),
        ("review.opinion_issued", city),
    ]
    check_history(page, policy)
    site.step("opinion issued", "Opinion letter", "History")

    site.assert_translated()


def test_city_policy_fails_review(site, world):
    page = site.page
    policy = make_policy(world.city_drafter, title="长春市工业企业技术改造奖励办法")
    assert policy.level == Policy.Level.CITY

    site.log_in(world.city_drafter)
    open_policy(site, policy, via="policies")
    page.click('button[data-action="submit"]')
    expect(state_badge(page)).to_have_text(state_text(State.SUBMITTED))
    expect(page.locator(".alert-success")).to_contain_text(world.city_bureau.name)
    site.step("city drafter submitted", "Lead department", "History")
    site.log_out()

    # No district step: the city reviewer accepts it straight into the city review.
    site.log_in(world.city_reviewer)
    page.click('a[data-nav="queue"]')
    expect(queue_row(page, policy)).to_contain_text(state_text(State.SUBMITTED))
    open_policy(site, policy, via="queue")
    page.click('button[data-action="accept"]')
    expect(state_badge(page)).to_have_text(state_text(State.CITY_REVIEW))
    expect(page.locator('[data-action="pass_preliminary"]')).to_have_count(0)

    page.click('a[data-action="issue_opinion"]')
    page.check(f'input[name="conclusion"][value="{Opinion.Conclusion.FAIL}"]')
    page.click('button[data-action="confirm"]')
    expect(page.locator(".invalid-feedback")).to_have_text(in_chinese("Give the reasons and the required revisions."))
    site.step("fail without reasons", "Issue the opinion letter", "Reasons and requirements")

    reasons = "1. 兑现限额未区分企业规模；\n2. 申报材料中“相关证明”未列明具体名称。"
    page.fill('[name="reasons"]', reasons)
    page.click('button[data-action="confirm"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(page.locator('[data-testid="opinion-number"]')).to_have_text(opinion_number(1))
    expect(state_badge(page)).to_have_text(state_text(State.OPINION_ISSUED, Opinion.Conclusion.FAIL))
    expect(page.locator("main")).to_contain_text("未列明具体名称")
    site.step("city opinion failed", "Opinion letter")
    site.log_out()

    # The drafter reads the reasons and can change the policy again.
    site.log_in(world.city_drafter)
    open_policy(site, policy, via="policies")
    expect(page.locator("main")).to_contain_text("兑现限额未区分企业规模")
    expect(page.locator('a[data-action="respond"]')).to_be_visible()
    site.step("city drafter after fail", "Opinion letter", "Edit policy details", "Respond to the opinion")
    page.click(f'a[href="{reverse("policies:edit", args=[policy.pk])}"]')
    page.fill('[name="summary"]', "按企业规模分档设定兑现限额。")
    page.click('main form button[type="submit"]')
    expect(page).to_have_url(site.url(detail_path(policy)))
    expect(page.locator("main")).to_contain_text("按企业规模分档设定兑现限额。")
    site.step("city drafter edited", "Edit policy details")

    site.assert_translated()


def test_language_switch(site, world):
    page = site.page
    site.log_in(world.drafter)
    page.click('a[data-nav="policies"]')
    new_policy_link = page.locator(f'main a[href="{reverse("policies:create")}"]')
    expect(new_policy_link).to_have_text(in_chinese("New policy"))
    site.step("language before switch", "Policies", "New policy")

    with page.expect_navigation():
        page.select_option('select[name="language"]', "en")
    expect(page).to_have_url(site.url(reverse("review:policy_list")))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(new_policy_link).to_have_text("New policy")
    site.screenshot("language english")

    with page.expect_navigation():
        page.select_option('select[name="language"]', CHINESE)
    expect(page).to_have_url(site.url(reverse("review:policy_list")))
    expect(new_policy_link).to_have_text(in_chinese("New policy"))
    site.step("language back to chinese", "Policies", "New policy")

    site.assert_translated()


def test_language_switch_before_login(site):
    # The header's language switch is on the login page too, where nobody is logged in yet.
    page = site.page
    site.open(reverse("login"))
    with page.expect_navigation():
        page.select_option('select[name="language"]', "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator('main form button[type="submit"]')).to_have_text("Log in")
    site.screenshot("login page english")
