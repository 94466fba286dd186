"""Views are singletons shared by every request and thread: a request's search filters are its own."""
from flask_appbuilder.urltools import get_filter_args

from app.views.declarations import ReviewDeclarationView


def test_a_list_requests_search_filters_are_its_own(app):
    view = next(v for v in app.appbuilder.baseviews if isinstance(v, ReviewDeclarationView))
    with app.test_request_context("/review/declarations/list/?_flt_0_unit_name=绿源"):
        get_filter_args(view._filters)
        searching = view._filters
        assert searching.values == [["绿源"]]
        with app.test_request_context("/review/declarations/list/"):  # another request, meanwhile
            get_filter_args(view._filters)
            assert view._filters is not searching and view._filters.values == []
        assert view._filters is searching and searching.values == [["绿源"]]  # untouched by the other request
