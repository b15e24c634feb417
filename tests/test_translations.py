"""Checks on the Simplified Chinese catalog in locale/zh_Hans.

The catalog must translate every msgid that the source uses, with no
fuzzy entries and the same placeholders as the English, and the committed
.mo must be compiled from the committed .po. `make messages` regenerates
and compiles both.

The checks that run makemessages or msgfmt need GNU gettext. Without it
they are skipped, unless POLICYHUB_REQUIRE_SERVICES=1 (set by CI), where a
missing gettext is an error.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = CATALOG_DIR / "django.po"
MO_PATH = CATALOG_DIR / "django.mo"

# The same flags as `make messages`.
MAKEMESSAGES_ARGS = [
    "makemessages",
    "--locale",
    "zh_Hans",
    "--no-obsolete",
    "--ignore",
    ".venv/*",
    "--ignore",
    "var/*",
    "--ignore",
    "tests/*",
    "--ignore",
    "benchmarks/*",
]
NOT_SOURCE_DIRS = {".venv", "var", "tests", "benchmarks", "node_modules", "test-artifacts", "locale"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
# makemessages runs xgettext, msguniq, msgmerge and msgattrib, and the .mo check runs msgfmt.
GETTEXT_PROGRAMS = ["xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt"]

NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w+\}")
POSITIONAL_PLACEHOLDER = re.compile(r"%[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
KEYWORD_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass
class Entry:
    """One message of a PO file."""

    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self):
        return (self.msgctxt or "", self.msgid)

    def describe(self):
        if self.msgid == "":
            return "the header entry"
        where = self.references[0] if self.references else "?"
        context = f" (msgctxt {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{where}: {self.msgid!r}{context}"


def parse_po(path):
    """Return the entries of the PO file at `path`, header first, without obsolete (#~) entries."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        entry = Entry()
        target = None
        has_msgid = False
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#~"):
                continue
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#:"):
                entry.references.extend(line[2:].split())
                continue
            if line.startswith("#"):
                continue

            match = KEYWORD_LINE.match(line)
            if match:
                keyword, text = match.group(1), ast.literal_eval(match.group(2))
                if keyword.startswith("msgstr"):
                    entry.msgstrs.append(text)
                    target = ("msgstr", len(entry.msgstrs) - 1)
                else:
                    setattr(entry, keyword, text)
                    target = (keyword, None)
                    has_msgid = has_msgid or keyword == "msgid"
                continue

            assert line.startswith('"'), f"{path}: cannot parse the line {line!r}"
            text = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstrs[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
        if has_msgid:
            entries.append(entry)
    return entries


def messages(entries):
    """Return the entries other than the header."""
    return [entry for entry in entries if entry.msgid != ""]


def header_fields(entries):
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    pairs = (line.split(":", 1) for line in header.msgstrs[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def placeholders(text):
    return set(NAMED_PLACEHOLDER.findall(text))


def positional_placeholders(text):
    return sorted(POSITIONAL_PLACEHOLDER.findall(text.replace("%%", "")))


def require_gettext():
    """Skip the calling test when a GNU gettext program is missing, or fail it under POLICYHUB_REQUIRE_SERVICES."""
    missing = [program for program in GETTEXT_PROGRAMS if shutil.which(program) is None]
    if not missing:
        return
    reason = "GNU gettext is not installed (missing: %s)." % ", ".join(missing)
    if os.environ.get("POLICYHUB_REQUIRE_SERVICES", "") in ("1", "true", "yes"):
        pytest.fail(reason + " POLICYHUB_REQUIRE_SERVICES is set, so this is an error.")
    pytest.skip(reason)


def source_dirs():
    """Return the top-level directories that contain Python code or templates."""
    found = []
    for path in sorted(ROOT.iterdir()):
        if not path.is_dir() or path.name.startswith(".") or path.name in NOT_SOURCE_DIRS:
            continue
        if any(child.suffix in SOURCE_SUFFIXES for child in path.rglob("*") if child.is_file()):
            found.append(path)
    return found


@pytest.fixture(scope="module")
def catalog():
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """Copy the sources and the catalog to a temporary directory and run makemessages there.

    Returns the directory. It also contains committed.po, an unchanged copy
    of the committed catalog.
    """
    require_gettext()
    copy = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for path in source_dirs():
        shutil.copytree(path, copy / path.name, ignore=ignore)
    shutil.copy2(ROOT / "manage.py", copy / "manage.py")
    shutil.copytree(ROOT / "locale", copy / "locale", ignore=ignore)
    shutil.copy2(PO_PATH, copy / "committed.po")

    # The copy has no .env file, so settings use their defaults, as `make messages` does on a fresh checkout.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="policyhub.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"makemessages failed in the copy:\n{result.stdout}\n{result.stderr}"
    return copy


def test_header_declares_zh_hans(catalog):
    fields = header_fields(catalog)
    assert fields.get("Project-Id-Version") == "PolicyHub"
    assert fields.get("Language") == "zh_Hans"
    assert fields.get("Plural-Forms") == "nplurals=1; plural=0;"


def test_every_entry_is_translated(catalog):
    untranslated = [
        entry.describe()
        for entry in messages(catalog)
        if not entry.msgstrs or any(text == "" for text in entry.msgstrs)
    ]
    assert not untranslated, "Untranslated entries in %s:\n%s" % (PO_PATH.name, "\n".join(untranslated))


def test_no_entry_is_fuzzy(catalog):
    fuzzy = [entry.describe() for entry in catalog if "fuzzy" in entry.flags]
    assert not fuzzy, "Fuzzy entries in %s (review them and remove the flag):\n%s" % (PO_PATH.name, "\n".join(fuzzy))


def test_placeholders_match_msgid(catalog):
    mismatches = []
    for entry in messages(catalog):
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        for index, text in enumerate(entry.msgstrs):
            if text == "":
                continue
            label = "msgstr[%d]" % index if entry.msgid_plural is not None else "msgstr"
            if placeholders(text) != placeholders(source):
                mismatches.append(
                    f"{entry.describe()}: {label} has {sorted(placeholders(text))}, "
                    f"the msgid has {sorted(placeholders(source))}"
                )
            if "python-format" in entry.flags and positional_placeholders(text) != positional_placeholders(source):
                mismatches.append(
                    f"{entry.describe()}: {label} has {positional_placeholders(text)}, "
                    f"the msgid has {positional_placeholders(source)}"
                )
    assert not mismatches, "Placeholders differ between msgid and msgstr:\n" + "\n".join(mismatches)


def test_catalog_has_every_source_msgid(project_copy, catalog):
    regenerated = messages(parse_po(project_copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed_keys = {entry.key for entry in messages(catalog)}
    missing = [entry.describe() for entry in regenerated if entry.key not in committed_keys]
    assert not missing, "Msgids used in the source but missing from %s (run `make messages` and translate them):\n%s" % (
        PO_PATH.name,
        "\n".join(missing),
    )


def test_compiled_catalog_matches_po(project_copy):
    assert MO_PATH.exists(), f"{MO_PATH} is missing; run `make messages`."
    fresh_mo = project_copy / "fresh.mo"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh_mo), str(project_copy / "committed.po")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"msgfmt rejected {PO_PATH.name}:\n{result.stderr}"

    # GNUTranslations keeps the parsed messages in _catalog, keyed by msgid
    # ("context\x04msgid" with a context, (msgid, n) for plural forms).
    with open(fresh_mo, "rb") as stream:
        expected = gettext.GNUTranslations(stream)._catalog
    with open(MO_PATH, "rb") as stream:
        committed = gettext.GNUTranslations(stream)._catalog

    stale = sorted(repr(key) for key in expected.keys() - committed.keys())
    extra = sorted(repr(key) for key in committed.keys() - expected.keys())
    changed = sorted(repr(key) for key in expected.keys() & committed.keys() if expected[key] != committed[key])
    assert not stale, "django.mo lacks messages of django.po (run `make messages`):\n" + "\n".join(stale)
    assert not extra, "django.mo has messages that django.po no longer has (run `make messages`):\n" + "\n".join(extra)
    assert not changed, "django.mo has other translations than django.po (run `make messages`):\n" + "\n".join(changed)


def test_login_page_renders_in_chinese(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert ">Log in<" not in page
