"""An enterprise registers through the real page (cascading selects, licence upload, captcha), then signs in."""
import io

import pytest
from PIL import Image

from app.domain.codes import make_credit_code, org_code_of
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def known_captcha(app, monkeypatch):
    from app.security import captcha

    monkeypatch.setattr(captcha, "random_text", lambda: "G8WR")
    app.config["CAPTCHA_ENABLED"] = True
    yield "G8WR"
    app.config["CAPTCHA_ENABLED"] = False


def test_enterprise_registers_with_cascading_selects_and_logs_in(live_server, page, known_captcha, tmp_path):
    licence = tmp_path / "营业执照.png"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 420), (240, 240, 230)).save(buffer, "PNG")
    licence.write_bytes(buffer.getvalue())
    credit = make_credit_code("91", "130104", "MA7B8C9D")

    page.goto(f"{live_server}/login/")
    page.get_by_role("link", name="企业用户").click()
    page.wait_for_url("**/register/enterprise/")
    page.fill("#username", "lvzao2026")
    page.fill("#password", "Green#2026")
    page.fill("#confirm_password", "Green#2026")
    page.fill("#name", "石家庄绿造精密铸造有限公司")
    page.set_input_files("#licence", str(licence))
    page.fill("#credit_code", credit.lower())
    page.fill("#org_code", org_code_of(credit))
    page.select_option("#nature", "民营企业")
    page.select_option("#industry", "3391")
    page.fill("#legal_representative", "韩立")
    page.fill("#legal_representative_phone", "13812345678")
    page.fill("#registered_capital", "20000000")
    page.check("input[name=subsystems][value=green_system]")
    page.check("input[name=declaration_types][value=green_factory]")

    page.select_option("#province", "130000")
    page.wait_for_function("() => document.querySelectorAll('#city option').length > 5")
    page.select_option("#city", "130100")
    page.wait_for_function("() => Array.from(document.querySelectorAll('#county option')).some(o => o.value === '130104')")
    page.select_option("#county", "130104")
    assert "石家庄市桥西区工业和信息化局" in page.locator(".chosen-authority").inner_text()
    assert page.locator("#supervision option:checked").inner_text() == "河北省节能监察监测中心"

    page.fill("#contact_name", "韩立")
    page.fill("#phone", "0311-87001234")
    page.fill("#email", "hanli@example.cn")
    page.fill("#captcha", known_captcha.lower())
    screenshot(page, "05-registration-filled")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url("**/login/")
    assert page.get_by_text("注册成功").is_visible()

    page.fill("#username", "lvzao2026")
    page.fill("#password", "Green#2026")
    page.fill("#captcha", known_captcha)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/")
    assert page.locator(".acting-for").first.inner_text() == "石家庄绿造精密铸造有限公司"
    screenshot(page, "06-registered-home")


def test_a_refused_registration_keeps_what_was_typed(live_server, page):
    page.goto(f"{live_server}/register/enterprise/")
    page.fill("#username", "x")
    page.fill("#name", "保留的企业名称")
    page.fill("#credit_code", "914403001922038217")
    page.get_by_role("button", name="提交注册").click()
    assert page.locator("#name").input_value() == "保留的企业名称"
    assert "校验位错误" in page.locator("[data-field=credit_code]").inner_text()
    assert page.locator("[data-field=username]").is_visible()
    screenshot(page, "07-registration-errors")
