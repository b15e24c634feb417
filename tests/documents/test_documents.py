"""The four generated documents: content, GB/T 9704 layout of the Word files, fonts of the PDFs."""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from documents import content, fonts
from documents.pdf import render_pdf
from documents.word import build_docx
from review.models import Notice
from tests.documents.conftest import forwarded_district_case, materials_case, opinion_case
from tests.documents.pdfcheck import docx_text, pdf_fonts, pdf_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"
REQUIRE_SERVICES = os.environ.get("POLICYHUB_REQUIRE_SERVICES", "") in ("1", "true", "yes")


def compact(text):
    return "".join(text.split())


@pytest.fixture
def documents(world):
    """One document of each kind, from dated cases."""
    case = opinion_case(world)
    materials = materials_case(world)
    return {
        "materials_notice": content.notice_document(materials.notices.get()),
        "correction_notice": content.notice_document(case.notices.get(kind=Notice.Kind.CORRECTION)),
        "opinion_letter": content.opinion_document(case.opinion),
        "element_table": content.element_table_document(case.policy),
    }


# -- content -----------------------------------------------------------------------


def test_opinion_letter_content(documents):
    document = documents["opinion_letter"]
    expected = [
        "标准化审查意见书",
        "长政数审〔2026〕1号",
        "长春市工业和信息化局：",
        "《长春市工业企业奖励办法》",
        "修改后通过",
        "兑现限额应写明最高金额。",
        "申报地点应写明具体窗口。",
        "自收到本意见书之日起5个工作日内",
        "长春市政务服务和数字化建设管理局",
        "2026年1月20日",
    ]
    word = compact(docx_text(build_docx(document)))
    pdf = pdf_text(render_pdf(document))
    for text in expected:
        assert text in word, text
        assert text in pdf, text
    assert document.number == "长政数审〔2026〕1号"
    assert document.file_stem == "标准化审查意见书-长政数审〔2026〕1号"


def test_correction_notice_content(documents):
    document = documents["correction_notice"]
    assert document.number == "长政数审补〔2026〕1号"
    data = build_docx(document)
    word = Document(io.BytesIO(data))
    table = word.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "序号",
        "政策服务事项",
        "要素",
        "审查发现",
        "原因",
        "审查意见",
    ]
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert ["1", "工业企业增产奖励", "申报地点", "要素缺失", "其他", "补充具体办理窗口"] in rows
    assert ["2", "工业企业增产奖励", "兑现限额", "表述不规范", "未写明金额或上限", "写明奖励上限"] in rows

    text = compact(docx_text(data))
    for expected in [
        "补正通知书",
        "长政数审补〔2026〕1号",
        "（第1轮送审）",
        "共2项",
        "请于2026年1月14日前完成补正",
        "2026年1月9日",
    ]:
        assert expected in text, expected
    pdf = pdf_text(render_pdf(document))
    for expected in ["补正通知书", "长政数审补〔2026〕1号", "未写明金额或上限", "写明奖励上限", "2026年1月14日"]:
        assert expected in pdf, expected


def test_materials_notice_content(documents):
    document = documents["materials_notice"]
    # The district bureau has no series of its own: first character of its region.
    assert document.number == "九台政数审告〔2026〕1号"
    expected = [
        "材料补充告知书",
        "九台政数审告〔2026〕1号",
        "九台区工业和信息化局：",
        "于2026年1月5日报送",
        "共2项",
        "1．公平竞争审查意见书（加盖公章）",
        "2．区财政局资金安排意见",
        "请于2026年1月8日前补充报送",
        "材料请通过系统上传。",
        "九台区政务服务和数字化建设管理局",
    ]
    word = compact(docx_text(build_docx(document)))
    pdf = pdf_text(render_pdf(document))
    for text in expected:
        assert text in word, text
        assert text in pdf, text


def test_element_table_lists_every_element(documents):
    from policies.models import ElementDefinition

    document = documents["element_table"]
    word = Document(io.BytesIO(build_docx(document)))
    table = word.tables[0]
    labels = [row.cells[1].text for row in table.rows[1:]]
    catalog = list(ElementDefinition.objects.filter(active=True).order_by("position", "id"))
    assert labels == [definition.label_zh for definition in catalog]
    groups = {row.cells[0].text for row in table.rows[1:]}
    assert groups == {"文本信息", "申请办理", "兑现实施", "监管咨询"}

    values = {row.cells[1].text: row.cells[2].text for row in table.rows[1:]}
    assert values["政策服务事项名称"] == "工业企业增产奖励"
    assert values["实施期限"] == "2026-01-01至2027-12-31"
    assert values["部门内部审批时限"] == "10个工作日"
    assert values["竞争性兑现"] == "否"
    assert values["兑现限额"] == "30万元（最高）"
    assert values["申报材料"] == "申请表；营业执照复印件；上年度财务报表"
    assert values["处罚"] == "（无）"

    pdf = pdf_text(render_pdf(document))
    for text in ["服务事项办理要素情况表", "长春市工业企业奖励办法", "2026-01-01至2027-12-31", "兑现后资金使用监管"]:
        assert text in pdf, text


def test_element_table_from_submission_round(world):
    case = forwarded_district_case(world)
    first = case.submissions.get(number=1)
    document = content.element_table_document(case.policy, first)
    values = {row.cells[1].text: row.cells[2].text for row in Document(io.BytesIO(build_docx(document))).tables[0].rows}
    # Round 1 carried the cap before the correction.
    assert values["兑现限额"] == "50万元（最高）"
    assert document.file_stem.endswith("第1轮")


