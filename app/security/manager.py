"""The platform's security manager: our user model, built-in roles, captcha login and lockout."""
from __future__ import annotations

import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.views import RoleModelView, UserGroupModelView
from flask_babel import lazy_gettext as _l

from app import clock
from app.domain.accounts import lock_expiry
from app.models.organization import Organization, PlatformUser
from app.security import roles
from app.security.views import LoginView
from app.views.accounts import UserAdminView


# FAB names these columns from their attribute names ("User", "Groups"), untranslated.
SECURITY_LABELS = {"name": _l("名称"), "label": _l("显示名称"), "description": _l("说明"), "user": _l("用户"),
                   "users": _l("用户"), "roles": _l("角色"), "groups": _l("用户组"), "permissions": _l("权限")}


class BuiltinRoleView(RoleModelView):
    """Roles are defined in code; the list shows them, nobody edits them here."""

    base_permissions = ["can_list", "can_show"]
    label_columns = dict(SECURITY_LABELS)
    list_columns = ["name"]
    show_columns = ["name", "user"]


class GroupView(UserGroupModelView):
    class_permission_name = "UserGroupModelView"  # the name FAB and the roles know
    label_columns = dict(SECURITY_LABELS)


class SecurityManager(FabSecurityManager):
    user_model = PlatformUser
    rolemodelview = BuiltinRoleView
    groupmodelview = GroupView
    userdbmodelview = UserAdminView
    authdbview = LoginView
    userstatschartview = None  # draws with Google Charts, which an intranet cannot reach

    @staticmethod
    def create_builtin_roles():
        return roles.ROLES

    def sync_roles(self) -> None:
        """Make sure a row exists for every role, so users can be given it (idempotent)."""
        for name in roles.ROLES:
            self.add_role(name)

    def get_user_by_id(self, pk):
        """The signed-in user with what every page asks of it, in one statement: roles and groups (for the
        permission checks), the authority, and the organization acted for with its subsystems (for the menu)."""
        try:
            pk = int(pk)  # FAB's views pass the id from the URL as text
        except (TypeError, ValueError):
            return None
        user = PlatformUser
        return self.session.scalars(
            select(user).where(user.id == pk).options(
                joinedload(user.roles), joinedload(user.groups), joinedload(user.authority),
                joinedload(user.memberships),
                joinedload(user.active_organization).options(joinedload(Organization.subsystems),
                                                             joinedload(Organization.reviews_as)))
        ).unique().one_or_none()

    def locked_until(self, username: str) -> datetime.datetime | None:
        user = self.find_user(username=username)
        if user is None or user.locked_until is None or user.locked_until <= clock.now():
            return None
        return user.locked_until

    def auth_user_db(self, username, password):
        if self.locked_until(username) is not None:
            return None  # a locked account is refused before its password is even looked at
        return super().auth_user_db(username, password)

    def update_user_auth_stat(self, user, success=True):
        if success:
            user.locked_until = None
        else:
            user.locked_until = lock_expiry(
                (user.fail_login_count or 0) + 1,
                clock.now(),
                threshold=current_app.config["LOGIN_LOCK_THRESHOLD"],
                minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            )
        super().update_user_auth_stat(user, success)
