"""Extensions created unbound and bound in create_app(), so that several apps can live in one process."""
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from flask_appbuilder.utils.legacy import get_sqla_class

db = get_sqla_class()()
migrate = Migrate()
csrf = CSRFProtect()
