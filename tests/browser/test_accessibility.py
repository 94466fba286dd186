"""Every page each audience reaches is accessible (GB/T 37668-2019, which follows WCAG 2.0): axe-core's WCAG 2
A and AA rules find no critical or serious violation. And the manual's layout at 1920×1080, looked at.

Each demo account signs in and walks the GET links from its home page as a person would click them (as
/work/shared/tools/reach.py does): same host, no logout, language switch, static files, captcha, actions,
deletions, downloads or exports; one page per route (URL rule, whatever its ids and list filters), at most
MAX_PAGES per account. The anonymous
visitor walks from the login page (registration, 公示). axe-core is vendored under tests/browser/vendor/ and
injected into each page as an init script, which the pages' Content-Security-Policy does not govern; the
application never serves it. The walk is also the check that no page of any role logs a CSP violation (the
browser tests' conftest watches every page).
"""
from __future__ import annotations

import re
import urllib.parse
from collections import deque
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PlatformUser
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ACCOUNTS = ["qiye", "yuanqu", "sanfang", "xiehui", "feiqiye", "changan", "shijiazhuang", "hebeisheng", "jituan",
            "gongxinbu", "admin"]
MAX_PAGES = 40
# The console (Flask-Admin, with its own base template) is walked by its own test, from /console/.
ANYWHERE = (r"logout|/lang/|/static/|captcha|/do/|/action|/delete|download|export|/workbook/|/licence/|/summary/"
            r"|\.xlsx|\.pdf|/back$")
SKIP = re.compile(ANYWHERE + r"|/console", re.I)
CONSOLE_SKIP = re.compile(ANYWHERE + r"|^(?!.*/console)", re.I)
BLOCKING = {"critical", "serious"}
EXCLUDE: list[str] = []  # nodes left out of the check: none
KNOWN: list[tuple[str, str, str]] = []  # (rule, endpoint, target) forgiven: none


@pytest.fixture(scope="module")
def declarations(app):
    """Rows in every status a list row can show (草稿, 退回修改, 审核中, 三方评价中), so lists, pages and the
    申报书 are walked with content."""
    with app.app_context():
        ids = f.one_per_status()
        db.session.commit()
    yield ids
    with app.app_context():
        f.remove(ids.values())
        db.session.commit()


