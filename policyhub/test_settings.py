"""Settings for the test suite.

Tests use the PostgreSQL and Redis servers on 127.0.0.1 when they accept connections,
and fall back to SQLite and eager tasks otherwise. With
POLICYHUB_REQUIRE_SERVICES=1 (set by CI) an unreachable service is an
error instead, so tests that need the real servers cannot pass on SQLite.
"""

import os
import socket
import tempfile

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403

REQUIRE_SERVICES = os.environ.get("POLICYHUB_REQUIRE_SERVICES", "") in ("1", "true", "yes")
TEST_PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/policyhub")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


if _reachable("127.0.0.1", 5432):
    import environ

    DATABASES = {"default": environ.Env.db_url_config(TEST_PG_URL)}  # noqa: F405
    # One test database per run, so that runs started side by side do not
    # drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": "test_policyhub_%d" % os.getpid()}
    USING_POSTGRES = True
elif REQUIRE_SERVICES:
    raise ImproperlyConfigured("PostgreSQL at 127.0.0.1:5432 is not reachable and POLICYHUB_REQUIRE_SERVICES is set.")
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    USING_POSTGRES = False

if _reachable("127.0.0.1", 6379):
    REDIS_URL = TEST_REDIS_URL
    USING_REDIS = True
elif REQUIRE_SERVICES:
    raise ImproperlyConfigured("Redis at 127.0.0.1:6379 is not reachable and POLICYHUB_REQUIRE_SERVICES is set.")
else:
    REDIS_URL = ""
    USING_REDIS = False

# Unit tests call tasks in-process; tests of the real worker start one and
# point it at TEST_REDIS_URL themselves.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="policyhub-media-"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="policyhub-static-"))  # noqa: F405
