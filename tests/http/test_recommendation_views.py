"""推荐管理 and 公示与名单 through the pages: gates, ranking, scope by other authorities' ids, the public page."""
import io
import itertools

import openpyxl
import pytest
from sqlalchemy import select

from app import clock
from app.vocabulary import DeclarationStatus as S, PackageState, PublicationStage, StepState
from app.extensions import db
from app.models import Declaration, Job, PackageEvent, Publication, RecommendationPackage
from tests import factories as f
from tests.helpers import job_file, post_form as post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OUTSIDERS = ["qiye", "yangqi", "sanfang", "xiehui", "changan", "shijiazhuang", "jituan", "admin"]


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def flashed(client, response) -> str:
    assert response.status_code == 302
    return page(client, response.headers["Location"])


_batches = itertools.count(1)


@pytest.fixture
def package(app):
    """河北省's package of three declarations in a batch of its own, for each test (one submits it)."""
    with app.app_context():
        batch = f.new_batch(f"推荐测试批{next(_batches)}", "energy_saving_tech")
        declarations = f.in_package(batch, 3)
        db.session.commit()
        return {"id": declarations[0].package_id, "members": [d.id for d in declarations], "batch": batch.id}


def package_endpoints(pk: int, member: int):
    yield "GET", f"/recommendations/show/{pk}", None
    yield "GET", f"/recommendations/summary/{pk}", None
    yield "POST", f"/recommendations/summary/{pk}", {}
    yield "GET", f"/recommendations/file/{pk}/letter", None
    yield "POST", f"/recommendations/upload/{pk}/letter", {"file": (io.BytesIO(PDF), "x.pdf")}
    yield "POST", f"/recommendations/rank/{pk}", {f"rank_{member}": "1"}
    yield "POST", f"/recommendations/reopen/{pk}/{member}", {"opinion": "越权"}
    yield "POST", f"/recommendations/submit/{pk}", {}
    yield "POST", f"/recommendations/withdraw/{pk}", {"reason": "越权"}


def state(app, pk):
    with app.app_context():
        package = db.session.get(RecommendationPackage, pk)
        members = db.session.scalars(select(Declaration).where(Declaration.package_id == pk)).all()
        return (package.version, package.state, package.letter_id,
                sorted((d.id, d.version, d.package_rank) for d in members), db.session.query(Job).count())


@pytest.mark.parametrize("username", OUTSIDERS + ["gongxinbu"])
def test_other_authorities_get_404_or_403_and_change_nothing(app, client_as, package, username):
    """Every package page and action, tried with 河北省's package id by everyone else (the ministry before
    the package is submitted to it): nothing is shown, nothing changes."""
    client = client_as(username)
    before = state(app, package["id"])
    for method, url, form in package_endpoints(package["id"], package["members"][0]):
        if method == "GET":
            response = client.get(url)
        else:
            response = post(client, url, **form)
        assert response.status_code in (403, 404), (username, url, response.status_code)
    if username != "admin" and username not in ("qiye", "yangqi", "sanfang"):
        assert f"/recommendations/show/{package['id']}" not in page(client, "/recommendations/list/")
    assert state(app, package["id"]) == before


