"""Session epochs: a session is valid only while it carries its user's current `session_epoch`.

Sign-in writes the epoch into the session; `end_other_sessions` raises it (password change or reset,
deactivation, unlock), so every other session of that user is signed out at its next request.
"""
from __future__ import annotations

from flask import Flask, flash, g, has_request_context, request, session
from flask_babel import gettext
from flask_login import current_user, logout_user

SESSION_KEY = "epoch"


def start(user) -> None:
    """Called right after login_user."""
    session[SESSION_KEY] = user.session_epoch or 0


def end_other_sessions(user) -> None:
    """Every session of `user` ends, except the current request's own if it is theirs (the caller commits)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    if is_current(user):
        session[SESSION_KEY] = user.session_epoch


def is_current(user) -> bool:
    """Whether `user` is the one signed in to this request (False outside a request, e.g. a CLI)."""
    return has_request_context() and current_user.is_authenticated and current_user.id == user.id


def install_session_epoch(app: Flask) -> None:
    @app.before_request
    def sign_out_ended_sessions():
        """Runs after Flask-AppBuilder's own hook, which set g.user."""
        if request.endpoint in ("static", "appbuilder.static") or "_user_id" not in session:
            return
        if current_user.is_authenticated and session.get(SESSION_KEY) != (current_user.session_epoch or 0):
            logout_user()
            session.pop(SESSION_KEY, None)
            g.user = current_user
            flash(gettext("登录已失效：账户的密码或状态已变更，请重新登录"), "warning")
