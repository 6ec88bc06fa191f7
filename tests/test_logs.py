"""Log lines: plain by default, JSON on request, and one correlation id that follows an
order from the web request through every task of the worker that carries it out."""

import json
import logging

import pytest
from django.test import Client

from config import logs


def record(message: str = "hello") -> logging.LogRecord:
    made = logging.LogRecord("namesmith.test", logging.INFO, __file__, 1, message, None, None)
    logs.ContextFilter().filter(made)
    return made


def formatter(json_lines: bool) -> logging.Formatter:
    spec = logs.logging_config(json_lines=json_lines, level="INFO", quiet={})["formatters"]["line"]
    if json_lines:
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"])
    return logging.Formatter(spec["format"])


def test_a_plain_line_names_its_process_and_correlation_id(monkeypatch):
    monkeypatch.setenv("NAMESMITH_PROCESS", "worker.2")
    token = logs.begin("abc123")
    try:
        line = formatter(json_lines=False).format(record())
    finally:
        logs.end(token)
    assert line.endswith(" worker.2 INFO namesmith.test: hello [abc123]")


def test_a_json_line_has_the_fields_a_log_shipper_reads(monkeypatch):
    monkeypatch.setenv("NAMESMITH_PROCESS", "web")
    token = logs.begin("abc123")
    try:
        line = json.loads(formatter(json_lines=True).format(record("placed order 7")))
    finally:
        logs.end(token)
    assert {k: line[k] for k in ("process", "level", "logger", "message", "correlation_id")} == {
        "process": "web",
        "level": "INFO",
        "logger": "namesmith.test",
        "message": "placed order 7",
        "correlation_id": "abc123",
    }
    assert "time" in line


def test_a_bad_log_format_stops_start_up(monkeypatch):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": "yaml", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "LOG_FORMAT must be 'plain' or 'json'" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(("sent", "kept"), [("order-7.retry_2", True), ("bad id with spaces", False), (None, False)])
def test_a_web_request_answers_with_its_correlation_id(sent, kept):
    headers = {"HTTP_X_REQUEST_ID": sent} if sent else {}
    answered = Client().get("/healthz", **headers)["X-Request-Id"]
    assert (answered == sent) is kept
    assert len(answered) >= 8


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["/v/bin/gunicorn", "config.wsgi"], "web"),
        (["/v/bin/celery", "-A", "config", "worker"], "worker"),
        (["/v/lib/site-packages/celery/__main__.py", "-A", "config", "beat"], "beat"),
        (["manage.py", "run_dns"], "run_dns"),
    ],
)
def test_a_process_started_by_hand_is_named_from_its_command_line(monkeypatch, argv, name):
    monkeypatch.delenv("NAMESMITH_PROCESS", raising=False)
    monkeypatch.setattr("sys.argv", argv)
    assert record().process_name == name
