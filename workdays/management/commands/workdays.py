"""Compute due dates and working days from the stored calendar, for operators and scripts."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from workdays.store import get_calendar

PROVISIONAL_NOTE = "provisional: the result depends on a year without a confirmed holiday notice"

HELP_EPILOG = (
    "Standard output holds only the answer (a YYYY-MM-DD date, true or false, or the explanation). "
    "When the answer depends on a year without a confirmed holiday notice, which is counted on "
    "weekends alone, a line starting with 'provisional:' goes to standard error and the exit status "
    "stays 0. Invalid input prints one line to standard error and exits with status 2."
)


def _usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _usage_error(f"invalid {what} {text!r}: write dates as YYYY-MM-DD, for example 2026-01-05") from None


def _parse_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise _usage_error(f"invalid number of working days {text!r}: give a whole number of 1 or more") from None
    if days < 1:
        raise _usage_error(f"invalid number of working days {days}: give a whole number of 1 or more")
    return days


def _parse_pauses(start: date, pairs: list[list[str]] | None) -> list[tuple[date, date]]:
    pauses = []
    for first_text, last_text in pairs or []:
        first = _parse_date(first_text, "pause start")
        last = _parse_date(last_text, "pause end")
        if last < first:
            raise _usage_error(f"invalid pause {first} to {last}: the pause ends before it starts")
        if first < start:
            raise _usage_error(f"invalid pause {first} to {last}: the pause starts before the start day {start}")
        if pauses and first < pauses[-1][1]:
            raise _usage_error(
                f"invalid pause {first} to {last}: it starts before the previous pause ends on {pauses[-1][1]}"
            )
        pauses.append((first, last))
    return pauses


class Command(BaseCommand):
    help = "Compute due dates and working days with the stored holiday calendar."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=HELP_EPILOG, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        pause_help = (
            "a pause from the notice day FROM to the resubmission day TO, both YYYY-MM-DD; the days after "
            "FROM up to and including TO are not counted. Repeat for several pauses, in date order."
        )

        due = actions.add_parser("due", help="print the N-th working day after START (START not counted)")
        due.add_argument("start", metavar="START", help="day of acceptance, YYYY-MM-DD")
        due.add_argument("days", metavar="N", help="time limit in working days, 1 or more")
        due.add_argument("--pause", nargs=2, action="append", metavar=("FROM", "TO"), help=pause_help)

        explain = actions.add_parser("explain", help="explain the due date step by step")
        explain.add_argument("start", metavar="START", help="day of acceptance, YYYY-MM-DD")
        explain.add_argument("days", metavar="N", help="time limit in working days, 1 or more")
        explain.add_argument("--pause", nargs=2, action="append", metavar=("FROM", "TO"), help=pause_help)

        latest = actions.add_parser(
            "latest-before",
            help="print the latest day that is at least N working days before EFFECTIVE (EFFECTIVE not counted)",
        )
        latest.add_argument("effective", metavar="EFFECTIVE", help="day the change takes effect, YYYY-MM-DD")
        latest.add_argument("days", metavar="N", help="working days, 1 or more")

        is_workday = actions.add_parser("is-workday", help="print true if DATE is a working day, else false")
        is_workday.add_argument("day", metavar="DATE", help="YYYY-MM-DD")

    def handle(self, *args, **options):
        action = options["action"]

        if action == "is-workday":
            day = _parse_date(options["day"], "date")
            info = get_calendar().day_info(day)
            self.stdout.write("true" if info.is_workday else "false")
            provisional = info.provisional
        elif action == "latest-before":
            effective = _parse_date(options["effective"], "effective date")
            days = _parse_days(options["days"])
            result = get_calendar().latest_before(effective, days)
            self.stdout.write(result.date.isoformat())
            provisional = result.provisional
        else:
            start = _parse_date(options["start"], "start date")
            days = _parse_days(options["days"])
            pauses = _parse_pauses(start, options["pause"])
            if action == "due":
                result = get_calendar().due_date(start, days, pauses)
                self.stdout.write(result.date.isoformat())
            else:
                explanation = get_calendar().explain(start, days, pauses)
                result = explanation.result
                self.stdout.write(explanation.text)
            provisional = result.provisional

        if provisional:
            self.stderr.write(PROVISIONAL_NOTE)
