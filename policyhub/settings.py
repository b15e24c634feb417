"""PolicyHub settings, read from the environment.

Every value has a default that runs on one machine with no services:
SQLite under var/, Celery tasks executed eagerly, e-mail printed to the
console. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=false
and ALLOWED_HOSTS (see docker-compose.yml).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-key-for-local-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "guardian",
    "workdays",
    "accounts",
    "policies",
    "review",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "policyhub.urls"
WSGI_APPLICATION = "policyhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'policyhub.sqlite3'}"),
}
if "DATABASE_URL" not in env:
    # The embedded default keeps its database and uploads under var/.
    VAR_DIR.mkdir(exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; a busy timeout turns short lock waits into
    # delays instead of "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Only an explicit grant on a single object counts; a model-wide permission
# must never widen a department-scoped list.
GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
GUARDIAN_MONKEY_PATCH_GROUP = False
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded materials (送审材料).
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["policies.upload_handlers.MemoryHandler", "policies.upload_handlers.TemporaryHandler"]

# Review time limits in working days; the measures give 10 per level.
REVIEW_DAYS_DISTRICT = env.int("REVIEW_DAYS_DISTRICT", default=10)
REVIEW_DAYS_CITY = env.int("REVIEW_DAYS_CITY", default=10)
# Working days the drafter gets to supply materials or corrections (the
# reviewer may set another number per notice), to respond to an opinion
# letter, and how far ahead of its effective date an adjustment or repeal
# must be applied for.
MATERIALS_DEADLINE_DAYS = env.int("MATERIALS_DEADLINE_DAYS", default=5)
CORRECTION_DEADLINE_DAYS = env.int("CORRECTION_DEADLINE_DAYS", default=5)
RESPONSE_DAYS = env.int("RESPONSE_DAYS", default=5)
CHANGE_LEAD_DAYS = env.int("CHANGE_LEAD_DAYS", default=5)
# The review measures each city issued, by the city's organization code;
# generated documents cite them.
REVIEW_MEASURES = {"cc": "长春市惠企惠民政策标准化上线审查办法"}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL.rstrip("/").rsplit("/", 1)[0] + "/1"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Only a task that is safe to run twice acknowledges late, and it sets
# acks_late=True itself (see review.tasks). Other tasks are acknowledged on
# receipt, so a crash loses them rather than running them again.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message not acknowledged within visibility_timeout seconds is delivered
# again, so no task may run longer, and nothing is scheduled with an ETA.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 10, "socket_connect_timeout": 5}
# Run exactly one beat process. Times are in CELERY_TIMEZONE (Asia/Shanghai).
# A reminder sweep that waited longer than its interval is dropped, because
# the next one does the same work.
CELERY_BEAT_SCHEDULE = {
    "send-deadline-reminders": {
        "task": "review.tasks.send_reminders",
        "schedule": crontab(minute="*/15", hour="8-17"),
        "options": {"expires": 14 * 60},
    },
    "record-missed-deadlines": {
        "task": "review.tasks.record_missed_deadlines",
        "schedule": crontab(minute=5, hour=0),
    },
    "take-policies-offline": {
        "task": "review.tasks.take_policies_offline",
        "schedule": crontab(minute=1, hour=0),
    },
    "archive-finished-reviews": {
        "task": "review.tasks.archive_finished_reviews",
        "schedule": crontab(minute=30, hour=2),
    },
}

# Deadline reminders (review.reminders), in working days. The owners of a
# deadline are reminded on each day of REMINDER_DAYS_BEFORE_DUE before the
# due date, 0 being the due day itself. Once it is overdue, they are
# reminded every REMINDER_OVERDUE_EVERY working days, and the escalation to
# department heads and supervisors goes out every REMINDER_ESCALATION_EVERY
# working days. 0 turns overdue reminders or escalations off.
REMINDER_DAYS_BEFORE_DUE = env.list("REMINDER_DAYS_BEFORE_DUE", cast=int, default=[2, 0])
REMINDER_OVERDUE_EVERY = env.int("REMINDER_OVERDUE_EVERY", default=1)
REMINDER_ESCALATION_EVERY = env.int("REMINDER_ESCALATION_EVERY", default=1)
# Calendar days after a review ends before it is archived into the
# review ledger (review.archive).
ARCHIVE_DELAY_DAYS = env.int("ARCHIVE_DELAY_DAYS", default=1)
# The address of the site as users reach it, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="policyhub@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "policyhub": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "accounts": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "policies": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "review": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "workdays": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    },
}
