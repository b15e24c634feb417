"""Settings of the documents app.

Each value is read from Django settings first, then from the environment
variable of the same name, then falls back to the default here, so a
deployment can set them without editing the settings module.
"""

import json
import os
from pathlib import Path

from django.conf import settings

# Font families by role in a document, as GB/T 9704 names them. Word documents
# reference these names, and the reader's computer supplies the fonts.
DEFAULT_FONTS = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading": "黑体",
    "subheading": "楷体_GB2312",
    "page_number": "宋体",
    "latin": "Times New Roman",
}

# Families used in PDFs when the family above is not installed and not in
# DOCUMENTS_FONT_DIR, with the CSS weight that comes closest to the original.
# Debian's fonts-noto-cjk package ships them. Noto has no 仿宋 or 楷体, so the
# serif face replaces both.
DEFAULT_FALLBACK_FONTS = {
    "title": ("Noto Serif CJK SC", 700),
    "body": ("Noto Serif CJK SC", 400),
    "heading": ("Noto Sans CJK SC", 400),
    "subheading": ("Noto Serif CJK SC", 400),
    "page_number": ("Noto Serif CJK SC", 400),
}

# Suffixes after the bureau prefix in notice numbers, such as 长政数审告〔2026〕3号.
DEFAULT_NOTICE_NUMBER_SUFFIXES = {"materials": "告", "correction": "补"}

# Ledger exports with more rows than this run as a background task.
DEFAULT_EXPORT_ASYNC_ROWS = 2000


def _read(name, default, parse=str):
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return parse(raw)


def fonts():
    """Return the font family of each role, DEFAULT_FONTS updated by DOCUMENTS_FONTS."""
    return {**DEFAULT_FONTS, **_read("DOCUMENTS_FONTS", {}, json.loads)}


def fallback_fonts():
    """Return the PDF fallback (family, weight) of each role, updated by DOCUMENTS_FALLBACK_FONTS."""
    configured = _read("DOCUMENTS_FALLBACK_FONTS", {}, json.loads)
    return {**DEFAULT_FALLBACK_FONTS, **{role: tuple(value) for role, value in configured.items()}}


def font_dir():
    """Return DOCUMENTS_FONT_DIR, the folder of licensed font files (.ttf, .otf) for PDFs, or None."""
    value = _read("DOCUMENTS_FONT_DIR", None)
    return Path(value) if value else None


def notice_number_suffixes():
    return {**DEFAULT_NOTICE_NUMBER_SUFFIXES, **_read("DOCUMENTS_NOTICE_NUMBER_SUFFIXES", {}, json.loads)}


def export_async_rows():
    """Return DOCUMENTS_EXPORT_ASYNC_ROWS: ledger exports above this many rows run in the background."""
    return int(_read("DOCUMENTS_EXPORT_ASYNC_ROWS", DEFAULT_EXPORT_ASYNC_ROWS, int))
