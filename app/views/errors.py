"""Error answers that say, in the user's language, what happened and what to do next: the HTTP error pages, and
the page or JSON for a refusal no view caught (its kind's answer is app/web/refusals.py)."""
from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException
from flask_login import current_user
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from app.domain import DomainError
from app.extensions import db
from app.web.language import say
from app.web.refusals import ANSWERS, json_answer, refusal_json


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
