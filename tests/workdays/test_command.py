from io import StringIO

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import translation

pytestmark = pytest.mark.django_db


def run(*args):
    """Call `manage.py workdays ARGS` in-process and return (stdout, stderr)."""
    stdout = StringIO()
    stderr = StringIO()
    with translation.override("en"):
        call_command("workdays", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_due_prints_date():
    assert run("due", "2026-01-05", "10") == ("2026-01-19\n", "")


def test_due_with_pause():
    stdout, _stderr = run("due", "2026-01-05", "10", "--pause", "2026-01-09", "2026-01-14")

    assert stdout == "2026-01-22\n"


def test_due_with_two_pauses():
    stdout, _stderr = run(
        "due", "2026-01-05", "10", "--pause", "2026-01-09", "2026-01-14", "--pause", "2026-01-14", "2026-01-15"
    )

    assert stdout == "2026-01-23\n"


def test_latest_before_prints_date():
    assert run("latest-before", "2026-01-19", "5") == ("2026-01-12\n", "")


def test_is_workday_prints_true_or_false():
    assert run("is-workday", "2026-10-10") == ("true\n", "")
    assert run("is-workday", "2026-10-08") == ("true\n", "")
    assert run("is-workday", "2026-10-07") == ("false\n", "")


def test_explain_prints_text():
    stdout, stderr = run("explain", "2026-09-30", "10", "--pause", "2026-10-12", "2026-10-14")

    assert stdout == (
        "10 working days from 2026-09-30 · 10-01 to 10-07 National Day holiday (国庆节) · "
        "10-10 make-up workday · paused 10-12 to 10-14 · due 2026-10-22\n"
    )
    assert stderr == ""


def test_provisional_result_is_marked_on_stderr():
    stdout, stderr = run("due", "2026-12-20", "10")

    assert stdout == "2027-01-01\n"
    assert stderr.startswith("provisional:")
    assert run("is-workday", "2027-01-01")[1].startswith("provisional:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", "2026-02-30", "10"], "invalid start date '2026-02-30'"),
        (["due", "2026-01-05", "0"], "invalid number of working days 0"),
        (["due", "2026-01-05", "-3"], "invalid number of working days -3"),
        (["due", "2026-01-05", "ten"], "invalid number of working days 'ten'"),
        (["due", "2026-01-05", "10", "--pause", "2026-01-09", "2026-01-08"], "the pause ends before it starts"),
        (["due", "2026-01-05", "10", "--pause", "2026-01-02", "2026-01-06"], "starts before the start day"),
        (["explain", "2026-01-05", "10", "--pause", "2026/01/09", "2026-01-12"], "invalid pause start"),
        (["latest-before", "2026-01-19", "0"], "invalid number of working days 0"),
        (["is-workday", "tomorrow"], "invalid date 'tomorrow'"),
    ],
)
def test_invalid_input_has_status_2(args, message):
    with pytest.raises(CommandError, match=message) as raised:
        run(*args)

    assert raised.value.returncode == 2


def test_invalid_input_from_command_line_exits_2(capsys):
    utility = ManagementUtility(["manage.py", "workdays", "due", "2026-13-01", "10"])

    with pytest.raises(SystemExit) as raised:
        utility.execute()

    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "invalid start date '2026-13-01'" in captured.err


def test_reversed_pause_from_command_line_exits_2(capsys):
    argv = ["manage.py", "workdays", "due", "2026-01-05", "10", "--pause", "2026-01-14", "2026-01-09"]

    with pytest.raises(SystemExit) as raised:
        ManagementUtility(argv).execute()

    assert raised.value.code == 2
    assert "the pause ends before it starts" in capsys.readouterr().err
