"""Menu visibility: role permissions first, then what the active organization may declare."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g

from app.domain.scope import acting_authority

DECLARATION_MENU_PREFIX = "申报:"
# Menu entries only some reviewers have work in: packages are made by the top level and received by the
# ministry; a batch's results are published by its owner, the ministry or a province.
AUTHORITY_MENUS = {
    "推荐管理": {"province", "group", "association", "ministry"},
    "公示与名单": {"province", "ministry"},
}


@dataclass(frozen=True)
class DeclarableType:
    declarant_types: tuple[str, ...]
    subsystem_id: int


def may_see_type(organization, declarable: DeclarableType | None) -> bool:
    """An organization sees a type's menu if its kind may declare it and it opened the type's subsystem."""
    if organization is None or declarable is None:
        return False
    return organization.org_type in declarable.declarant_types and any(
        subsystem.id == declarable.subsystem_id for subsystem in organization.subsystems
    )


def install_menu_filter(app, declarable_by_code: dict[str, DeclarableType]) -> None:
    """Wrap Flask-AppBuilder's `is_menu_visible`; a category shows only when one of its entries does.

    `declarable_by_code` is the snapshot of the declaration types the menu was built from.
    """
    fab_is_visible = app.jinja_env.filters["is_menu_visible"]

    def is_menu_visible(item) -> bool:
        if not fab_is_visible(item):
            return False
        if item.childs:
            return any(is_menu_visible(child) for child in item.childs if child.name != "-")
        if item.name in AUTHORITY_MENUS:
            authority = acting_authority(g.user) if g.user.is_authenticated else None
            return authority is not None and authority.kind in AUTHORITY_MENUS[item.name]
        if not item.name.startswith(DECLARATION_MENU_PREFIX):
            return True
        organization = g.user.active_organization if g.user.is_authenticated else None
        return may_see_type(organization, declarable_by_code.get(item.name[len(DECLARATION_MENU_PREFIX):]))

    app.jinja_env.filters["is_menu_visible"] = is_menu_visible
