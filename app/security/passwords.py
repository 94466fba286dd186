"""The password policy, in the shape Flask-AppBuilder's own forms call it (admin add user, reset password)."""
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

from app.domain.accounts import password_error


def password_complexity(password: str) -> None:
    if message := password_error(password):
        raise PasswordComplexityValidationError(gettext(message))
