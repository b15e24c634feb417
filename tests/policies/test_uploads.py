"""Uploading and downloading materials through the views.

Files are sent as a browser sends them, as multipart form data, so the
checks run on what Django's upload handlers pass on. Accepted files carry
real content of their type. Each rejected file gets an error that names
the file and gives the fix.
"""

import io
import re
import zipfile
from pathlib import PurePath
from urllib.parse import quote

import pytest
from django.urls import reverse

from policies.models import Material
from review import services as review_services
from tests.factories import make_policy

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS_XML = (
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
    "<w:body><w:p><w:r><w:t>关于申请标准化审查的函</w:t></w:r></w:p></w:body>"
    "</w:document>"
)

PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
LETTER_TEXT = "关于申请标准化审查的函\n九台区工业和信息化局\n"

# A long Chinese name with several dots and spaces, kept exactly: 150
# characters before the extension.
LONG_STEM = ("关于 申请.标准化 审查的函.v2.最终 版" + "（九台区工业和信息化局 送审稿）" * 10)[:150]
LONG_NAME = LONG_STEM + ".pdf"
STORED_NAME = re.compile(r"^materials/\d{4}/\d{2}/[0-9a-f]{32}\.pdf$")


def docx_bytes(members=None):
    members = members or {
        "[Content_Types].xml": CONTENT_TYPES_XML,
        "_rels/.rels": RELS_XML,
        "word/document.xml": DOCUMENT_XML,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def upload(name, data):
    """Return a file object that the test client sends under exactly `name`.

    Django's SimpleUploadedFile shortens names over 255 characters itself,
    so a plain buffer with a name attribute is used instead.
    """
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.fixture
def policy(world):
    return make_policy(world.drafter, title="九台区支持工业企业增产增效若干措施", materials=False)


@pytest.fixture
def drafter_client(client, world):
    client.force_login(world.drafter)
    return client


def upload_url(policy):
    return reverse("policies:material_upload", kwargs={"pk": policy.pk})


def post_material(client, policy, name, data, kind=Material.Kind.APPLICATION_LETTER):
    return client.post(upload_url(policy), {"kind": kind, "file": upload(name, data)}, **ENGLISH)


def stored_bytes(material):
    with material.file.open("rb") as handle:
        return handle.read()


ACCEPTED = [
    ("申请函.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("送审稿及起草说明.pdf", PDF_BYTES, "application/pdf"),
    ("意见征求情况.txt", LETTER_TEXT.encode("utf-8"), "text/plain"),
    ("公平竞争审查意见.txt", LETTER_TEXT.encode("gb18030"), "text/plain"),
    ("申请函扫描件.PDF", PDF_BYTES, "application/pdf"),
]


@pytest.mark.parametrize("name, data, content_type", ACCEPTED, ids=["docx", "pdf", "utf-8", "gb18030", "upper-case"])
def test_accepted_file_is_stored(drafter_client, policy, name, data, content_type):
    response = post_material(drafter_client, policy, name, data)

    assert response.status_code == 302
    assert response["Location"] == reverse("review:policy_detail", kwargs={"pk": policy.pk})
    material = Material.objects.get(policy=policy)
    assert material.original_name == name
    assert material.content_type == content_type
    assert material.size == len(data)
    assert material.kind == Material.Kind.APPLICATION_LETTER
    assert stored_bytes(material) == data


def test_gb18030_sample_is_not_utf8():
    # Otherwise the GB18030 case above would pass through the UTF-8 branch.
    with pytest.raises(UnicodeDecodeError):
        LETTER_TEXT.encode("gb18030").decode("utf-8")


# (case, file name, content, words of the fix the message must contain)
REJECTED = [
    ("exe", "安装程序.exe", b"MZ\x90\x00\x03\x00\x00\x00", "Upload one of:"),
    ("html", "申请函.html", "<html><body>申请函</body></html>".encode(), "Upload one of:"),
    ("no extension", "申请函", PDF_BYTES, "Upload one of:"),
    ("png named pdf", "扫描件.pdf", PNG_BYTES, "Upload the document itself, saved in that format."),
    ("text named docx", "申请函.docx", LETTER_TEXT.encode(), "Upload the document itself, saved in that format."),
    (
        "zip without word part",
        "申请函.docx",
        docx_bytes({"[Content_Types].xml": CONTENT_TYPES_XML, "xl/workbook.xml": "<x/>"}),
        "Upload the document itself",
    ),
    ("binary named txt", "说明.txt", b"\x00\x01\x02binary", "Upload the document itself, saved in that format."),
]


@pytest.mark.parametrize("name, data, fix", [case[1:] for case in REJECTED], ids=[case[0] for case in REJECTED])
def test_rejected_file_names_file_and_fix(drafter_client, policy, name, data, fix):
    response = post_material(drafter_client, policy, name, data)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert f"“{name}”" in errors[0]
    assert fix in errors[0]
    assert errors[0] in response.content.decode()
    assert not Material.objects.exists()


def test_file_over_size_limit_is_rejected(drafter_client, policy, settings):
    settings.MATERIAL_MAX_BYTES = len(PDF_BYTES) - 1

    response = post_material(drafter_client, policy, "送审稿.pdf", PDF_BYTES)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert "“送审稿.pdf”" in errors[0]
    assert "Compress or split it." in errors[0]
    assert not Material.objects.exists()


def test_file_at_size_limit_is_accepted(drafter_client, policy, settings):
    settings.MATERIAL_MAX_BYTES = len(PDF_BYTES)

    response = post_material(drafter_client, policy, "送审稿.pdf", PDF_BYTES)

    assert response.status_code == 302
    assert Material.objects.get().size == len(PDF_BYTES)


def test_empty_file_names_file_and_fix(drafter_client, policy):
    response = post_material(drafter_client, policy, "申请函.pdf", b"")

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert "“申请函.pdf”" in errors[0]
    assert "Choose the right file." in errors[0]
    assert not Material.objects.exists()


def test_empty_file_is_rejected(drafter_client, policy):
    response = post_material(drafter_client, policy, "申请函.pdf", b"")

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Material.objects.exists()


def test_name_over_255_characters_is_rejected(drafter_client, policy):
    name = "关于申请标准化审查的函" * 25 + ".pdf"
    assert len(name) > 255

    response = post_material(drafter_client, policy, name, PDF_BYTES)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert name[:30] in errors[0]
    assert "Rename the file" in errors[0]
    assert not Material.objects.exists()


def test_long_chinese_name_kept_exactly(drafter_client, policy):
    assert len(LONG_NAME) == 154

    response = post_material(drafter_client, policy, LONG_NAME, PDF_BYTES)

    assert response.status_code == 302
    material = Material.objects.get(policy=policy)
    assert material.original_name == LONG_NAME
    assert STORED_NAME.match(material.file.name)
    stem_parts = [part for part in re.split(r"[. ]", LONG_STEM) if part]
    for part in stem_parts:
        assert part not in material.file.name
    assert PurePath(material.file.name).stem not in LONG_NAME


def test_download_returns_original_name_and_bytes(drafter_client, policy):
    post_material(drafter_client, policy, LONG_NAME, PDF_BYTES)
    material = Material.objects.get(policy=policy)

    response = drafter_client.get(reverse("policies:material_download", kwargs={"pk": material.pk}))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(LONG_NAME)}"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_download_ascii_name_is_quoted(drafter_client, policy):
    post_material(drafter_client, policy, "letter v2.pdf", PDF_BYTES)
    material = Material.objects.get(policy=policy)

    response = drafter_client.get(reverse("policies:material_download", kwargs={"pk": material.pk}))

    assert response["Content-Disposition"] == 'attachment; filename="letter v2.pdf"'


@pytest.mark.parametrize("reader", ["other_drafter", "district_reviewer", "zone_reviewer", "sysadmin"])
def test_download_hidden_from_non_readers(drafter_client, client, world, policy, reader):
    post_material(drafter_client, policy, LONG_NAME, PDF_BYTES)
    material = Material.objects.get(policy=policy)
    client.force_login(getattr(world, reader))

    response = client.get(reverse("policies:material_download", kwargs={"pk": material.pk}))

    assert response.status_code == 404
    assert not response.streaming


def test_download_open_to_reviewer_after_submission(drafter_client, client, world):
    policy = make_policy(world.drafter, title="九台区工业企业上规奖励办法")
    post_material(drafter_client, policy, LONG_NAME, PDF_BYTES, kind=Material.Kind.DRAFT_TEXT)
    review_services.submit(world.drafter, policy)
    material = Material.objects.get(policy=policy, original_name=LONG_NAME)
    client.force_login(world.district_reviewer)

    response = client.get(reverse("policies:material_download", kwargs={"pk": material.pk}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_locked_policy_refuses_upload(drafter_client, world):
    policy = make_policy(world.drafter, title="九台区工业企业上规奖励办法")
    review_services.submit(world.drafter, policy)
    count = Material.objects.filter(policy=policy).count()

    page = drafter_client.get(upload_url(policy), **ENGLISH)
    response = post_material(drafter_client, policy, "补充材料.pdf", PDF_BYTES)

    assert page.status_code == 403
    assert response.status_code == 403
    assert Material.objects.filter(policy=policy).count() == count


def test_other_department_cannot_upload(client, world, policy):
    client.force_login(world.other_drafter)

    response = post_material(client, policy, "申请函.pdf", PDF_BYTES)

    assert response.status_code == 404
    assert not Material.objects.exists()
