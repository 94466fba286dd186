"""Roles are allow-lists (app/security/roles.py): a view nobody has granted is closed to every role, IT staff
included, and every grant names a permission the application really has."""
from __future__ import annotations

import re

import pytest
from flask_appbuilder import BaseView, expose, has_access

from app.security import roles
from tests.conftest import login
from tests.http.routes import USERS

NEW_MENU, NEW_CATEGORY = "新功能", "新子系统"


class NewFeatureView(BaseView):
    """A view as tomorrow's developer adds it: exposed, permission-checked, in the menu, granted to nobody."""

    route_base = "/new-feature"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return "新功能的内容"


@pytest.fixture(scope="module")
def with_new_view(app):
    """A second app over the test database, with the new view registered before it serves anything."""
    from app import create_app

    settings = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR")}
    application = create_app("config.TestConfig", **settings)
    with application.app_context():
        application.appbuilder.add_view(NewFeatureView, NEW_MENU, category=NEW_CATEGORY)
    yield application
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()


def _signed_in(application, username):
    client = application.test_client()
    response = login(client, username)
    assert response.status_code == 302 and "/login" not in response.headers["Location"], username
    return client


def _grants(pvms, view: str, permission: str) -> bool:
    return any(re.match(v, view) and re.match(p, permission) for v, p in pvms)


def test_no_role_grants_a_new_view(with_new_view):
    view = next(v for v in with_new_view.appbuilder.baseviews if isinstance(v, NewFeatureView))
    asked = [(view.class_permission_name, permission) for permission in view.base_permissions]
    asked += [(NEW_MENU, roles.MENU), (NEW_CATEGORY, roles.MENU)]
    assert ("NewFeatureView", "can_index") in asked
    granted = {role: [pair for pair in asked if _grants(pvms, *pair)]
               for role, pvms in with_new_view.appbuilder.sm.builtin_roles.items()}
    assert granted == {role: [] for role in roles.ROLES}


@pytest.mark.parametrize("username", USERS)
def test_every_demo_account_is_refused_a_new_view(with_new_view, username):
    client = _signed_in(with_new_view, username)
    response = client.get("/new-feature/")
    assert response.status_code in (302, 403), response.status_code
    assert "新功能的内容" not in response.get_data(as_text=True)
    assert NEW_CATEGORY not in client.get("/").get_data(as_text=True)  # nor in the menu


def test_a_granted_new_view_opens(with_new_view, monkeypatch):
    """The refusal above is the missing grant, not a broken view: granted, it answers."""
    grant = roles.allow("NewFeatureView", "can_index")
    monkeypatch.setitem(with_new_view.appbuilder.sm.builtin_roles, roles.ADMIN,
                        [*roles.ROLES[roles.ADMIN], grant.as_fab(), *(g.as_fab() for g in roles.menus(NEW_MENU,
                                                                                                     NEW_CATEGORY))])
    client = _signed_in(with_new_view, "admin")
    response = client.get("/new-feature/")
    assert response.status_code == 200 and "新功能的内容" in response.get_data(as_text=True)


def _universe(appbuilder) -> set[tuple[str, str]]:
    """Every (view, permission) the application checks: each view's permissions and each menu entry's."""
    pairs = {(view.class_permission_name, permission)
             for view in appbuilder.baseviews for permission in getattr(view, "base_permissions", None) or ()}

    def menus(items):
        for item in items:
            if item.name != "-":
                pairs.add((item.name, roles.MENU))
            menus(item.childs)

    menus(appbuilder.menu.get_list())
    return pairs


def test_every_grant_names_a_permission_the_application_has(app):
    """A grant of a view or permission that does not exist (a typo, or a name an upgrade of Flask-AppBuilder
    changed) would silently grant nothing."""
    universe = _universe(app.appbuilder)
    dead = []
    for role, grants in roles.GRANTS.items():
        for grant in grants:
            for permission in grant.permissions:
                if grant.prefix:
                    found = any(v.startswith(grant.view) and p == permission for v, p in universe)
                else:
                    found = (grant.view, permission) in universe
                if not found:
                    dead.append(f"{role}: {grant.view}{'…' if grant.prefix else ''} {permission}")
    assert not dead, dead


def test_it_staff_neither_declare_nor_review(app):
    universe = _universe(app.appbuilder)
    admin = {pair for pair in universe if _grants(roles.ROLES[roles.ADMIN], *pair)}
    assert admin and not {view for view, _ in admin} & {
        "ApplicantDeclaration", "AgencyDeclaration", "ReviewDeclaration", "DeclarationApi", "Dashboard",
        "RecommendationPackage", "Publication", "绿色制造体系", "技术目录", "审核管理", "三方评价"}