@pytest.fixture(scope="module")
def audit_context(browser):
    """A context whose pages all carry axe, under the pages' own Content-Security-Policy."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_init_script(path=str(AXE))
    context.on("dialog", lambda dialog: dialog.dismiss())
    yield context
    context.close()


def route_of(app, url: str) -> str:
    """The URL rule a link goes to: one page per route, whatever its ids or list filters (the per-type
    applicant views share one route: ApplicantDeclarationView_green_factory.list is ApplicantDeclarationView.list)."""
    path = urllib.parse.urlsplit(url).path
    try:
        endpoint = app.url_map.bind("localhost").match(path, method="GET")[0]
    except Exception:  # noqa: BLE001  (a redirect or not a route of the app: the path itself)
        return path
    return re.sub(r"^ApplicantDeclarationView_\w+\.", "ApplicantDeclarationView.", endpoint)


def audit(page) -> list[dict]:
    return page.evaluate(
        """exclude => axe.run({exclude: exclude.map(s => [s])},
                              {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})
                   .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                      targets: v.nodes.map(n => n.target.join(' '))})))""",
        EXCLUDE)


def known(rule: str, route: str, target: str) -> bool:
    endpoint = route.split("?")[0]
    return any(rule == r and re.search(e, endpoint) and re.search(t, target) for r, e, t in KNOWN)


def walk(app, page, base: str, start: str, audience: str, skip=SKIP) -> tuple[list[str], list[str]]:
    """Visit the pages reachable by clicking from `start`; return the pages reached and the blocking
    violations found on them, one line per rule and page. A route already checked for the same roles (two
    reviewers' lists) is walked through but not checked again."""
    host = urllib.parse.urlsplit(base).netloc
    seen, visited, problems = set(), [], []
    queue = deque([f"{base}{start}"])
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        route = route_of(app, url)
        if route in seen:
            continue
        seen.add(route)
        response = page.goto(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(url)
        if (audience, route) not in AUDITED:
            AUDITED.add((audience, route))
            for violation in audit(page):
                targets = [t for t in violation["targets"] if not known(violation["id"], route, t)]
                if violation["impact"] in BLOCKING and targets:
                    problems.append(f"{violation['impact']} {violation['id']} on {urllib.parse.urlsplit(url).path}"
                                    f"?{urllib.parse.urlsplit(url).query}: {violation['help']}; "
                                    f"targets: {', '.join(targets[:8])}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = href.split("#")[0]
            if target and urllib.parse.urlsplit(target).netloc == host and not skip.search(target) \
                    and route_of(app, target) not in seen:
                queue.append(target)
    return visited, problems


AUDITED: set[tuple[str, str]] = set()  # (roles, route) checked in this run


def roles_of(app, username: str) -> str:
    with app.app_context():
        user = db.session.scalar(select(PlatformUser).where(PlatformUser.username == username))
        return ",".join(sorted(role.name for role in user.roles))


@pytest.mark.parametrize("username", ["anonymous", *ACCOUNTS])
def test_every_reachable_page_passes_axe(app, live_server, audit_context, declarations, username):
    page = audit_context.new_page()
    try:
        if username == "anonymous":
            page.goto(f"{live_server}/logout/")
            visited, problems = walk(app, page, live_server, "/login/", username)
            _, more = walk(app, page, live_server, "/gongshi/", username)
            problems += more
        else:
            sign_in(page, live_server, username)
            visited, problems = walk(app, page, live_server, "/", roles_of(app, username))
    finally:
        page.close()
    assert len(visited) >= (2 if username == "anonymous" else 3), visited
    assert not problems, f"{username}: {len(problems)} blocking violations\n" + "\n".join(problems)


def test_every_console_page_passes_axe(app, live_server, audit_context):
    """IT staff's console: every list, form and page of it reached from its index."""
    page = audit_context.new_page()
    try:
        sign_in(page, live_server, "admin")
        visited, problems = walk(app, page, live_server, "/console/", "admin-console", CONSOLE_SKIP)
    finally:
        page.close()
    assert len(visited) >= 10, visited
    assert not problems, f"console: {len(problems)} blocking violations\n" + "\n".join(problems)


def test_html_names_its_language(app, live_server, audit_context):
    page = audit_context.new_page()
    page.goto(f"{live_server}/login/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/login/")
    assert page.get_attribute("html", "lang") == "en"
    page.goto(f"{live_server}/lang/zh_CN")
    page.close()


def test_layout_at_1920(app, live_server, browser, declarations):
    """The manual's layout: subsystem tabs, the subsystem's menu on the left, the list over the full width, the
    操作 column with labelled buttons. Screenshots of an applicant list, a reviewer list and a reviewer's home."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, "qiye")
        page.get_by_role("link", name="技术目录").click()
        page.locator(".platform-side").get_by_role("link", name="工业节能技术目录").click()
        page.wait_for_url("**/declarations/energy_saving_tech/list/**")
        assert page.locator(".subsystem-tabs li.active").inner_text().strip() == "技术目录"
        table = page.locator("table:has(td.row-operations)")
        assert table.bounding_box()["width"] > 1500  # no fixed 1140 px column
        draft = page.locator("tr", has=page.locator(f"a[href$='/show/{declarations['draft']}']"))
        assert [b.strip() for b in draft.locator("td.row-operations a, td.row-operations button").all_inner_texts()] \
            == ["查看", "申报书", "填写", "删除"]
        screenshot(page, "layout-applicant-list")

        sign_in(page, live_server, "changan")
        screenshot(page, "layout-reviewer-home")
        page.locator(".platform-side").get_by_role("link", name="申报审核").click()
        page.get_by_role("link", name="全部").click()
        page.wait_for_url("**tab=all**")
        row = page.locator("tr", has=page.locator(f"a[href$='/show/{declarations['returned']}']"))
        assert [b.strip() for b in row.locator("td.row-operations a, td.row-operations button").all_inner_texts()] \
            == ["查看", "申报书"]
        screenshot(page, "layout-reviewer-list")
    finally:
        context.close()
