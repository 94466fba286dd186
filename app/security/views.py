"""Sign-in with an image captcha and account lockout; the captcha image itself."""
from __future__ import annotations

from flask import current_app, flash, g, make_response, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import gettext, lazy_gettext as _l
from flask_login import login_user
from wtforms import StringField

from app.security import captcha


class LoginForm(LoginForm_db):
    captcha = StringField(_l("验证码"))


class LoginView(AuthDBView):
    """FAB's database login, plus the captcha check and a clear word on locked accounts."""

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm()
        if form.validate_on_submit():
            user, refusal = self._sign_in(form)
            if user is not None:
                login_user(user, remember=False)
                wanted = request.args.get("next", "")  # FAB warns of an unsafe redirect on an empty one
                return redirect(get_safe_redirect(wanted) if wanted else self.appbuilder.get_url_for_index)
            flash(refusal, "danger")
        form.password.data = ""
        form.captcha.data = ""
        return self.render_template(self.login_template, title=gettext("用户登录"), form=form,
                                    appbuilder=self.appbuilder, site=site_texts())

    def _sign_in(self, form):
        """(user, None) for a good attempt, (None, why) otherwise. The user stays a local: this view is one
        object shared by every request and thread."""
        sm = self.appbuilder.sm
        if current_app.config["CAPTCHA_ENABLED"] and not captcha.check(form.captcha.data):
            return None, gettext("验证码错误或已过期，请重新输入")
        username = form.username.data.strip()
        if "\x00" in username or len(username) > 128:
            return None, gettext("用户登录名或密码错误")
        locked_until = sm.locked_until(username)
        if locked_until is not None:
            return None, gettext("该账户因连续多次登录失败已被锁定，请于 %(time)s 后再试，或联系系统管理员解锁",
                           time=locked_until.strftime("%H:%M"))
        user = sm.auth_user_db(username, form.password.data)
        if user:
            return user, None
        locked_until = sm.locked_until(username)
        if locked_until is not None:
            return None, gettext("密码错误次数过多，账户已锁定至 %(time)s", time=locked_until.strftime("%H:%M"))
        return None, gettext("用户登录名或密码错误")

    @expose("/captcha.png")
    def captcha_image(self):
        response = make_response(captcha.new_challenge())
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "no-store"
        return response


def site_texts() -> dict:
    """The login page's 申报流程说明 lines and 咨询电话, as IT staff last set them in the console."""
    from app.extensions import db
    from app.models import SiteSetting

    stored = {row.key: row.value for row in db.session.query(SiteSetting).all()}
    notice = stored.get("login_notice")
    return {
        "notice": [line for line in notice.splitlines() if line.strip()] if notice else current_app.config["LOGIN_NOTICE"],
        "phone": stored.get("helpdesk_phone") or current_app.config["HELPDESK_PHONE"],
    }
