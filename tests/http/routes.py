"""Every route of an app, read from `app.url_map`, with who may reach it: the ground of the route fuzz and of the
access matrix, so that a new endpoint is covered the day it is added."""
from __future__ import annotations

import dataclasses
import re

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, PathConverter, Rule

from app.extensions import db
from app.models import PlatformUser
from app.security import roles

# every demo account (README), one per role and level; None is the anonymous visitor
USERS = ("qiye", "yangqi", "yuanqu", "feiqiye", "sanfang", "xiehui", "changan", "shijiazhuang", "hebeisheng",
         "jituan", "gongxinbu", "admin")

# rules no generated value can reach, by endpoint, with why
EXCLUDED = {
    "static": "files of the application's static folder: no database, no form",
    "appbuilder.static": "Flask-AppBuilder's static files: no database, no form",
    "admin.static": "Flask-Admin's static files: no database, no form",
}


@dataclasses.dataclass(frozen=True)
class Route:
    rule: Rule
    method: str
    view: object | None  # the Flask-AppBuilder view serving it, if any
    permission: tuple[str, str] | None  # (permission, view menu) FAB checks, None when FAB checks none

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def arguments(self) -> dict[str, object]:
        return dict(self.rule._converters)

    def url(self, values: dict[str, str]) -> str:
        """The path with `values` put in as they are (no converter check, so out-of-range values can be sent)."""
        path = self.rule.rule
        for name in self.rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
        return path

    def __str__(self):
        return f"{self.method} {self.rule.rule}"


def _views_by_blueprint(app: Flask):
    return {view.blueprint.name: view for view in app.appbuilder.baseviews if getattr(view, "blueprint", None)}


def _permission(view, method_name: str) -> tuple[str, str] | None:
    function = getattr(view, method_name, None)
    name = getattr(function, "_permission_name", None)
    if view is None or name is None:
        return None
    name = (getattr(view, "method_permission_name", None) or {}).get(method_name) or name
    return f"can_{name}", view.class_permission_name


def routes(app: Flask) -> list[Route]:
    """Every rule and method of the app but the excluded ones, in a stable order (sign-out last)."""
    views = _views_by_blueprint(app)
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXCLUDED:
            continue
        blueprint, _, method_name = rule.endpoint.rpartition(".")
        view = views.get(blueprint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(Route(rule, method, view, _permission(view, method_name)))
    return sorted(found, key=lambda r: ("logout" in r.endpoint, r.rule.rule, r.method))


class Access:
    """Whether FAB lets an account through to a route's view method (the view may still refuse the row), asked
    of the security manager itself, builtin (regex) roles included."""

    def __init__(self, app: Flask):
        self.app = app
        self._known: dict[tuple[str, tuple[str, str]], bool] = {}
        # the console's views (Flask-Admin) carry no FAB permission: the console lets IT staff in, nobody else
        self.console = {view.endpoint for admin in app.extensions.get("admin", []) for view in admin._views}

    def may(self, username: str | None, route: Route) -> bool:
        if route.endpoint.partition(".")[0] in self.console:
            return username is not None and self._is_it_staff(username)
        if route.permission is None:
            return True
        if username is None or route.permission[0] not in route.view.base_permissions:
            return False
        key = (username, route.permission)
        if key not in self._known:
            with self.app.app_context():
                user = db.session.scalars(select(PlatformUser).where(PlatformUser.username == username)).one()
                self._known[key] = bool(self.app.appbuilder.sm._has_view_access(user, *route.permission))
        return self._known[key]

    def _is_it_staff(self, username: str) -> bool:
        key = (username, ("console", ""))
        if key not in self._known:
            with self.app.app_context():
                user = db.session.scalars(select(PlatformUser).where(PlatformUser.username == username)).one()
                self._known[key] = any(role.name == roles.ADMIN for role in user.roles)
        return self._known[key]


def is_integer(converter) -> bool:
    return isinstance(converter, IntegerConverter)


def is_path(converter) -> bool:
    return isinstance(converter, PathConverter)
