"""Declaration lists for the three audiences. One applicant view class is generated per declaration type."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.domain.scope import Audience
from app.domain.states import DeclarationStatus, StepState
from app.models import Declaration, DeclarationType
from app.views.base import DeclarationScope, PlatformModelView


def _label(enum_cls):
    return lambda value: gettext(enum_cls(value).label) if value else ""


LEVEL_COLUMNS = ["county_step", "city_step", "top_step", "ministry_step"]


class DeclarationListView(PlatformModelView):
    """Read-only declaration list and detail, restricted by `audience`."""

    datamodel = SQLAInterface(Declaration)
    audience: Audience
    base_permissions = ["can_list", "can_show"]
    base_order = ("created_at", "desc")
    label_columns = {
        "id": _l("编号"),
        "unit_name": _l("单位名称"),
        "title": _l("申报名称"),
        "declaration_type": _l("申报类型"),
        "batch": _l("批次"),
        "status": _l("状态"),
        "agency": _l("三方评价机构"),
        "submitted_at": _l("提交时间"),
        "created_at": _l("创建时间"),
        "updated_at": _l("更新时间"),
        "round": _l("上报轮次"),
        "score": _l("评价得分"),
        "county_step": _l("县/区审核"),
        "city_step": _l("市审核"),
        "top_step": _l("省/集团审核"),
        "ministry_step": _l("工信部审核"),
    }
    list_columns = ["submitted_at", "unit_name", "batch", "agency", "status", *LEVEL_COLUMNS]
    show_columns = [
        "id", "declaration_type", "batch", "unit_name", "title", "status", "round", "agency", "score",
        "created_at", "updated_at", "submitted_at", *LEVEL_COLUMNS,
    ]
    order_columns = ["submitted_at", "created_at", "unit_name"]
    search_columns = ["unit_name", "submitted_at"]
    formatters_columns = {
        "status": _label(DeclarationStatus),
        **{column: _label(StepState) for column in LEVEL_COLUMNS},
    }

    def __init__(self, **kwargs):
        self.base_filters = [["id", DeclarationScope, self.audience], *getattr(self, "extra_filters", [])]
        super().__init__(**kwargs)


class ReviewDeclarationView(DeclarationListView):
    """申报审核: what passes through the reviewer's authority; the ministry sees everything submitted."""

    route_base = "/review/declarations"
    class_permission_name = "ReviewDeclaration"
    audience = Audience.REVIEWER
    list_title = show_title = _l("申报审核")
    base_order = ("submitted_at", "desc")
    list_columns = ["submitted_at", "unit_name", "declaration_type", "batch", "status", *LEVEL_COLUMNS]


class AgencyDeclarationView(DeclarationListView):
    """待评价申报: declarations whose applicant sent them to this agency."""

    route_base = "/agency/declarations"
    class_permission_name = "AgencyDeclaration"
    audience = Audience.AGENCY
    list_title = show_title = _l("待评价申报")
    list_columns = ["submitted_at", "unit_name", "declaration_type", "batch", "status", "score"]


def applicant_view_for(declaration_type: DeclarationType) -> type[DeclarationListView]:
    """The applicant's list of one declaration type, e.g. 绿色工厂 at /declarations/green_factory/."""
    return type(
        f"ApplicantDeclarationView_{declaration_type.code}",
        (DeclarationListView,),
        {
            "route_base": f"/declarations/{declaration_type.code}",
            "class_permission_name": "ApplicantDeclaration",
            "audience": Audience.APPLICANT,
            "extra_filters": [["declaration_type_id", FilterEqual, declaration_type.id]],
            "list_title": declaration_type.name,
            "show_title": declaration_type.name,
            "__doc__": f"{declaration_type.name}: the active organization's declarations of this type.",
        },
    )
