"""End-to-end tests: the real Chromium (Playwright for Python, /usr/bin/chromium, headless) against the
real API on the test database of tests/conftest.py, with the built SPA (frontend/dist) served on the
same origin — `/api/...` to the Flask app, anything else a file of dist with index.html as the SPA's
fallback, as nginx does in production (so the HttpOnly cookies and CSRF work as there).

The folder is collected only where Chromium, the built SPA and the playwright package are there
(`npm run build` in frontend/ first); the report header says why when it is not.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import uuid
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


def why_not_collected() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    if not (DIST / "index.html").exists():
        return "frontend/dist/index.html is missing (cd frontend && npm run build)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e './backend[test]')"
    return None


REASON = why_not_collected()
if REASON and os.environ.get("SERVICEHUB_REQUIRE_BROWSER") == "1":
    # CI: the browser tests must run, not be left out quietly.
    raise RuntimeError(f"SERVICEHUB_REQUIRE_BROWSER=1 but the browser tests cannot run: {REASON}")
collect_ignore_glob = ["test_*.py"] if REASON else []


def pytest_report_header(config):
    # Shown when tests/e2e is on the command line; tests/conftest.py shows the same for `pytest tests`.
    return [e2e_header()]


def e2e_header() -> str:
    return f"servicehub e2e: {'not collected: ' + REASON if REASON else 'Chromium ' + str(CHROMIUM)}"


def spa_app(api):
    """The WSGI app of the one origin: the API under /api, the SPA's files, index.html for the rest."""
    from werkzeug.utils import send_file

    root = DIST.resolve()

    def dispatch(environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if path == "/api" or path.startswith("/api/"):
            return api(environ, start_response)
        file = (root / path.lstrip("/")).resolve()
        if not file.is_file() or root not in file.parents:
            file = root / "index.html"
        # index.html is never cached (new builds), the hashed assets may be.
        response = send_file(file, environ, max_age=0 if file.name == "index.html" else 3600)
        return response(environ, start_response)

    return dispatch


@pytest.fixture(scope="module")
def live_server(database):
    """The API with the demo group on the test database, and the SPA, on a free port; the database is
    emptied again afterwards (as tests/conftest.py does after each test)."""
    from werkzeug.serving import make_server

    from servicehub import create_app
    from servicehub.seed import seed_demo
    from tests.conftest import make_settings

    url = database["app_url"]()
    database["reset"](url)  # start from empty whatever ran before (PostgreSQL: truncate)
    url = database["app_url"]()
    app = create_app(make_settings(database, url, rate_limit_prefix=f"e2e-{uuid.uuid4().hex[:8]}"))
    with app.app_context():
        seed_demo()
    server = make_server("127.0.0.1", 0, spa_app(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield {"app": app, "base_url": f"http://127.0.0.1:{server.server_port}"}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["servicehub.db"].engine.dispose()
        database["reset"](url)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (its own cookies), 1366×768 unless told (a tablet in portrait:
    `TABLET`), zh-CN, base URL of the live server. Uncaught errors of the page fail the test."""
    contexts, errors = [], []

    def open_page(viewport=VIEWPORT):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      base_url=live_server["base_url"])
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshot():
    """Save a screenshot of the page under docs/screenshots/<name>.png (stable names, overwritten)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", caret="hide")

    return take
