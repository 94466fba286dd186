"""The lifecycle through the pages: applicant, agency and every review level, as each demo account."""
import io

from sqlalchemy import select

from app.vocabulary import DeclarationStatus as S
from app.extensions import db
from app.models import Declaration, Evaluation
from app.domain import lifecycle
from tests import factories as f
from tests.helpers import job_file, post_form as post
from tests.form_values import complete, flatten

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GF = "/declarations/green_factory"


def flash_text(client, url):
    return client.get(url).get_data(as_text=True)


def test_green_factory_from_draft_to_ministry_approval(app, client_as):
    qiye, sanfang = client_as("qiye"), client_as("sanfang")
    with app.app_context():  # a batch of its own: the province's package of the shared batch may be submitted
        batch_id = f.new_batch("页面生命周期批").id
        db.session.commit()
    created = post(qiye, f"{GF}/create", batch_id=str(batch_id))
    assert created.status_code == 302 and "/content/" in created.headers["Location"]
    pk = int(created.headers["Location"].rstrip("/").split("/")[-1])
    show = f"{GF}/show/{pk}"

    editor = qiye.get(f"{GF}/content/{pk}").get_data(as_text=True)
    assert "表1 基本信息表" in editor and "石家庄绿源机械制造有限公司" in editor  # prefilled from the profile
    with app.app_context():
        definition = lifecycle.definition_of(db.session.get(Declaration, pk))
    values = complete(definition)
    partial = {k: v for k, v in flatten(values).items() if k.startswith("f|basic|")}
    assert post(qiye, f"{GF}/content/{pk}", **partial).status_code == 302  # a partial draft saves
    with app.app_context():
        agency = f.organization("河北绿标认证评价有限公司").id
    post(qiye, f"{GF}/do/{pk}/choose_agency", agency_id=str(agency))
    refused = post(qiye, f"{GF}/do/{pk}/request_evaluation")
    gaps = qiye.get(refused.headers["Location"]).get_data(as_text=True)
    assert "申报内容不完整" in gaps and "【附表1 自我评价报告】" in gaps
    assert "【更多附件】" not in gaps  # the registered 营业执照 was copied into the draft
    assert post(qiye, f"{GF}/content/{pk}", **flatten(values)).status_code == 302
    licence = post(qiye, f"{GF}/attach/{pk}", field=_required_file(definition),
                   file=(io.BytesIO(PDF), "营业执照.pdf"))
    assert "附件已上传" in qiye.get(licence.headers["Location"]).get_data(as_text=True)
    post(qiye, f"{GF}/do/{pk}/request_evaluation")
    page = qiye.get(show).get_data(as_text=True)
    assert "三方评价中" in page and "/content/" not in page  # locked while the agency evaluates

    agency_show = f"/agency/declarations/show/{pk}"
    assert "返回评价结果" in sanfang.get(agency_show).get_data(as_text=True)
    refused = post(sanfang, f"/agency/declarations/do/{pk}/return_evaluation", score="88",
                   basic_requirements="符合", highlights="屋顶光伏", report=(io.BytesIO(b"MZ not a pdf"), "报告.pdf"))
    assert "只能上传 PDF" in refused.get_data(as_text=True)  # the form comes back with what was typed
    post(sanfang, f"/agency/declarations/do/{pk}/return_evaluation", score="88",
         basic_requirements="符合", highlights="屋顶光伏", report=(io.BytesIO(PDF), "评价报告.pdf"))
    with app.app_context():
        evaluation = db.session.scalars(select(Evaluation).where(Evaluation.declaration_id == pk)).one()
        report = evaluation.report_id
    download = qiye.get(f"{GF}/download/{pk}/{report}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    post(qiye, f"{GF}/do/{pk}/submit", channel="local")
    for username in ("changan", "shijiazhuang", "hebeisheng", "gongxinbu"):
        reviewer = client_as(username)
        if username == "gongxinbu":  # the province's recommendation package brings it to the ministry
            recommend_through_pages(app, client_as("hebeisheng"), pk)
        listing = reviewer.get("/review/declarations/list/").get_data(as_text=True)
        assert f"/show/{pk}\"" in listing, username  # 待我审核
        result = post(reviewer, "/review/declarations/decide", decision="approve",
                      rowid=str(pk), opinion="同意")
        assert "成功 1 项" in result.get_data(as_text=True), username
    assert "通过（拟入选）" in result.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Declaration, pk).status == S.APPROVED
    history = qiye.get(show).get_data(as_text=True)
    assert history.count("审核通过") >= 3 and "提交推荐" in history and "通过（拟入选）" in history
    assert "审核通过（拟入选）" in history and "已提交推荐" in history  # status, and the package beside it


