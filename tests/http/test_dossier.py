"""申报书 for every audience in scope, what changed between rounds, and actions that explain themselves."""
import uuid

import pytest
from sqlalchemy import select

from app.domain.scope import Audience
from app.extensions import db
from app.models import Declaration
from tests import factories as f
from tests.http.test_list_queries import counting

REVIEW = "/review/declarations"
TECH = "/declarations/energy_saving_tech"


def _submitted(app, type_code="energy_saving_tech", **content):
    with app.app_context():
        batch = f.new_batch(f"申报书{uuid.uuid4().hex[:8]}")
        declaration = f.drafted("qiye", type_code, batch, **content)
        f.act(declaration, "submit", "qiye")
        db.session.commit()
        return declaration.id


@pytest.fixture
def submitted(app):
    return _submitted(app, **{"technology.tech_name": "余热梯级回收利用技术"})


@pytest.mark.parametrize("username, view", [("qiye", TECH), ("changan", REVIEW), ("shijiazhuang", REVIEW),
                                            ("hebeisheng", REVIEW), ("gongxinbu", REVIEW)])
def test_every_audience_in_scope_reads_the_whole_dossier(client_as, submitted, username, view):
    client = client_as(username)
    show = client.get(f"{view}/show/{submitted}").get_data(as_text=True)
    assert f"{view}/dossier/{submitted}" in show  # reached from the declaration page
    html = client.get(f"{view}/dossier/{submitted}").get_data(as_text=True)
    assert "余热梯级回收利用技术" in html and "全部附件" in html and "规则校验" in html
    assert "河北省石家庄市长安区" in html or "130102" not in html  # names, not codes
    assert f"{view}/download/{submitted}/" in html and "证明材料.pdf" in html


@pytest.mark.parametrize("username, view", [("yangqi", TECH), ("jituan", REVIEW), ("xiehui", REVIEW),
                                            ("sanfang", "/agency/declarations")])
def test_outside_the_scope_the_dossier_is_404(client_as, submitted, username, view):
    client = client_as(username)
    assert client.get(f"{view}/dossier/{submitted}").status_code == 404
    assert client.get(f"{view}/print/{submitted}").status_code == 404


def test_reviewer_lists_link_every_row_to_its_dossier(client_as, submitted):
    html = client_as("changan").get(f"{REVIEW}/list/").get_data(as_text=True)
    assert f"{REVIEW}/show/{submitted}" in html


