"""Live through 400 days of a running emulator: ``manage.py clock advance 400d``, then
check that example.com (registered by the order smoke) was renewed, not lost, and that
the partner smoke's domain went the registry's way too (auto-renewed or purged).

Usage: python .ci/smoke_clock.py NAME  (run with the project's virtualenv and the running
emulator's VAR_DIR). Exits 0 when NAME expires after the new emulator time.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from config import clock  # noqa: E402
from registry import services  # noqa: E402


def main(name: str) -> int:
    moved = subprocess.run(
        [sys.executable, "manage.py", "clock", "advance", "400d"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(moved.stdout, moved.stderr, sep="", end="")
    if moved.returncode:
        return 1
    clock.forget()
    info = services.info_domain(name)
    print(f"{name}: expires {info.expires_at:%Y-%m-%d}, now {clock.now():%Y-%m-%d}, statuses {info.statuses}")
    if info.expires_at <= clock.now() or "pendingDelete" in info.statuses:
        print(f"{name} was not renewed through the moved clock")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
