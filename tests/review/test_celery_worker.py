"""The review tasks on a real Celery worker and the local Redis.

Each test starts `celery worker` as a subprocess (tests/review/run_worker.py
with tests/review/worker_settings.py) that uses this run's test database,
so the tests commit their rows (transaction=True) and need PostgreSQL. The
worker runs the solo pool: one task at a time, in queue order. Without
Redis or PostgreSQL the tests are skipped, and with
POLICYHUB_REQUIRE_SERVICES=1 they fail instead.
"""

import datetime
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from accounts.models import Notification
from review import archive
from review.models import ArchiveRecord, Reminder, ReviewCase
from tests.factories import World
from tests.review.builders import correction_requested, materials_requested, withdrawn_case

# serialized_rollback restores the rows that data migrations load (the
# element catalog, the holiday calendar, content types) before the test and
# keeps the flush after it from recreating them for the next such test.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
TASK_SECONDS = 60


def require_services():
    """Skip the calling test without Redis or PostgreSQL, or fail it under POLICYHUB_REQUIRE_SERVICES."""
    missing = [
        name
        for name, reachable in (
            ("Redis at 127.0.0.1:6379", getattr(settings, "USING_REDIS", False)),
            ("PostgreSQL at 127.0.0.1:5432", getattr(settings, "USING_POSTGRES", False)),
        )
        if not reachable
    ]
    if not missing:
        return
    reason = "The worker tests need %s." % " and ".join(missing)
    if getattr(settings, "REQUIRE_SERVICES", False):
        pytest.fail(reason + " POLICYHUB_REQUIRE_SERVICES is set, so this is an error.")
    pytest.skip(reason)


