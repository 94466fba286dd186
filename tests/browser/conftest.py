"""A live server over the module's seeded test database, and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def pytest_collection_modifyitems(items):
    """Browser tests run once, on SQLite: skipped on PostgreSQL before any database is copied for them."""
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason="browser tests run once, on the SQLite database")
    for item in items:
        callspec = getattr(item, "callspec", None)
        if here in item.path.parents and callspec and callspec.params.get("seeded", "sqlite") != "sqlite":
            item.add_marker(skip)


@pytest.fixture(scope="module")
def live_server(app):
    """The module's app served over HTTP (its own database and upload folder, like every module's)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


# Reports each Content-Security-Policy violation of a page to the test, whatever the page's own policy lets run
# (init scripts are not subject to it).
CSP_WATCH = """
document.addEventListener('securitypolicyviolation', e => window.__cspViolation({
    directive: e.violatedDirective, blocked: e.blockedURI, page: e.documentURI,
    source: e.sourceFile ? e.sourceFile + ':' + e.lineNumber : '', sample: e.sample}));
"""


class CspWatch:
    """Every page of every context the tests open reports its CSP violations here: the `securitypolicyviolation`
    events and Chromium's console lines "Refused to …"."""

    def __init__(self):
        self.violations: list[str] = []

    def attach(self, context) -> None:
        context.expose_binding("__cspViolation", lambda source, v: self.violations.append(
            f"{v['directive']} blocked {v['blocked'] or '(inline)'} on {v['page']}"
            f"{' from ' + v['source'] if v['source'] else ''}{', sample ' + repr(v['sample']) if v['sample'] else ''}"))
        context.add_init_script(CSP_WATCH)
        context.on("console", lambda message: message.text.startswith("Refused to") and self.violations.append(
            f"console on {message.page.url if message.page else '?'}: {message.text}"))


class WatchedBrowser:
    """The browser, with every new context watched for CSP violations."""

    def __init__(self, browser, watch: CspWatch):
        self._browser, self._watch = browser, watch

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        self._watch.attach(context)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def csp_watch():
    return CspWatch()


@pytest.fixture(autouse=True)
def no_csp_violation(csp_watch):
    """Every browser test fails when one of its pages reported a CSP violation."""
    before = len(csp_watch.violations)
    yield
    found = csp_watch.violations[before:]
    del csp_watch.violations[before:]
    assert not found, f"{len(found)} Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(found))


@pytest.fixture(scope="session")
def browser(csp_watch):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield WatchedBrowser(browser, csp_watch)
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    yield page
    if not page.is_closed():
        page.evaluate("1")  # the page's last reports reach the watch before it closes
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
