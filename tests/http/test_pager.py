"""The one pager of the platform's own list pages keeps each page's filters and view arguments on its links."""
from flask import render_template


def test_the_pager_keeps_filters_and_view_arguments(app):
    with app.test_request_context("/filing-review/window/7?show=late&page=2"):
        html = render_template("widgets/pager.html", page=2, page_size=100, total=250,
                               pager_args={"window_id": 7, "show": "late"})
    assert "第 2 页，共 250 条" in html
    assert 'href="/filing-review/window/7?show=late&amp;page=1"' in html.replace("page=1&amp;show=late", "show=late&amp;page=1")
    assert 'href="/filing-review/window/7?show=late&amp;page=3"' in html.replace("page=3&amp;show=late", "show=late&amp;page=3")


def test_no_pager_for_one_page_and_no_link_past_the_last(app):
    with app.test_request_context("/minglu/"):
        assert "pager" not in render_template("widgets/pager.html", page=1, page_size=50, total=50, pager_args={})
        last = render_template("widgets/pager.html", page=3, page_size=50, total=101, pager_args={})
    assert "上一页" in last and "下一页" not in last