def wait_for(condition, seconds, description, worker=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    log = "\nWorker log:\n" + worker.log() if worker is not None else ""
    pytest.fail("Timed out after %s seconds waiting for %s.%s" % (seconds, description, log))


@pytest.fixture
def broker():
    """A Celery client of the local Redis whose keys carry a prefix of this test's own."""
    require_services()
    prefix = "policyhub-test-%d-%s:" % (os.getpid(), uuid.uuid4().hex[:8])
    client = Celery("policyhub-tests", broker=settings.REDIS_URL, backend=settings.REDIS_URL)
    client.conf.broker_transport_options = {"global_keyprefix": prefix}
    client.conf.result_backend_transport_options = {"global_keyprefix": prefix}
    client.conf.task_default_queue = "policyhub-tests"
    yield SimpleNamespace(client=client, prefix=prefix, queue="policyhub-tests")
    client.close()
    server = redis.Redis.from_url(settings.REDIS_URL)
    for key in server.scan_iter(match=prefix + "*"):
        server.delete(key)
    server.close()


class Worker:
    """A `celery worker` subprocess on the broker's queue."""

    def __init__(self, broker, directory, name, travel_to=None, hang_marker=None):
        self.log_path = directory / ("%s.log" % name)
        self.mail_dir = directory / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="tests.review.worker_settings",
            POLICYHUB_WORKER_DATABASE=connection.settings_dict["NAME"],
            POLICYHUB_WORKER_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            POLICYHUB_WORKER_BROKER=settings.REDIS_URL,
            POLICYHUB_WORKER_QUEUE=broker.queue,
            POLICYHUB_WORKER_KEY_PREFIX=broker.prefix,
            POLICYHUB_WORKER_MAIL_DIR=str(self.mail_dir),
        )
        if travel_to:
            env["POLICYHUB_WORKER_TRAVEL_TO"] = travel_to
        if hang_marker:
            env["POLICYHUB_WORKER_HANG_IN_ARCHIVE"] = str(hang_marker)
        command = [
            sys.executable, "-m", "tests.review.run_worker", "-A", "policyhub", "worker",
            "--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
            "--queues", broker.queue, "--hostname", "%s-%s@localhost" % (name, uuid.uuid4().hex[:6]),
            "--loglevel=INFO",
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.is_ready, STARTUP_SECONDS, "the worker to start", self)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def is_ready(self):
        if self.process.poll() is not None:
            pytest.fail("The worker exited with %s.\n%s" % (self.process.returncode, self.log()))
        return " ready." in self.log()

    def kill(self):
        """End the worker at once, as a power cut or the OOM killer would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def sent_mail_count(self):
        text = "".join(path.read_text(errors="replace") for path in self.mail_dir.glob("*.log"))
        return len(re.findall(r"^Subject: ", text, flags=re.MULTILINE))


@pytest.fixture
def start_worker(broker, tmp_path):
    started = []

    def start(name="worker", **options):
        worker = Worker(broker, tmp_path, name, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def with_addresses(*people):
    for person in people:
        person.email = "%s@example.gov.cn" % person.username
        person.save(update_fields=["email"])


def test_holiday_deadline_reminder_from_worker(broker, start_worker):
    world = World()
    # A correction notice of 5 working days sent Mon 2026-09-28 runs over
    # National Day and is due on the make-up workday Sat 2026-10-10.
    case = correction_requested(world, "2026-09-28", days=5)
    assert case.drafter_clock.due_date == datetime.date(2026, 10, 10)
    worker = start_worker(travel_to="2026-10-10T09:00:00+08:00")

    result = broker.client.send_task("review.tasks.send_reminders", queue=broker.queue)

    assert result.get(timeout=TASK_SECONDS) == 1, worker.log()
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.on_day) == (Reminder.Kind.DUE_TODAY, datetime.date(2026, 10, 10))
    assert reminder.clock_id == case.drafter_clock_id
    assert Notification.objects.filter(user=world.city_drafter, code="review.reminder.due_today").count() == 1


def test_duplicate_delivery_sends_once(broker, start_worker):
    world = World()
    with_addresses(world.city_drafter, world.supervisor)
    # Due Thu 2026-10-08; on Fri 10-09 the drafter is reminded and the
    # supervisor gets the escalation.
    materials_requested(world, "2026-09-28", days=3)
    worker = start_worker(travel_to="2026-10-09T09:00:00+08:00")

    # The same message twice, as a redelivery after a lost acknowledgement would bring it.
    task_id = str(uuid.uuid4())
    for _copy in range(2):
        broker.client.send_task("review.tasks.send_reminders", task_id=task_id, queue=broker.queue)

    def all_sent():
        notes = Notification.objects.filter(code__startswith="review.reminder.")
        return notes.count() == 2 and not notes.filter(email_status=Notification.EmailStatus.PENDING).exists()

    wait_for(all_sent, TASK_SECONDS, "the reminders and their e-mails", worker)
    # The queue is first in, first out: once a later sweep is done, every
    # task queued before it, the e-mail tasks included, is done too.
    later = broker.client.send_task("review.tasks.send_reminders", queue=broker.queue)
    assert later.get(timeout=TASK_SECONDS) == 0, worker.log()

    assert sorted(Reminder.objects.values_list("kind", flat=True)) == ["escalation", "overdue"]
    assert Notification.objects.filter(user=world.city_drafter, code__startswith="review.reminder.").count() == 1
    assert Notification.objects.filter(user=world.supervisor, code__startswith="review.reminder.").count() == 1
    assert worker.sent_mail_count() == 2


def case_row_is_free(case_id):
    try:
        with transaction.atomic():
            ReviewCase.objects.select_for_update(nowait=True).filter(pk=case_id).exists()
    except DatabaseError:
        return False
    return True


def test_killed_archiving_leaves_no_half_archive(broker, start_worker, tmp_path):
    world = World()
    case = withdrawn_case(world, "2026-09-28")
    final = Path(settings.MEDIA_ROOT) / archive.archive_path(case)
    marker = tmp_path / "archiving-started"
    first = start_worker("first", hang_marker=marker)

    broker.client.send_task("review.tasks.archive_review", args=[case.pk], queue=broker.queue)
    wait_for(marker.exists, TASK_SECONDS, "archiving to start", first)
    partial = list(final.parent.glob(".%s-*.tmp" % final.stem))
    assert len(partial) == 1
    assert not final.exists()

    first.kill()

    assert not ArchiveRecord.objects.exists()
    assert not final.exists()
    # PostgreSQL rolls back the killed worker's transaction, and so frees
    # the case row, once it notices the closed connection.
    wait_for(lambda: case_row_is_free(case.pk), 30, "the killed worker's lock to go")

    # acks_late kept the message; the broker delivers it again after the
    # visibility timeout, to the next worker.
    second = start_worker("second")
    wait_for(lambda: ArchiveRecord.objects.filter(case=case).exists(), TASK_SECONDS, "the archive", second)

    record = ArchiveRecord.objects.get()
    assert hashlib.sha256(final.read_bytes()).hexdigest() == record.sha256
    assert not list(final.parent.glob(".%s-*.tmp" % final.stem))
    assert "archive_review" in second.log()