def test_package_gates_ranking_and_submission(app, client_as, package):
    hebei = client_as("hebeisheng")
    pk, (first, second, third) = package["id"], package["members"]
    show = f"/recommendations/show/{pk}"
    assert "未上传推荐函 · 未提交汇总表" in page(hebei, "/recommendations/list/")

    refused = flashed(hebei, post(hebei, f"/recommendations/submit/{pk}"))
    assert "请先上传推荐函、推荐汇总表" in refused
    assert state(app, pk)[1] == PackageState.DRAFT

    # ranking: 3, 1, 2; the generated 汇总表 follows it
    assert "序号应为正整数" in flashed(hebei, post(hebei, f"/recommendations/rank/{pk}", **{
        f"rank_{first}": "2", f"rank_{second}": "x", f"rank_{third}": "1"}))
    assert "推荐顺序已保存" in flashed(hebei, post(hebei, f"/recommendations/rank/{pk}", **{
        f"rank_{first}": "2", f"rank_{second}": "3", f"rank_{third}": "1"}))
    _, summary = job_file(hebei, f"/recommendations/summary/{pk}")
    rows = list(openpyxl.load_workbook(io.BytesIO(summary.data), read_only=True).active.values)
    assert rows[0][:4] == ("序号", "单位名称", "申报名称", "统一社会信用代码") and len(rows) == 4
    with app.app_context():
        names = {d.id: (d.unit_name, d.organization.credit_code) for d in
                 db.session.scalars(select(Declaration).where(Declaration.id.in_(package["members"])))}
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert [r[3] for r in rows[1:]] == [names[third][1], names[first][1], names[second][1]]

    # uploads: judged by content, only PDF for the letter, PDF or xlsx for the summary
    bad = flashed(hebei, post(hebei, f"/recommendations/upload/{pk}/letter", file=(io.BytesIO(summary.data), "推荐函.pdf")))
    assert "只接受以下格式：pdf" in bad
    post(hebei, f"/recommendations/upload/{pk}/letter", file=(io.BytesIO(PDF), "推荐函.pdf"))
    assert "已上传推荐函 · 未提交汇总表" in page(hebei, "/recommendations/list/")
    assert "请先上传推荐汇总表" in flashed(hebei, post(hebei, f"/recommendations/submit/{pk}"))
    post(hebei, f"/recommendations/upload/{pk}/summary", file=(io.BytesIO(summary.data), "汇总表（盖章）.xlsx"))
    assert hebei.get(f"/recommendations/file/{pk}/letter").data == PDF

    assert "已全部报送工信部" in flashed(hebei, post(hebei, f"/recommendations/submit/{pk}"))
    with app.app_context():
        members = db.session.scalars(select(Declaration).where(Declaration.package_id == pk)).all()
        ministry = f.authority("ministry").id
        assert {(d.pending_authority_id, d.ministry_step) for d in members} == {(ministry, StepState.IN_REVIEW)}
    # the ministry now sees the package and its files, but cannot change it
    gongxinbu = client_as("gongxinbu")
    assert show in page(gongxinbu, "/recommendations/list/")
    assert gongxinbu.get(f"/recommendations/file/{pk}/summary").data == summary.data
    assert "只能撤回本部门的推荐" in flashed(gongxinbu, post(gongxinbu, f"/recommendations/withdraw/{pk}", reason="x"))
    # withdrawal, logged, then the package can be changed and submitted again
    assert "请填写撤回推荐的原因" in flashed(hebei, post(hebei, f"/recommendations/withdraw/{pk}", reason=" "))
    assert "已撤回推荐" in flashed(hebei, post(hebei, f"/recommendations/withdraw/{pk}", reason="汇总表漏盖骑缝章"))
    with app.app_context():
        assert db.session.scalars(select(PackageEvent.note).where(
            PackageEvent.package_id == pk, PackageEvent.action == "withdraw")).all() == ["汇总表漏盖骑缝章"]
    assert "汇总表漏盖骑缝章" in page(hebei, show)
    post(hebei, f"/recommendations/submit/{pk}")
    assert state(app, pk)[1] == PackageState.SUBMITTED


