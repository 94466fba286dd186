"""Steps that many browser tests take the same way: signing in, the menus, saving the declaration form,
downloading a file, and the 绿色工厂 form definition that the Excel round trips fill."""
from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from app.domain import forms
from tests.conftest import DEMO_PASSWORD

GREEN_FACTORY_FORM = Path(__file__).resolve().parents[2] / "seeds" / "forms" / "green_factory.json"


def sign_in(page, base, username):
    page.goto(f"{base}/logout/")
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def menu(page, category, item):
    page.get_by_role("link", name=category).click()
    page.get_by_role("link", name=item).click()


def save_form(page):
    """保存 on the declaration form, waiting until the page says it is saved."""
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存")).to_be_visible()


def download(page, link: str, path: Path) -> Path:
    """Click the link named `link` and keep the file it downloads at `path`."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    started.value.save_as(path)
    return path


def green_factory_definition() -> forms.FormDefinition:
    return forms.FormDefinition.from_dict(json.loads(GREEN_FACTORY_FORM.read_text(encoding="utf-8")))
