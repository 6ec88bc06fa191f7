"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, from
``make test-tools``; never ``playwright install``) against the whole emulator on loopback.

``site`` is tests/e2e's ``chain`` (the demo registry and rental pool, a Celery worker,
run_dns with every zone published) plus run_resolver and the web app under gunicorn, as the
Procfile runs them. ``page`` and ``phone`` are fresh browser contexts on it (desktop and
phone width) whose relative URLs resolve against the site: ``page.goto("/search/")``.
``shot(page, "name")`` saves a full-page PNG under artifacts/screenshots/<test>/; a test
that fails leaves one of each of its pages there too.

Without /usr/bin/chromium the tests are skipped, or fail when CI=true.
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

# settle_workers is left out: chain's own teardown stops the worker before the database flush.
from tests.e2e.conftest import chain, forget_redis_keys_at_the_end  # noqa: F401
from tests.e2e.dnsworld import wait_until
from tests.e2e.processes import Process, Stack

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own lookups hang on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "artifacts" / "screenshots"
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Runs before any fixture, so a missing browser costs no stack start."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make test-tools` installs Debian's chromium package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(REPORTS, {})
    return any(r.failed for r in reports.values())


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for every browser test, closed when they are done (package scope) so
    that Playwright's event loop is gone before the rest of the suite runs."""
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        _allow_orm_beside_playwright(patch)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _allow_orm_beside_playwright(patch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API leaves its asyncio loop set as this thread's running loop, and
    Django refuses ORM calls while one is: the tests' own calls (seeding, assertions, the
    database flush) are plain sync code all the same. The processes a Stack starts from
    here do not inherit the allowance, so they keep Django's check."""
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    env = Stack.env

    def env_without_allowance(self: Stack, **extra: str) -> dict:
        return {k: v for k, v in env(self, **extra).items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}

    patch.setattr(Stack, "env", env_without_allowance)


@pytest.fixture(scope="session")
def static_files() -> None:
    """The admin's CSS and scripts, collected once into this run's VAR_DIR for whitenoise."""
    call_command("collectstatic", interactive=False, verbosity=0)


@dataclass
class Site:
    """The running emulator as a browser sees it."""

    base_url: str
    stack: Stack
    nameservers: list[str]
    web: Process

    def url(self, path: str = "/") -> str:
        return urljoin(self.base_url, path)

    def log_in(self, page: Page, user: AbstractBaseUser) -> None:
        """Give ``page``'s context a session cookie for ``user``. The web process checks
        passwords with the production hashers, which cannot read the MD5 hashes the tests
        make, so logging in through a form would fail for users the tests create."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture
def site(request: pytest.FixtureRequest, chain, static_files) -> Iterator[Site]:  # noqa: F811
    stack, nameservers = chain
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]
    web = Process("web", args, stack.env(WEB_HOST="127.0.0.1", WEB_PORT=str(port)), stack.log_dir)
    stack.processes.append(web)  # chain's teardown stops it with the rest
    stack.resolver()  # gunicorn boots meanwhile
    web.wait_for_output("Booting worker")
    wait_until(lambda: _healthy(port), timeout=30, what="the web app answering /healthz")
    yield Site(f"http://127.0.0.1:{port}", stack, nameservers, web)
    if _failed(request):
        print(f"processes' logs: {stack.log_dir}\n--- web ---\n{web.output()[-3000:]}")


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``shot(page, name)``: a full-page PNG at artifacts/screenshots/<test>/<NN>-<name>.png."""
    folder = SCREENSHOTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    numbers = itertools.count(1)

    def take(page: Page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{next(numbers):02d}-{_slug(name)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _page(browser: Browser, site: Site, request, shot, label: str, **options) -> Iterator[Page]:
    context = browser.new_context(base_url=site.base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
        if _failed(request) and page.url != "about:blank":
            shot(page, f"failed-{label}")
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, site: Site, request: pytest.FixtureRequest, shot) -> Iterator[Page]:
    """A page in a fresh context (its own cookies and storage) at desktop width."""
    yield from _page(browser, site, request, shot, "page", viewport=DESKTOP)


@pytest.fixture
def phone(browser: Browser, site: Site, request: pytest.FixtureRequest, shot) -> Iterator[Page]:
    """A page in a fresh context at a phone's width, with touch and the meta viewport honoured."""
    yield from _page(
        browser, site, request, shot, "phone", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
