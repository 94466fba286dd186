"""Sign-in refusals, waits per name and address, the account-wide lock, session epochs and the sign-in audit."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import delete, select

from app.domain.sign_in import REFUSAL
from app.vocabulary import SignInKind
from app.extensions import db
from app.models import PlatformUser, SignInEvent
from app.security import lockout
from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.http.test_accounts import redis_url  # noqa: F401  (a fixture)
from tests.http.test_user_admin import action, user_id

_addresses = itertools.count(1)
_people = itertools.count(1)


def new_address() -> str:
    n = next(_addresses)
    return f"10.16.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def person(app):
    """A fresh applicant account (so that waits and locks never reach other tests' accounts)."""
    username = f"signin{next(_people)}"
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_user(username=username, first_name="登录测试", last_name="", email=f"{username}@example.cn",
                    role=sm.find_role("企业用户"), password=DEMO_PASSWORD)
    return username


def attempt(client, username, password, address="127.0.0.1", agent="test-browser/1.0"):
    environ = {"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent}
    token = csrf_token(client.get("/login/", environ_base=environ).get_data(as_text=True))
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ)


def refusal(response) -> str:
    found = re.search(r'<div class="alert alert-danger"[^>]*>\s*<button.*?</button>\s*(.*?)\s*</div>',
                      response.get_data(as_text=True), re.S)
    assert response.status_code == 200 and found, response.status_code
    return found.group(1)


@pytest.fixture
def later(monkeypatch):
    """later(seconds): the clock the waits are judged by moves on."""
    import time

    offset = [0.0]

    class Clock:
        @staticmethod
        def time():
            return time.time() + offset[0]

    monkeypatch.setattr(lockout, "time", Clock)

    def move(seconds):
        offset[0] += seconds
    return move


def test_every_refusal_reads_the_same(app, client_as, person):
    client = app.test_client()
    unknown = refusal(attempt(client, "nosuchperson", "Wrong#pass1", new_address()))
    wrong = refusal(attempt(client, person, "Wrong#pass1", new_address()))
    with app.app_context():
        db.session.execute(select(PlatformUser).where(PlatformUser.username == person)).scalar_one().active = False
        db.session.commit()
    inactive = refusal(attempt(client, person, DEMO_PASSWORD, new_address()))
    address = new_address()
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        attempt(client, "nosuchperson2", "Wrong#pass1", address)
    waiting = refusal(attempt(client, "nosuchperson2", "Wrong#pass1", address))
    with app.app_context():
        db.session.execute(select(PlatformUser).where(PlatformUser.username == person)).scalar_one().active = True
        db.session.commit()
    address = new_address()
    repeated = {refusal(attempt(client, person, "Wrong#pass1", address)) for _ in range(6)}  # waits, or a lock
    repeated.add(refusal(attempt(client, person, DEMO_PASSWORD, address)))
    assert {unknown, wrong, inactive, waiting, *repeated} == {REFUSAL}
    assert "锁定" not in unknown and "存在" not in unknown


def test_an_address_waits_longer_after_each_failure_and_others_are_untouched(app, person, later):
    client, attacker = app.test_client(), new_address()
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert refusal(attempt(client, person, "Wrong#pass1", attacker)) == REFUSAL
    assert attempt(client, person, "Wrong#pass1", attacker).status_code == 200  # the first failure that waits
    assert attempt(client, person, DEMO_PASSWORD, attacker).status_code == 200  # even the right password waits
    assert attempt(app.test_client(), person, DEMO_PASSWORD, new_address()).status_code == 302  # the person
    later(app.config["LOGIN_FIRST_DELAY_SECONDS"] + 1)
    attempt(client, person, "Wrong#pass1", attacker)  # the next failure waits twice as long
    later(app.config["LOGIN_FIRST_DELAY_SECONDS"] + 1)
    assert attempt(client, person, DEMO_PASSWORD, attacker).status_code == 200
    later(app.config["LOGIN_FIRST_DELAY_SECONDS"])
    assert attempt(client, person, DEMO_PASSWORD, attacker).status_code == 302
    with app.app_context():
        waits = db.session.scalars(select(SignInEvent.detail).where(
            SignInEvent.username == person, SignInEvent.kind == SignInKind.LOCK).order_by(SignInEvent.id)).all()
    assert waits == [f"delay:{app.config['LOGIN_FIRST_DELAY_SECONDS']}",
                     f"delay:{2 * app.config['LOGIN_FIRST_DELAY_SECONDS']}"]


def test_one_address_never_locks_the_account_for_others(app, person, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LOCK_ADDRESSES", 3)
    client, attacker = app.test_client(), new_address()
    for _ in range(12):
        attempt(client, person, "Wrong#pass1", attacker)
    assert attempt(app.test_client(), person, DEMO_PASSWORD, new_address()).status_code == 302


def test_many_addresses_lock_the_account_except_where_it_signed_in_before(app, client_as, person, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LOCK_ADDRESSES", 3)
    home = new_address()
    assert attempt(app.test_client(), person, DEMO_PASSWORD, home).status_code == 302
    for _ in range(3):
        attempt(app.test_client(), person, "Wrong#pass1", new_address())
    stranger = new_address()
    assert refusal(attempt(app.test_client(), person, DEMO_PASSWORD, stranger)) == REFUSAL
    assert attempt(app.test_client(), person, DEMO_PASSWORD, home).status_code == 302
    admin = client_as("admin")
    assert person in admin.get("/users/list/?status=locked&psize_UserAdminView=100").get_data(as_text=True)
    action(admin, "unlock", user_id(app, person))  # IT staff's 解锁账户 ends the lock at once
    assert attempt(app.test_client(), person, DEMO_PASSWORD, stranger).status_code == 302
    with app.app_context():
        kinds = db.session.scalars(select(SignInEvent.kind).where(SignInEvent.username == person)).all()
        unlock = db.session.scalars(select(SignInEvent).where(
            SignInEvent.username == person, SignInEvent.kind == SignInKind.UNLOCK)).one()
        assert unlock.actor == "admin" and unlock.user_id == user_id(app, person)
    assert SignInKind.LOCK in kinds and kinds.count(SignInKind.SUCCESS) == 3


def test_unlock_ends_the_waits_of_every_address(app, client_as, person):
    client, address = app.test_client(), new_address()
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        attempt(client, person, "Wrong#pass1", address)
    assert attempt(client, person, DEMO_PASSWORD, address).status_code == 200
    action(client_as("admin"), "unlock", user_id(app, person))
    assert attempt(client, person, DEMO_PASSWORD, address).status_code == 302


def test_the_audit_records_each_attempt_with_address_and_bounded_user_agent(app, person):
    client, address = app.test_client(), new_address()
    attempt(client, person, "Wrong#pass1", address, agent="x" * 5000)
    attempt(client, "nobody-" + person, "Wrong#pass1", address)
    attempt(client, person, DEMO_PASSWORD, address)
    with app.app_context():
        events = db.session.scalars(select(SignInEvent).where(SignInEvent.address == address)
                                    .order_by(SignInEvent.id)).all()
        rows = [(e.kind, e.username, e.detail, e.user_id is not None) for e in events]
        assert len(events[0].user_agent) == 256
    assert rows == [(SignInKind.FAILURE, person, "wrong_password", True),
                    (SignInKind.FAILURE, "nobody-" + person, "unknown_user", False),
                    (SignInKind.SUCCESS, person, "", True)]


# --- session epochs: two clients of one person ----------------------------------------------------

def signed_in(client) -> bool:
    response = client.get("/profile/password/")
    return response.status_code == 200


def two_sessions(app, person):
    first, second = app.test_client(), app.test_client()
    assert attempt(first, person, DEMO_PASSWORD).status_code == 302
    assert attempt(second, person, DEMO_PASSWORD).status_code == 302
    assert signed_in(first) and signed_in(second)
    return first, second


def test_a_password_change_ends_the_other_sessions_only(app, person):
    first, second = two_sessions(app, person)
    page = first.get("/profile/password/").get_data(as_text=True)
    done = first.post("/profile/password/", data={"old_password": DEMO_PASSWORD, "password": "Other#2026x",
                                                  "confirm_password": "Other#2026x", "csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert signed_in(first) and not signed_in(second)
    told = second.get("/login/").get_data(as_text=True)
    assert "登录已失效：账户的密码或状态已变更，请重新登录" in told  # the person signed out is told why
    with app.app_context():
        kinds = db.session.scalars(select(SignInEvent.kind).where(SignInEvent.username == person)
                                   .order_by(SignInEvent.id)).all()
        assert kinds[-1] == SignInKind.PASSWORD_CHANGE


def test_a_reset_by_it_staff_ends_every_session(app, client_as, person):
    first, second = two_sessions(app, person)
    admin = client_as("admin")
    target = user_id(app, person)
    page = admin.get(f"/resetpassword/form?pk={target}").get_data(as_text=True)
    done = admin.post(f"/resetpassword/form?pk={target}", data={
        "password": "Reset#2026x", "conf_password": "Reset#2026x", "csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert not signed_in(first) and not signed_in(second) and signed_in(admin)
    with app.app_context():
        reset = db.session.scalars(select(SignInEvent).where(SignInEvent.username == person)
                                   .order_by(SignInEvent.id.desc())).first()
        assert (reset.kind, reset.actor) == (SignInKind.PASSWORD_RESET, "admin")


@pytest.mark.parametrize("how", ["action", "edit"])
def test_deactivation_ends_every_session(app, client_as, person, how):
    first, second = two_sessions(app, person)
    admin = client_as("admin")
    target = user_id(app, person)
    if how == "action":
        action(admin, "deactivate", target)
    else:
        page = admin.get(f"/users/edit/{target}").get_data(as_text=True)
        form = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
        roles = re.findall(r'<option selected value="(\d+)"|<option value="(\d+)" selected', page)
        data = {key: form.get(key, "") for key in ("username", "first_name", "email", "phone")}
        data.update(csrf_token=csrf_token(page), roles=[a or b for a, b in roles], authority="__None")
        assert admin.post(f"/users/edit/{target}", data=data).status_code == 302
    with app.app_context():
        assert not db.session.get(PlatformUser, target).active
    assert not signed_in(first) and not signed_in(second)


def test_unlock_ends_every_session(app, client_as, person):
    first, second = two_sessions(app, person)
    action(client_as("admin"), "unlock", user_id(app, person))
    assert not signed_in(first) and not signed_in(second)


def test_a_session_from_before_the_epoch_was_kept_is_signed_out(app, person):
    client = app.test_client()
    assert attempt(client, person, DEMO_PASSWORD).status_code == 302
    with client.session_transaction() as session:
        session.pop("epoch")
    assert not signed_in(client)


# --- the console's 登录记录 -------------------------------------------------------------------------

def test_it_staff_search_the_sign_in_audit(app, client_as, person):
    address, elsewhere = new_address(), new_address()
    attempt(app.test_client(), person, "Wrong#pass1", address)
    attempt(app.test_client(), "other-" + person, "Wrong#pass1", elsewhere)
    admin = client_as("admin")
    listing = admin.get("/console/sign_ins/").get_data(as_text=True)
    assert "登录记录" in listing and person in listing and "other-" + person in listing
    found = admin.get(f"/console/sign_ins/?search={address}").get_data(as_text=True)
    assert person in found and "密码错误" in found and "登录失败" in found and "other-" + person not in found
    failures = admin.get(f"/console/sign_ins/?search={person}&flt1_14=failure").get_data(as_text=True)  # 事件 等于
    successes = admin.get(f"/console/sign_ins/?search={person}&flt1_14=success").get_data(as_text=True)
    assert "密码错误" in failures and "密码错误" not in successes
    assert admin.get("/console/sign_ins/new/").status_code in (302, 403, 404)  # read-only
    assert client_as("qiye").get("/console/sign_ins/").status_code == 403
    assert app.test_client().get("/console/sign_ins/").status_code == 302


def test_prune_removes_only_old_events(app, person):
    import datetime

    with app.app_context():
        old = SignInEvent(at=datetime.datetime.now() - datetime.timedelta(days=400), kind=SignInKind.SUCCESS,
                          username=person, address="10.0.0.1", user_agent="", detail="")
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    result = app.test_cli_runner().invoke(args=["prune-sign-ins", "--days", "365"])
    assert result.exit_code == 0 and "removed 1" in result.output
    with app.app_context():
        assert db.session.get(SignInEvent, old_id) is None
        assert db.session.scalar(select(SignInEvent.id).where(SignInEvent.username == person)) is None
        db.session.execute(delete(SignInEvent).where(SignInEvent.username == person))
        db.session.commit()


# --- the shared store behind the waits: the database, or Redis for several workers -------------------

def _exercise_store(app_a, app_b):
    from app.security import shared_store

    with app_a.app_context():
        shared_store.forget("test:store:")
        assert shared_store.increment("test:store:n", 60) == 1
        assert shared_store.increment("test:store:n", 60) == 2
        shared_store.put("test:store:t", 1234, 60)
    with app_b.app_context():  # another worker sees the same values
        assert shared_store.increment("test:store:n", 60) == 3
        assert shared_store.get("test:store:t") == 1234 and shared_store.get("test:store:none") is None
        shared_store.forget("test:store:")
        assert shared_store.get("test:store:n") is None and shared_store.get("test:store:t") is None
        assert shared_store.increment("test:store:n", 60) == 1  # a forgotten counter starts again
        shared_store.forget("test:store:")


def test_waits_are_shared_through_the_database(app):
    from tests.http.test_accounts import limited_app

    _exercise_store(app, limited_app(app))


def test_waits_are_shared_through_redis(app, redis_url):
    from tests.http.test_accounts import limited_app

    _exercise_store(limited_app(app, REDIS_URL=redis_url), limited_app(app, REDIS_URL=redis_url))


def test_no_token_login_bypasses_the_captcha_waits_and_audit(app, person):
    """Flask-AppBuilder's JWT login answered 200 with a token, however many failures the address had."""
    client = app.test_client()
    for path in ("/api/v1/security/login", "/api/v1/security/refresh"):
        response = client.post(path, json={"username": person, "password": DEMO_PASSWORD, "provider": "db"})
        assert response.status_code == 404 and "access_token" not in response.get_data(as_text=True)
