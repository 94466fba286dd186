"""Read-only lists of the reference data, for IT staff. Generated from one table; editing lives in the console."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from app.vocabulary import Channel
from app.models import Authority, Batch, BatchTier, DeclarationType, Industry, OrgType, Region, Subsystem
from app.views.base import PlatformInterface, PlatformModelView


def _kind_label(value):
    from app.models.authority import AuthorityKind

    return gettext(AuthorityKind(value).label) if value else ""


def _labels_of(enum_cls):
    return lambda values: "、".join(gettext(enum_cls(v).label) for v in values or [])


def _tier(value):
    return gettext(BatchTier(value).label) if value else ""


# (model, menu label, route, columns, search columns, labels, formatters)
REFERENCE_VIEWS = [
    (Region, _l("行政区划"), "regions", ["code", "name", "kind", "level", "parent"], ["code", "name", "level"],
     {"code": _l("区划代码"), "name": _l("名称"), "kind": _l("类型"), "level": _l("级别"), "parent": _l("上级区划")}, {}),
    (Authority, _l("主管部门"), "authorities", ["name", "kind", "code", "region", "parent", "active"],
     ["name", "code"],
     {"name": _l("名称"), "kind": _l("类别"), "code": _l("编码"), "region": _l("所在区划"), "parent": _l("上级部门"), "active": _l("启用")},
     {"kind": _kind_label}),
    (Industry, _l("国民经济行业分类"), "industries", ["code", "name", "level", "parent"], ["code", "name", "level"],
     {"code": _l("行业代码"), "name": _l("行业名称"), "level": _l("层级"), "parent": _l("上级类别")}, {}),
    (Subsystem, _l("子系统"), "subsystems", ["name", "code", "required", "active"], ["name", "code"],
     {"name": _l("名称"), "code": _l("编码"), "required": _l("必须开通"), "active": _l("启用")},
     {}),
    (DeclarationType, _l("申报类型"), "declaration-types",
     ["name", "code", "subsystem", "requires_evaluation", "channels", "declarant_types", "active"], ["name", "code"],
     {"name": _l("名称"), "code": _l("编码"), "subsystem": _l("所属子系统"), "requires_evaluation": _l("需第三方评价"),
      "channels": _l("推荐渠道"), "declarant_types": _l("可申报单位类型"), "active": _l("启用")},
     {"channels": _labels_of(Channel),
      "declarant_types": _labels_of(OrgType)}),
    (Batch, _l("申报批次"), "batches", ["year", "name", "tier", "notice_no", "owner"], ["year", "name", "notice_no"],
     {"year": _l("年度"), "name": _l("批次"), "tier": _l("层级"), "notice_no": _l("通知文号"), "owner": _l("组织部门")},
     {"tier": _tier}),
]


def reference_views():
    """Yield (view class, menu name, menu label) for every reference table."""
    for model, label, route, columns, search, labels, formatters in REFERENCE_VIEWS:
        view = type(
            f"{model.__name__}ReferenceView",
            (PlatformModelView,),
            {
                "datamodel": PlatformInterface(model),
                "route_base": f"/reference/{route}",
                "class_permission_name": "ReferenceData",
                "base_permissions": ["can_list", "can_show"],
                "list_columns": columns,
                "show_columns": columns,
                "search_columns": search,
                "label_columns": labels,
                "formatters_columns": formatters,
                "list_title": label,
                "show_title": label,
            },
        )
        yield view, f"reference:{route}", label
