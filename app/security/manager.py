"""The platform's security manager: our user model, built-in roles, captcha login, audited password resets."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.views import RoleModelView, UserGroupModelView
from flask_babel import lazy_gettext as _l

from app.vocabulary import SignInKind
from app.models.organization import Organization, PlatformUser
from app.security import roles, sessions
from app.security import sign_in_audit as audit
from app.security.views import LoginView


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


class ClosedSecurityApi(SecurityApi):
    """Flask-AppBuilder's /api/v1/security/login and /refresh hand out JWTs without the captcha, the waits, the
    audit or the session epoch, and nothing here uses them (the REST API takes the browser session): no routes."""

    include_route_methods: set[str] = set()


class SecurityManager(FabSecurityManager):
    """The user administration view it registers is app/views/accounts.py's, given it there by
    `PlatformSecurityManager`, the class Flask-AppBuilder runs: views import security, never the reverse."""

    user_model = PlatformUser
    security_api = ClosedSecurityApi
    rolemodelview = BuiltinRoleView
    groupmodelview = GroupView
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

    def reset_password(self, userid, password):
        """FAB's reset (IT staff's 重置密码, a person's own 修改密码) ends the user's other sessions and is audited."""
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        own = sessions.is_current(user)
        sessions.end_other_sessions(user)
        audit.record(SignInKind.PASSWORD_CHANGE if own else SignInKind.PASSWORD_RESET, username=user.username,
                     user=user, by_staff=not own)
        self.session.commit()
