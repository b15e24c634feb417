"""Word (.docx) files laid out after GB/T 9704, built from a document's HTML.

The builder reads the blocks inside <article class="document"> of the
rendered template (h1 title, h2 and h3 headings, p paragraphs by class, and
tables with rowspan) and writes them with python-docx 1.2.0. python-docx has
no API for the East-Asian font or for the document grid, so both are written
as raw XML: w:rFonts/@w:eastAsia on the Normal style and on each run, and
w:docGrid in the section properties.
"""

import io
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from . import conf

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 37
MARGIN_BOTTOM_MM = 35
MARGIN_LEFT_MM = 28
MARGIN_RIGHT_MM = 26
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
TEXT_HEIGHT_MM = PAGE_HEIGHT_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM  # 225
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

TITLE_SIZE_PT = 22  # 2号
BODY_SIZE_PT = 16  # 3号
PAGE_NUMBER_SIZE_PT = 14  # 4号
TABLE_SIZE_PT = 12  # 小四
TABLE_LINE_PT = 20
TITLE_LINE_PT = 36

POINTS_PER_MM = 72 / 25.4
# The line pitch is rounded down so that 22 lines always fit the text block:
# 225 mm / 22 = 28.99 pt, stored as 579 twips (28.95 pt).
LINE_PITCH_TWIPS = math.floor(TEXT_HEIGHT_MM * POINTS_PER_MM * 20 / LINES_PER_PAGE)
# Word's w:charSpace is the change of the character pitch from the Normal
# font size, in 1/4096 pt: 156 mm / 28 = 15.79 pt against 16 pt gives -848.
CHAR_SPACE = round((TEXT_WIDTH_MM * POINTS_PER_MM / CHARS_PER_LINE - BODY_SIZE_PT) * 4096)
# GB/T 9704 puts the page number 7 mm below the text block: the 35 mm bottom
# margin, minus 7 mm, minus about 5 mm for the 4号 line, leaves 23 mm.
FOOTER_DISTANCE_MM = 23


@dataclass
class Block:
    tag: str
    css_class: str = ""
    text: str = ""
    indent: float = 0.0


@dataclass
class Cell:
    text: str = ""
    is_header: bool = False
    rowspan: int = 1
    width_mm: float | None = None
    centered: bool = False


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)


class _ArticleParser(HTMLParser):
    """Collect the blocks of <article class="document"> in document order."""

    TEXT_TAGS = ("h1", "h2", "h3", "p")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self._article_depth = 0
        self._block = None
        self._table = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        css_class = attributes.get("class") or ""
        if tag == "article" and "document" in css_class.split():
            self._article_depth = 1
            return
        if not self._article_depth:
            return
        if tag == "article":
            self._article_depth += 1
        elif tag in self.TEXT_TAGS and self._table is None:
            self._block = Block(tag, css_class, "", float(attributes.get("data-indent") or 0))
        elif tag == "table":
            self._table = Table()
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
        elif tag in ("td", "th") and self._table is not None and self._table.rows:
            width = attributes.get("data-width")
            self._cell = Cell(
                is_header=tag == "th",
                rowspan=int(attributes.get("rowspan") or 1),
                width_mm=float(width) if width else None,
                centered="center" in css_class.split() or tag == "th",
            )
            self._table.rows[-1].append(self._cell)
        elif tag == "br":
            self._append("\n")

    def handle_endtag(self, tag):
        if not self._article_depth:
            return
        if tag == "article":
            self._article_depth -= 1
        elif tag in self.TEXT_TAGS and self._block is not None and self._block.tag == tag:
            self._block.text = _normalise(self._block.text)
            self.blocks.append(self._block)
            self._block = None
        elif tag in ("td", "th") and self._cell is not None:
            self._cell.text = _normalise(self._cell.text)
            self._cell = None
        elif tag == "table" and self._table is not None:
            self.blocks.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._article_depth:
            self._append(data)

    def _append(self, text):
        if self._cell is not None:
            self._cell.text += text
        elif self._block is not None:
            self._block.text += text


def _normalise(text):
    """Collapse runs of spaces as HTML does, keeping the line breaks that <br> produced."""
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def parse_blocks(html):
    parser = _ArticleParser()
    parser.feed(html)
    parser.close()
    return parser.blocks


# -- fonts and paragraph formats ----------------------------------------------


