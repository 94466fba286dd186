"""Roles and their permissions, as data.

Each role is a Flask-AppBuilder built-in role (FAB_ROLES): a list of [view-name regex,
permission regex] pairs checked in memory, so a permission check costs no query and a role cannot
drift from this file. Menu entries are granted through `menu_access` on their names; the
per-type declaration menus are named `申报:<type code>` so one pattern grants them all, and
`app.views.menu` hides the types an organization may not declare.
"""
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

_PROFILE = [
    ["^Profile$", "^can_(organization|password|switch)$"],
    ["^DeclarationApi$", "^can_read$"],
    ["^OpenApi$", "^can_read$"],  # the REST API's description, /api/v1/_openapi
    ["^UserDBModelView$", "^can_userinfo$"],
    ["^UserInfoEditView$", "^can_this_form_(get|post)$"],
    ["^ResetMyPasswordView$", "^can_this_form_(get|post)$"],
]
_DECLARE = [
    ["^ApplicantDeclaration$", "^can_(list|show|download|act|create|edit_content)$"],
    ["^(绿色制造体系|技术目录|申报:.+)$", "^menu_access$"],
]
_REVIEW = [
    ["^ReviewDeclaration$", "^can_(list|show|download|act|decide)$"],
    ["^Dashboard$", "^can_show$"],
    ["^RecommendationPackage$", "^can_(list|show|download|act)$"],
    ["^Publication$", "^can_(list|show|download|act)$"],
    ["^(审核管理|申报审核|数据看板|推荐管理|公示与名单)$", "^menu_access$"],
]

ROLES: dict[str, list[list[str]]] = {
    ENTERPRISE: _PROFILE + _DECLARE,
    PARK: _PROFILE + _DECLARE,
    INSTITUTE: _PROFILE + _DECLARE,
    AGENCY: _PROFILE + [
        ["^AgencyDeclaration$", "^can_(list|show|download|act)$"],
        ["^(三方评价|待评价申报)$", "^menu_access$"],
    ],
    ASSOCIATION: _PROFILE + _DECLARE + _REVIEW,
    REVIEWER: _PROFILE + _REVIEW,
    MINISTRY: _PROFILE + _REVIEW,
    # IT staff administer users and reference data; they neither declare nor review.
    ADMIN: [[r"^(?!(ApplicantDeclaration|AgencyDeclaration|ReviewDeclaration|DeclarationApi|申报:.+|绿色制造体系|技术目录"
             r"|审核管理|申报审核|三方评价|待评价申报|Dashboard|数据看板|RecommendationPackage|Publication|推荐管理"
             r"|公示与名单)$)", ".*"]],
    PUBLIC: [],
}
