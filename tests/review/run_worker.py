"""Start a Celery worker for tests/review/test_celery_worker.py: `python -m tests.review.run_worker ARGS`.

ARGS are those of the `celery` command. Two environment variables bend the
worker for a test:

- POLICYHUB_WORKER_TRAVEL_TO, an ISO date and time: the worker's clock
  starts there and runs on, so the reminder sweep runs as on that day.
- POLICYHUB_WORKER_HANG_IN_ARCHIVE, a file path: archiving creates that
  file and then sleeps, so a test can kill the worker in the middle.
"""

import datetime
import os
import sys
import time
from pathlib import Path

from celery.signals import task_prerun

travel_to = os.environ.get("POLICYHUB_WORKER_TRAVEL_TO")
if travel_to:
    import time_machine

    time_machine.travel(datetime.datetime.fromisoformat(travel_to), tick=True).start()

hang_marker = os.environ.get("POLICYHUB_WORKER_HANG_IN_ARCHIVE")


def hang(case):
    Path(hang_marker).write_text(str(os.getpid()))
    time.sleep(600)
    return []


@task_prerun.connect
def install_hanging_provider(sender=None, **kwargs):
    if hang_marker and sender.name == "review.tasks.archive_review":
        from review import archive

        if hang not in archive.ARCHIVE_DOCUMENT_PROVIDERS:
            archive.ARCHIVE_DOCUMENT_PROVIDERS.append(hang)


if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(main())
