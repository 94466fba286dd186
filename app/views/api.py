"""REST API (read-only): the same declarations a user sees in the pages, and no other.

`/api/v1/declarations/`, `/api/v1/declarations/<id>` and `/api/v1/declarations/_info` accept the browser session
(no token: a token would skip the captcha, the lockout and the session epoch of the sign-in); the scope is the
audience of the user's role, exactly as in the lists. `/api/v1/_openapi` describes them to every signed-in role.

Flask-AppBuilder's own versions of these endpoints are replaced here, not decorated: its `_info` lists every
related row of the model (every organization, batch, type) whatever the scope, its `q` parser lets a
RecursionError or a database error through as a 500, and its docstrings describe responses it never gives.
"""
from __future__ import annotations

import datetime
import decimal
import functools
import json
import re

import jsonschema
import prison
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from flask_appbuilder import ModelRestApi
from flask_appbuilder.api import BaseApi, expose, merge_response_func, safe
from flask_appbuilder.api.manager import resolver
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import DataError, StatementError

from app.domain import DomainError, ErrorKind
from app.domain.lifecycle import LEVELS, STEP_COLUMN
from app.vocabulary import DeclarationStatus, N_
from app.extensions import db
from app.models import Declaration
from app.views.base import DeclarationScope, PlatformInterface
from app.web.refusals import json_answer, refusal_json

COLUMNS = ["id", "unit_name", "title", "status", "round", "score", "declaration_type.name", "batch.name",
           "batch.year", "submitted_at", "created_at", *(STEP_COLUMN[level] for level in LEVELS)]
LABELS = {
    "id": _l("编号"), "unit_name": _l("单位名称"), "title": _l("申报名称"), "status": _l("状态"),
    "round": _l("上报轮次"), "score": _l("评价得分"), "declaration_type.name": _l("申报类型"),
    "batch.name": _l("批次"), "batch.year": _l("年度"), "submitted_at": _l("提交时间"), "created_at": _l("创建时间"),
    **{STEP_COLUMN[level]: _l(level.label) for level in LEVELS},
}
TIMES = ("submitted_at", "created_at")
ORDER_COLUMNS = ["submitted_at", "created_at", "id"]
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # 10^8 rows deep: beyond any real list, within every database's OFFSET
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one names no declaration
MAX_DEPTH = 8  # q's own structure is at most 4 deep (object, filters, filter, value list)

# --- what `q` may say, as JSON Schema: the parser checks it and the OpenAPI description shows it ---------

_TEXT = {"type": "string", "maxLength": 200}
_STRING_OPERATORS = ["sw", "ew", "ct", "eq", "nsw", "new", "nct", "neq"]
FILTERS = {  # column → (operators, JSON Schema of the value)
    "unit_name": [
        (_STRING_OPERATORS, _TEXT),
        (["in", "not_in"], {"type": "array", "items": _TEXT, "maxItems": 50}),
    ],
    "status": [(["eq", "neq"], {"type": "string", "enum": [s.value for s in DeclarationStatus]})],
    "submitted_at": [(["eq", "neq", "gt", "lt"], {"type": "string", "format": "date-time"})],
}
FILTER_SCHEMA = {
    "type": "array",
    "maxItems": 10,
    "description": "Filters, all of which must hold (AND).",
    "items": {"oneOf": [
        {"type": "object", "additionalProperties": False, "required": ["col", "opr", "value"],
         "properties": {"col": {"type": "string", "enum": [column]},
                        "opr": {"type": "string", "enum": operators}, "value": value}}
        for column, variants in FILTERS.items() for operators, value in variants
    ]},
}


def _keys(*keys):
    return {"type": "array", "items": {"type": "string", "enum": [*keys, "none"]}, "uniqueItems": True,
            "maxItems": len(keys) + 1,
            "description": "The metadata keys to answer besides the data; `none` answers none of them."}


