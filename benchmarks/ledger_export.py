"""Compare the ledger's XLSX writer with openpyxl's normal mode on synthetic rows.

Run from the repository root:

    .venv/bin/python benchmarks/ledger_export.py [--small 10000] [--large 100000] [--baseline-large 20000]

The script builds ledger rows in memory (no database), shaped like those of
`documents.ledger.COLUMNS`: Chinese titles and department names, notice
summaries, dates and working-day counts. It writes them to a temporary
.xlsx file twice: with `documents.writers.write_xlsx` (XlsxWriter in
constant_memory mode) and with openpyxl 3.1.5's normal, not write-only,
workbook. For each run it prints the time and the peak Python memory.
tracemalloc measures the export alone, so the rows built beforehand are not
counted.

openpyxl's normal mode keeps every cell in memory. On the 2-core development
VM, under tracemalloc and with other jobs running, 30,000 rows took 71 s and
a 200 MiB peak, so 100,000 rows would take several minutes. By default it
therefore runs on --baseline-large rows, and the output reports that.

The last line is the ratio of the writer's peak memory at --large rows to
its peak at --small rows. A ratio near 1 means memory does not grow with the
number of rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.utils import translation  # noqa: E402

from documents.ledger import COLUMNS  # noqa: E402
from documents.writers import write_xlsx  # noqa: E402

DEPARTMENTS = [
    "九台区工业和信息化局",
    "九台区人力资源和社会保障局",
    "九台区财政局",
    "长春市科学技术局",
    "长春新区科学技术局",
]
REGIONS = ["九台区", "长春市", "长春新区", "朝阳区", "南关区"]
STATES = ["City review", "Opinion issued, awaiting response", "Live", "Correction requested", "Closed"]


def build_rows(count: int, seed: int) -> list[tuple]:
    """Return `count` synthetic ledger rows in the order of COLUMNS."""
    rng = random.Random(seed)
    first_day = date(2024, 1, 1)
    rows = []
    for number in range(1, count + 1):
        submitted = first_day + timedelta(days=rng.randint(0, 900))
        accepted = submitted + timedelta(days=rng.randint(0, 5))
        opinion = accepted + timedelta(days=rng.randint(5, 20))
        notices = "; ".join(
            "Correction notice sent %s, due %s, answered %s"
            % (accepted + timedelta(days=2 + i), accepted + timedelta(days=7 + i), accepted + timedelta(days=6 + i))
            for i in range(rng.randint(0, 2))
        )
        rows.append(
            (
                number,
                "%s关于支持第%d类企业高质量发展的若干政策措施" % (rng.choice(REGIONS), number),
                "长府办发〔%d〕%d号" % (submitted.year, rng.randint(1, 300)),
                "Review before going live",
                rng.choice(REGIONS),
                rng.choice(DEPARTMENTS),
                "、".join(rng.sample(DEPARTMENTS, rng.randint(0, 2))),
                rng.choice(STATES),
                submitted,
                accepted,
                accepted + timedelta(days=rng.randint(3, 12)),
                notices,
                (accepted + timedelta(days=8)).isoformat() if notices else "",
                "长政数审〔%d〕%d号" % (opinion.year, number),
                rng.choice(["Passed", "Passed after revision", "Not passed"]),
                opinion,
                opinion + timedelta(days=1),
                rng.randint(1, 10),
                rng.randint(1, 10),
                rng.randint(0, 6),
                opinion + timedelta(days=30),
                datetime(opinion.year, opinion.month, opinion.day, 16, 30),
                "%064x" % rng.getrandbits(256),
            )
        )
    return rows


def write_openpyxl(path: Path, rows: list[tuple]) -> int:
    """Write the rows with openpyxl's normal workbook, as most projects do."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([str(column.header) for column in COLUMNS])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return len(rows)


def measure(label: str, writer, rows: list[tuple], directory: Path) -> tuple[float, int]:
    """Run one export; return (seconds, peak bytes) and print them."""
    path = directory / ("%s-%d.xlsx" % (label.split()[0], len(rows)))
    tracemalloc.start()
    started = time.perf_counter()
    writer(path, rows)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = path.stat().st_size
    path.unlink()
    print(
        "%-28s %7d rows  %7.2f s  peak %8.1f MiB  file %6.1f MiB"
        % (label, len(rows), seconds, peak / 2**20, size / 2**20),
        flush=True,
    )
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000, help="rows of the small run (default 10000)")
    parser.add_argument("--large", type=int, default=100_000, help="rows of the large run (default 100000)")
    parser.add_argument(
        "--baseline-large",
        type=int,
        default=20_000,
        help="rows of openpyxl's large run; 0 uses --large (default 20000)",
    )
    parser.add_argument("--seed", type=int, default=20260105, help="random seed of the synthetic rows")
    arguments = parser.parse_args()

    translation.activate("en")
    started = time.perf_counter()
    baseline_large = arguments.baseline_large or arguments.large
    print(
        "Python %s, %d CPUs; peak memory is tracemalloc's, Python allocations only"
        % (sys.version.split()[0], os.cpu_count())
    )

    def ours(path, rows):
        return write_xlsx(path, COLUMNS, rows)

    with tempfile.TemporaryDirectory(prefix="ledger-benchmark-") as folder:
        directory = Path(folder)
        small_rows = build_rows(arguments.small, arguments.seed)
        _seconds, ours_small = measure("XlsxWriter constant_memory", ours, small_rows, directory)
        measure("openpyxl normal mode", write_openpyxl, small_rows, directory)
        del small_rows

        large_rows = build_rows(arguments.large, arguments.seed)
        _seconds, ours_large = measure("XlsxWriter constant_memory", ours, large_rows, directory)
        if baseline_large < arguments.large:
            print(
                "openpyxl normal mode runs on the first %d of the %d rows; it keeps every cell in memory"
                % (baseline_large, arguments.large)
            )
        measure("openpyxl normal mode", write_openpyxl, large_rows[:baseline_large], directory)

    print("total run time %.0f s" % (time.perf_counter() - started))
    print(
        "peak memory ratio, XlsxWriter %d rows / %d rows: %.2f"
        % (arguments.large, arguments.small, ours_large / ours_small)
    )


if __name__ == "__main__":
    main()
