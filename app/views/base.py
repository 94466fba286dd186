"""What every model view of the platform shares: a capped page size and the data scope."""
from __future__ import annotations

from flask import g
from flask_appbuilder import ModelView
from flask_appbuilder.models.filters import BaseFilter

from app.domain.scope import Actor, Audience, declaration_scope


class PlatformModelView(ModelView):
    page_size = 25
    max_page_size = 100  # FAB takes psize_<view> from the URL unbounded

    def _get_list_widget(self, filters, page_size=None, **kwargs):
        page_size = min(max(int(page_size or self.page_size), 1), self.max_page_size)
        return super()._get_list_widget(filters, page_size=page_size, **kwargs)


class DeclarationScope(BaseFilter):
    """Restricts a declaration query to what the current user may see for the filter's audience."""

    name = "数据范围"

    def apply(self, query, value: Audience):
        return query.filter(declaration_scope(Actor.of(g.user), value))