_COLUMN_CHOICE = {"type": "array", "items": {"type": "string", "enum": COLUMNS}, "uniqueItems": True,
                  "maxItems": len(COLUMNS), "description": "Answer these columns only."}
LIST_QUERY = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "keys": _keys("list_columns", "order_columns", "label_columns", "description_columns", "list_title"),
        "columns": _COLUMN_CHOICE,
        "order_column": {"type": "string", "enum": ORDER_COLUMNS},
        "order_direction": {"type": "string", "enum": ["asc", "desc"]},
        "page": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE, "description": "Page number, from 0."},
        "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        "filters": FILTER_SCHEMA,
    },
}
ITEM_QUERY = {
    "type": "object", "additionalProperties": False,
    "properties": {"keys": _keys("show_columns", "description_columns", "label_columns", "show_title"),
                   "columns": _COLUMN_CHOICE},
}
INFO_QUERY = {"type": "object", "additionalProperties": False, "properties": {"keys": _keys("filters", "permissions")}}


class QueryRefused(Exception):
    """`q` cannot be read or asks for what the API does not offer; the message says why."""


def parse_q(text: str | None, schema: jsonschema.protocols.Validator) -> dict:
    """`q` as Rison (or JSON), checked by `schema`; QueryRefused for anything else, whatever the input."""
    if not text:
        return {}
    try:
        value = prison.loads(text)
    except Exception:  # the parser's own errors, and RecursionError, IndexError… on brackets it cannot close
        try:
            value = json.loads(text)
        except Exception:  # RecursionError included
            raise QueryRefused(gettext("查询参数 q 无法解析：请使用 Rison 或 JSON，例如 (page:0,page_size:25)")) from None
    if _depth(value) > MAX_DEPTH:
        raise QueryRefused(gettext("查询参数 q 嵌套过深"))
    if not _readable(value):
        raise QueryRefused(gettext("查询参数 q 含有无法存储的字符"))
    try:
        schema.validate(value)
    except jsonschema.ValidationError as refused:
        where = "/".join(str(part) for part in refused.absolute_path) or "q"
        raise QueryRefused(gettext("查询参数 q 不符合接口说明（%(where)s）：%(reason)s", where=where,
                                   reason=refused.message[:300])) from None
    for number, condition in enumerate(value.get("filters", ())):
        if condition["col"] == "submitted_at":
            condition["value"] = _moment(condition["value"], number)
    return value


def _depth(value) -> int:
    """How deep lists and objects nest in `value`, counted without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _readable(value) -> bool:
    """No NUL (PostgreSQL cannot compare it) and no lone surrogate (it has no UTF-8) in any key or text."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")


def _moment(text: str, number: int) -> datetime.datetime:
    """An RFC 3339 date-time as the naive server-local time the database stores."""
    match = _RFC3339.match(text)
    try:
        if not match:
            raise ValueError
        fraction = match.group(1) or ""
        moment = datetime.datetime.fromisoformat(text.replace(fraction, fraction[:7]).upper().replace("Z", "+00:00"))
    except ValueError:
        raise QueryRefused(gettext("查询参数 q 的第 %(n)d 个筛选条件不是有效的时间，例如 2026-11-25T08:00:00+08:00",
                                   n=number + 1)) from None
    try:
        return moment.astimezone().replace(tzinfo=None)
    except OverflowError:  # year 1 or 9999 moved past the calendar's end by its offset
        return datetime.datetime.min if moment.year == 1 else datetime.datetime.max


def _as_json(row: dict) -> None:
    """A row as its description says: times with their offset (the database keeps server-local times without
    one) as RFC 3339 date-times, and the score a number (Flask would write a Decimal as a string)."""
    for column in TIMES:
        if row.get(column):
            row[column] = datetime.datetime.fromisoformat(row[column]).astimezone().isoformat()
    if isinstance(row.get("score"), decimal.Decimal):
        row["score"] = float(row["score"])


