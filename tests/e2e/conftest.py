"""End-to-end fixtures: the real app under gunicorn on 127.0.0.1, driven by Debian's Chromium.

One server per test session: a temporary instance folder and SQLite file, migrated and loaded
with the demo through the ``flask``/``ypmatch`` command line, then served by gunicorn with two
workers. Each test gets fresh browser contexts (cookies are not shared between tests).

The tests are skipped, with the reason printed by ``pytest -ra``, when /usr/bin/chromium is
missing (``apt-get install -y chromium``) or when YPMATCH_E2E=0 (``.ci/run`` runs them in its
SQLite leg only: they always use their own SQLite file). ``.ci/run`` installs Chromium and sets
YPMATCH_E2E=required there, so in CI a missing browser fails instead of skipping.
Playwright is never asked to download a browser.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = E2E_DIR.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 90
VIEWPORT = {"width": 1280, "height": 800}  # screenshots are this wide


def _missing_reason() -> str | None:
    if os.environ.get("YPMATCH_E2E", "1") == "0":
        return "YPMATCH_E2E=0: the browser tests run in the SQLite leg of .ci/run only"
    if not CHROMIUM.exists():
        return (
            "end-to-end browser tests need Debian's Chromium at /usr/bin/chromium "
            "(apt-get install -y chromium; .ci/run installs it)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "end-to-end browser tests need Playwright: pip install -e '.[dev]'"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_reason()
    if reason is None or os.environ.get("YPMATCH_E2E") == "required":
        return  # with YPMATCH_E2E=required (.ci/run) a missing browser fails the tests instead
    marker = pytest.mark.skip(reason=reason)
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(marker)


@pytest.fixture(autouse=True)
def _rollback_after_test():
    """The browser tests talk to their own server; the in-memory test database is unused."""
    yield


@dataclass
class LiveServer:
    url: str
    instance: Path
    database: Path
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_spec(instance: Path) -> str:
    # Flask's --app and gunicorn both call a factory with literal arguments.
    return f"ypmatch:create_app({{'INSTANCE_PATH': {str(instance)!r}}})"


def _run_cli(args: list[str], env: dict, instance: Path, cwd: Path) -> None:
    command = [sys.executable, "-m", "flask", "--app", _app_spec(instance), *args]
    result = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=30) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in time:\n{log.read_text(errors='replace')}")


def _gunicorn_options() -> list[str]:
    import gunicorn

    options = []
    # gunicorn 27 opens a control socket in ~/.gunicorn; two servers would share it.
    if tuple(int(p) for p in gunicorn.__version__.split(".")[:1]) >= (27,):
        options.append("--no-control-socket")
    return options


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    root = tmp_path_factory.mktemp("e2e")
    instance = root / "instance"
    instance.mkdir()
    database = root / "ypmatch-e2e.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("YPMATCH_") and not key.startswith("FLASK_")
    }
    env.update(
        {
            "YPMATCH_DATABASE_URL": f"sqlite:///{database}",
            "YPMATCH_SECRET_KEY": "e2e-secret-key-not-for-production",
            "YPMATCH_MAIL_SEND_AFTER_REQUEST": "0",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    _run_cli(["db", "upgrade"], env, instance, root)
    _run_cli(["seed-demo"], env, instance, root)

    port = _free_port()
    log = root / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--preload",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                *_gunicorn_options(),
                "ypmatch.wsgi:app",  # the production entry point: the index fitted pre-fork
            ],
            env={**env, "YPMATCH_INSTANCE_PATH": str(instance)},
            cwd=root,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process, log)
        yield LiveServer(url=url, instance=instance, database=database, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def browser():
    reason = _missing_reason()
    if reason is not None:
        pytest.fail(f"YPMATCH_E2E=required, but {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies): ``new_page(**context_options)``."""
    contexts = []

    def open_page(**options):
        settings = {
            "base_url": live_server.url,
            "viewport": VIEWPORT,
            "locale": "en-GB",
            "accept_downloads": True,
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
