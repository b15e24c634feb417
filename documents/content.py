"""The four generated documents: their number, date, file name and HTML.

Each document is one Django template under templates/documents/. The same
rendered HTML becomes the PDF (WeasyPrint) and the Word file
(`documents.word` reads its blocks), so the two formats cannot differ.
The document text is Chinese in every interface language, because
these are Chinese government documents; the Chinese wording lives in those
templates and in the labels below, never in gettext msgids.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Organization
from policies.catalog import GROUPS
from policies.elements import display_value
from policies.models import ElementDefinition
from review.models import Finding, Notice, Opinion, OpinionSeries, Stage, Submission
from workdays.clock import DEADLINE_TIME_ZONE, today

from . import conf, fonts
from .models import DocumentKind

GROUP_LABELS = {code: chinese for code, chinese, _english in GROUPS}

FINDING_STATUS_LABELS = {
    Finding.Status.CONFORMS: "符合规范",
    Finding.Status.MISSING: "要素缺失",
    Finding.Status.NOT_STANDARD: "表述不规范",
}

FINDING_REASON_LABELS = {
    Finding.Reason.VAGUE_WORDING: "表述模糊（如原则上、视情况、另行通知）",
    Finding.Reason.OPEN_LIST: "列举不完整（以“等”结尾或使用“相关材料”）",
    Finding.Reason.NO_AMOUNT: "未写明金额或上限",
    Finding.Reason.UNIT_MISSING: "未写明单位",
    Finding.Reason.PERIOD_NOT_WORKDAYS: "期限未以工作日计算",
    Finding.Reason.DATE_NOT_DATE: "未写明具体日期",
    Finding.Reason.MATERIALS_NOT_LISTED: "材料未逐项列明",
    Finding.Reason.NOT_STANDARD_TERM: "未使用标准用语",
    Finding.Reason.INCONSISTENT: "与政策文本不一致",
    Finding.Reason.OTHER: "其他",
}

CONCLUSION_LABELS = {
    Opinion.Conclusion.PASS: "通过",
    Opinion.Conclusion.PASS_AFTER_REVISION: "修改后通过",
    Opinion.Conclusion.FAIL: "不通过",
}

# Characters that Windows and common archive tools reject in file names.
FILE_NAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class GeneratedDocument:
    kind: str
    title: str
    number: str
    issued_on: date
    author: str
    file_stem: str
    html: str


def file_stem(*parts):
    """Join the non-empty parts into a file name without its suffix, safe on Windows."""
    stem = "-".join(part for part in parts if part)
    return FILE_NAME_FORBIDDEN.sub("_", stem)[:120]


def chinese_date(day):
    """Format a date as official documents write it, such as 2026年1月9日."""
    return "%d年%d月%d日" % (day.year, day.month, day.day)


def local_date(moment):
    return timezone.localtime(moment, DEADLINE_TIME_ZONE).date()


def _text_width(text):
    """Return the printed width of `text` in em: 1 for a CJK character, 0.5 for ASCII."""
    return sum(0.5 if ord(char) < 128 else 1 for char in text)


def signature_indents(signature, date_text):
    """Return the right indents in em of the issuer's name and the date under it.

    GB/T 9704 sets the name of an unsealed document two characters from the
    right margin and centres the date under that name.
    """
    signature_indent = 2.0
    date_indent = signature_indent + (_text_width(signature) - _text_width(date_text)) / 2
    return signature_indent, max(date_indent, signature_indent)


def bureau_prefix(bureau):
    """Return the number prefix of `bureau`'s documents, such as 长政数审.

    The prefix comes from the bureau's opinion letter series. Without one, a
    city bureau uses the first character of the city and 政数审 (长政数审 for
    长春市). A district, county or zone bureau uses the first two characters
    of its region (长春政数审 for 长春新区), so its numbers differ from the city's.
    """
    prefix = OpinionSeries.objects.filter(bureau=bureau).values_list("prefix", flat=True).first()
    if prefix:
        return prefix
    region = bureau.region or bureau
    return "%s政数审" % region.name[: 1 if region.is_city else 2]


def notice_bureau(notice):
    """Return the data bureau that sent `notice`: the sender's bureau, else the bureau of the notice's stage."""
    sender = notice.sent_by
    if sender is not None and sender.organization_id is not None:
        return sender.organization
    region = notice.case.policy.region
    if notice.stage == Stage.CITY:
        region = region.city or region
    return region.children.filter(kind=Organization.Kind.DATA_BUREAU).first() or notice.case.reviewing_bureau


def notice_number(notice, bureau):
    """Return the number of `notice`, such as 长政数审补〔2026〕3号.

    The sequence counts the notices of the same kind that `bureau` sent in
    the same calendar year (Asia/Shanghai) up to this one. The review
    services never change or delete a sent notice, so the number stays the same.
    """
    year = local_date(notice.sent_at).year
    earlier = Notice.objects.filter(
        Q(sent_at__lt=notice.sent_at) | Q(sent_at=notice.sent_at, pk__lte=notice.pk),
        kind=notice.kind,
        sent_by__organization=bureau,
        sent_at__year=year,
    ).count()
    # NOTE: a notice whose sender account was deleted is not counted above,
    # so it may share its number with the bureau's next notice of that kind.
    sequence = earlier if notice.sent_by_id is not None else earlier + 1
    suffix = conf.notice_number_suffixes()[notice.kind]
    return "%s%s〔%d〕%d号" % (bureau_prefix(bureau), suffix, year, sequence)


def measures_title(policy):
    """Return the title of the review measures that apply to `policy`, from its city.

    A city missing from settings.REVIEW_MEASURES gets the generic title
    rather than another city's.
    """
    city = policy.region.city if policy is not None else None
    titles = getattr(settings, "REVIEW_MEASURES", {})
    return titles.get(city.code if city else "", "惠企惠民政策标准化上线审查办法")


def _render(template, context):
    return render_to_string(
        template,
        {
            **context,
            "measures": measures_title(context.get("policy")),
            "fonts": fonts.resolve_fonts(),
            "font_face_css": fonts.font_face_css(),
        },
    )


def _signature_context(signature, issued_on):
    date_text = chinese_date(issued_on)
    signature_indent, date_indent = signature_indents(signature, date_text)
    return {
        "signature": signature,
        "date_text": date_text,
        "signature_indent": signature_indent,
        "date_indent": date_indent,
    }


def notice_document(notice):
    """Build the 材料补充告知书 or 补正通知书 of `notice`."""
    case = notice.case
    policy = case.policy
    bureau = notice_bureau(notice)
    issued_on = local_date(notice.sent_at)
    number = notice_number(notice, bureau)
    submission = Submission.objects.filter(case=case, number=notice.round).only("submitted_at").first()
    context = {
        "notice": notice,
        "policy": policy,
        "number": number,
        "submitted_text": chinese_date(local_date(submission.submitted_at)) if submission else "",
        "due_text": chinese_date(notice.due_on),
        **_signature_context(bureau.name, issued_on),
    }
    if notice.kind == Notice.Kind.MATERIALS:
        kind, title, template = DocumentKind.MATERIALS_NOTICE, "材料补充告知书", "documents/materials_notice.html"
        context["entries"] = [str(entry) for entry in notice.entries]
    else:
        kind, title, template = DocumentKind.CORRECTION_NOTICE, "补正通知书", "documents/correction_notice.html"
        context["rows"] = [
            {
                "item": entry.get("item", ""),
                "element": entry.get("element", ""),
                "status": FINDING_STATUS_LABELS.get(entry.get("status"), entry.get("status", "")),
                "reason": FINDING_REASON_LABELS.get(entry.get("reason"), entry.get("reason", "")),
                "comment": entry.get("comment", ""),
            }
            for entry in notice.entries
        ]
        context["is_preliminary"] = notice.stage == Stage.DISTRICT
    context["title"] = title
    html = _render(template, context)
    return GeneratedDocument(kind, title, number, issued_on, bureau.name, file_stem(title, number), html)


def opinion_document(opinion):
    """Build the 标准化审查意见书 of `opinion`."""
    case = opinion.case
    policy = case.policy
    issued_on = local_date(opinion.issued_at)
    copies = [department.name for department in policy.co_departments.all()]
    if case.district_accepted_at is not None:
        district_bureau = policy.region.children.filter(kind=Organization.Kind.DATA_BUREAU).first()
        if district_bureau is not None and district_bureau.pk != opinion.issuing_bureau_id:
            copies.append(district_bureau.name)
    title = "标准化审查意见书"
    context = {
        "title": title,
        "opinion": opinion,
        "policy": policy,
        "number": opinion.number,
        "conclusion": CONCLUSION_LABELS.get(opinion.conclusion, opinion.conclusion),
        "passed": opinion.passed,
        "reasons": [line.strip() for line in opinion.reasons.splitlines() if line.strip()],
        "response_days": settings.RESPONSE_DAYS,
        "copies": copies,
        **_signature_context(opinion.issuing_bureau.name, issued_on),
    }
    html = _render("documents/opinion_letter.html", context)
    return GeneratedDocument(
        DocumentKind.OPINION_LETTER,
        title,
        opinion.number,
        issued_on,
        opinion.issuing_bureau.name,
        file_stem(title, opinion.number),
        html,
    )


def official_value(definition, value):
    """Return an element value as Chinese text for an official document.

    `display_value` formats every value type. Its wording for date ranges,
    working-day periods and yes/no values is a gettext msgid, which is
    English wherever the zh_Hans catalog lacks it, so those three types are
    written out here in Chinese.
    """
    if not value:
        return ""
    value_type = definition.value_type
    if value_type == ElementDefinition.ValueType.DATE_RANGE:
        if value.get("end"):
            return "%s至%s" % (value["start"], value["end"])
        return "自%s起，长期有效" % value["start"]
    if value_type == ElementDefinition.ValueType.WORKDAY_PERIOD:
        return "%s个工作日" % value["days"]
    if value_type == ElementDefinition.ValueType.YES_NO:
        if value.get("yes"):
            return "是：%s" % value.get("text", "")
        return "否"
    return display_value(definition, value)


def element_rows(definitions, item_name, values):
    """Return the table rows of one service item: every element under its group, groups in catalog order."""
    order = [code for code, _chinese, _english in GROUPS]
    grouped = {}
    for definition in definitions:
        grouped.setdefault(definition.group, []).append(definition)
    rows = []
    for group in sorted(grouped, key=lambda code: order.index(code) if code in order else len(order)):
        members = grouped[group]
        for index, definition in enumerate(members):
            value = {"text": item_name} if definition.code == "item_name" else values.get(definition.code)
            text = official_value(definition, value)
            rows.append(
                {
                    "group": GROUP_LABELS.get(group, group),
                    "group_rows": len(members) if index == 0 else 0,
                    "label": definition.label_zh,
                    "text": text or ("（未填写）" if definition.required else "（无）"),
                    "missing": definition.required and not text,
                }
            )
    return rows


def element_table_document(policy, submission=None):
    """Build the 服务事项办理要素情况表 of `policy`, from its current items or from a submission round."""
    definitions = list(ElementDefinition.objects.filter(active=True).order_by("position", "id"))
    if submission is not None:
        source_items = [(item["name"], item["values"]) for item in submission.snapshot.get("items", [])]
        issued_on = local_date(submission.submitted_at)
    else:
        source_items = []
        for item in policy.items.prefetch_related("values__element"):
            source_items.append((item.name, {v.element.code: v.value for v in item.values.all()}))
        issued_on = today()
    items = [{"name": name, "rows": element_rows(definitions, name, values)} for name, values in source_items]
    title = "服务事项办理要素情况表"
    context = {
        "title": title,
        "policy": policy,
        "co_departments": [department.name for department in policy.co_departments.all()],
        "items": items,
        "submission": submission,
        "date_text": chinese_date(issued_on),
    }
    html = _render("documents/element_table.html", context)
    round_text = "第%d轮" % submission.number if submission is not None else ""
    return GeneratedDocument(
        DocumentKind.ELEMENT_TABLE,
        title,
        policy.doc_number,
        issued_on,
        policy.lead_department.name,
        file_stem(title, policy.title[:40], round_text),
        html,
    )
