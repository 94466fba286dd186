"""Menu visibility: role permissions first, then whether the active organization may declare a type."""
from __future__ import annotations

from flask import g

DECLARATION_MENU_PREFIX = "申报:"


def install_menu_filter(app, declarant_types_by_code: dict[str, list[str]]) -> None:
    """Wrap Flask-AppBuilder's `is_menu_visible` so an organization sees only the types it may declare.

    `declarant_types_by_code` is the snapshot of the declaration types the menu was built from.
    """
    fab_is_visible = app.jinja_env.filters["is_menu_visible"]

    def is_menu_visible(item) -> bool:
        if not fab_is_visible(item):
            return False
        if item.childs:
            return any(is_menu_visible(child) for child in item.childs if child.name != "-")
        if not item.name.startswith(DECLARATION_MENU_PREFIX):
            return True
        organization = g.user.active_organization if g.user.is_authenticated else None
        if organization is None:
            return False
        code = item.name[len(DECLARATION_MENU_PREFIX):]
        return organization.org_type in declarant_types_by_code.get(code, ())

    app.jinja_env.filters["is_menu_visible"] = is_menu_visible
