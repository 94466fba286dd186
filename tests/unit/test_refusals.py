"""A refusal's kind decides its answer in one place: the HTTP status of JSON, the category of a flash; the text
is translated before its values are put in."""
import ast
import json
from pathlib import Path

import pytest
from flask import get_flashed_messages
from flask_babel import force_locale

from app.domain import DomainError, ErrorKind, Message
from app.vocabulary import N_
from app.web.language import say
from app.web.refusals import ANSWERS, field_errors, flash_refusal, refusal_json

APP = Path(__file__).resolve().parents[2] / "app"


def test_every_kind_has_its_own_answer():
    assert set(ANSWERS) == set(ErrorKind)
    assert {kind: answer.status for kind, answer in ANSWERS.items()} == {
        ErrorKind.REFUSED: 403, ErrorKind.NOT_FOUND: 404, ErrorKind.CONFLICT: 409, ErrorKind.INVALID: 422}
    # a refusal or bad input asks the user to do something else; a conflict or a missing row asks to look again
    assert ANSWERS[ErrorKind.REFUSED].category == ANSWERS[ErrorKind.INVALID].category == "danger"
    assert ANSWERS[ErrorKind.CONFLICT].category == ANSWERS[ErrorKind.NOT_FOUND].category == "warning"


def test_a_refusal_is_refused_unless_it_says_otherwise():
    assert DomainError(N_("未知的操作")).kind is ErrorKind.REFUSED
    assert DomainError(N_("未知的操作"), kind="conflict").kind is ErrorKind.CONFLICT
    assert DomainError(N_("未知的操作"), kind=ErrorKind.INVALID).kind is ErrorKind.INVALID
    with pytest.raises(ValueError):
        DomainError(N_("未知的操作"), kind="conflicted")


def test_every_kind_named_at_a_raise_site_exists():
    """Raise sites name their kind as text (`kind="conflict"`): a misspelt one would be a 500 on the day it is
    raised, so every literal in the application is checked here."""
    named = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError":
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        named.append((f"{path.relative_to(APP)}:{node.lineno}", keyword.value.value))
    assert len(named) > 40  # the walk reached the domain's raise sites
    assert [site for site, kind in named if kind not in {k.value for k in ErrorKind}] == []


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_json_answer_has_the_kind_status_and_the_users_language(app, kind):
    refused = DomainError(N_("当前状态（%(status)s）不能执行“%(action)s”"), kind=kind, status=N_("草稿"),
                          action=N_("上报"))
    with app.test_request_context("/api/v1/declarations/1"), force_locale("en"):
        response = refusal_json(refused)
    body = json.loads(response.get_data(as_text=True))
    assert response.status_code == ANSWERS[kind].status and body["kind"] == kind.value
    # the message id and its values translated first, then formatted
    assert body["message"] == "“Submit” is not possible in the current status (Draft)"
    assert "errors" not in body


def test_json_answer_names_the_fields_to_correct(app):
    refused = DomainError(N_("评价结果有 %(count)d 处需要修改，未提交"), kind="invalid", count=1,
                          errors={"score": Message(N_("%(subject)s只能上传 PDF 文件"), subject=N_("评价报告"))})
    with app.test_request_context("/api/v1/x"):
        body = json.loads(refusal_json(refused).get_data(as_text=True))
    assert body == {"message": "评价结果有 1 处需要修改，未提交", "kind": "invalid",
                    "errors": {"score": "评价报告只能上传 PDF 文件"}}
    with app.test_request_context("/api/v1/x"), force_locale("en"):
        english = field_errors(refused)
    assert english == {"score": "Evaluation report: only PDF files can be uploaded"}


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_a_page_flashes_the_refusal_with_its_kind_category(app, kind):
    refused = DomainError(N_("该申报刚刚已被他人处理，本次操作未执行，请刷新后查看最新状态"), kind=kind)
    with app.test_request_context("/declarations/green_factory/do/1/submit", method="POST"), force_locale("en"):
        text = flash_refusal(refused)
        assert get_flashed_messages(with_categories=True) == [(ANSWERS[kind].category, text)]
    assert text.startswith("Someone else has just processed this declaration")


def test_a_refusal_no_view_catches_is_answered_by_its_kind(app):
    """The safety net: JSON under /api/, otherwise an error page, both with the kind's status."""
    with app.test_request_context("/api/v1/declarations/"):
        api = app.handle_user_exception(DomainError(N_("未知的操作"), kind="conflict"))
    assert api.status_code == 409 and json.loads(api.get_data(as_text=True)) == {
        "message": "未知的操作", "kind": "conflict"}
    with app.test_request_context("/review/declarations/list/"):
        app.preprocess_request()  # Flask-AppBuilder's g.user, which the page's menu reads
        page = app.handle_user_exception(DomainError(N_("未知的操作"), kind="invalid"))
    assert page.status_code == 422 and "未知的操作" in page.get_data(as_text=True)


def test_say_translates_before_it_formats(app):
    refused = DomainError(N_("请先上传%(files)s，再提交推荐"), files=(N_("推荐函"), N_("推荐汇总表（盖章）")))
    with app.test_request_context("/"):
        assert say(refused) == "请先上传推荐函、推荐汇总表（盖章），再提交推荐"
        with force_locale("en"):
            english = say(refused)
    assert english == "Please upload the Recommendation letter, Recommendation summary (stamped) before submitting the recommendation"
