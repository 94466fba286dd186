"""Error answers that say, in the user's language, what happened and what to do next: the HTTP error pages, and
the one mapping from a refusal's kind (`DomainError.kind`) to its HTTP status and its flash."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, flash, g, render_template, request
from werkzeug.exceptions import HTTPException
from flask_login import current_user
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from app.domain import DomainError, ErrorKind, in_language
from app.extensions import db


@dataclass(frozen=True)
class Answer:
    """How a kind of refusal is answered: `status` for JSON (the API) and for a refusal no view catches,
    `category` for the flash of a page (an alert class in both the platform's and the console's layout)."""

    status: int
    category: str


# Refused is 403: the request was understood and reached the rules, which say no to this actor now (the state,
# the turn, a deadline); sending it again unchanged will not help. Invalid is 422: what was sent is readable but
# cannot be accepted as it is, and the answer says what to correct (with `errors` by field), so a client can tell
# "fix what you sent" from "not allowed now". Not found and conflict are answered as HTTP names them.
ANSWERS = {
    ErrorKind.REFUSED: Answer(403, "danger"),
    ErrorKind.NOT_FOUND: Answer(404, "warning"),
    ErrorKind.CONFLICT: Answer(409, "warning"),
    ErrorKind.INVALID: Answer(422, "danger"),
}


def say(refused: DomainError) -> str:
    """A refusal in the user's language: translated first, formatted with its values afterwards."""
    return refused.translated(gettext)


def field_errors(refused: DomainError) -> dict[str, str]:
    """The refusal's errors by field, each in the user's language."""
    return {key: in_language(text, gettext) for key, text in refused.errors.items()}


def flash_refusal(refused: DomainError) -> str:
    """Flash a refusal on the next page, in the user's language and with its kind's category; returns the text.
    The view keeps what was typed: it redirects or draws its form again, as the refused form needs."""
    text = say(refused)
    flash(text, ANSWERS[refused.kind].category)
    return text


def refusal_json(refused: DomainError):
    """A refusal as the API answers it: its kind's status, `{"message", "kind"}` and the errors by field."""
    body = {"message": say(refused), "kind": refused.kind.value}
    if refused.errors:
        body["errors"] = field_errors(refused)
    return json_answer(body, ANSWERS[refused.kind].status)


def json_answer(body: dict, status: int):
    """JSON with Chinese as itself rather than \\u escapes (a person reads these messages)."""
    return current_app.response_class(current_app.json.dumps(body, ensure_ascii=False), status=status,
                                      content_type="application/json; charset=utf-8")


MESSAGES = {
    400: ("请求无效", "提交的内容无法识别，请返回上一页重试。"),
    403: ("无权访问", "您的账户没有访问此页面的权限。"),
    404: ("页面不存在", "您要找的页面或记录不存在，或不在您的数据范围内。"),
    413: ("文件过大", "上传的文件超过了允许的大小，请压缩后重新上传。"),
    405: ("请求方式不对", "此地址不接受这种请求方式，请使用页面上的按钮或链接操作。"),
    409: ("已被他人修改", "这条记录刚刚已被他人修改，请刷新页面查看最新内容后再操作。"),
    422: ("内容需要修改", "提交的内容无法受理，请按提示修改后重新提交。"),
    429: ("尝试过于频繁", "操作过于频繁，请稍等一分钟后再试。"),
    500: ("系统错误", "服务器处理请求时出错，您已保存的内容不受影响，请稍后再试或联系系统管理员。"),
}


def register_error_pages(app: Flask) -> None:
    """One answer for every HTTP error: a page in Chinese, or under /api/ JSON `{"message": …}` in the same words.
    The session is rolled back first: a failed statement leaves the transaction aborted, and the page reads the
    menu from the database."""

    def answer(error: HTTPException, detail: str | None = None):
        db.session.rollback()
        code = error.code or 500
        if request.path.startswith("/api/"):
            text = detail or (gettext(MESSAGES[code][1]) if code in MESSAGES else error.description)
            response = json_answer({"message": text}, code)
            if code == 405:
                response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or ())
            return response
        if code not in MESSAGES:
            return error  # Werkzeug's own answer (a redirect, 401, …)
        response = page(code, detail)
        if code == 405:
            response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or ())
        return response

    def page(code: int, detail: str | None = None):
        title, message = MESSAGES[code]
        if "user" not in g:  # an error raised before Flask-AppBuilder's before_request (e.g. CSRF)
            g.user = current_user
        return current_app.make_response((render_template(
            "error.html", appbuilder=current_app.appbuilder, code=code, title=gettext(title),
            message=detail or gettext(message)), code))

    def answer_refusal(refused: DomainError):
        """A refusal no view caught: nothing it began is kept; the API answers JSON, a page says why."""
        db.session.rollback()
        if request.path.startswith("/api/"):
            return refusal_json(refused)
        return page(ANSWERS[refused.kind].status, say(refused))

    app.register_error_handler(HTTPException, answer)
    app.register_error_handler(DomainError, answer_refusal)
    app.register_error_handler(
        CSRFError, lambda error: answer(error, gettext("页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。"))
    )
