import pytest

from workdays.notices import calendar_from_notices, load_notice_file


@pytest.fixture(scope="session")
def notices():
    return load_notice_file()


@pytest.fixture(scope="session")
def calendar(notices):
    """The 2024-2026 calendar built from the bundled notice file, without the database."""
    return calendar_from_notices(notices)
