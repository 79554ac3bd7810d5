"""Test overlay: PostgreSQL by default (the system of record); HOLDFAST_TEST_DB=sqlite for SQLite."""
import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/holdfast")
if os.environ.get("HOLDFAST_TEST_DB") == "sqlite":
    os.environ["DATABASE_URL"] = "sqlite:////tmp/holdfast-test.sqlite3"

from .settings import *  # noqa: E402,F403
from .settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so live-server threads see the same data; pytest-django suffixes it per xdist worker.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("HOLDFAST_SQLITE_TEST_NAME", "/tmp/holdfast-test-sqlite.db")}
DEBUG = False
# Uploads made by tests land in a throw-away directory, never in the working tree or var/.
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="holdfast-test-media-")
# Hashing cost is not what these tests are about; a dedicated test checks argon2 is the default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
LOGIN_MAX_FAILURES = 5
LOGIN_MAX_FAILURES_PER_ADDRESS = 20
WEBHOOK_TIMEOUT_SECONDS = 2
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's test flush empties tables with TRUNCATE, which append-only tables refuse unless the
    # session allows it (holdfast.kit.append_only). Only the test settings do.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c holdfast.allow_truncate=on").strip()