def _set_east_asia_font(element_with_rpr, east_asia, latin):
    """Set the Latin and East-Asian fonts on a run or style element's w:rPr."""
    _set_rpr_fonts(element_with_rpr.get_or_add_rPr(), east_asia, latin)


def _set_rpr_fonts(rpr, east_asia, latin):
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _add_run(paragraph, text, east_asia, latin, size_pt):
    run = paragraph.add_run()
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index:
            run.add_break()
        run.add_text(line)
    run.font.size = Pt(size_pt)
    _set_east_asia_font(run._element, east_asia, latin)
    return run


def _exact_spacing(paragraph_format, points=None, twips=None):
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Twips(twips) if twips is not None else Pt(points)
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)


def _first_line_indent_chars(paragraph, chars):
    """Indent the first line by `chars` characters, in grid characters as Word stores them."""
    paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE_PT * chars)
    indent = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    indent.set(qn("w:firstLineChars"), str(int(chars * 100)))


def _right_indent_chars(paragraph, chars):
    paragraph.paragraph_format.right_indent = Pt(BODY_SIZE_PT * chars)
    indent = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    indent.set(qn("w:rightChars"), str(int(round(chars * 100))))


def _no_grid_snap(paragraph):
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    paragraph._p.get_or_add_pPr().insert_element_before(
        snap,
        "w:mirrorIndents",
        "w:suppressOverlap",
        "w:jc",
        "w:textDirection",
        "w:textAlignment",
        "w:textboxTightWrap",
        "w:outlineLvl",
        "w:divId",
        "w:cnfStyle",
        "w:rPr",
        "w:sectPr",
        "w:pPrChange",
        "w:spacing",
        "w:ind",
        "w:contextualSpacing",
    )


# -- page setup ----------------------------------------------------------------


def _set_up_page(document):
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(PAGE_WIDTH_MM)
    section.page_height = Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGIN_TOP_MM)
    section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
    section.left_margin = Mm(MARGIN_LEFT_MM)
    section.right_margin = Mm(MARGIN_RIGHT_MM)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)

    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.insert_element_before(grid, "w:printerSettings", "w:sectPrChange")
    for name in list(grid.attrib):
        del grid.attrib[name]
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))
    return section