def query_arguments(schema: dict):
    """FAB's `@rison`, with every refusal a 400 that says why (FAB's lets some inputs through as a 500)."""

    validator = jsonschema.Draft202012Validator(schema)

    def decorate(f):
        @functools.wraps(f)
        def wraps(self, *args, **kwargs):
            try:
                kwargs["rison"] = parse_q(request.args.get("q"), validator)
            except QueryRefused as refused:
                return self.response_400(message=str(refused))
            return f(self, *args, **kwargs)

        return wraps

    return decorate


def signed_in(f):
    """Only the browser session signs a request in: without one the answer is 401 with a JSON message
    (FAB's `protect` would look for a token and answer Flask-JWT-Extended's own `{"msg": …}`)."""

    @functools.wraps(f)
    def wraps(self, *args, **kwargs):
        if not current_user.is_authenticated:
            return self.response_401()
        return f(self, *args, **kwargs)

    return wraps


def _message(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "required": ["message"], "properties": {
            "message": {"type": "string"},
            "kind": {"type": "string", "enum": [kind.value for kind in ErrorKind],
                     "description": "What kind of refusal, where the rules refused"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "What to correct, field by field"}}}}}}


RESPONSES = {
    "400": _message("Bad request: `q` cannot be read or asks for what the API does not offer (the message says why)"),
    "401": _message("Not signed in"),
    "403": _message("Signed in, without the permission to read the API"),
    "404": _message("No such declaration in the caller's scope"),
}


class PlatformApi(BaseApi):
    """What the platform's APIs share: the session as their only sign-in, and an honest OpenAPI part."""

    allow_browser_login = True
    responses = RESPONSES

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        for operation in operations.values():
            operation.pop("security", None)  # FAB names token schemes here; the document's own applies

    @staticmethod
    def response(code: int, **kwargs):
        """FAB's JSON answer, as every JSON error of the platform is written."""
        return json_answer(kwargs, code)

    @staticmethod
    def response_400(message=None):
        return PlatformApi.response(400, message=message or gettext("请求无效"))

    @staticmethod
    def response_401():
        return PlatformApi.response(401, message=gettext("请先登录"))

    @staticmethod
    def response_403():
        return PlatformApi.response(403, message=gettext("您的账户无权访问此接口"))

    @staticmethod
    def response_404():
        """A declaration outside the caller's scope is answered as one that does not exist, as refusals are."""
        return refusal_json(DomainError(N_("申报不存在，或不在您的数据范围内"), kind=ErrorKind.NOT_FOUND))


def _safely(f):
    """A refusal of the rules is answered by its kind (FAB's `safe` would make it a 500). Database refusals of a
    value the checks let through (a type or range the database rejects) are the request's fault: a 400 after a
    rollback, never a 500."""

    @functools.wraps(f)
    def wraps(self, *args, **kwargs):
        try:
            return f(self, *args, **kwargs)
        except DomainError as refused:
            db.session.rollback()
            return refusal_json(refused)
        except (DataError, StatementError):
            db.session.rollback()
            current_app.logger.warning("declaration API: a query value the database refused", exc_info=True)
            return self.response_400(message=gettext("查询条件的取值无效"))

    return wraps


_ROW = {"$ref": "#/components/schemas/DeclarationApi.get_list"}


