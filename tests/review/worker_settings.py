"""Settings of the Celery worker that tests/review/test_celery_worker.py starts.

The worker is a separate process, so the test hands it the test run's
database, media directory, broker and mail directory in environment
variables. Every Redis key gets the run's own prefix, so that test runs
started side by side on one Redis server cannot take each other's
messages.
"""

import os
from pathlib import Path

from policyhub.test_settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["POLICYHUB_WORKER_DATABASE"]  # noqa: F405
MEDIA_ROOT = Path(os.environ["POLICYHUB_WORKER_MEDIA_ROOT"])

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["POLICYHUB_WORKER_BROKER"]
CELERY_RESULT_BACKEND = os.environ["POLICYHUB_WORKER_BROKER"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["POLICYHUB_WORKER_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": os.environ["POLICYHUB_WORKER_KEY_PREFIX"],
    # A message of a killed worker is delivered again after 3 seconds
    # instead of an hour, and the check for such messages runs every second.
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": os.environ["POLICYHUB_WORKER_KEY_PREFIX"]}

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["POLICYHUB_WORKER_MAIL_DIR"]
