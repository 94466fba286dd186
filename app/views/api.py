"""REST API (read-only for now): the same declarations a user sees in the pages, and no other.

`/api/v1/declarations/` and `/api/v1/declarations/<id>` accept the browser session; the scope is the
audience of the user's role, exactly as in the lists.
"""
from flask_appbuilder import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Declaration
from app.views.base import DeclarationScope

COLUMNS = ["id", "unit_name", "title", "status", "round", "score", "declaration_type.name", "batch.name",
           "batch.year", "submitted_at", "created_at", "county_step", "city_step", "top_step", "ministry_step"]


class DeclarationApi(ModelRestApi):
    resource_name = "declarations"
    datamodel = SQLAInterface(Declaration)
    class_permission_name = "DeclarationApi"
    method_permission_name = {"get": "read", "get_list": "read", "info": "read"}
    include_route_methods = {"get", "get_list", "info"}
    allow_browser_login = True
    base_filters = [["id", DeclarationScope, None]]
    list_columns = show_columns = COLUMNS
    order_columns = ["submitted_at", "created_at", "id"]
    search_columns = ["status", "unit_name", "submitted_at"]
    max_page_size = 100
    page_size = 25
