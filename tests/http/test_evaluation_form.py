"""The agency's evaluation form: every problem at once next to its field, nothing typed lost, an uploaded PDF
kept across a refused attempt (and only a report of this agency for this declaration), 评价结论 shown."""
import io
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Declaration, Evaluation
from tests import factories as f
from tests.helpers import post_form as post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def evaluating(app) -> int:
    """A 绿色工厂 of 绿源 sent to 河北绿标 (sanfang) for evaluation, in a batch of its own."""
    with app.app_context():
        declaration = f.drafted("qiye", "green_factory", f.new_batch(f"评价表单{uuid.uuid4().hex[:6]}"))
        db.session.flush()
        f.act(declaration, "choose_agency", "qiye", agency_id=f.organization("河北绿标认证评价有限公司").id)
        f.act(declaration, "request_evaluation", "qiye")
        db.session.commit()
        return declaration.id


def url(pk):
    return f"/agency/declarations/do/{pk}/return_evaluation"


def test_every_problem_at_once_and_every_typed_value_back(app, client_as):
    pk = evaluating(app)
    sanfang = client_as("sanfang")
    long_highlights = "屋顶光伏与余热回收" * 12  # 108 字: refused with a message, never cut to 100
    response = post(sanfang, url(pk), score="1e5", basic_requirements="", highlights=long_highlights,
                    conclusion="结论" * 1001)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "评价结果有 5 处需要修改，未提交" in html
    assert "评价得分请填写普通数字，不接受科学计数法" in html
    assert "请选择基本要求是否符合" in html
    assert "主要亮点不能超过 100 字（现为 108 字）" in html
    assert "评价结论不能超过 2000 字（现为 2002 字）" in html
    assert "请上传第三方评价报告（PDF）" in html
    assert 'value="1e5"' in html and long_highlights in html and "结论" * 1001 in html
    assert 'maxlength="100"' not in html and 'data-limit="100"' in html and "js/char-count.js" in html
    with app.app_context():
        assert db.session.get(Declaration, pk).status == "evaluating"


def test_a_valid_report_is_kept_across_a_refusal_and_replaced_by_a_new_one(app, client_as):
    pk = evaluating(app)
    sanfang = client_as("sanfang")
    first = post(sanfang, url(pk), score="88.5", basic_requirements="符合", highlights="",
                 conclusion="整体良好", report=(io.BytesIO(PDF), "第一版报告.pdf")).get_data(as_text=True)
    assert "评价结果有 1 处需要修改" in first and "请填写主要亮点" in first
    assert "已上传：第一版报告.pdf" in first and 'value="88.5"' in first and '<option value="符合" selected>' in first
    with app.app_context():
        kept = db.session.scalars(select(Attachment).where(Attachment.declaration_id == pk,
                                                           Attachment.purpose == "evaluation_report")).one()
    assert f'name="kept_report" value="{kept.id}"' in first
    second = post(sanfang, url(pk), score="88.5", basic_requirements="符合", highlights="", kept_report=str(kept.id),
                  report=(io.BytesIO(PDF), "第二版报告.pdf")).get_data(as_text=True)
    assert "已上传：第二版报告.pdf" in second
    with app.app_context():
        reports = db.session.scalars(select(Attachment).where(Attachment.declaration_id == pk,
                                                              Attachment.purpose == "evaluation_report")).all()
    assert [r.original_name for r in reports] == ["第二版报告.pdf"]  # the replaced one is gone
    done = post(sanfang, url(pk), score="88.5", basic_requirements="符合", highlights="屋顶光伏",
                conclusion="能源管理体系完善，建议入选", kept_report=str(reports[0].id))
    assert done.status_code == 302
    with app.app_context():
        evaluation = db.session.scalars(select(Evaluation).where(Evaluation.declaration_id == pk)).one()
        assert evaluation.report_id == reports[0].id and str(evaluation.score) == "88.50"
    page = client_as("qiye").get(f"/declarations/green_factory/show/{pk}").get_data(as_text=True)
    assert "能源管理体系完善，建议入选" in page and "评价结论" in page  # the conclusion is shown again


def test_a_kept_report_must_be_this_agencys_report_of_this_declaration(app, client_as):
    pk, other = evaluating(app), evaluating(app)
    with app.app_context():
        foreign = Attachment(purpose="evaluation_report", storage_key="x/1.pdf", original_name="别家的.pdf",
                             content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=other,
                             organization_id=f.organization("河北绿标认证评价有限公司").id)
        licence = Attachment(purpose="form_file", storage_key="x/2.pdf", original_name="营业执照.pdf",
                             content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=pk,
                             organization_id=f.organization("河北绿标认证评价有限公司").id)
        db.session.add_all([foreign, licence])
        db.session.commit()
        ids = [foreign.id, licence.id, 10**30, "abc"]
    sanfang = client_as("sanfang")
    for kept in ids:
        html = post(sanfang, url(pk), score="90", basic_requirements="符合", highlights="好",
                    kept_report=str(kept)).get_data(as_text=True)
        assert "请上传第三方评价报告（PDF）" in html and "已上传" not in html, kept
    bad = post(sanfang, url(pk), score="90", basic_requirements="符合", highlights="好",
               report=(io.BytesIO(b"MZ"), "报告.pdf")).get_data(as_text=True)
    assert "只能上传 PDF" in bad and 'value="90"' in bad


@pytest.mark.parametrize("score, message", [("", "请填写评价得分"), ("100.001", "最多保留 2 位小数"),
                                            ("-1", "应在 0 至 100 之间"), ("1" * 400, "整数部分不能超过 15 位"),
                                            ("九十", "评价得分应为数字")])
def test_score_messages(app, client_as, score, message):
    pk = evaluating(app)
    html = post(client_as("sanfang"), url(pk), score=score, basic_requirements="符合", highlights="好",
                report=(io.BytesIO(PDF), "报告.pdf")).get_data(as_text=True)
    assert message in html and "评价结果有 1 处需要修改" in html
