"""The platform's security manager: our user model and the built-in roles of app.security.roles."""
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager

from app.models.organization import PlatformUser
from app.security import roles


class SecurityManager(FabSecurityManager):
    user_model = PlatformUser

    @staticmethod
    def create_builtin_roles():
        return roles.ROLES

    def sync_roles(self) -> None:
        """Make sure a row exists for every role, so users can be given it (idempotent)."""
        for name in roles.ROLES:
            self.add_role(name)
