"""Settings for the test suite: the project's settings with an isolated runtime folder.

The environment is set before the project settings load, so Celery workers the tests
start (which inherit it) share this run's SQLite file, broker folder or Redis key prefix
and never touch a running emulator's.
"""

import atexit
import os
import random
import shutil
import tempfile
import uuid

if not os.environ.get("VAR_DIR"):
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="namesmith-test-")
    atexit.register(shutil.rmtree, os.environ["VAR_DIR"], ignore_errors=True)
os.environ.setdefault("REDIS_KEY_PREFIX", f"namesmith-test-{uuid.uuid4().hex[:8]}:")
# DNS listeners of this run on a /16 of their own, away from a running emulator's 127.53.
# No per-process metrics servers unless a test asks for them on a free port.
os.environ.setdefault("METRICS_PORT", "0")
os.environ.setdefault("NETWORK_BLOCK", f"127.{random.randint(100, 250)}.0.0/16")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
