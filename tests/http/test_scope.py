"""SPEC §6: every role sees exactly its declarations; other organizations' ids get 404 or 403."""
import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Declaration, Organization
from tests import factories as f

APPLICANT = "/declarations/green_factory"
REVIEW = "/review/declarations"
AGENCY = "/agency/declarations"


@pytest.fixture(scope="module")
def declarations(app):
    """d1 绿源 in review through 长安 → 石家庄 → 河北; d2 绿源's draft; d3 宝武 through its group; d4 深圳."""
    with app.app_context():
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        baowu = f.organization("宝武绿色材料（河北）有限公司")
        agency = f.organization("河北绿标认证评价有限公司")
        shenzhen_org = f.make_organization("深圳市测试电子有限公司", "440304", "MA5F0K1L")
        ids = {
            "d1": f.declaration(lvyuan, agency=agency, chain=(
                f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))).id,
            "d2": f.declaration(lvyuan, submitted=False, agency=agency).id,
            "d3": f.declaration(baowu, channel="group", chain=(
                None, None, f.authority("group", name="中国宝武钢铁集团有限公司"))).id,
            "d4": f.declaration(shenzhen_org, chain=(
                f.authority("county", "440304"), None, f.authority("province", "440300"))).id,
        }
        db.session.commit()
    yield ids
    with app.app_context():
        db.session.execute(delete(Declaration).where(Declaration.id.in_(ids.values())))
        db.session.execute(delete(Organization).where(Organization.name == "深圳市测试电子有限公司"))
        db.session.commit()


# who → (views they may open, declarations they see)
VISIBLE = {
    "qiye": (APPLICANT, {"d1", "d2"}),
    "yangqi": (APPLICANT, {"d3"}),
    "yuanqu": (None, set()),  # a park may not declare 绿色工厂 and sees no such declaration
    "feiqiye": (None, set()),
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
        for name, pk in declarations.items():
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
    if view is None:
        return
    html = client_as(username).get(f"{view}/list/").get_data(as_text=True)
    shown = {name for name, pk in declarations.items() if f"/show/{pk}\"" in html}
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
