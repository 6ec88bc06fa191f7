"""Run the README's shell examples against a running emulator, as a reader would copy them.

Usage: python .ci/smoke_readme.py http://127.0.0.1:PORT/   (VAR_DIR set as for `make run`)

Every ```sh block of README.md runs, in order, in one bash session (so a variable set in one
block is there in the next), unless the line before it says ``<!-- not run by
.ci/smoke_readme.py: why -->``. Each block runs with ``set -euo pipefail`` and ``curl``
failing on an HTTP error, so an example that errors fails the run, naming its README line.
The blocks run in a scratch directory holding ``manage.py`` and ``var`` (links to this
checkout and to VAR_DIR), and the few addresses that depend on how the emulator was
started are rewritten to this one's: the web port, and the WHOIS, EPP and origin ports
that are 43, 700 and 80 with the privilege to bind them and 10043, 10700 and 10080 without.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = re.compile(r"^<!-- not run by \.ci/smoke_readme\.py: .+ -->$")


def blocks(readme: str) -> list[tuple[int, str]]:
    """(line number, text) of every ```sh block not marked as not run."""
    found = []
    lines = readme.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            start = i + 1
            end = lines.index("```", start)
            previous = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
            if not SKIP.match(previous):
                found.append((start, "\n".join(lines[start:end])))
            i = end
        i += 1
    return found


def rewrite(text: str, base: str, endpoints: dict) -> str:
    web = base.rstrip("/")
    text = text.replace("http://127.0.0.1:8000", web)
    whois, epp = endpoints["whois"], endpoints["epp"]
    text = re.sub(r"-h (\S+) -p 10043", rf"-h \1 -p {whois['port']}", text)
    text = text.replace(f"{epp['address']}:10700", f"{epp['address']}:{epp['port']}")
    for origin in endpoints["origins"]:
        if origin["port"] != 80:
            text = text.replace(f"http://{origin['address']}/", f"http://{origin['address']}:{origin['port']}/")
    return text


def main(base: str) -> int:
    python = ROOT / ".venv" / "bin" / "python"
    found = subprocess.run(
        [python, "manage.py", "endpoints", "--json"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    endpoints = json.loads(found.stdout)
    examples = blocks((ROOT / "README.md").read_text())
    script = [
        "set -euo pipefail",
        'curl() { command curl --fail-with-body --silent --show-error "$@"; }',
    ]
    for line, text in examples:
        script += [f"echo '== README.md line {line}'", rewrite(text, base, endpoints), "echo"]
    with tempfile.TemporaryDirectory(prefix="readme-") as scratch:
        (Path(scratch) / "manage.py").symlink_to(ROOT / "manage.py")
        (Path(scratch) / "var").symlink_to(Path(os.environ.get("VAR_DIR") or ROOT / "var").resolve())
        env = {**os.environ, "PATH": f"{python.parent}:{os.environ['PATH']}"}
        result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=scratch, env=env, timeout=600)
    print(f"{len(examples)} README examples: {'all ran' if result.returncode == 0 else 'one failed (above)'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/"))