def recommend_through_pages(app, province, pk):
    """推荐管理 as 河北省: the package holds the declaration; upload both stamped files; 提交推荐."""
    with app.app_context():
        package_id = db.session.get(Declaration, pk).package_id
    page = f"/recommendations/show/{package_id}"
    listing = province.get("/recommendations/list/").get_data(as_text=True)
    assert "未上传推荐函 · 未提交汇总表" in listing and page in listing
    _, summary = job_file(province, f"/recommendations/summary/{package_id}")
    assert summary.status_code == 200
    post(province, f"/recommendations/upload/{package_id}/letter", file=(io.BytesIO(PDF), "推荐函.pdf"))
    post(province, f"/recommendations/upload/{package_id}/summary", file=(io.BytesIO(summary.data), "汇总表.xlsx"))
    assert "已上传推荐函 · 已上传汇总表" in province.get(page).get_data(as_text=True)
    post(province, f"/recommendations/submit/{package_id}")
    assert "已提交推荐" in province.get(page).get_data(as_text=True)


def _required_file(definition) -> str:
    return next(f"{s.key}.{i.key}" for s, i in definition.all_fields() if i.kind == "file" and i.required)


def test_bulk_decision_reports_each_item(app, client_as):
    with app.app_context():
        at_county = f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye")
        at_city = f.act(f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye"), "approve", "changan")
        db.session.commit()
        ids = [at_county.id, at_city.id]
        versions = [at_county.version, at_city.version]
    shijiazhuang = client_as("shijiazhuang")
    result = post(shijiazhuang, "/review/declarations/decide", decision="return",
                  rowid=[str(i) for i in ids], opinion="材料不全").get_data(as_text=True)
    assert "成功 1 项，未执行 1 项" in result and "当前不在本部门审核环节" in result
    with app.app_context():
        assert db.session.get(Declaration, ids[0]).version == versions[0]  # the refused one is untouched
        assert db.session.get(Declaration, ids[1]).status == S.RETURNED
    empty = post(client_as("changan"), "/review/declarations/decide", decision="reject", rowid=[str(ids[0])],
                 opinion=" ")
    assert "请填写审核意见" in empty.get_data(as_text=True)


def test_reviewer_filters(app, client_as):
    client = client_as("gongxinbu")
    html = client.get("/review/declarations/list/?tab=all&status=under_review&province=bogus&from=2026-01-01"
                      "&to=not-a-date&industry=34&psize_ReviewDeclarationView=100").get_data(as_text=True)
    assert "记录数目" in html or "没有找到记录" in html
    with app.app_context():
        guangdong = db.session.execute(select(f.Region.id).where(f.Region.code == "440000")).scalar_one()
    html = client.get(f"/review/declarations/list/?tab=all&status=returned&province={guangdong}"
                      "&psize_ReviewDeclarationView=100").get_data(as_text=True)
    assert "石家庄绿源" not in html
    # the bar shows what was chosen, and a province's cities once a province is
    assert f'<option value="{guangdong}" selected>广东省</option>' in html
    assert '<option value="returned" selected>' in html and html.count(" selected>") == 2
    assert 'id="filter-city" name="city"' in html and ">广州市</option>" in html


def test_new_declaration_needs_an_open_batch_and_a_permitted_type(app, client_as):
    park = client_as("yuanqu")
    response = post(park, f"{GF}/create", batch_id="1")
    assert "不能申报“绿色工厂”" in park.get(response.headers["Location"]).get_data(as_text=True)
