"""``python -m config.supervise``: the Procfile becomes supervisord's configuration."""

import configparser

import pytest

from config import supervise
from config.settings import BASE_DIR


def sections(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


@pytest.fixture
def procfile_conf(tmp_path):
    programs = supervise.read_procfile(BASE_DIR / "Procfile")
    return sections(supervise.configuration(programs, var_dir=tmp_path, workers=3, python="/py", password="pw"))


def test_every_procfile_line_is_a_program_restarted_alone_with_backoff(procfile_conf):
    names = [s.removeprefix("program:") for s in procfile_conf.sections() if s.startswith("program:")]
    assert names == ["web", "worker", "beat", "dns", "origins", "resolver", "epp", "whois"]
    for name in names:
        program = procfile_conf[f"program:{name}"]
        assert program["autorestart"] == "true"
        assert program["startretries"] == str(supervise.START_RETRIES)
        assert program["command"].startswith("/bin/sh -c 'exec ")


def test_worker_runs_worker_concurrency_solo_processes_under_their_own_names(procfile_conf):
    worker = procfile_conf["program:worker"]
    assert (worker["numprocs"], worker["numprocs_start"]) == ("3", "1")
    assert worker["process_name"] == "worker.%(process_num)d"
    assert worker["environment"] == 'NAMESMITH_PROCESS="worker.%(process_num)d"'
    # supervisord expands %(...)s itself: Celery's %h reaches the shell as %h.
    assert "--pool solo" in worker["command"] and "@%%h" in worker["command"]


def test_the_watcher_hears_of_exits_and_give_ups(procfile_conf):
    assert procfile_conf["eventlistener:watch"]["events"] == "PROCESS_STATE_EXITED,PROCESS_STATE_FATAL"


def test_a_line_that_is_not_name_colon_command_is_refused(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web gunicorn\n")
    with pytest.raises(SystemExit, match="not a 'name: command' line"):
        supervise.read_procfile(procfile)


@pytest.mark.parametrize("value", ["0", "two"])
def test_a_bad_worker_concurrency_stops_the_start(monkeypatch, tmp_path, value):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("WORKER_CONCURRENCY", value)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    with pytest.raises(ImproperlyConfigured, match="WORKER_CONCURRENCY"):
        supervise.main([])