class DeclarationApi(PlatformApi, ModelRestApi):
    resource_name = "declarations"
    datamodel = PlatformInterface(Declaration)
    class_permission_name = "DeclarationApi"
    method_permission_name = {"get": "read", "get_list": "read", "info": "read"}
    include_route_methods = {"get", "get_list", "info"}
    base_filters = [["id", DeclarationScope, None]]
    list_columns = show_columns = COLUMNS
    label_columns = LABELS
    list_title = show_title = _l("申报列表")
    order_columns = ORDER_COLUMNS
    search_columns = list(FILTERS)
    max_page_size = MAX_PAGE_SIZE
    page_size = 25
    _apispec_parameter_schemas = None  # FAB's own q schemas would describe arguments this API refuses
    apispec_parameter_schemas = {"declarations_list_query": LIST_QUERY, "declaration_query": ITEM_QUERY,
                                 "declarations_info_query": INFO_QUERY}

    def add_apispec_components(self, api_spec: APISpec) -> None:
        """Only the shapes this read-only API answers (FAB adds its add and edit schemas too)."""
        BaseApi.add_apispec_components(self, api_spec)
        api_spec.components.schema(self.list_model_schema_name, schema=self.list_model_schema)

    def describe_rows(self, schemas: dict) -> None:
        """What apispec leaves out of a row's schema: an enum's type, and that a nullable one may be null; and
        what it claims wrongly: that every column is there (`columns` in q answers only those asked for)."""
        for name, schema in schemas.items():
            if name.startswith(self.list_model_schema_name):
                schema.pop("required", None)
        row = schemas[self.list_model_schema_name]["properties"]
        for column in Declaration.__table__.columns:
            field = row.get(column.name)
            if field is not None and "enum" in field:
                field["type"] = "string"
                if column.nullable:
                    field.update(nullable=True, enum=[*field["enum"], None])

    def pre_get_list(self, data: dict) -> None:
        for row in data["result"]:
            _as_json(row)

    def pre_get(self, data: dict) -> None:
        _as_json(data["result"])

    def _handle_filters_args(self, rison_args):
        """The request's filters on a Filters of its own (FAB clears and refills one shared by every request
        and thread), joined to the scope."""
        filters = self.datamodel.get_filters(search_columns=self.search_columns, search_filters=self.search_filters)
        like = db.session.get_bind().dialect.name != "sqlite"  # PostgreSQL's LIKE reads \ as an escape
        for condition in rison_args.get("filters", []):
            if like and isinstance(condition["value"], str) and condition["opr"] not in ("eq", "neq"):
                condition = {**condition, "value": condition["value"].replace("\\", "\\\\")}
            filters.rest_add_filters([condition])
        return filters.get_joined_filters(self._base_filters)

    @expose("/_info", methods=["GET"])
    @signed_in
    @protect()
    @safe
    @query_arguments(INFO_QUERY)
    @permission_name("info")
    @merge_response_func(BaseApi.merge_current_user_permissions, "permissions")
    @merge_response_func(ModelRestApi.merge_search_filters, "filters")
    def info(self, **kwargs):
        """What a client may filter by, and the caller's permissions: no values of any related table.
        ---
        get:
          summary: Filters and permissions of the declarations resource
          parameters:
          - in: query
            name: q
            description: Rison or JSON.
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/declarations_info_query'
          responses:
            200:
              description: The filter operators per column, and the caller's permissions
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    properties:
                      filters:
                        type: object
                        additionalProperties:
                          type: array
                          items:
                            type: object
                            required: [name, operator]
                            properties:
                              name: {type: string}
                              operator: {type: string}
                      permissions:
                        type: array
                        items: {type: string}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.info_headless(**kwargs)

    @expose("/<int:pk>", methods=["GET"])
    @signed_in
    @protect()
    @safe
    @permission_name("get")
    @query_arguments(ITEM_QUERY)
    @merge_response_func(ModelRestApi.merge_show_label_columns, "label_columns")
    @merge_response_func(ModelRestApi.merge_show_columns, "show_columns")
    @merge_response_func(ModelRestApi.merge_description_columns, "description_columns")
    @merge_response_func(ModelRestApi.merge_show_title, "show_title")
    @_safely
    def get(self, pk, **kwargs):
        """One declaration in the caller's scope.
        ---
        get:
          summary: One declaration
          parameters:
          - in: path
            name: pk
            required: true
            schema: {type: integer, minimum: 1, maximum: 2147483647}
          - in: query
            name: q
            description: Rison or JSON.
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/declaration_query'
          responses:
            200:
              description: The declaration
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [id, result]
                    properties:
                      id: {type: integer}
                      result: {$ref: '#/components/schemas/DeclarationApi.get_list'}
                      show_columns: {type: array, items: {type: string}}
                      label_columns: {type: object, additionalProperties: {type: string}}
                      description_columns: {type: object, additionalProperties: {type: string}}
                      show_title: {type: string}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        if pk > MAX_ID:
            return self.response_404()
        return self.get_headless(pk, **kwargs)

    @expose("/", methods=["GET"])
    @signed_in
    @protect()
    @safe
    @permission_name("get")
    @query_arguments(LIST_QUERY)
    @merge_response_func(ModelRestApi.merge_order_columns, "order_columns")
    @merge_response_func(ModelRestApi.merge_list_label_columns, "label_columns")
    @merge_response_func(ModelRestApi.merge_description_columns, "description_columns")
    @merge_response_func(ModelRestApi.merge_list_columns, "list_columns")
    @merge_response_func(ModelRestApi.merge_list_title, "list_title")
    @_safely
    def get_list(self, **kwargs):
        """The caller's declarations, as its lists show them, a page at a time.
        ---
        get:
          summary: The declarations in the caller's scope
          parameters:
          - in: query
            name: q
            description: >-
              Rison or JSON, e.g. (filters:!((col:status,opr:eq,value:under_review)),page:0,page_size:25).
              Filter values of submitted_at are RFC 3339 date-times.
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/declarations_list_query'
          responses:
            200:
              description: One page of declarations, the number of all matching ones, and their ids
              content:
                application/json:
                  schema:
                    type: object
                    additionalProperties: false
                    required: [count, ids, result]
                    properties:
                      count: {type: integer, minimum: 0}
                      ids: {type: array, items: {type: integer}}
                      result: {type: array, items: {$ref: '#/components/schemas/DeclarationApi.get_list'}}
                      list_columns: {type: array, items: {type: string}}
                      order_columns: {type: array, items: {type: string}}
                      label_columns: {type: object, additionalProperties: {type: string}}
                      description_columns: {type: object, additionalProperties: {type: string}}
                      list_title: {type: string}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        try:
            return self.get_list_headless(**kwargs)
        except FABException as refused:  # an operator FAB does not offer on a column
            return self.response_400(message=str(refused))


class ApiDescription(PlatformApi):
    """The OpenAPI description of the API, for every signed-in role (FAB serves its own only with the Swagger UI,
    whose page runs inline script). It describes the endpoints that exist and nothing else."""

    route_base = "/api/v1"
    class_permission_name = "OpenApi"
    method_permission_name = {"get": "read"}
    openapi_spec_tag = "OpenApi"

    @expose("/_openapi", methods=["GET"])
    @signed_in
    @protect()
    @safe
    @permission_name("get")
    def get(self):
        """This description.
        ---
        get:
          summary: The OpenAPI description of this API
          responses:
            200:
              description: An OpenAPI 3.0 document
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, **description(self.appbuilder))


def description(appbuilder) -> dict:
    """The OpenAPI document of every platform API (FAB's token login and menu API are no part of it)."""
    spec = APISpec(
        title=appbuilder.app_name, version="v1", openapi_version="3.0.2",
        info={"description": "Read-only access to the declarations each role sees in the platform's lists. "
                             "Sign in through the login page; the session cookie authenticates."},
        plugins=[MarshmallowPlugin(schema_name_resolver=resolver)],
        servers=current_app.config.get("FAB_OPENAPI_SERVERS", [{"url": request.host_url}]),
    )
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie",
                                                "name": current_app.config.get("SESSION_COOKIE_NAME", "session")})
    for view in appbuilder.baseviews:
        if isinstance(view, PlatformApi):
            view.add_api_spec(spec)
    document = spec.to_dict()
    for view in appbuilder.baseviews:
        if isinstance(view, DeclarationApi):
            view.describe_rows(document["components"]["schemas"])
    document["security"] = [{"session": []}]
    return document
