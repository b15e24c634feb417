"""Font resolution for PDFs rendered by WeasyPrint.

WeasyPrint lays out text with the system's Pango and fontconfig and embeds a
subset of every font it uses. Each role (title, body, …) gets the configured
family when a file in DOCUMENTS_FONT_DIR or an installed font provides it,
and otherwise the fallback family of `documents.conf`. Licensed fonts such as
仿宋_GB2312 and 方正小标宋简体 are proprietary, so they never ship with the
project; an administrator copies them into DOCUMENTS_FONT_DIR.
"""

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from . import conf

logger = logging.getLogger(__name__)

FONT_FILE_SUFFIXES = (".ttf", ".otf")
# Name table entries that carry a family name: the family, and the
# typographic family that groups more than four styles.
FAMILY_NAME_IDS = (1, 16)


class FontError(Exception):
    """Raised when no installed font can show Chinese text, so a PDF would show empty boxes."""


@dataclass(frozen=True)
class FontFace:
    path: Path
    families: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedFont:
    """The CSS `font-family` list and weight of one role."""

    families: tuple[str, ...]
    weight: int
    is_configured: bool
    is_available: bool

    @property
    def css_family(self):
        return ", ".join('"%s"' % name.replace('"', "") for name in self.families)


def read_families(path):
    """Return the family names in a font file's name table, in every language it lists."""
    try:
        font = TTFont(path, lazy=True)
    except (TTLibError, OSError) as error:
        logger.warning("skipped font file %s: %s", path, error)
        return ()
    names = []
    for record in font["name"].names:
        if record.nameID in FAMILY_NAME_IDS:
            name = record.toUnicode().strip()
            if name and name not in names:
                names.append(name)
    font.close()
    return tuple(names)


@functools.lru_cache(maxsize=4)
def _directory_faces(directory):
    faces = []
    for path in sorted(Path(directory).iterdir()):
        if path.suffix.lower() in FONT_FILE_SUFFIXES and path.is_file():
            families = read_families(path)
            if families:
                faces.append(FontFace(path.resolve(), families))
    return tuple(faces)


def directory_faces():
    """Return the font files of DOCUMENTS_FONT_DIR with their family names; empty when it is unset."""
    directory = conf.font_dir()
    if directory is None:
        return ()
    if not directory.is_dir():
        logger.warning("DOCUMENTS_FONT_DIR %s is not a directory; using installed fonts only", directory)
        return ()
    return _directory_faces(str(directory))


@functools.lru_cache(maxsize=1)
def installed_families():
    """Return the family names fontconfig lists, or None when fc-list is not installed.

    The list is read once per process, so a font installed later needs a restart.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    output = subprocess.run(
        [fc_list, "--format", "%{family}\n"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    families = set()
    for line in output.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return frozenset(families)


def _is_available(family, directory_families, system_families):
    if family in directory_families:
        return True
    return system_families is not None and family in system_families


def resolve_fonts():
    """Return the ResolvedFont of each role that has a PDF fallback (every role but the Latin one).

    A role whose configured family and fallback are both missing gets the
    fallback marked unavailable; `require_available` turns that into an error.
    When fc-list is not installed, the fallback is assumed to be available.
    """
    configured = conf.fonts()
    fallbacks = conf.fallback_fonts()
    directory_families = {name for face in directory_faces() for name in face.families}
    system_families = installed_families()

    latin = configured.get("latin")
    latin_available = bool(latin) and _is_available(latin, directory_families, system_families)

    resolved = {}
    for role, (fallback, fallback_weight) in fallbacks.items():
        family = configured.get(role)
        if family and _is_available(family, directory_families, system_families):
            # The fallback follows, so characters the licensed font lacks
            # still come from a simplified-Chinese face.
            families, weight, is_configured, is_available = [family, fallback], 400, True, True
        else:
            is_available = system_families is None or _is_available(fallback, directory_families, system_families)
            families, weight, is_configured = [fallback], fallback_weight, False
        # Digits and Latin letters in Times New Roman, as GB/T 9704 documents
        # usually set them. Pango takes the CJK characters from the next family.
        if latin_available and role in ("body", "subheading"):
            families.insert(0, latin)
        resolved[role] = ResolvedFont(tuple(families), weight, is_configured, is_available)
    return resolved


def require_available(resolved):
    """Raise FontError when a role has neither its configured family nor its fallback installed."""
    missing = sorted({font.families[-1] for font in resolved.values() if not font.is_available})
    if missing:
        raise FontError(
            "No installed font provides %s, so Chinese text would not render. Install fonts-noto-cjk "
            "or put the font files into DOCUMENTS_FONT_DIR." % ", ".join(missing)
        )


def font_face_css():
    """Return @font-face rules that load the files of DOCUMENTS_FONT_DIR under each of their family names."""
    rules = []
    for face in directory_faces():
        for family in face.families:
            rules.append(
                '@font-face { font-family: "%s"; src: url("%s"); }' % (family.replace('"', ""), face.path.as_uri())
            )
    return "\n".join(rules)
