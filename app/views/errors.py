"""Error pages that say, in Chinese, what happened and what to do next."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.http import HTTP_STATUS_CODES
from flask_login import current_user
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from app.extensions import db

MESSAGES = {
    400: ("请求无效", "提交的内容无法识别，请返回上一页重试。"),
    403: ("无权访问", "您的账户没有访问此页面的权限。"),
    404: ("页面不存在", "您要找的页面或记录不存在，或不在您的数据范围内。"),
    413: ("文件过大", "上传的文件超过了允许的大小，请压缩后重新上传。"),
    429: ("尝试过于频繁", "操作过于频繁，请稍等一分钟后再试。"),
    500: ("系统错误", "服务器处理请求时出错，您已保存的内容不受影响，请稍后再试或联系系统管理员。"),
}


def register_error_pages(app: Flask) -> None:
    def page(code: int, detail: str | None = None):
        title, message = MESSAGES[code]
        db.session.rollback()  # a failed statement leaves the transaction aborted, and the page reads the menu
        if request.path.startswith("/api/"):  # the REST API answers as FAB's does, e.g. {"message": "Not found"}
            return jsonify(message=HTTP_STATUS_CODES.get(code, "Error").capitalize()), code
        if "user" not in g:  # an error raised before Flask-AppBuilder's before_request (e.g. CSRF)
            g.user = current_user
        return render_template("error.html", appbuilder=current_app.appbuilder, code=code, title=gettext(title),
                               message=detail or gettext(message)), code

    for code in MESSAGES:
        app.register_error_handler(code, lambda error, code=code: page(code))
    app.register_error_handler(
        CSRFError, lambda error: page(400, gettext("页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。"))
    )
