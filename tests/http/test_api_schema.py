"""schemathesis against the served OpenAPI description, in WSGI mode, as an applicant, a county reviewer and the
ministry: no 500, every answer within the documented statuses, content types and schemas, valid requests
accepted and invalid ones refused, and no declaration outside the caller's scope (a check of our own)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from sqlalchemy import select

from app.domain.scope import Actor, declaration_scope
from app.extensions import db
from app.models import Declaration
from app.models.organization import PlatformUser
from app.views.base import audience_of

ROLES = ["qiye", "changan", "gongxinbu"]
EXAMPLES = 40  # per operation, mode and role; the suite's time grows with it (README, REST API)


def scope_ids(username: str) -> set[int]:
    """The ids `username` may see, from the domain's own scope."""
    user = db.session.scalar(select(PlatformUser).where(PlatformUser.username == username))
    return set(db.session.scalars(select(Declaration.id).where(declaration_scope(Actor.of(user), audience_of(user)))))


def within_scope(allowed: set[int]):
    def declarations_in_scope(ctx, response, case):
        """No declaration outside the caller's scope: neither in a list nor as one item."""
        if response.status_code != 200 or not case.path.startswith("/api/v1/declarations"):
            return None
        body = response.json()
        answered = set(body.get("ids", ())) | {row["id"] for row in body.get("result", ()) if isinstance(row, dict)
                                               and "id" in row}
        if isinstance(body.get("result"), dict):
            answered.add(body["id"])
        outside = answered - allowed
        assert not outside, f"declarations outside the caller's scope: {sorted(outside)}"
        return None

    return declarations_in_scope


@pytest.fixture(scope="module")
def scored(app, declarations):
    """d1 evaluated: a score, which Flask would write as the string "88.50"."""
    from decimal import Decimal

    with app.app_context():
        db.session.get(Declaration, declarations["d1"]).score = Decimal("88.50")
        db.session.commit()
    yield declarations
    with app.app_context():
        db.session.get(Declaration, declarations["d1"]).score = None
        db.session.commit()


@pytest.mark.parametrize("username", ROLES)
def test_the_api_keeps_to_its_description(username, app, client_as, scored):
    client = client_as(username)
    cookies = {"session": client.get_cookie("session").value}
    served = client.get("/api/v1/_openapi")
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(served.get_json())
    schema.app = app  # WSGI mode, as `from_wsgi` would set it (which cannot send the session cookie)
    with app.app_context():
        check = within_scope(scope_ids(username))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {"/api/v1/declarations/", "/api/v1/declarations/{pk}",
                                              "/api/v1/declarations/_info", "/api/v1/_openapi"}
    for operation in operations:
        parameters = operation.definition.raw.get("parameters")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if parameters else (GenerationMode.POSITIVE,):
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode, cookies=cookies))
            def call(case):
                case.call_and_validate(additional_checks=[check])

            call()


def test_the_description_needs_a_sign_in(app):
    """Anonymous visitors get 401; every signed-in role may read it (OpenApi can_read in app/security/roles.py)."""
    assert app.test_client().get("/api/v1/_openapi").status_code == 401


@pytest.mark.parametrize("username", ["qiye", "yuanqu", "sanfang", "xiehui", "feiqiye", "changan", "jituan",
                                      "gongxinbu", "admin"])
def test_every_role_reads_the_description(username, client_as):
    response = client_as(username).get("/api/v1/_openapi")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")
