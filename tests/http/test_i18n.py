"""Chinese everywhere in the Chinese UI, English in the English one: Flask-AppBuilder's own texts (widgets,
dialogs, the texts its scripts write), the console, and refusals whose values are formatted after translation."""
from __future__ import annotations

import datetime
import json
import re
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.models import BatchWindow
from app.views.fab_texts import FAB_TEXTS
from tests import factories as f
from tests.helpers import post_form as post

CJK = re.compile(r"[\u4e00-\u9fff]")

# Flask-AppBuilder's and Flask-Admin's English UI words, as whole words of visible text.
ENGLISH_UI = re.compile(r"\b(?:Show|Edit|Delete|Add|Search|List|Actions|Record Count|No row selected|OK|Cancel|Back|"
                        r"Save|Refresh|Select(?: a State)?|Page size|Add Filter|Filter|Clear|Previous|Next|Language|"
                        r"Toggle navigation|Name|Label|Description|Users?|Roles?|Groups?|True|False|None)\b|__None")


class VisibleText(HTMLParser):
    """What a person sees or hears of a page: text outside scripts and styles, titles, placeholders and
    labels for screen readers, button values; a form template kept for scripts (Flask-Admin's inline rows)
    is read as the HTML it becomes. Text marked with another language (`lang="en"`) and the links to
    another language (the language menu, checked on its own) are left out; so is JSON data for scripts."""

    SKIP = {"script", "style", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, template)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = bool(self.stack and self.stack[-1][1]) or tag in self.SKIP
        lang = attributes.get("lang")
        if (lang and not lang.lower().startswith("zh")) or (attributes.get("href") or "").startswith("/lang/") \
                or (attributes.get("id") or "").endswith("-data"):
            skipped = True
        template = "inline-field-template" in (attributes.get("class") or "")
        if not skipped:
            for key in ("title", "placeholder", "aria-label", "alt", "data-placeholder"):
                if attributes.get(key):
                    self.parts.append(attributes[key])
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset") and attributes.get("value"):
                self.parts.append(attributes["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skipped, template))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][1]:
            return
        if any(template for _, _, template in self.stack):
            self.parts.extend(visible_text(data))
        elif data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def english_words(html: str) -> list[str]:
    return sorted({m.group(0) for text in visible_text(html) for m in ENGLISH_UI.finditer(text)})


# --- Flask-AppBuilder's catalogue -------------------------------------------------------------------------

def test_every_fab_text_is_chinese_in_chinese_and_itself_in_english(app):
    with app.test_request_context("/"):
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                for text in FAB_TEXTS:
                    said = gettext(text)
                    if locale == "zh_CN":
                        assert CJK.search(said), (text, said)
                    else:
                        assert said == text


def test_fab_dialogs_and_script_texts_follow_the_language(client_as):
    client = client_as("admin")
    html = client.get("/users/list/").get_data(as_text=True)
    assert 'data-dismiss="modal">取消</button>' in html and ">确定</a>" in html
    assert json.loads(re.search(r'<script type="application/json" class="fab-texts">(.*?)</script>', html, re.S).group(1))["No row selected"] == "请先勾选要操作的记录"
    assert "查看记录" in html and "编辑记录" in html  # the row buttons' tooltips
    client.get("/lang/en")
    english = client.get("/users/list/").get_data(as_text=True)
    assert 'data-dismiss="modal">Cancel</button>' in english and ">OK</a>" in english
    assert json.loads(re.search(r'<script type="application/json" class="fab-texts">(.*?)</script>', english, re.S).group(1))["No row selected"] == "No row selected"
    assert "Show record" in english


# --- no English UI word on the main pages of the Chinese UI --------------------------------------------------

# Beyond the home page and every page its menu links to: one declaration page each, and the console.
PAGES = {
    "qiye": lambda ids: ["/", f"/declarations/green_factory/show/{ids['d1']}",
                         f"/declarations/green_factory/show/{ids['d2']}", "/profile/organization/"],
    "sanfang": lambda ids: ["/", f"/agency/declarations/show/{ids['d1']}"],
    "changan": lambda ids: ["/", f"/review/declarations/show/{ids['d1']}"],
    "hebeisheng": lambda ids: ["/", f"/review/declarations/show/{ids['d1']}"],
    "gongxinbu": lambda ids: ["/", f"/review/declarations/show/{ids['d1']}"],
    "admin": lambda ids: ["/", "/reference/batches/show/1", "/users/show/1", "/console/",
                          "/console/batches/", "/console/batches/new/", "/console/authorities/", "/console/audit/"],
}


def menu_links(html: str) -> list[str]:
    """The pages a person reaches from the menu: lists, dashboards, publications (no downloads, no actions)."""
    links = re.findall(r'<a[^>]+href="(/[^"#]*)"', html)
    wanted = [link for link in links if not re.search(r"/(lang|logout|login|download|export|console)\b", link)
              and not link.startswith("/static")]
    return list(dict.fromkeys(wanted))


@pytest.mark.parametrize("username", list(PAGES))
def test_no_english_ui_words_in_the_chinese_ui(client_as, declarations, username):
    client = client_as(username)
    home = client.get("/").get_data(as_text=True)
    urls = list(dict.fromkeys(["/", *menu_links(home), *PAGES[username](declarations)]))
    assert len(urls) > 3, urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (username, url, response.status_code)
        if "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        assert english_words(html) == [], (username, url)


def test_the_scan_finds_what_it_is_for():
    """The scanner must see FAB's words where they would show, and not data such as codes or file types."""
    assert english_words('<span class="sr-only">Show</span>') == ["Show"]
    assert english_words('<a title="Edit record"></a><button>Cancel</button>') == ["Cancel", "Edit"]
    assert english_words('<div class="inline-field-template d-none">&lt;option value="__None"&gt;__None'
                         '&lt;/option&gt;</div>') == ["__None"]
    assert english_words('<td>green_factory</td><td>xlsx</td><script>ab_alert("No row selected")</script>'
                         '<option value="__None">（不选）</option><span lang="en">English</span>') == []


def test_the_language_menu_names_each_language_in_itself(client_as):
    html = client_as("qiye").get("/").get_data(as_text=True)
    link = re.search(r'<a[^>]+href="/lang/en"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert re.search(r'lang="en"[^>]*>\s*English\s*<', link) and " - " not in link


# --- refusals formatted after translation ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def closed_window_draft(app):
    """A draft of 绿源 whose batch window has closed since it was created."""
    with app.app_context():
        batch = f.new_batch("国际化测试批", "energy_saving_tech")
        draft = f.drafted("qiye", "energy_saving_tech", batch)
        window = db.session.scalar(select(BatchWindow).where(BatchWindow.batch_id == batch.id))
        window.opens_on, window.closes_on = datetime.date(2026, 1, 5), datetime.date(2026, 2, 6)
        db.session.commit()
        pk = draft.id
    yield pk  # outside the app context: requests must not share its `g`
    with app.app_context():
        f.remove([pk])  # with its attachment rows (PostgreSQL enforces the keys)
        db.session.commit()


@pytest.mark.parametrize("language, expected", [
    (None, "不在申报时间内：本批次此类型的申报时间为 2026-01-05 至 2026-02-06"),
    ("en", "Outside the declaration period: in this batch, declarations of this type"),
])
def test_a_refusal_with_values_in_the_users_language(client_as, closed_window_draft, language, expected):
    qiye = client_as("qiye")
    if language:
        qiye.get(f"/lang/{language}")
    show = f"/declarations/energy_saving_tech/show/{closed_window_draft}"
    refused = post(qiye, f"/declarations/energy_saving_tech/do/{closed_window_draft}/submit", channel="local")
    assert refused.status_code == 302
    page = qiye.get(refused.headers["Location"] or show).get_data(as_text=True)
    assert expected in page and "2026-01-05" in page and "2026-02-06" in page
    if language == "en":
        assert "不在申报时间内" not in page


def test_a_deadline_refusal_names_the_level_in_english(app, client_as):
    with app.app_context():
        declaration = f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye")
        window = db.session.scalar(select(BatchWindow).where(
            BatchWindow.batch_id == declaration.batch_id,
            BatchWindow.declaration_type_id == declaration.declaration_type_id))
        saved, window.county_deadline = window.county_deadline, datetime.date(2026, 3, 1)
        db.session.commit()
        pk, window_id = declaration.id, window.id
    try:
        changan = client_as("changan")
        chinese = post(changan, "/review/declarations/decide", decision="approve", rowid=str(pk), opinion="同意")
        assert "本批次县/区审核截止日期为 2026-03-01，已过期" in chinese.get_data(as_text=True)
        changan.get("/lang/en")
        english = post(changan, "/review/declarations/decide", decision="approve", rowid=str(pk), opinion="同意")
        assert "The deadline of County review in this batch was 2026-03-01 and has passed" \
            in english.get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.get(BatchWindow, window_id).county_deadline = saved
            db.session.commit()


def test_a_listed_value_is_translated_item_by_item(app):
    from app.domain import DomainError

    refused = DomainError("请先上传%(files)s，再提交推荐", files=("推荐函", "推荐汇总表（盖章）"))
    assert refused.message == "请先上传推荐函、推荐汇总表（盖章），再提交推荐"
    with app.test_request_context("/"), force_locale("en"):
        from app.web.language import say

        english = say(refused)
    assert english.startswith("Please upload the ") and ", " in english and "推荐" not in english