def test_publicity_public_page_and_freezing(app, client_as, package):
    """After 提交推荐 the ministry decides, publishes, and the public sees only the list."""
    gongxinbu = client_as("gongxinbu")
    first, second, third = package["members"]
    with app.app_context():
        f.recommend(db.session.get(Declaration, first), "hebeisheng")
        db.session.commit()
    assert state(app, package["id"])[1] == PackageState.SUBMITTED
    result = post(gongxinbu, "/review/declarations/decide", decision="approve", rowid=[str(first), str(second)],
                  opinion="同意").get_data(as_text=True)
    assert "成功 2 项" in result and "通过（拟入选）" in result
    batch_page = f"/publications/batch/{package['batch']}"
    waiting = page(gongxinbu, batch_page)
    assert "还有 1 项申报待本部门审核" in waiting
    refused = post(gongxinbu, f"/publications/start/{package['batch']}", title="公示", starts="2099-01-01",
                   ends="2099-01-10", notice="").get_data(as_text=True)
    assert "还有 1 项申报待审核" in refused and 'value="2099-01-10"' in refused  # typed values kept
    post(gongxinbu, "/review/declarations/decide", decision="reject", rowid=str(third), opinion="不符合要求")
    for username in ("hebeisheng", "qiye", "admin"):
        assert client_as(username).get(batch_page).status_code in (403, 404), username
    started = post(gongxinbu, f"/publications/start/{package['batch']}", title="推荐测试批名单公示",
                   starts=_today(), ends=_today(13), notice="异议请来函")
    assert "已开始公示" in flashed(gongxinbu, started)
    with app.app_context():
        publication = db.session.scalar(select(Publication).where(Publication.batch_id == package["batch"]))
        statuses = {d.id: d.status for d in db.session.scalars(select(Declaration).where(
            Declaration.id.in_(package["members"])))}
        names = {d.id: d.unit_name for d in db.session.scalars(select(Declaration).where(
            Declaration.id.in_(package["members"])))}
    assert statuses == {first: S.PUBLICITY, second: S.PUBLICITY, third: S.REJECTED}

    anonymous = app.test_client()
    public = page(anonymous, f"/gongshi/{publication.id}")
    assert "推荐测试批名单公示" in public and public.count("unit-name") == 2 and "异议请来函" in public
    assert publication.title in page(anonymous, "/gongshi/")
    assert anonymous.get(f"/gongshi/{publication.id + 1000}").status_code == 404
    exported = anonymous.get(f"/gongshi/{publication.id}/export")
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.data), read_only=True).active.values)
    assert len(rows) == 3 and {r[1] for r in rows[1:]} == {names[first], names[second]}

    # frozen: the applicant cannot change content nor act; the ministry cannot decide again
    qiye = client_as("qiye")
    edited = post(qiye, f"/declarations/energy_saving_tech/content/{first}", **{"f|basic|contact": "改名"})
    assert edited.status_code in (302, 200)
    with app.app_context():
        frozen = db.session.get(Declaration, first)
        assert frozen.status == S.PUBLICITY and (frozen.form_data.get("basic") or {}).get("contact") != "改名"
    again = post(gongxinbu, "/review/declarations/decide", decision="reject", rowid=str(first), opinion="再议")
    assert "未执行 1 项" in again.get_data(as_text=True)

    # 公示异议 takes one out; the list cannot be published before the period ends
    objected = flashed(gongxinbu, post(gongxinbu, f"/publications/object/{publication.id}/{second}", opinion="实名举报属实"))
    assert "已不予通过并移出公示" in objected
    assert page(anonymous, f"/gongshi/{publication.id}").count("unit-name") == 1
    assert "公示期满后才能发布名单" in flashed(gongxinbu, post(gongxinbu, f"/publications/publish/{publication.id}"))
    # nobody but the batch's owner reaches the management pages of its publication
    for username in ("hebeisheng", "jituan", "qiye", "admin"):
        client = client_as(username)
        for response in (client.get(f"/publications/export/{publication.id}"),
                         post(client, f"/publications/export/{publication.id}"),
                         post(client, f"/publications/publish/{publication.id}"),
                         post(client, f"/publications/object/{publication.id}/{first}", opinion="越权"),
                         post(client, f"/publications/start/{package['batch']}", title="越权", starts=_today(),
                              ends=_today(3))):
            assert response.status_code in (403, 404), username
    with app.app_context():
        assert db.session.get(Declaration, first).status == S.PUBLICITY
        assert db.session.get(Publication, publication.id).stage == PublicationStage.PUBLICITY
    assert "推荐测试批" in page(gongxinbu, "/publications/")


def _today(days: int = 0) -> str:
    import datetime

    return (clock.today() + datetime.timedelta(days=days)).isoformat()
