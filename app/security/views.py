"""Sign-in with an image captcha, waits after failures and an audit; the captcha image itself."""
from __future__ import annotations

from flask import current_app, flash, g, make_response, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import gettext, lazy_gettext as _l
from flask_login import login_user
from wtforms import StringField

from app.extensions import db
from app.domain.sign_in import CAPTCHA_REFUSAL, REFUSAL
from app.vocabulary import SignInKind
from app.security import captcha, lockout, sessions
from app.security import sign_in_audit as audit


class LoginForm(LoginForm_db):
    captcha = StringField(_l("验证码"))


class LoginView(AuthDBView):
    """FAB's database login, plus the captcha, the waits after failures (app/security/lockout.py) and the audit.

    Every refusal but the captcha's reads the same (REFUSAL), whether the name exists, the password is wrong,
    the account is deactivated or the address must wait. Nothing of a request is kept on `self`: this view
    is one object shared by every request and thread."""

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm()
        if form.validate_on_submit():
            user, refusal = self._sign_in(form)
            db.session.commit()  # the audit, and a lock's end on the user row
            if user is not None:
                login_user(user, remember=False)
                sessions.start(user)
                wanted = request.args.get("next", "")  # FAB warns of an unsafe redirect on an empty one
                return redirect(get_safe_redirect(wanted) if wanted else self.appbuilder.get_url_for_index)
            flash(gettext(refusal), "danger")
        form.password.data = ""
        form.captcha.data = ""
        return self.render_template(self.login_template, title=gettext("用户登录"), form=form,
                                    appbuilder=self.appbuilder, site=site_texts())

    def _sign_in(self, form):
        """(user, None) for a good attempt, (None, the refusal's message id) otherwise."""
        sm = self.appbuilder.sm
        username = (form.username.data or "").strip()
        address = request.remote_addr or ""
        if current_app.config["CAPTCHA_ENABLED"] and not captcha.check(form.captcha.data):
            audit.record(SignInKind.FAILURE, username=username, detail="captcha")
            return None, CAPTCHA_REFUSAL
        if "\x00" in username or len(username) > 128 or not username:
            audit.record(SignInKind.FAILURE, username=username, detail="invalid_name")
            return None, REFUSAL
        if lockout.must_wait(username, address):
            audit.record(SignInKind.FAILURE, username=username, user=sm.find_user(username=username),
                         detail="waiting")
            return None, REFUSAL
        user = sm.auth_user_db(username, form.password.data)
        if user:
            lockout.succeeded(username, address)
            audit.record(SignInKind.SUCCESS, username=username, user=user)
            return user, None
        known = sm.find_user(username=username)
        reason = "unknown_user" if known is None else "inactive" if not known.is_active else "wrong_password"
        audit.record(SignInKind.FAILURE, username=username, user=known, detail=reason)
        delay, locked_until = lockout.failed(username, address)
        if delay:
            audit.record(SignInKind.LOCK, username=username, user=known, detail=f"delay:{delay}")
        if locked_until is not None:
            if known is not None:
                known.locked_until = locked_until  # what IT staff see in the user list, and unlock
            audit.record(SignInKind.LOCK, username=username, user=known,
                         detail=f"account_lock:{lockout.throttle().lock_minutes}")
        return None, REFUSAL

    @expose("/captcha.png")
    def captcha_image(self):
        response = make_response(captcha.new_challenge())
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "no-store"
        return response


def site_texts() -> dict:
    """The login page's 申报流程说明 lines and 咨询电话, as IT staff last set them in the console."""
    from app.models import SiteSetting

    stored = {row.key: row.value for row in db.session.query(SiteSetting).all()}
    notice = stored.get("login_notice")
    return {
        "notice": [line for line in notice.splitlines() if line.strip()] if notice else current_app.config["LOGIN_NOTICE"],
        "phone": stored.get("helpdesk_phone") or current_app.config["HELPDESK_PHONE"],
    }
