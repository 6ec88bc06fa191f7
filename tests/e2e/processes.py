"""Real Celery worker and beat processes for the tests, on this run's database and broker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

QUEUES = "registry,registrar,resolver"


def database_url() -> str:
    """The URL of the database the tests are using (the test database, once set up)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = ""
    if s.get("USER"):
        auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "") + "@"
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def purge_queues() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in QUEUES.split(","):
            with contextlib.suppress(Exception):  # a queue never declared has nothing to purge
                channel.queue_purge(queue)


def wait_until_idle(timeout: float = 15) -> None:
    """Wait until the workers have nothing running, reserved or queued (twice in a row), so
    a test's database is not flushed under a task still writing to it."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        inspector = app.control.inspect(timeout=0.5)
        busy = any((inspector.active() or {}).values()) or any((inspector.reserved() or {}).values())
        with app.connection_for_write() as conn:
            queued = 0
            for queue in QUEUES.split(","):
                with contextlib.suppress(Exception):  # never declared: empty
                    queued += conn.default_channel.queue_declare(queue, passive=True).message_count
        quiet = 0 if busy or queued else quiet + 1
        if quiet < 2:
            time.sleep(0.2)


class Process:
    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        self._file = self.log.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=settings.BASE_DIR, env=env, stdout=self._file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not print {text!r} in {timeout}s:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the process and its children, as a crash or an OOM kill would."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        self._file.close()

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._file.close()


class Stack:
    """Starts worker and beat processes on demand; stops whatever is left at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: list[Process] = []

    def env(self, **extra: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "PIPELINE_STUCK_AFTER": "1",
            "PIPELINE_SWEEP_EVERY": "0.5",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def worker(self, **extra_env: str) -> Process:
        name = f"worker-{uuid.uuid4().hex[:6]}"
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            QUEUES,
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"{name}@localhost",
        ]
        process = Process(name, args, self.env(**extra_env), self.log_dir)
        self.processes.append(process)
        process.wait_for_output("ready.")
        return process

    def beat(self, **extra_env: str) -> Process:
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(self.log_dir / f"beat-{uuid.uuid4().hex[:6]}"),
        ]
        process = Process(f"beat-{uuid.uuid4().hex[:6]}", args, self.env(**extra_env), self.log_dir)
        self.processes.append(process)
        process.wait_for_output("the schedule lock")  # config.beat says whether it holds it
        return process

    def origins(self) -> Process:
        """``manage.py run_origins``: the demo origins of this run's network plan."""
        process = Process("run_origins", [sys.executable, "manage.py", "run_origins"], self.env(), self.log_dir)
        self.processes.append(process)
        process.wait_for_output("run_origins:")
        return process

    def dns(self, **extra_env: str) -> Process:
        """``manage.py run_dns`` on this run's network plan."""
        process = Process("run_dns", [sys.executable, "manage.py", "run_dns"], self.env(**extra_env), self.log_dir)
        self.processes.append(process)
        process.wait_for_output("run_dns: serving")
        return process

    def resolver(self) -> Process:
        """``manage.py run_resolver`` on this run's network plan."""
        process = Process("run_resolver", [sys.executable, "manage.py", "run_resolver"], self.env(), self.log_dir)
        self.processes.append(process)
        process.wait_for_output("run_resolver: resolving")
        return process

    def close(self) -> None:
        for process in self.processes:
            process.stop()
