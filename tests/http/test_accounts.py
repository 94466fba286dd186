"""Registration, captcha login, lockout, rate limit, profile changes (issue: accounts)."""
from __future__ import annotations

import io
import itertools
import re
import time

import pytest
from PIL import Image
from sqlalchemy import select

from app.domain.codes import make_credit_code, org_code_of
from app.extensions import db
from app.models import Organization, PlatformUser
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.helpers import flushed_test_redis

_serial = itertools.count(1)


def png(width=400, height=300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def enterprise_form(**overrides) -> dict:
    n = next(_serial)
    credit = make_credit_code("91", "130102", f"MA{n:06d}")
    form = {
        "username": f"newcorp{n}", "password": "Green#2026", "confirm_password": "Green#2026",
        "name": f"河北测试新材料有限公司{n}", "credit_code": credit.lower(), "org_code": org_code_of(credit).replace("-", ""),
        "nature": "民营企业", "industry": "3411", "legal_representative": "陈立", "legal_representative_phone": "13912345678",
        "registration_authority": "石家庄市市场监督管理局", "registered_capital": "1,000,000.50", "currency": "人民币",
        "founded_on": "2015-03-01", "address": "石家庄市长安区中山东路 1 号",
        "subsystems": ["green_system"], "declaration_types": ["green_factory"],
        "province": "130000", "city": "130100", "county": "130102", "supervision": "",
        "contact_name": "陈立", "phone": "0311-86001234-801", "email": f"newcorp{n}@example.cn",
    }
    form.update(overrides)
    return form


def register(client, org_type="enterprise", licence: bytes | None = None, name="营业执照.png", **overrides):
    page = client.get(f"/register/{org_type}/")
    assert page.status_code == 200
    form = enterprise_form(**overrides)
    if not form["supervision"]:
        form["supervision"] = re.search(r'<option value="(\d+)" data-region="130000"', page.get_data(as_text=True)).group(1)
    data = {**form, "csrf_token": csrf_token(page.get_data(as_text=True))}
    if licence is not None:
        data["licence"] = (io.BytesIO(licence), name)
    return form, client.post(f"/register/{org_type}/", data=data, content_type="multipart/form-data")


def field_error(html: str, field: str) -> str | None:
    match = re.search(rf'class="help-block error-message" data-field="{field}">([^<]+)<', html)
    return match.group(1) if match else None


def test_enterprise_registers_and_logs_in(app):
    client = app.test_client()
    form, response = register(client, licence=png())
    assert response.status_code == 302, field_error(response.get_data(as_text=True), ".*")
    with app.app_context():
        user = db.session.execute(select(PlatformUser).where(PlatformUser.username == form["username"])).scalar_one()
        org = user.active_organization
        assert org.credit_code == form["credit_code"].upper() and org.org_code.endswith(form["org_code"][-1])
        assert org.authority.name == "石家庄市长安区工业和信息化局"
        assert str(org.registered_capital) == "1000000.50"
        assert [r.name for r in user.roles] == ["企业用户"]
    assert login(app.test_client(), form["username"], form["password"]).status_code == 302


@pytest.mark.parametrize("overrides, field, message", [
    ({"credit_code": "914403001922038217", "org_code": "19220382-1"}, "credit_code", "校验位错误"),
    ({"org_code": "19220382-1"}, "org_code", "第 9-17 位一致"),
    ({"password": "password", "confirm_password": "password"}, "password", "至少三类"),
    ({"confirm_password": "Other#2026"}, "confirm_password", "不一致"),
    ({"username": "qiye"}, "username", "已被使用"),
    ({"legal_representative_phone": "12345"}, "legal_representative_phone", "电话号码格式不正确"),
    ({"email": "not-an-email"}, "email", "电子邮箱格式不正确"),
    ({"registered_capital": "-5"}, "registered_capital", "应大于 0"),
    ({"founded_on": "2999-01-01"}, "founded_on", "不能晚于今天"),
    ({"subsystems": ["tech_catalogue"]}, "subsystems", "绿色制造体系"),
    ({"declaration_types": ["green_park"]}, "declaration_types", "不能申报"),
    ({"city": "130200", "county": "130102"}, "authority", "不属于"),
    ({"province": ""}, "authority", "至少选择省级"),
    ({"industry": "34"}, "industry", "小类"),
])
def test_each_rule_refuses_with_a_chinese_message_and_keeps_the_input(app, overrides, field, message):
    client = app.test_client()
    form, response = register(client, licence=png(), **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in (field_error(html, field) or ""), field
    assert f'value="{form["name"]}"' in html  # what was typed is still there
    assert "重新选择营业执照" in field_error(html, "licence")  # a refused registration keeps no file


def uploaded_files(app) -> list:
    """The keys of the objects in the app's store (a folder or S3)."""
    from app.storage import backend

    with app.app_context():
        return [item.key for item in backend().objects()]


def test_refused_registrations_write_nothing_to_disk(app):
    """25 refused posts, each with a good licence, leave the upload folder as it was (and no row)."""
    from app.models import Attachment

    with app.app_context():
        attachments = db.session.query(Attachment).count()
    before = uploaded_files(app)
    client = app.test_client()
    for _ in range(25):
        _, response = register(client, licence=png(800, 600), founded_on="2999-01-01")
        assert response.status_code == 200
    assert uploaded_files(app) == before
    with app.app_context():
        assert db.session.query(Attachment).count() == attachments
    form, accepted = register(client, licence=png())  # the accepted one keeps its licence
    assert accepted.status_code == 302 and len(uploaded_files(app)) == len(before) + 1


def test_registration_is_rate_limited_like_sign_in(app):
    client = limited_app(app).test_client()
    statuses = [register(client, licence=png(), founded_on="2999-01-01")[1].status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/register/enterprise/").status_code == 200  # reading the form is not limited


def test_central_enterprise_subsidiary_must_choose_its_group(app):
    _, response = register(app.test_client(), licence=png(), is_subsidiary="1", central_enterprise="")
    assert "央企母公司" in field_error(response.get_data(as_text=True), "central_enterprise")


def test_credit_code_registers_once_per_user_type(app):
    client = app.test_client()
    form, response = register(client, licence=png())
    assert response.status_code == 302
    _, again = register(app.test_client(), licence=png(), credit_code=form["credit_code"], org_code=form["org_code"])
    assert "已注册过同类型账户" in field_error(again.get_data(as_text=True), "credit_code")


@pytest.mark.parametrize("content, name, message", [
    (b"MZ\x90\x00" + b"\x00" * 2000, "营业执照.png", "只能上传 jpg 或 png"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "licence.svg", "只能上传 jpg 或 png"),
    (png()[:300], "截断.png", "损坏"),
    (png() + b"<script>alert(1)</script>", "polyglot.png", "多余数据"),
    (png(20, 20), "tiny.png", "尺寸不合理"),
])
def test_licence_is_checked_by_content(app, content, name, message):
    _, response = register(app.test_client(), licence=content, name=name)
    assert message in field_error(response.get_data(as_text=True), "licence")


def test_licence_is_required(app):
    _, response = register(app.test_client(), licence=None)
    assert "请上传营业执照" in field_error(response.get_data(as_text=True), "licence")


def test_unknown_user_type_is_404(app):
    assert app.test_client().get("/register/ministry/").status_code == 404


def test_region_cascade_feeds_the_selects(app):
    client = app.test_client()
    provinces = client.get("/register/regions/").get_json()
    assert {"code": "130000", "name": "河北省", "level": 1, "authority": "河北省工业和信息化厅"} in provinces
    assert not any(p["code"] in ("710000", "810000", "820000") for p in provinces)
    cities = client.get("/register/regions/?parent=130000").get_json()
    assert cities[0]["code"] == "130100" and all(c["level"] == 2 for c in cities)
    beijing = client.get("/register/regions/?parent=110000").get_json()
    assert beijing and all(d["level"] == 3 for d in beijing)  # 直辖市: districts straight under it
    assert client.get("/register/regions/?parent=999999").get_json() == []


# --- captcha -----------------------------------------------------------------------------------

@pytest.fixture
def captcha_on(app, monkeypatch):
    from app.security import captcha

    monkeypatch.setattr(captcha, "random_text", lambda: "K7PX")
    app.config["CAPTCHA_ENABLED"] = True
    yield captcha
    app.config["CAPTCHA_ENABLED"] = False


def captcha_login(client, answer, username="feiqiye", password=DEMO_PASSWORD, fetch_image=True):
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    if fetch_image:
        assert client.get("/captcha.png").headers["Content-Type"] == "image/png"
    return client.post("/login/", data={"username": username, "password": password, "captcha": answer,
                                        "csrf_token": token})


def test_registration_needs_a_fresh_captcha_on_every_attempt(app, captcha_on):
    client = app.test_client()
    client.get("/captcha.png")
    _, refused = register(client, licence=png(), founded_on="2999-01-01", captcha="K7PX")
    assert field_error(refused.get_data(as_text=True), "captcha") is None  # the right answer, used up
    _, again = register(client, licence=png(), captcha="K7PX")  # the same answer, no new image fetched
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and "验证码错误" in field_error(html, "captcha")
    client.get("/captcha.png")
    form, accepted = register(client, licence=png(), captcha="K7PX")
    assert accepted.status_code == 302


def test_captcha_right_answer_any_case(app, captcha_on):
    assert captcha_login(app.test_client(), "k7px").status_code == 302


def test_captcha_wrong_answer(app, captcha_on):
    response = captcha_login(app.test_client(), "AAAA")
    assert response.status_code == 200 and "验证码错误或已过期" in response.get_data(as_text=True)


def test_captcha_is_single_use_even_with_a_replayed_cookie(app, captcha_on):
    client = app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    client.get("/captcha.png")
    cookie = client.get_cookie("session").value
    wrong = {"username": "feiqiye", "password": "wrong", "captcha": "K7PX", "csrf_token": token}
    client.post("/login/", data=wrong)  # the challenge is used up by this attempt
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.post("/login/", data={**wrong, "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "验证码错误或已过期" in response.get_data(as_text=True)
    assert captcha_login(client, "K7PX", fetch_image=False).status_code == 200  # nothing left in the session


def test_captcha_expires_after_five_minutes(app, captcha_on, monkeypatch):
    client = app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    client.get("/captcha.png")
    later = time.time() + 301
    monkeypatch.setattr(captcha_on.time, "time", lambda: later)
    response = client.post("/login/", data={"username": "feiqiye", "password": DEMO_PASSWORD, "captcha": "K7PX",
                                            "csrf_token": token})
    assert "验证码错误或已过期" in response.get_data(as_text=True)


def test_production_refuses_to_run_without_captcha(monkeypatch):
    from app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(RuntimeError, match="CAPTCHA_ENABLED"):
        create_app("config.Config", ENV_NAME="production", CAPTCHA_ENABLED=False,
                   SQLALCHEMY_DATABASE_URI="postgresql://nowhere/none")


# --- lockout and rate limit ----------------------------------------------------------------------

def limited_app(app, **settings):
    from app import create_app

    return create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      AUTH_RATE_LIMIT="3 per minute", **settings)


def test_login_attempts_are_rate_limited(app):
    client = limited_app(app).test_client()
    responses = [login(client, "nobody", "x") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert "尝试过于频繁" in responses[-1].get_data(as_text=True)


@pytest.fixture
def redis_url():
    return flushed_test_redis()


def test_rate_limit_is_shared_through_redis_between_workers(app, redis_url):
    """Two apps stand for two gunicorn workers: attempts on either count against the same limit."""
    settings = dict(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url)
    first, second = limited_app(app, **settings), limited_app(app, **settings)
    statuses = [login(worker.test_client(), "nobody", "x").status_code for worker in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


def test_captcha_nonce_is_consumed_once_in_redis(app, redis_url):
    from app.security.shared_store import consume_once

    worker = limited_app(app, REDIS_URL=redis_url)
    with worker.app_context():
        assert consume_once("captcha:abc", 300) is True
    with limited_app(app, REDIS_URL=redis_url).app_context():
        assert consume_once("captcha:abc", 300) is False


# --- profile ----------------------------------------------------------------------------------------

def test_password_change_needs_the_old_password(app):
    client = app.test_client()
    form, _ = register(client, licence=png())
    login(client, form["username"], form["password"])
    page = client.get("/profile/password/").get_data(as_text=True)
    wrong = client.post("/profile/password/", data={"old_password": "nope", "password": "New#2027x",
                                                    "confirm_password": "New#2027x", "csrf_token": csrf_token(page)})
    assert "原密码不正确" in wrong.get_data(as_text=True)
    weak = client.post("/profile/password/", data={"old_password": form["password"], "password": "abc",
                                                   "confirm_password": "abc", "csrf_token": csrf_token(page)})
    assert "不能少于 8 位" in weak.get_data(as_text=True)
    done = client.post("/profile/password/", data={"old_password": form["password"], "password": "New#2027x",
                                                   "confirm_password": "New#2027x", "csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert login(app.test_client(), form["username"], "New#2027x").status_code == 302


def profile_post(client, **changes):
    page = client.get("/profile/organization/").get_data(as_text=True)
    values = dict(re.findall(r'name="(\w+)"\s+value="([^"]*)"', page))
    values.update(re.findall(r'id="(\w+)" name="\w+" data-value="([^"]*)"', page))
    values.pop("is_subsidiary")  # an unchecked checkbox sends nothing
    data = {
        **values,
        "nature": "民营企业", "industry": "3411", "currency": "人民币",
        "subsystems": ["green_system"], "declaration_types": ["green_factory"],
        "supervision": re.search(r'<option value="(\d+)" data-region="130000"', page).group(1),
        "csrf_token": csrf_token(page), **changes,
    }
    return client.post("/profile/organization/", data=data)


def test_authority_change_is_refused_while_under_review(app):
    client = app.test_client()
    form, _ = register(client, licence=png())
    login(client, form["username"], form["password"])
    with app.app_context():
        org = db.session.execute(select(Organization).where(Organization.name == form["name"])).scalar_one()
        declaration = f.declaration(org, chain=(f.authority("county", "130102"), f.authority("city", "130100"),
                                                f.authority("province", "130000")))
        db.session.commit()
        declaration_id = declaration.id
    refused = profile_post(client, county="130104")
    assert refused.status_code == 200
    assert "请先取消上报" in field_error(refused.get_data(as_text=True), "authority")
    with app.app_context():
        from app.vocabulary import DeclarationStatus
        from app.models import Declaration

        db.session.get(Declaration, declaration_id).status = DeclarationStatus.RETURNED
        db.session.commit()
    accepted = profile_post(client, county="130104")
    assert accepted.status_code == 302, re.findall(r'data-field="(\w+)">([^<]+)<', accepted.get_data(as_text=True))
    with app.app_context():
        org = db.session.execute(select(Organization).where(Organization.name == form["name"])).scalar_one()
        assert org.authority.name == "石家庄市桥西区工业和信息化局"


def test_switching_organization_through_the_user_menu(app, client_as):
    client = client_as("qiye")
    page = client.get("/profile/switch/").get_data(as_text=True)
    baowu = re.findall(r'name="organization_id" value="(\d+)"', page)
    assert len(baowu) == 1
    client.post("/profile/switch/", data={"organization_id": baowu[0], "csrf_token": csrf_token(page)})
    assert "宝武绿色材料（河北）有限公司" in client.get("/").get_data(as_text=True)
    with app.app_context():
        other = f.organization("冀北绿色制造研究院").id
    page = client.get("/profile/switch/").get_data(as_text=True)
    assert client.post("/profile/switch/", data={"organization_id": other,
                                                 "csrf_token": csrf_token(page)}).status_code == 404
    back = re.findall(r'name="organization_id" value="(\d+)"', page)[0]
    client.post("/profile/switch/", data={"organization_id": back, "csrf_token": csrf_token(page)})
    assert "石家庄绿源机械制造有限公司" in client.get("/").get_data(as_text=True)

