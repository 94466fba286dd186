"""Read-only lists of the reference data, for IT staff. Generated from one table; editing lives in the console."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Authority, Batch, DeclarationType, Industry, Region, Subsystem
from app.views.base import PlatformModelView


def _kind_label(value):
    from app.models.authority import AuthorityKind

    return AuthorityKind(value).label if value else ""


def _yes_no(value):
    return "是" if value else "否"


# (model, menu name, route, columns, search columns, labels, formatters)
REFERENCE_VIEWS = [
    (Region, "行政区划", "regions", ["code", "name", "kind", "level", "parent"], ["code", "name", "level"],
     {"code": "区划代码", "name": "名称", "kind": "类型", "level": "级别", "parent": "上级区划"}, {}),
    (Authority, "主管部门", "authorities", ["name", "kind", "code", "region", "parent", "active"],
     ["name", "code"],
     {"name": "名称", "kind": "类别", "code": "编码", "region": "所在区划", "parent": "上级部门", "active": "启用"},
     {"kind": _kind_label, "active": _yes_no}),
    (Industry, "国民经济行业分类", "industries", ["code", "name", "level", "parent"], ["code", "name", "level"],
     {"code": "行业代码", "name": "行业名称", "level": "层级", "parent": "上级类别"}, {}),
    (Subsystem, "子系统", "subsystems", ["name", "code", "required", "active"], ["name", "code"],
     {"name": "名称", "code": "编码", "required": "必须开通", "active": "启用"},
     {"required": _yes_no, "active": _yes_no}),
    (DeclarationType, "申报类型", "declaration-types",
     ["name", "code", "subsystem", "requires_evaluation", "channels", "declarant_types", "active"], ["name", "code"],
     {"name": "名称", "code": "编码", "subsystem": "所属子系统", "requires_evaluation": "需第三方评价",
      "channels": "推荐渠道", "declarant_types": "可申报单位类型", "active": "启用"},
     {"requires_evaluation": _yes_no, "active": _yes_no}),
    (Batch, "申报批次", "batches", ["year", "name", "tier", "notice_no", "owner"], ["year", "name", "notice_no"],
     {"year": "年度", "name": "批次", "tier": "层级", "notice_no": "通知文号", "owner": "组织部门"}, {}),
]


def reference_views():
    """Yield (view class, menu name) for every reference table."""
    for model, name, route, columns, search, labels, formatters in REFERENCE_VIEWS:
        view = type(
            f"{model.__name__}ReferenceView",
            (PlatformModelView,),
            {
                "datamodel": SQLAInterface(model),
                "route_base": f"/reference/{route}",
                "class_permission_name": "ReferenceData",
                "base_permissions": ["can_list", "can_show"],
                "list_columns": columns,
                "show_columns": columns,
                "search_columns": search,
                "label_columns": labels,
                "formatters_columns": formatters,
                "list_title": name,
                "show_title": name,
            },
        )
        yield view, name
