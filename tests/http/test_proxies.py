"""The client behind the trusted reverse proxy, and forwarded headers that are not believed (issue 16: proxies).

Each test builds its own app over the session's database, with `TRUSTED_PROXIES` as the operator sets it; the
test client's own address (REMOTE_ADDR) stands for the proxy's, 127.0.0.1.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ReviewRecord
from tests import factories as f
from tests.conftest import login
from tests.helpers import session_token

PROXY = "127.0.0.1"


def app_behind(app, hops: int, **settings):
    from flask import request

    from app import create_app

    built = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       UPLOAD_DIR=app.config["UPLOAD_DIR"], TRUSTED_PROXIES=hops, **settings)
    built.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    return built


def seen(app, **headers) -> str:
    return app.test_client().get("/_seen", headers=headers).get_data(as_text=True)


def test_without_a_trusted_proxy_forwarded_headers_change_nothing(app):
    direct = app_behind(app, 0)
    assert seen(direct, **{"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}) == f"{PROXY} http"


def test_behind_one_proxy_the_last_hop_is_the_client(app):
    proxied = app_behind(app, 1)
    assert seen(proxied, **{"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}) == "203.0.113.7 https"
    # a client that sends its own X-Forwarded-For: the proxy appends the real address, the forged one is ignored
    assert seen(proxied, **{"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}) == "203.0.113.7 http"
    assert seen(proxied) == f"{PROXY} http"  # no header at all: the proxy itself


def test_two_trusted_hops_take_the_second_entry_from_the_right(app):
    assert seen(app_behind(app, 2), **{"X-Forwarded-For": "10.9.9.9, 203.0.113.7, 192.0.2.1"}) == "203.0.113.7 http"


def sign_in_attempts(app, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    statuses = []
    for value in forwarded_for:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = value
        statuses.append(login(client, "nobody", "x").status_code)
    return statuses


def test_each_client_behind_the_proxy_has_its_own_sign_in_bucket(app):
    proxied = app_behind(app, 1, AUTH_RATE_LIMIT="3 per minute")
    assert sign_in_attempts(proxied, ["203.0.113.7"] * 4) == [200, 200, 200, 429]
    assert sign_in_attempts(proxied, ["203.0.113.8"]) == [200]  # another client through the same proxy


def test_a_forged_forwarded_entry_does_not_open_a_new_bucket(app):
    proxied = app_behind(app, 1, AUTH_RATE_LIMIT="3 per minute")
    forged = [f"10.0.0.{n}, 203.0.113.9" for n in range(4)]
    assert sign_in_attempts(proxied, forged) == [200, 200, 200, 429]


def test_without_a_trusted_proxy_a_spoofed_header_does_not_open_a_new_bucket(app):
    direct = app_behind(app, 0, AUTH_RATE_LIMIT="3 per minute")
    assert sign_in_attempts(direct, [f"203.0.113.{n}" for n in range(4)]) == [200, 200, 200, 429]


def test_a_review_record_stores_the_client_behind_the_proxy(app):
    with app.app_context():
        pk = f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye").id  # at 长安's desk
        db.session.commit()
    try:
        proxied = app_behind(app, 1)
        client = proxied.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "10.6.6.6, 198.51.100.23"  # the first entry forged
        assert login(client, "changan").status_code == 302
        token = session_token(client)
        response = client.post(f"/review/declarations/do/{pk}/return", data={"opinion": "请补充能耗数据", "csrf_token": token})
        assert response.status_code == 302
        with app.app_context():
            record = db.session.scalars(select(ReviewRecord).where(ReviewRecord.declaration_id == pk,
                                                                   ReviewRecord.action == "return")).one()
            assert record.ip == "198.51.100.23"
    finally:
        with app.app_context():
            f.remove([pk])
            db.session.commit()
