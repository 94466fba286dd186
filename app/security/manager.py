"""The platform's security manager: our user model and the built-in roles of app.security.roles."""
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.security.views import RoleModelView

from app.models.organization import PlatformUser
from app.security import roles


class BuiltinRoleView(RoleModelView):
    """Roles are defined in code; the list shows them, nobody edits them here."""

    base_permissions = ["can_list", "can_show"]
    list_columns = ["name"]
    show_columns = ["name", "user"]


class SecurityManager(FabSecurityManager):
    user_model = PlatformUser
    rolemodelview = BuiltinRoleView
    userstatschartview = None  # draws with Google Charts, which an intranet cannot reach

    @staticmethod
    def create_builtin_roles():
        return roles.ROLES

    def sync_roles(self) -> None:
        """Make sure a row exists for every role, so users can be given it (idempotent)."""
        for name in roles.ROLES:
            self.add_role(name)