def _set_up_styles(document, fonts):
    # The template's document defaults name theme fonts, which Word prefers
    # over explicit names, and mark East-Asian text as en-US. Both go.
    for defaults in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr"):
        for element in defaults.xpath("w:rFonts"):
            for name in [name for name in element.attrib if name.endswith("Theme") or name.endswith("theme")]:
                del element.attrib[name]
        _set_rpr_fonts(defaults, fonts["body"], fonts["latin"])
        for language in defaults.xpath("w:lang"):
            language.set(qn("w:eastAsia"), "zh-CN")

    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_SIZE_PT)
    _set_east_asia_font(normal.element, fonts["body"], fonts["latin"])
    normal_rpr = normal.element.get_or_add_rPr()
    language = normal_rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        normal_rpr.insert_element_before(language, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    _exact_spacing(normal.paragraph_format, twips=LINE_PITCH_TWIPS)
    normal.paragraph_format.widow_control = False


def _add_page_number(paragraph, fonts):
    """Write “— N —” with N a PAGE field, whose cached value is 1."""

    def field_char(kind):
        run = _add_run(paragraph, "", fonts["page_number"], fonts["page_number"], PAGE_NUMBER_SIZE_PT)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    _add_run(paragraph, "— ", fonts["page_number"], fonts["page_number"], PAGE_NUMBER_SIZE_PT)
    field_char("begin")
    run = _add_run(paragraph, "", fonts["page_number"], fonts["page_number"], PAGE_NUMBER_SIZE_PT)
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run._r.append(instruction)
    field_char("separate")
    _add_run(paragraph, "1", fonts["page_number"], fonts["page_number"], PAGE_NUMBER_SIZE_PT)
    field_char("end")
    _add_run(paragraph, " —", fonts["page_number"], fonts["page_number"], PAGE_NUMBER_SIZE_PT)


def _set_up_footers(document, section, fonts):
    """Put the page number on the right of odd pages and on the left of even pages, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        _exact_spacing(paragraph.paragraph_format, points=PAGE_NUMBER_SIZE_PT * 1.2)
        _no_grid_snap(paragraph)
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_SIZE_PT)
        else:
            paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_SIZE_PT)
        _add_page_number(paragraph, fonts)


# -- blocks --------------------------------------------------------------------


def _write_text_block(document, block, fonts):
    classes = block.css_class.split()
    paragraph = document.add_paragraph()
    if block.tag == "h1":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact_spacing(paragraph.paragraph_format, points=TITLE_LINE_PT)
        paragraph.paragraph_format.space_after = Twips(LINE_PITCH_TWIPS)
        _add_run(paragraph, block.text, fonts["title"], fonts["title"], TITLE_SIZE_PT)
        return
    if block.tag == "h2":
        _first_line_indent_chars(paragraph, 2)
        _add_run(paragraph, block.text, fonts["heading"], fonts["latin"], BODY_SIZE_PT)
        return
    if block.tag == "h3":
        _first_line_indent_chars(paragraph, 2)
        _add_run(paragraph, block.text, fonts["subheading"], fonts["latin"], BODY_SIZE_PT)
        return

    if "number" in classes:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Twips(LINE_PITCH_TWIPS)
    elif "signature" in classes or "date" in classes:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _right_indent_chars(paragraph, block.indent)
        if "signature" in classes:
            paragraph.paragraph_format.space_before = Twips(2 * LINE_PITCH_TWIPS)
    elif "cc" in classes:
        paragraph.paragraph_format.space_before = Twips(LINE_PITCH_TWIPS)
    elif not ({"recipient", "meta"} & set(classes)):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _first_line_indent_chars(paragraph, 2)
    _add_run(paragraph, block.text, fonts["body"], fonts["latin"], BODY_SIZE_PT)


def _grid_positions(rows):
    """Place each cell in the grid, skipping the slots that a rowspan above fills; return the cell grid."""
    occupied = set()
    placed = []
    for row_index, row in enumerate(rows):
        column = 0
        for cell in row:
            while (row_index, column) in occupied:
                column += 1
            placed.append((row_index, column, cell))
            for offset in range(1, cell.rowspan):
                occupied.add((row_index + offset, column))
            column += 1
    columns = max([column + 1 for _row, column, _cell in placed] + [column + 1 for _row, column in occupied] + [0])
    return placed, columns


def _mark_header_row(row):
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _write_table(document, block, fonts):
    placed, column_count = _grid_positions(block.rows)
    if not column_count:
        return
    table = document.add_table(rows=len(block.rows), cols=column_count)
    table.style = "Table Grid"
    table.autofit = False

    widths = [None] * column_count
    for _row, column, cell in placed:
        if cell.width_mm and widths[column] is None:
            widths[column] = cell.width_mm
    known = sum(width for width in widths if width)
    unknown = widths.count(None)
    remaining = max(TEXT_WIDTH_MM - known, 10 * unknown)
    widths = [width or remaining / max(unknown, 1) for width in widths]
    scale = TEXT_WIDTH_MM / sum(widths)
    widths = [width * scale for width in widths]

    for row_index, column, cell in placed:
        target = table.cell(row_index, column)
        if cell.rowspan > 1:
            target = target.merge(table.cell(min(row_index + cell.rowspan, len(block.rows)) - 1, column))
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = target.paragraphs[0]
        _exact_spacing(paragraph.paragraph_format, points=TABLE_LINE_PT)
        _no_grid_snap(paragraph)
        if cell.centered:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        east_asia = fonts["heading"] if cell.is_header else fonts["body"]
        _add_run(paragraph, cell.text, east_asia, fonts["latin"], TABLE_SIZE_PT)

    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Mm(widths[index])
    for row_index, row in enumerate(block.rows):
        if row and all(cell.is_header for cell in row):
            _mark_header_row(table.rows[row_index])
        else:
            break


def build_docx(document):
    """Return the .docx bytes of a GeneratedDocument."""
    fonts = conf.fonts()
    word = Document()
    section = _set_up_page(word)
    _set_up_styles(word, fonts)
    _set_up_footers(word, section, fonts)

    # A new document starts with one empty paragraph; the first block replaces it.
    body = word.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    for block in parse_blocks(document.html):
        if isinstance(block, Table):
            _write_table(word, block, fonts)
        else:
            _write_text_block(word, block, fonts)

    properties = word.core_properties
    properties.title = "%s %s" % (document.title, document.number) if document.number else document.title
    properties.author = document.author
    properties.language = "zh-CN"

    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
