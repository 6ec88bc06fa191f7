"""deploy/: the compose file and the systemd units name commands that exist, with the
settings multi-host mode needs."""

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from config.settings import BASE_DIR

DEPLOY = BASE_DIR / "deploy"


def check_command(argv: list[str]) -> None:
    program = Path(argv[0]).name
    if program == "python":
        assert argv[1] == "manage.py" and argv[2] in get_commands(), argv
    elif program == "celery":
        assert argv[1:3] == ["-A", "config"] and argv[3] in ("worker", "beat"), argv
    elif program == "gunicorn":
        assert argv[1] == "config.wsgi" and (BASE_DIR / argv[argv.index("--config") + 1]).is_file(), argv
    elif program == "sh":
        for part in argv[2].split("&&"):
            check_command(shlex.split(part))
    else:
        raise AssertionError(f"unknown program {argv}")


def test_the_compose_file_runs_every_process_once_on_shared_postgresql_and_redis():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    emulator = {name: s for name, s in services.items() if s.get("image") == "namesmith"}
    assert set(emulator) == {
        "migrate", "web", "worker-registry", "worker-registrar", "worker-resolver",
        "beat", "dns", "resolver", "epp", "whois", "origins",
    }  # fmt: skip
    for name, service in emulator.items():
        check_command(service["command"])
        assert service["environment"]["MULTI_HOST"] == "true", name
        assert service["environment"]["DATABASE_URL"].startswith("postgres://"), name
        assert service["environment"]["REDIS_URL"].startswith("redis://"), name
    queues = sorted(s["command"][s["command"].index("--queues") + 1] for n, s in emulator.items() if "worker" in n)
    assert queues == ["registrar", "registry", "resolver"]
    assert "--reuse-port" in services["dns"]["command"] and services["dns"]["deploy"]["replicas"] >= 2
    assert {"postgres", "redis"} <= set(services)


def test_the_systemd_units_run_existing_commands():
    units = sorted((DEPLOY / "systemd").glob("namesmith-*.service"))
    assert len(units) == 8
    for unit in units:
        text = unit.read_text()
        exec_start = next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStart="))
        check_command(shlex.split(exec_start))
        assert "EnvironmentFile=/etc/namesmith/env" in text and "Restart=always" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_finds_nothing_wrong_in_the_units_but_the_missing_install(tmp_path):
    names = []
    for unit in (DEPLOY / "systemd").glob("namesmith*"):
        if unit.suffix in (".service", ".target"):
            name = unit.name.replace("@.service", "@1.service")
            (tmp_path / name).write_text(unit.read_text())
            names.append(str(tmp_path / name))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/opt/namesmith/.venv/bin/" not in line
    ]
    assert problems == []
