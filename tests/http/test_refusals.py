"""Refusals through the real routes: each kind is answered as errors.ANSWERS says, in the user's language."""
import io
import json

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.domain import lifecycle
from app.domain.scope import Actor, Audience
from app.extensions import db
from app.models import Declaration, PlatformUser, ReviewRecord
from app.vocabulary import DeclarationStatus as S
from tests import factories as f
from tests.conftest import csrf_token

TYPE = "/declarations/energy_saving_tech"


def post(client, url, **data):
    token = csrf_token(client.get("/profile/password/").get_data(as_text=True))  # the session's token
    return client.post(url, data={**data, "csrf_token": token}, content_type="multipart/form-data")


def flashes(client) -> list[tuple[str, str]]:
    """What the next page will flash, (category, text), read before any page shows it."""
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


@pytest.fixture
def submitted(app):
    """qiye's declaration, in review at 长安区."""
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech")
        f.act(declaration, "submit", "qiye", channel="local")
        db.session.commit()
        pk = declaration.id
    yield pk
    with app.app_context():
        f.remove([pk])
        db.session.commit()


@pytest.fixture
def draft(app):
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech")
        db.session.commit()
        pk = declaration.id
    yield pk
    with app.app_context():
        f.remove([pk])
        db.session.commit()


@pytest.fixture
def returned_meanwhile(app):
    """Once the request it is armed for has read the declaration and begins to act on it, 长安区 returns the
    same version in its own connection and commits first: two people who read one version, acting at once."""
    armed = {}

    def after_transaction_create(session, transaction):
        pk = armed.get("pk")
        if pk is None or not transaction.nested or session.identity_map.get(
                session.identity_key(Declaration, pk)) is None:
            return
        del armed["pk"]
        with Session(db.engine) as other:
            changan = Actor.of(other.execute(select(PlatformUser).where(
                PlatformUser.username == "changan")).scalar_one())
            lifecycle.apply(other, other.get(Declaration, pk), "return", changan, Audience.REVIEWER, now=f.NOW,
                            opinion="请补充节能量测算依据")
            other.commit()

    event.listen(Session, "after_transaction_create", after_transaction_create)
    yield armed
    event.remove(Session, "after_transaction_create", after_transaction_create)


def test_two_people_acting_on_one_version_the_second_is_told_of_the_conflict(app, client_as, submitted,
                                                                             returned_meanwhile):
    qiye = client_as("qiye")
    returned_meanwhile["pk"] = submitted
    response = post(qiye, f"{TYPE}/do/{submitted}/withdraw")
    assert "pk" not in returned_meanwhile  # the return did come in between
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{TYPE}/show/{submitted}")
    assert flashes(qiye) == [("warning", "该申报刚刚已被他人处理，本次操作未执行，请刷新后查看最新状态")]
    with app.app_context():
        declaration = db.session.get(Declaration, submitted)
        actions = db.session.scalars(select(ReviewRecord.action).where(
            ReviewRecord.declaration_id == submitted).order_by(ReviewRecord.id)).all()
        assert S(declaration.status) == S.RETURNED and actions == ["submit", "return"]  # nothing of the withdrawal


def test_the_conflict_is_said_in_the_users_language(client_as, submitted, returned_meanwhile):
    qiye = client_as("qiye")
    qiye.get("/lang/en")
    returned_meanwhile["pk"] = submitted
    post(qiye, f"{TYPE}/do/{submitted}/withdraw")
    assert flashes(qiye) == [("warning", "Someone else has just processed this declaration, so your action was not "
                                         "carried out. Refresh the page to see its current status")]


def test_an_action_that_does_not_exist_is_not_found(client_as, draft):
    qiye = client_as("qiye")
    response = post(qiye, f"{TYPE}/do/{draft}/approve_myself")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{TYPE}/show/{draft}")
    assert flashes(qiye) == [("warning", "未知的操作")]


def test_the_api_answers_a_declaration_outside_the_scope_as_not_found(client_as, declarations):
    changan = client_as("changan")
    changan.get("/lang/en")
    response = changan.get(f"/api/v1/declarations/{declarations['d4']}")  # 深圳's: another province
    assert response.status_code == 404
    assert json.loads(response.get_data(as_text=True)) == {
        "message": "No such declaration, or it is outside your data scope", "kind": "not_found"}


def test_an_invalid_upload_is_flashed_as_invalid_and_changes_nothing(app, client_as, draft):
    qiye = client_as("qiye")
    with app.app_context():
        declaration = db.session.get(Declaration, draft)
        before = declaration.form_data
        field = next(f"{s.key}.{i.key}" for s, i in lifecycle.definition_of(declaration).all_fields()
                     if i.kind == "file")
    response = post(qiye, f"{TYPE}/attach/{draft}", field=field, file=(io.BytesIO(b"MZ\x90\x00 an executable"), "说明.pdf"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{TYPE}/content/{draft}")
    [(category, text)] = flashes(qiye)
    assert category == "danger" and "按文件内容识别" in text
    with app.app_context():
        assert db.session.get(Declaration, draft).form_data == before


def test_an_invalid_opinion_keeps_what_was_typed(client_as, submitted):
    """A decision refused for its input comes back beside the decision, with the opinion typed."""
    changan = client_as("changan")
    opinion = "同意" * 1001  # longer than an opinion may be
    response = post(changan, f"/review/declarations/do/{submitted}/return", opinion=opinion)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and opinion in page and "已完成" not in page