def test_the_dossier_costs_the_same_statements_whatever_the_form(app, client_as):
    with app.app_context():  # a short technology form and the long 绿色工厂 form with its score tables and files
        small, large = (f.drafted("qiye", code).id for code in ("energy_saving_tech", "green_factory"))
        db.session.commit()
    client = client_as("qiye")
    client.get(f"{TECH}/dossier/{small}")  # warm the per-process reference caches
    counts = []
    for pk, view in ((small, TECH), (large, "/declarations/green_factory")):
        with counting(app) as statements:
            assert client.get(f"{view}/dossier/{pk}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_return_shows_the_opinion_and_then_the_changes(app, client_as, submitted):
    with app.app_context():
        declaration = db.session.get(Declaration, submitted)
        f.act(declaration, "return", "changan", opinion="请补充第三方检测报告")
        db.session.commit()
    qiye = client_as("qiye")
    page = qiye.get(f"{TECH}/show/{submitted}").get_data(as_text=True)
    assert "已被退回修改" in page and "请补充第三方检测报告" in page  # the banner
    with app.app_context():
        declaration = db.session.get(Declaration, submitted)
        values = {k: dict(v) for k, v in declaration.form_data.items()}
        values["technology"]["tech_name"] = "余热梯级回收利用技术（修订）"
        declaration.form_data = values
        f.act(declaration, "submit", "qiye")
        db.session.commit()
    changan = client_as("changan").get(f"{REVIEW}/show/{submitted}").get_data(as_text=True)
    assert "第 2 次上报与第 1 次上报相比" in changan and "请补充第三方检测报告" in changan
    assert "余热梯级回收利用技术（修订）" in changan and "修改" in changan
    dossier = client_as("changan").get(f"{REVIEW}/dossier/{submitted}").get_data(as_text=True)
    assert "本轮已修改" in dossier


def test_a_refused_action_is_shown_disabled_with_its_reason(app, client_as, submitted):
    with app.app_context():
        f.act(db.session.get(Declaration, submitted), "approve", "changan")
        db.session.commit()
    page = client_as("qiye").get(f"{TECH}/show/{submitted}").get_data(as_text=True)
    assert "取消上报" in page and "已有主管部门审核通过，不能取消上报" in page and "disabled" in page
    county = client_as("changan").get(f"{REVIEW}/show/{submitted}").get_data(as_text=True)
    assert "当前不在本部门审核环节" in county  # 长安区 has decided: its buttons say why they are off
    city = client_as("shijiazhuang").get(f"{REVIEW}/show/{submitted}").get_data(as_text=True)
    assert city.count('name="opinion"') == 1  # one opinion for 审核通过 / 退回修改 / 不予推荐
    assert "btn-warning decision-return" in city and "btn-danger decision-reject" in city
    assert "不能撤回" in city  # 不予推荐 asks first, naming the declaration


def test_an_incomplete_draft_lists_every_gap_with_a_link(app, client_as):
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech")
        values = {k: dict(v) for k, v in declaration.form_data.items()}
        values["technology"].pop("tech_name")
        declaration.form_data = values
        db.session.commit()
        pk = declaration.id
    page = client_as("qiye").get(f"{TECH}/show/{pk}").get_data(as_text=True)
    assert "上报前还需填写以下" in page and "focus=technology.tech_name" in page
    assert 'disabled aria-describedby="why-submit"' in page and "申报内容不完整" in page  # 上报 off, with why


def test_a_new_draft_takes_its_name_contacts_and_licence_from_the_organization(app, client_as):
    from tests.http.test_lifecycle_views import post

    qiye = client_as("qiye")
    with app.app_context():
        batch_id = f.new_batch(f"预填{uuid.uuid4().hex[:8]}").id
        db.session.commit()
    created = post(qiye, "/declarations/green_factory/create", batch_id=str(batch_id))
    pk = int(created.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        declaration = db.session.get(Declaration, pk)
        basic = declaration.form_data["basic"]
        assert (basic["contact"], basic["contact_phone"], basic["contact_email"]) == (
            "张建国", "13803110101", "qiye@example.com")
        assert declaration.title == "石家庄绿源机械制造有限公司"  # 工厂名称, pre-filled: the list's 申报名称
        licence_ids = declaration.form_data["attachments"]["business_license"]
        assert len(licence_ids) == 1
    dossier = qiye.get(f"/declarations/green_factory/dossier/{pk}").get_data(as_text=True)
    assert "营业执照-石家庄绿源机械制造有限公司.png" in dossier
    download = qiye.get(f"/declarations/green_factory/download/{pk}/{licence_ids[0]}")
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    listed = qiye.get("/declarations/green_factory/list/").get_data(as_text=True)
    assert "申报名称" in listed


def test_the_licence_is_shown_and_downloadable_in_the_profile(client_as):
    qiye = client_as("qiye")
    page = qiye.get("/profile/organization/").get_data(as_text=True)
    assert "/profile/licence/" in page and "营业执照-石家庄绿源机械制造有限公司.png" in page
    licence = qiye.get("/profile/licence/")
    assert licence.status_code == 200 and licence.data.startswith(b"\x89PNG")


def test_a_refused_decision_keeps_the_opinion_typed(app, client_as, submitted):
    from tests.http.test_lifecycle_views import post

    changan = client_as("changan")
    assert "decision-opinion" in changan.get(f"{REVIEW}/show/{submitted}").get_data(as_text=True)
    with app.app_context():  # meanwhile a colleague at 长安区 approves it
        f.act(db.session.get(Declaration, submitted), "approve", "changan")
        db.session.commit()
    page = post(changan, f"{REVIEW}/do/{submitted}/return", opinion="请补充余热利用量的计量数据")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "未执行" in html and "请补充余热利用量的计量数据" in html
