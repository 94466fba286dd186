"""SPEC §6: every role sees exactly its declarations; other organizations' ids get 404 or 403."""
import pytest
from sqlalchemy import select

from app.extensions import db
from tests import factories as f

APPLICANT = "/declarations/green_factory"
REVIEW = "/review/declarations"
AGENCY = "/agency/declarations"


def _only(declarations):
    return {name: pk for name, pk in declarations.items() if name.startswith("d") and "_" not in name}


# who → (views they may open, declarations they see)
VISIBLE = {
    "qiye": (APPLICANT, {"d1", "d2"}),
    "yangqi": (APPLICANT, {"d3"}),
    "yuanqu": (APPLICANT, set()),  # a park may not declare 绿色工厂: the list opens, with none in it
    "feiqiye": (APPLICANT, set()),
    "sanfang": (AGENCY, {"d1"}),
    "changan": (REVIEW, {"d1"}),
    "shijiazhuang": (REVIEW, {"d1"}),
    "hebeisheng": (REVIEW, {"d1"}),
    "jituan": (REVIEW, {"d3"}),
    "xiehui": (REVIEW, set()),
    "gongxinbu": (REVIEW, {"d1", "d3", "d4"}),
}
PERMITTED = {
    APPLICANT: {"qiye", "yangqi", "yuanqu", "feiqiye", "xiehui"},
    AGENCY: {"sanfang"},
    REVIEW: {"changan", "shijiazhuang", "hebeisheng", "jituan", "xiehui", "gongxinbu"},
}


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_show_page_of_every_declaration_through_every_view(username, client_as, declarations):
    client = client_as(username)
    _, visible = VISIBLE[username]
    for view, allowed_users in PERMITTED.items():
        for name, pk in _only(declarations).items():
            status = client.get(f"{view}/show/{pk}").status_code
            if username not in allowed_users:
                assert status == 403, (view, name)
            elif name in visible and view == VISIBLE[username][0]:
                assert status == 200, (view, name)
            else:
                assert status == 404, (view, name)


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_list_shows_exactly_the_scope(username, client_as, declarations):
    view, visible = VISIBLE[username]
    query = "?tab=all&psize_ReviewDeclarationView=100" if view == REVIEW else ""  # reviewers default to 待我审核
    response = client_as(username).get(f"{view}/list/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = {name for name, pk in _only(declarations).items() if f"/show/{pk}\"" in html}
    assert shown == visible


def test_switching_organization_follows_the_active_one(app, client_as, declarations):
    """qiye belongs to 绿源 and 宝武; the scope follows whichever is active."""
    from app.models import PlatformUser

    with app.app_context():
        user = db.session.execute(select(PlatformUser).where(PlatformUser.username == "qiye")).scalar_one()
        baowu = f.organization("宝武绿色材料（河北）有限公司")
        previous, user.active_organization_id = user.active_organization_id, baowu.id
        db.session.commit()
    try:
        client = client_as("qiye")
        assert client.get(f"{APPLICANT}/show/{declarations['d3']}").status_code == 200
        assert client.get(f"{APPLICANT}/show/{declarations['d1']}").status_code == 404
    finally:
        with app.app_context():
            user = db.session.execute(select(PlatformUser).where(PlatformUser.username == "qiye")).scalar_one()
            user.active_organization_id = previous
            db.session.commit()
