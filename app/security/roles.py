"""Roles and their permissions, as data: each role lists what it may do, and nothing else.

Each role is a Flask-AppBuilder built-in role (FAB_ROLES): a list of [view-name regex, permission regex] pairs
checked in memory, so a permission check costs no query and a role cannot drift from this file. The pairs are
generated from `GRANTS`, which names every view (its permission name) and every permission exactly; a view added
tomorrow is closed to every role, IT staff included, until a grant here names it. Two menu families are granted
by prefix, because their entries are generated from data: the per-type declaration menus `申报:<type code>` (and
`app.views.menu` hides the types an organization may not declare) and the reference-data menus `reference:<route>`,
each behind its view's own permission. Flask-AppBuilder's security views keep FAB's own names
(app/framework_internals.py).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from app.framework_internals import GROUPS_MENU, ROLES_MENU, SECURITY_MENU, USERS_MENU
from app.models.organization import OrgType

ENTERPRISE = "企业用户"
PARK = "园区用户"
AGENCY = "第三方机构用户"
ASSOCIATION = "协会用户"
INSTITUTE = "非企业组织用户"
REVIEWER = "主管部门审核员"  # county, city, province and central-enterprise group reviewers
MINISTRY = "工信部审核员"
ADMIN = "系统管理员"
PUBLIC = "Public"

ROLE_OF_ORG_TYPE = {
    OrgType.ENTERPRISE: ENTERPRISE,
    OrgType.PARK: PARK,
    OrgType.AGENCY: AGENCY,
    OrgType.ASSOCIATION: ASSOCIATION,
    OrgType.INSTITUTE: INSTITUTE,
}

MENU = "menu_access"
DECLARATION_MENUS = "申报:"  # app.views.menu.DECLARATION_MENU_PREFIX
REFERENCE_MENUS = "reference:"  # app.views.reference


class Grant(NamedTuple):
    """Permissions on one view (or menu entry) by its exact name, or on every menu entry whose name starts with
    `prefix`."""

    view: str
    permissions: tuple[str, ...]
    prefix: bool = False

    def as_fab(self) -> list[str]:
        view = f"^{re.escape(self.view)}{'.+' if self.prefix else ''}$"
        return [view, f"^({'|'.join(re.escape(permission) for permission in self.permissions)})$"]


def allow(view: str, *permissions: str) -> Grant:
    return Grant(view, permissions)


def menus(*names: str) -> list[Grant]:
    return [Grant(name, (MENU,)) for name in names]


_OWN_ACCOUNT = [
    allow("Profile", "can_organization", "can_password", "can_switch"),
    allow("OpenApi", "can_read"),  # the REST API's description, /api/v1/_openapi
    allow("UserDBModelView", "can_userinfo"),
    allow("UserInfoEditView", "can_this_form_get", "can_this_form_post"),
    allow("ResetMyPasswordView", "can_this_form_get", "can_this_form_post"),
    allow("MessageCentre", "can_list", "can_edit"),  # 消息中心: each person's own and their organization's
]
_PROFILE = [*_OWN_ACCOUNT, allow("DeclarationApi", "can_read")]
_DECLARE = [
    allow("ApplicantDeclaration", "can_list", "can_show", "can_download", "can_act", "can_create", "can_edit_content"),
    *menus("绿色制造体系", "技术目录"),
    Grant(DECLARATION_MENUS, (MENU,), prefix=True),
    allow("Filing", "can_list", "can_show", "can_edit"),  # 动态管理表 of the organization's listed units
    *menus("动态管理填报"),
    allow("ListedUnit", "can_show"),  # the organization's own listing, read-only, from its home page
]
_REVIEW = [
    allow("ReviewDeclaration", "can_list", "can_show", "can_download", "can_act", "can_decide"),
    allow("Dashboard", "can_show"),
    allow("RecommendationPackage", "can_list", "can_show", "can_download", "can_act"),
    allow("Publication", "can_list", "can_show", "can_download", "can_act"),
    allow("Job", "can_list", "can_show", "can_download"),  # 我的导出: each person's own background jobs
    *menus("审核管理", "申报审核", "数据看板", "推荐管理", "公示与名单", "我的导出"),
    allow("FilingReview", "can_list", "can_show"),  # 动态管理: the listed units in the reviewer's scope
    allow("Filing", "can_show"),
    *menus("动态管理"),
    allow("ListedUnit", "can_list", "can_show", "can_act"),  # 动态复核 of listed units; 撤销审定 for the ministry
    *menus("名单管理", "动态复核", "撤销审定"),
    allow("Rounds", "can_list", "can_act"),  # 本级批次: a province's (or a city's) own rounds (app.domain.tiers)
    allow("Candidates", "can_list"),  # 国家级候选: a province's valid 省级 units
    *menus("本级批次", "国家级候选"),
]
_REVIEW += [allow("AgencySupervision", "can_list", "can_show", "can_act", "can_download"),
            *menus("第三方机构监管")]  # the ministry and provinces only: app/views/menu.py, app/domain/agency.py
# IT staff administer users and reference data; they neither declare nor review.
_ADMINISTER = [
    allow("UserDBModelView", "can_list", "can_show", "can_add", "can_edit", "can_delete", "can_download",
          "activate", "deactivate", "unlock", "resetpasswords", "resetmypassword", "userinfoedit"),
    allow("ResetPasswordView", "can_this_form_get", "can_this_form_post"),
    allow("BuiltinRoleView", "can_list", "can_show", "copyrole"),
    allow("UserGroupModelView", "can_list", "can_show", "can_add", "can_edit", "can_delete", "can_download"),
    allow("ReferenceData", "can_list", "can_show"),
    *menus(SECURITY_MENU, USERS_MENU, ROLES_MENU, GROUPS_MENU, "基础数据", "系统配置控制台"),
    Grant(REFERENCE_MENUS, (MENU,), prefix=True),
]

GRANTS: dict[str, list[Grant]] = {
    ENTERPRISE: _PROFILE + _DECLARE,
    PARK: _PROFILE + _DECLARE,
    INSTITUTE: _PROFILE + _DECLARE,
    AGENCY: _PROFILE + [
        allow("AgencyDeclaration", "can_list", "can_show", "can_download", "can_act"),
        *menus("三方评价", "待评价申报"),
        allow("AgencyOwn", "can_show", "can_act", "can_download"),
        *menus("机构监管信息"),
    ],
    ASSOCIATION: _PROFILE + _DECLARE + _REVIEW,
    REVIEWER: _PROFILE + _REVIEW,
    MINISTRY: _PROFILE + _REVIEW,
    ADMIN: _OWN_ACCOUNT + _ADMINISTER,
    PUBLIC: [],
}

ROLES: dict[str, list[list[str]]] = {role: [grant.as_fab() for grant in grants] for role, grants in GRANTS.items()}
