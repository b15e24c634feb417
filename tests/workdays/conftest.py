import pytest
from django.utils import translation

from workdays.notices import calendar_from_notices, load_notice_file


@pytest.fixture(scope="session")
def notices():
    return load_notice_file()


@pytest.fixture(scope="session")
def calendar(notices):
    """The 2024-2026 calendar built from the bundled notice file, without the database."""
    return calendar_from_notices(notices)


@pytest.fixture(autouse=True)
def english():
    # Messages are compared in English, the language of the msgids; the
    # site default is Simplified Chinese.
    with translation.override("en"):
        yield
