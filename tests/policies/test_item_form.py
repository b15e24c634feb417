"""The service-item form through its view, as a drafter fills it in.

Every rejected value must come back with an error inside that element's row,
nothing may be saved, and every value the drafter typed must be in the
re-rendered page. The tests parse the HTML the browser receives, not the
form object.
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from policies import services as policy_services
from policies.catalog import GROUPS
from policies.models import ElementDefinition, ElementValue, PolicyEvent, ServiceItem
from tests.factories import COMPLETE_VALUES

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

# A complete, valid POST of the form, as a browser sends it.
VALID_POST = {
    "name": "工业企业增产奖励",
    "basis": "《长春市推动经济持续向好增量政策措施》",
    "benefit_type": "资金奖励",
    "validity__start": "2026-01-01",
    "validity__end": "2027-12-31",
    "region": "九台区",
    "drafting_unit": "九台区工业和信息化局",
    "implementing_unit": "九台区工业和信息化局",
    "publishing_unit": "九台区人民政府",
    "applicant": "在九台区注册的工业企业",
    "conditions": "上年度主营业务收入2000万元以上\n无失信记录",
    "application_count": "每年一次",
    "application_window__start": "2026-03-01",
    "application_window__end": "2026-03-31",
    "place": "九台区政务服务中心3号窗口",
    "application_method": "网上或窗口申报",
    "materials": "申请表\n营业执照复印件\n上年度财务报表",
    "process": "企业申报\n部门受理\n审核公示\n资金拨付",
    "internal_process": "科室初审\n分管领导审核\n局务会审定",
    "internal_time_limit": "10",
    "fulfilment_time_limit": "20",
    "fulfilment_level": "区县级",
    "fulfilment_method": "依申请",
    "fulfilment_content": "按主营业务收入增量给予一次性奖励",
    "cap__amount": "50",
    "cap__unit": "万元",
    "cap__note": "最高",
    "competitive": "yes",
    "competitive__text": "按增量排序，前20家给予奖励",
    "fund_supervision": "区财政局会同区工信局对资金使用情况进行检查",
    "clawback": "以虚假材料骗取资金的，全额追回",
    "penalty": "依法依规处理",
    "public_notice": "拟兑现名单在区政府网站公示5个工作日",
    "objection_handling": "对公示有异议的，由区工信局在5个工作日内核实答复",
    "consultation": "区工信局企业服务科 0431-82300000",
}


class FormPage(HTMLParser):
    """The controls, error texts and element groups of a rendered item form."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.values = {}
        self.classes = {}
        self.errors = {}  # element code (or "name" before the first element row) → error texts
        self.legends = []
        self.rows = {}  # legend text → element codes in page order
        self._row = "name"
        self._select = None
        self._option = None
        self._textarea = None
        self._error = None
        self._legend = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        css = (attrs.get("class") or "").split()
        name = attrs.get("name")
        if tag == "div" and "element-row" in css:
            self._row = attrs["data-element"]
            self.rows[self.legends[-1]].append(self._row)
        elif tag == "legend":
            self._legend = []
        elif tag == "input" and name and attrs.get("type") not in ("hidden", "submit"):
            self.values[name] = attrs.get("value", "")
            self.classes[name] = css
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""
            self.classes[name] = css
        elif tag == "select":
            self._select = name
            self.values[name] = ""
            self.classes[name] = css
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "div" and "invalid-feedback" in css:
            self._error = []

    def handle_endtag(self, tag):
        if tag == "legend" and self._legend is not None:
            legend = "".join(self._legend).strip()
            self.legends.append(legend)
            self.rows[legend] = []
            self._legend = None
        elif tag == "textarea":
            # HTML drops the newline that directly follows <textarea>.
            value = self.values[self._textarea]
            self.values[self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "div" and self._error is not None:
            self.errors.setdefault(self._row, []).append("".join(self._error).strip())
            self._error = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        if self._error is not None:
            self._error.append(data)
        if self._legend is not None:
            self._legend.append(data)


@pytest.fixture
def policy(world):
    title = "九台区支持工业企业增产增效若干措施"
    return policy_services.create_policy(world.drafter, title=title, lead_department=world.dept)


@pytest.fixture
def drafter_client(client, world):
    client.force_login(world.drafter)
    return client


def create_url(policy):
    return reverse("policies:item_create", kwargs={"pk": policy.pk})


def edit_url(item):
    return reverse("policies:item_edit", kwargs={"pk": item.policy_id, "item_pk": item.pk})


def stored_rows():
    return (
        list(ServiceItem.objects.order_by("pk").values()),
        list(ElementValue.objects.order_by("pk").values()),
        PolicyEvent.objects.count(),
    )


def test_valid_post_saves_item(drafter_client, policy):
    response = drafter_client.post(create_url(policy), VALID_POST, **ENGLISH)

    assert response.status_code == 302
    assert ServiceItem.objects.filter(policy=policy).count() == 1


# (case, changed fields, element row, field marked invalid, words the error
# must contain). The words name the element or the value and the fix, so a
# rewording of the rest of the sentence does not break the test.
INVALID = [
    (
        "invalid date",
        {"validity__start": "2026-13-45"},
        "validity",
        "validity__start",
        ["2026-01-31"],
    ),
    (
        "date as words",
        {"application_window__end": "三月底"},
        "application_window",
        "application_window__end",
        ["2026-01-31"],
    ),
    (
        "end before start",
        {"validity__end": "2025-12-31"},
        "validity",
        "validity__start",
        ["实施期限", "before the start date"],
    ),
    (
        "end without start",
        {"validity__start": ""},
        "validity",
        "validity__start",
        ["实施期限", "start date"],
    ),
    ("amount in words", {"cap__amount": "五十"}, "cap", "cap__amount", ["兑现限额", "“五十”", "500"]),
    ("amount without unit", {"cap__unit": ""}, "cap", "cap__amount", ["兑现限额", "unit", "万元"]),
    ("note without amount", {"cap__amount": ""}, "cap", "cap__amount", ["兑现限额", "amount"]),
    ("zero amount", {"cap__amount": "0"}, "cap", "cap__amount", ["兑现限额", "greater than zero"]),
    (
        "zero working days",
        {"internal_time_limit": "0"},
        "internal_time_limit",
        "internal_time_limit",
        ["greater than or equal to 1"],
    ),
    (
        "400 working days",
        {"fulfilment_time_limit": "400"},
        "fulfilment_time_limit",
        "fulfilment_time_limit",
        ["less than or equal to 365"],
    ),
    (
        "working days in words",
        {"internal_time_limit": "十"},
        "internal_time_limit",
        "internal_time_limit",
        ["whole number of working days"],
    ),
    (
        "yes without description",
        {"competitive__text": ""},
        "competitive",
        "competitive",
        ["竞争性兑现", "describe how"],
    ),
    (
        "choice not in list",
        {"benefit_type": "发钱"},
        "benefit_type",
        "benefit_type",
        ["发钱", "not one of the available choices"],
    ),
]


@pytest.mark.parametrize(
    "changes, row, field, words", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_value_keeps_everything_typed(drafter_client, policy, changes, row, field, words):
    data = {**VALID_POST, **changes}
    before = stored_rows()

    response = drafter_client.post(create_url(policy), data, **ENGLISH)

    assert response.status_code == 200
    page = FormPage(response.content.decode())
    assert list(page.errors) == [row]
    assert len(page.errors[row]) == 1
    for word in words:
        assert word in page.errors[row][0]
    assert "is-invalid" in page.classes[field]
    assert stored_rows() == before
    assert "Some values are not valid." in response.content.decode()

    # A select cannot show a value that is not one of its options, so
    # the message above names it instead.
    expected = {name: value for name, value in data.items() if not (name == "benefit_type" and value == "发钱")}
    shown = {name: page.values[name] for name in expected}
    assert shown == expected


def test_all_errors_shown_at_once(drafter_client, policy):
    changes = {
        "validity__start": "2026-13-45",
        "application_window__end": "三月底",
        "cap__amount": "五十",
        "internal_time_limit": "十",
        "fulfilment_time_limit": "400",
        "competitive__text": "",
        "benefit_type": "发钱",
    }
    data = {**VALID_POST, **changes}
    before = stored_rows()

    response = drafter_client.post(create_url(policy), data, **ENGLISH)

    page = FormPage(response.content.decode())
    assert sorted(page.errors) == sorted(
        [
            "validity",
            "application_window",
            "cap",
            "internal_time_limit",
            "fulfilment_time_limit",
            "competitive",
            "benefit_type",
        ]
    )
    assert stored_rows() == before
    assert page.values["cap__amount"] == "五十"
    assert page.values["internal_time_limit"] == "十"
    assert page.values["fulfilment_time_limit"] == "400"
    assert page.values["validity__start"] == "2026-13-45"
    assert page.values["conditions"] == VALID_POST["conditions"]


def test_missing_name_keeps_elements(drafter_client, policy):
    data = {**VALID_POST, "name": "  "}
    before = stored_rows()

    response = drafter_client.post(create_url(policy), data, **ENGLISH)

    page = FormPage(response.content.decode())
    assert list(page.errors) == ["name"]
    assert stored_rows() == before
    assert page.values["cap__amount"] == "50"
    assert page.values["materials"] == VALID_POST["materials"]


def test_valid_save_stores_normalised_json(drafter_client, policy):
    data = {
        **VALID_POST,
        "name": "  工业企业增产奖励  ",
        "basis": "  《长春市推动经济持续向好增量政策措施》 ",
        "validity__end": "",
        "conditions": "  上年度主营业务收入2000万元以上  \n\n无失信记录\n",
        "cap__amount": "1,000.50",
        "competitive": "no",
        "competitive__text": "",
        "penalty": "",
        "objection_handling": "   ",
    }

    response = drafter_client.post(create_url(policy), data, **ENGLISH)

    assert response.status_code == 302
    assert response["Location"] == reverse("review:policy_detail", kwargs={"pk": policy.pk})
    item = ServiceItem.objects.get(policy=policy)
    assert item.name == "工业企业增产奖励"
    stored = {value.element.code: value.value for value in item.values.select_related("element")}
    expected = {
        **COMPLETE_VALUES,
        "item_name": {"text": "工业企业增产奖励"},
        "validity": {"start": "2026-01-01", "end": None},
        "cap": {"amount": "1000.5", "unit": "万元", "note": "最高"},
        "competitive": {"yes": False, "text": ""},
    }
    assert stored == expected


def test_yes_with_description_is_stored(drafter_client, policy):
    response = drafter_client.post(create_url(policy), VALID_POST, **ENGLISH)

    assert response.status_code == 302
    item = ServiceItem.objects.get(policy=policy)
    competitive = item.values.get(element__code="competitive")
    assert competitive.value == {"yes": True, "text": "按增量排序，前20家给予奖励"}


def test_edit_shows_stored_values(drafter_client, world, policy):
    item = policy_services.save_item(world.drafter, policy, name="工业企业增产奖励", values=COMPLETE_VALUES)

    response = drafter_client.get(edit_url(item), **ENGLISH)

    assert response.status_code == 200
    page = FormPage(response.content.decode())
    expected = {
        **VALID_POST,
        "competitive": "no",
        "competitive__text": "",
        "penalty": "",
        "objection_handling": "",
    }
    shown = {name: page.values[name] for name in expected}
    assert shown == expected
    assert page.errors == {}


def test_edit_with_invalid_value_keeps_stored_item(drafter_client, world, policy):
    item = policy_services.save_item(world.drafter, policy, name="工业企业增产奖励", values=COMPLETE_VALUES)
    before = stored_rows()
    data = {**VALID_POST, "name": "改名后的事项", "cap__amount": "五十"}

    response = drafter_client.post(edit_url(item), data, **ENGLISH)

    assert response.status_code == 200
    page = FormPage(response.content.decode())
    assert list(page.errors) == ["cap"]
    assert page.values["name"] == "改名后的事项"
    assert stored_rows() == before


def test_edit_saves_changed_value(drafter_client, world, policy):
    item = policy_services.save_item(world.drafter, policy, name="工业企业增产奖励", values=COMPLETE_VALUES)
    data = {**VALID_POST, "competitive": "no", "competitive__text": "", "internal_time_limit": "15"}

    response = drafter_client.post(edit_url(item), data, **ENGLISH)

    assert response.status_code == 302
    assert item.values.get(element__code="internal_time_limit").value == {"days": 15}
    assert ServiceItem.objects.count() == 1


def test_elements_grouped_under_four_headings(drafter_client, policy):
    response = drafter_client.get(create_url(policy), **ENGLISH)

    page = FormPage(response.content.decode())
    assert page.legends == ["1. Text information", "2. Application", "3. Fulfilment", "4. Supervision and consultation"]
    definitions = ElementDefinition.objects.filter(active=True).exclude(code="item_name")
    for legend, (group, _zh, _en) in zip(page.legends, GROUPS, strict=True):
        expected = [d.code for d in definitions.filter(group=group).order_by("position", "id")]
        assert page.rows[legend] == expected


def test_chinese_page_shows_chinese_headings(drafter_client, policy):
    response = drafter_client.get(create_url(policy), **CHINESE)

    html = response.content.decode()
    page = FormPage(html)
    expected = [f"{number}. {zh}" for number, (_code, zh, _en) in enumerate(GROUPS, start=1)]
    assert page.legends == expected
    for definition in ElementDefinition.objects.filter(active=True).exclude(code="item_name"):
        assert definition.label_zh in html


def test_language_cookie_selects_chinese(drafter_client, policy):
    drafter_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = drafter_client.get(create_url(policy), **ENGLISH)

    assert response.headers["Content-Language"] == "zh-hans"
    assert "政策依据" in response.content.decode()


def test_stale_form_is_rejected_and_keeps_input(world):
    from django.test import Client

    from policies import services as policy_services
    from policies.models import ServiceItem
    from tests.factories import COMPLETE_VALUES

    policy = policy_services.create_policy(world.drafter, title="并发编辑", lead_department=world.dept)
    item = policy_services.save_item(world.drafter, policy, name="事项", values={"basis": COMPLETE_VALUES["basis"]})
    stale_version = policy_services.item_version(item)
    policy_services.save_item(
        world.drafter, policy, name="事项", values={"basis": {"text": "另一人填写的依据"}}, item=item
    )

    client = Client()
    client.force_login(world.drafter)
    response = client.post(
        "/policies/%d/items/%d/" % (policy.pk, item.pk),
        {"name": "事项", "version": stale_version, "applicant": "在九台区注册的企业"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "在九台区注册的企业" in response.content.decode()
    values = {v.element.code: v.value for v in ServiceItem.objects.get(pk=item.pk).values.select_related("element")}
    assert values["basis"] == {"text": "另一人填写的依据"}
    assert "applicant" not in values
