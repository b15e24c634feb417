"""Checks on uploaded materials: extension, content and size."""

import hashlib
import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Extension → (content type, check of the first bytes and, for zip-based
# formats, of the archive's members).
ALLOWED = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".wps": "application/vnd.ms-works",
    ".ofd": "application/ofd",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
MAX_NAME_LENGTH = 255


def _zip_members(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except zipfile.BadZipFile:
        return None


def _content_matches(suffix, data):
    head = data[:16]
    if suffix == ".pdf":
        return head.startswith(b"%PDF-")
    if suffix in (".doc", ".xls", ".wps"):
        return head.startswith(OLE2_MAGIC)
    if suffix in (".docx", ".xlsx", ".ofd"):
        if not head.startswith(ZIP_MAGIC):
            return False
        members = _zip_members(data)
        if members is None:
            return False
        if suffix == ".docx":
            return "[Content_Types].xml" in members and any(m.startswith("word/") for m in members)
        if suffix == ".xlsx":
            return "[Content_Types].xml" in members and any(m.startswith("xl/") for m in members)
        return "OFD.xml" in members
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix == ".txt":
        if b"\x00" in data:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                data.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
        return False
    return False


def check_upload(uploaded):
    """Validate an uploaded file; return (content type, SHA-256, size) or raise ValidationError."""
    name = getattr(uploaded, "client_name", None) or uploaded.name or ""
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("The name of “%(name)s…” is longer than %(max)s characters. Rename the file and upload it again.")
            % {"name": name[:40], "max": MAX_NAME_LENGTH}
        )
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED:
        raise ValidationError(
            _("“%(name)s” has a file type that is not accepted. Upload one of: %(types)s.")
            % {"name": name, "types": " ".join(sorted(ALLOWED))}
        )
    if uploaded.size == 0:
        raise ValidationError(_("“%(name)s” is empty. Choose the right file.") % {"name": name})
    if uploaded.size > settings.MATERIAL_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s. Compress or split it.")
            % {
                "name": name,
                "size": filesizeformat(uploaded.size),
                "max": filesizeformat(settings.MATERIAL_MAX_BYTES),
            }
        )

    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    if not _content_matches(suffix, data):
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file. Upload the document itself, saved in that format.")
            % {"name": name, "type": suffix.lstrip(".").upper()}
        )
    return ALLOWED[suffix], hashlib.sha256(data).hexdigest(), len(data)
