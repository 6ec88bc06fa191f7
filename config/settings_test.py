"""Settings for the test suite: the project's settings with an isolated runtime folder.

The environment is set before the project settings load, so Celery workers the tests
start (which inherit it) share this run's SQLite file, broker folder or Redis key prefix
and never touch a running emulator's.
"""

import atexit
import os
import shutil
import tempfile
import uuid

if not os.environ.get("VAR_DIR"):
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="namesmith-test-")
    atexit.register(shutil.rmtree, os.environ["VAR_DIR"], ignore_errors=True)
os.environ.setdefault("REDIS_KEY_PREFIX", f"namesmith-test-{uuid.uuid4().hex[:8]}:")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
