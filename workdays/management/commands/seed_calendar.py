"""Import holiday notices from a JSON document in the format of workdays/data/cn-holidays.json."""

import json

from django.core.management.base import BaseCommand, CommandError

from workdays.notices import BUNDLED_NOTICES, NoticeFormatError, load_notice_file
from workdays.updates import save_notices


class Command(BaseCommand):
    help = (
        "Import holiday notices from FILE (default: the bundled workdays/data/cn-holidays.json). "
        "Years equal to the stored ones are left unchanged, so running it twice is harmless. "
        "A year marked found: false never replaces a confirmed year. Open clocks whose due date "
        "moves get a 'recomputed' event and are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(BUNDLED_NOTICES), metavar="FILE")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            notices = load_notice_file(path)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"{path} is not valid JSON: {error}") from error
        except NoticeFormatError as error:
            raise CommandError(f"{path}: {error}") from error

        try:
            result = save_notices(notices)
        except ValueError as error:
            raise CommandError(f"{path}: {error}; nothing was imported") from error

        for year in result.years:
            line = f"{year.year}: {year.outcome}"
            if year.note:
                line += f" ({year.note})"
            self.stdout.write(line)
        for move in result.moves:
            shift = f"{move.shift_days:+d} days" if move.shift_days is not None else "paused"
            self.stdout.write(f"clock {move.clock.pk} {move.clock}: due {move.old_due} -> {move.new_due} ({shift})")
        if result.changed:
            self.stdout.write(f"open clocks moved: {len(result.moves)}")
