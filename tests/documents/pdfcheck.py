"""Reading generated PDFs and Word files back for the tests."""

import io
import re

from docx import Document
from pypdf import PdfReader

HEX = re.compile(r"<([0-9A-Fa-f]+)>")


def docx_text(data):
    """Return the text of a .docx: its paragraphs, then every table cell, each on its own line."""
    document = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.append(cell.text)
    return "\n".join(lines)


def pdf_text(data):
    """Return the text of every page with all whitespace removed, as CJK text extraction inserts spaces freely."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _unicode_of(hex_text):
    raw = bytes.fromhex(hex_text)
    return raw.decode("utf-16-be", errors="replace")


def parse_to_unicode(stream_data):
    """Return the characters a ToUnicode CMap maps to, and whether it maps glyph 0 (.notdef)."""
    text = stream_data.decode("latin-1")
    characters = set()
    maps_notdef = False
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for source, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            if int(source, 16) == 0:
                maps_notdef = True
            characters.update(_unicode_of(target))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for line in block.strip().splitlines():
            codes = HEX.findall(line)
            if len(codes) < 3:
                continue
            low, high = int(codes[0], 16), int(codes[1], 16)
            if low == 0:
                maps_notdef = True
            if "[" in line:
                for target in codes[2:]:
                    characters.update(_unicode_of(target))
            else:
                start = _unicode_of(codes[2])
                if len(start) == 1:
                    for offset in range(high - low + 1):
                        characters.add(chr(ord(start) + offset))
                else:
                    characters.update(start)
    return characters, maps_notdef


def pdf_fonts(data):
    """Return one dict per font resource of every page: name, embedded file key, mapped characters."""
    reader = PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        font_dict = resources.get("/Font") or {}
        for font_ref in font_dict.values():
            font = font_ref.get_object()
            descriptor_owner = font
            if font.get("/Subtype") == "/Type0":
                descriptor_owner = font["/DescendantFonts"][0].get_object()
            descriptor = descriptor_owner.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
            characters, maps_notdef = set(), False
            if "/ToUnicode" in font:
                characters, maps_notdef = parse_to_unicode(font["/ToUnicode"].get_object().get_data())
            name = str(font.get("/BaseFont"))
            fonts[name] = {
                "name": name,
                "subtype": str(font.get("/Subtype")),
                "embedded": embedded,
                "characters": characters,
                "maps_notdef": maps_notdef,
            }
    return list(fonts.values())
