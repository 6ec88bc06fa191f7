"""``python -m config.supervise``: run every process of the Procfile under supervisord.

``make run`` starts the emulator this way. supervisord (the ``supervisor`` package) was
chosen over a Procfile runner because it restarts one process that exits while the others
keep serving, with a backoff while a process keeps failing to start, and gives up on it
with a log line instead of looping forever; honcho stops everything when any one process
exits. Each child runs in its own process group, so Ctrl-C reaches supervisord alone,
which stops the children in turn (SIGTERM, then SIGKILL after ``STOP_TIMEOUT``) and exits.

The Procfile stays the one list of processes: each line becomes a ``[program:…]`` section
run through ``/bin/sh -c 'exec …'`` (so its ``${VAR:-default}`` forms expand and the
program is the process supervisord watches). ``worker`` runs ``WORKER_CONCURRENCY``
processes named ``worker.1``, ``worker.2``, … Each child gets ``NAMESMITH_PROCESS`` (its
name) for its log lines and metrics. The generated configuration is written to
``VAR_DIR/supervisord.conf``; ``supervisorctl -c`` on it shows and restarts processes.

Each worker process runs Celery's solo pool: it takes a task from the broker and runs it
itself. A prefork pool adds a parent process that reads every message and hands it to a
child over a pipe; on the bare Celery relay of bench/peer_relay.py, two solo processes
moved about twice as many tasks a second as a prefork pool of two.

``python -m config.supervise --watch`` is the event listener the configuration starts: it
turns supervisord's state changes into one plain sentence each on stderr (a process that
died and is being restarted; one given up on).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from config.env import env_int, env_path

# A process must stay up this long to count as started; one that exits sooner is retried
# after 1 s, 2 s, 3 s, … and given up on after START_RETRIES such tries in a row.
START_SECONDS = 3
START_RETRIES = 5
# A Celery worker's warm shutdown (finish the running task, disconnect) may take a while.
STOP_TIMEOUT = 30
PROGRAM_ORDER = ["web", "worker", "beat", "dns", "origins", "resolver", "epp", "whois"]


@dataclass(frozen=True)
class Program:
    name: str
    command: str


def read_procfile(path: Path) -> list[Program]:
    """The ``name: command`` lines of a Procfile, in order."""
    programs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().isidentifier() or not command.strip():
            raise SystemExit(f"{path}:{number}: not a 'name: command' line: {line!r}")
        programs.append(Program(name.strip(), command.strip()))
    return programs


def _escape(value: str) -> str:
    # supervisord expands %(name)s in its values; a literal percent sign is doubled.
    return value.replace("%", "%%")


def configuration(programs: list[Program], *, var_dir: Path, workers: int, python: str, password: str) -> str:
    """supervisord's configuration for ``programs``, with ``workers`` worker processes;
    supervisorctl reaches it on a socket in ``var_dir`` with ``password``."""
    sections = [
        "[supervisord]",
        "nodaemon=true",
        *(["user=root"] if os.geteuid() == 0 else []),  # said, so supervisord does not warn
        f"logfile={var_dir / 'supervisord.log'}",
        "logfile_maxbytes=10MB",
        f"pidfile={var_dir / 'supervisord.pid'}",
        f"childlogdir={var_dir}",
        "loglevel=info",
        "",
        "[unix_http_server]",
        f"file={var_dir / 'supervisor.sock'}",
        "chmod=0700",
        "username=namesmith",
        f"password={password}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{var_dir / 'supervisor.sock'}",
        "username=namesmith",
        f"password={password}",
        "",
        "[eventlistener:watch]",
        f"command={shlex.quote(python)} -m config.supervise --watch",
        "events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL",
        "stderr_logfile=/dev/stderr",
        "stderr_logfile_maxbytes=0",
        "",
    ]
    for program in programs:
        several = program.name == "worker"
        process_name = "worker.%(process_num)d" if several else program.name
        sections += [
            f"[program:{program.name}]",
            f"command=/bin/sh -c {shlex.quote('exec ' + _escape(program.command))}",
            f'environment=NAMESMITH_PROCESS="{process_name}"',
            f"process_name={process_name}",
            *([f"numprocs={workers}", "numprocs_start=1"] if several else []),
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_TIMEOUT}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
            f"priority={100 + PROGRAM_ORDER.index(program.name) if program.name in PROGRAM_ORDER else 999}",
            "",
        ]
    return "\n".join(sections)


def watch() -> None:
    """The event listener: one sentence on stderr per unexpected exit or give-up."""
    from supervisor import childutils

    conf = os.environ.get("SUPERVISE_CONF", "var/supervisord.conf")
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        fields = childutils.get_headers(payload.split("\n", 1)[0])
        name = fields.get("processname", "?")
        if headers["eventname"] == "PROCESS_STATE_EXITED" and fields.get("expected") == "0":
            print(f"supervise: {name} exited unexpectedly (pid {fields.get('pid')}); restarting it", file=sys.stderr)
        elif headers["eventname"] == "PROCESS_STATE_FATAL":
            print(
                f"supervise: GAVE UP on {name}: it exited {START_RETRIES + 1} times in a row within "
                f"{START_SECONDS} s of starting (its last lines are above). The other processes keep "
                f"serving; once fixed, start it with: supervisorctl -c {conf} start {name}",
                file=sys.stderr,
            )
        sys.stderr.flush()
        childutils.listener.ok(sys.stdout)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m config.supervise", description=__doc__.split("\n\n")[0])
    parser.add_argument("--procfile", default="Procfile", type=Path)
    parser.add_argument("--watch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("only", nargs="*", help="run only these programs of the Procfile (default: all)")
    args = parser.parse_args(argv)
    if args.watch:
        watch()
        return
    var_dir = env_path("VAR_DIR", Path(__file__).resolve().parent.parent / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    programs = read_procfile(args.procfile)
    unknown = set(args.only) - {p.name for p in programs}
    if unknown:
        raise SystemExit(f"not in {args.procfile}: {', '.join(sorted(unknown))}")
    if args.only:
        programs = [p for p in programs if p.name in args.only]
    workers = env_int("WORKER_CONCURRENCY", 2, minimum=1, maximum=64)
    conf = var_dir / "supervisord.conf"
    conf.touch(mode=0o600)  # it holds supervisorctl's password
    conf.chmod(0o600)
    conf.write_text(
        configuration(programs, var_dir=var_dir, workers=workers, python=sys.executable, password=secrets.token_hex(16))
    )
    os.environ["SUPERVISE_CONF"] = str(conf)
    os.execv(sys.executable, [sys.executable, "-m", "supervisor.supervisord", "--configuration", str(conf)])


if __name__ == "__main__":
    main(sys.argv[1:])
