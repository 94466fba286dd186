"""Menu visibility and shape: role permissions first, then what the active organization opened and ticked.

The manual's layout: the visible menu categories (the subsystems an organization opened, or a reviewer's,
agency's or IT's own menus) are tabs on top; the chosen tab's entries are the menu on the left.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request

from app.domain.scope import acting_authority
from app.domain.tiers import may_run_rounds

DECLARATION_MENU_PREFIX = "申报:"
# Menu entries only some reviewers have work in: packages are made by the top level and received by the
# ministry; a batch's results are published by its owner, the ministry or a province.
AUTHORITY_MENUS = {
    "推荐管理": {"province", "group", "association", "ministry"},
    "公示与名单": {"province", "ministry"},
    "第三方机构监管": {"province", "ministry"},  # agency supervision (app/views/agency.py)
    "撤销审定": {"ministry"},
}
# Menu entries shown to an authority by a rule on it rather than by its kind alone (tiers: a city its province
# lets run the city tier opens, decides and publishes its own batches); either this or AUTHORITY_MENUS shows it.
AUTHORITY_MENU_RULES = {
    "公示与名单": may_run_rounds,
    "本级批次": may_run_rounds,
    "国家级候选": lambda authority: authority.kind == "province",
}


@dataclass(frozen=True)
class DeclarableType:
    declarant_types: tuple[str, ...]
    subsystem_id: int
    type_id: int


def may_see_type(organization, declarable: DeclarableType | None) -> bool:
    """An organization sees a type's menu if its kind may declare it, it opened the type's subsystem and it
    ticked the type at registration (上报绿色制造类型): the types it may create declarations of."""
    if organization is None or declarable is None:
        return False
    return (organization.org_type in declarable.declarant_types
            and any(subsystem.id == declarable.subsystem_id for subsystem in organization.subsystems)
            and any(ticked.id == declarable.type_id for ticked in organization.declaration_types))


@dataclass
class Tab:
    """A menu category drawn as a tab on top; its entries are the menu on the left when it is chosen."""

    item: object
    entries: list = field(default_factory=list)  # the visible menu items under the tab

    @property
    def url(self) -> str:
        return (self.entries[0] if self.entries else self.item).get_url()


@dataclass
class MenuLayout:
    tabs: list[Tab]
    active: Tab | None  # the tab whose menu is on the left
    current: object | None  # the entry of the page shown, if it has one


def _is_current(item) -> bool:
    view = getattr(item, "baseview", None)
    if view is not None:
        return request.blueprint == view.blueprint.name
    href = item.get_url()
    return bool(href) and href != "/" and request.path.startswith(href)


def menu_layout(menu, is_visible) -> MenuLayout:
    """The tabs and the left menu of this request: the tab holding the page's entry, else the first tab."""
    tabs = []
    for item in menu.get_list():
        if not is_visible(item):
            continue
        entries = [child for child in item.childs if child.name != "-" and is_visible(child)]
        tabs.append(Tab(item, entries))
    for tab in tabs:
        current = next((entry for entry in tab.entries or [tab.item] if _is_current(entry)), None)
        if current is not None:
            return MenuLayout(tabs, tab, current)
    return MenuLayout(tabs, tabs[0] if tabs else None, None)


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
        if item.name in AUTHORITY_MENUS or item.name in AUTHORITY_MENU_RULES:
            authority = acting_authority(g.user) if g.user.is_authenticated else None
            return authority is not None and (authority.kind in AUTHORITY_MENUS.get(item.name, ())
                                              or AUTHORITY_MENU_RULES.get(item.name, lambda a: False)(authority))
        if not item.name.startswith(DECLARATION_MENU_PREFIX):
            return True
        organization = g.user.active_organization if g.user.is_authenticated else None
        return may_see_type(organization, declarable_by_code.get(item.name[len(DECLARATION_MENU_PREFIX):]))

    app.jinja_env.filters["is_menu_visible"] = is_menu_visible
    app.jinja_env.globals["menu_layout"] = lambda menu: menu_layout(menu, is_menu_visible)