def test_notice_numbers_count_per_bureau_and_kind(world):
    first = materials_case(world, title="九台区第一项政策")
    second = materials_case(world, title="九台区第二项政策", day="2026-01-06")
    numbers = [content.notice_document(case.notices.get()).number for case in (first, second)]
    assert numbers == ["九台政数审告〔2026〕1号", "九台政数审告〔2026〕2号"]


# -- Word layout -------------------------------------------------------------------


def test_word_page_follows_gb_t_9704(documents):
    word = Document(io.BytesIO(build_docx(documents["opinion_letter"])))
    section = word.sections[0]
    # Word stores lengths in twips, so millimetres come back rounded.
    assert round(section.page_width.mm, 1) == 210
    assert round(section.page_height.mm, 1) == 297
    assert round(section.top_margin.mm, 1) == 37
    assert round(section.bottom_margin.mm, 1) == 35
    assert round(section.left_margin.mm, 1) == 28
    assert round(section.right_margin.mm, 1) == 26

    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert grid.get(qn("w:linePitch")) == "579"
    assert grid.get(qn("w:charSpace")) == "-848"


def test_word_fonts_and_spacing(documents):
    word = Document(io.BytesIO(build_docx(documents["opinion_letter"])))
    normal = word.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert 28 <= normal.paragraph_format.line_spacing.pt <= 29

    title = word.paragraphs[0]
    assert title.text == "标准化审查意见书"
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body = next(p for p in word.paragraphs if p.text.startswith("你单位报送"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    heading = next(p for p in word.paragraphs if p.text == "一、审查结论")
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_word_page_number_field(documents):
    word = Document(io.BytesIO(build_docx(documents["opinion_letter"])))
    section = word.sections[0]
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == "— 1 —"
        instructions = [node.text for node in paragraph._p.iter(qn("w:instrText"))]
        assert instructions == [" PAGE "]
    assert word.settings.odd_and_even_pages_header_footer


def test_word_font_names_come_from_settings(documents, settings):
    settings.DOCUMENTS_FONTS = {"body": "仿宋", "title": "方正小标宋_GBK"}
    word = Document(io.BytesIO(build_docx(documents["materials_notice"])))
    assert word.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert word.paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋_GBK"


# -- PDF fonts and pictures -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["materials_notice", "correction_notice", "opinion_letter", "element_table"])
def test_pdf_embeds_every_font(documents, kind):
    data = render_pdf(documents[kind])
    fonts = pdf_fonts(data)
    assert fonts
    for font in fonts:
        assert font["embedded"], "%s is not embedded" % font["name"]
        assert font["embedded"][0] in ("/FontFile2", "/FontFile3"), font
        # A subset font's name starts with six capital letters and a plus sign.
        assert font["name"][7:8] == "+" or font["name"][1:7].isupper(), font["name"]
        assert not font["maps_notdef"], "%s shows a missing glyph" % font["name"]

    covered = set().union(*(font["characters"] for font in fonts))
    missing = {character for character in pdf_text(data) if character not in covered}
    assert not missing, "characters without an embedded glyph: %s" % "".join(sorted(missing))


@pytest.mark.parametrize("kind", ["materials_notice", "correction_notice", "opinion_letter", "element_table"])
def test_first_page_renders_to_png(documents, kind, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if REQUIRE_SERVICES:
            pytest.fail("pdftoppm is not installed; install poppler-utils")
        pytest.skip("pdftoppm is not installed")
    source = tmp_path / ("%s.pdf" % kind)
    source.write_bytes(render_pdf(documents[kind]))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("%s*.png" % kind):
        old.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(source), str(ARTIFACTS / kind)],
        check=True,
        timeout=60,
    )
    pictures = list(ARTIFACTS.glob("%s*.png" % kind))
    assert len(pictures) == 1
    # A4 at 60 dpi is 496 × 702 pixels.
    assert pictures[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pictures[0].stat().st_size > 5000


# -- font configuration -----------------------------------------------------------------

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_font_directory_supplies_families(documents, settings, tmp_path):
    if not DEJAVU.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    shutil.copy(DEJAVU, tmp_path / "licensed-heading.ttf")
    settings.DOCUMENTS_FONT_DIR = str(tmp_path)
    settings.DOCUMENTS_FONTS = {"heading": "DejaVu Sans"}

    resolved = fonts.resolve_fonts()
    assert resolved["heading"].families == ("DejaVu Sans", "Noto Sans CJK SC")
    assert resolved["heading"].is_configured
    assert not resolved["body"].is_configured
    rule = fonts.font_face_css()
    assert '@font-face { font-family: "DejaVu Sans"; src: url("file://' in rule
    assert "licensed-heading.ttf" in rule

    # The element table's item heading starts with an ASCII digit, which
    # DejaVu Sans draws; Pango takes the Chinese from an installed font.
    element_table = content.element_table_document(_policy_of(documents))
    names = [font["name"] for font in pdf_fonts(render_pdf(element_table))]
    assert any("DejaVu-Sans" in name for name in names), names
    assert not any("CJK-JP" in name for name in names), names


def _policy_of(documents):
    from policies.models import Policy

    return Policy.objects.get(title="长春市工业企业奖励办法")
