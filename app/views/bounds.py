"""Values from the URL that no database column can take never reach a view: an id beyond the integer range is
the ordinary 404 (PostgreSQL refuses integers from 2^31 and SQLite from 2^63, each with its own exception), and
Flask-AppBuilder's list arguments, which it reads with a bare `int()` or as column names, are kept to what the
list can use. Everything is decided here, before the view runs, for our views and FAB's own alike."""
from __future__ import annotations

import re

from flask import Flask, abort, current_app, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from app.domain.numbers import INTEGER_MAX
from app.web.ids import is_id

MAX_PAGE = 100_000  # page × page size stays far inside every database's LIMIT/OFFSET range
MAX_PAGE_SIZE = 100


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database integer column can hold; anything larger is no route (404)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=INTEGER_MAX, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app: Flask) -> None:
    """Before any route is added: every `<int:...>` is bounded."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def install_bounds(app: Flask) -> None:
    @app.before_request
    def keep_url_values_in_range():
        view = _view_of(request.endpoint)
        if view is None:
            return None
        pk = (request.view_args or {}).get("pk")
        if pk is not None and not is_id(str(pk)):
            abort(404)  # the error handler answers the REST API in JSON
        method = request.endpoint.rsplit(".", 1)[1]
        if method == "action" and not _single_row_action(view, request.view_args.get("name")):
            abort(404)
        if method == "action_post" and request.form.get("action", "") not in getattr(view, "actions", {}):
            abort(404)
        if method == "download" and _is_fab_file_download(view):
            abort(404)
        if request.args and hasattr(view, "_filters"):
            _clean_list_arguments(view)
        return None


def _views_by_endpoint():
    views = current_app.extensions.setdefault("views_by_endpoint", {})
    if not views:
        for view in current_app.appbuilder.baseviews:
            if getattr(view, "blueprint", None) is not None:
                views[view.blueprint.name] = view
    return views


def _view_of(endpoint: str | None):
    if not endpoint or "." not in endpoint:
        return None
    return _views_by_endpoint().get(endpoint.rsplit(".", 1)[0])


def _single_row_action(view, name: str | None) -> bool:
    """FAB's `/action/<name>/<pk>` calls the action with one row: an unknown name, or one that takes only a
    list of rows, has nothing to run."""
    action = getattr(view, "actions", {}).get(name or "")
    return action is not None and action.single


_SIGNED = re.compile(r"-?[0-9]{1,10}")
_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,10})?")


def _fits(datamodel, column: str, value: str) -> bool:
    """A filter value the column can be compared with: an id for a relation, an integer in range for an integer
    column, a plain decimal for a numeric one; text as it is."""
    if datamodel.is_relation(column):
        return is_id(value)
    if datamodel.is_integer(column):
        return bool(_SIGNED.fullmatch(value)) and abs(int(value)) <= INTEGER_MAX
    if datamodel.is_numeric(column) or datamodel.is_float(column):
        return bool(_DECIMAL.fullmatch(value))
    return True


def _is_fab_file_download(view) -> bool:
    """FAB's `/download/<filename>` serves files of FileColumns from UPLOAD_FOLDER; no model here has one (our
    files go through the declaration's own download, which checks the scope)."""
    from flask_appbuilder import ModelView

    return getattr(type(view), "download", None) is ModelView.download


def _clean_list_arguments(view) -> None:
    """`page_<view>` and `psize_<view>` as plain numbers within bounds (anything else: the first page, the
    default size); `_oc_<view>` only for a column the list orders by; `_flt_<n>_<column>` only for a filter the
    list offers."""
    kept = []
    search = view._filters.get_search_filters() if hasattr(view._filters, "get_search_filters") else {}
    for key, value in request.args.items(multi=True):
        if key.startswith(("page_", "psize_")):
            if not value.isascii() or not value.isdigit():
                continue
            number = int(value) if len(value) <= 7 else MAX_PAGE
            value = str(min(number, MAX_PAGE) if key.startswith("page_") else max(1, min(number, MAX_PAGE_SIZE)))
        elif key.startswith("_oc_"):
            if value not in (getattr(view, "order_columns", None) or ()):
                continue
        elif key.startswith("_flt_"):
            match = re.fullmatch(r"_flt_([0-9])_(.*)", key)
            if match is None or int(match.group(1)) >= len(search.get(match.group(2), ())):
                continue
            if not _fits(view.datamodel, match.group(2), value):
                continue
        kept.append((key, value))
    request._get_current_object().__dict__["args"] = ImmutableMultiDict(kept)  # werkzeug caches `args` there
