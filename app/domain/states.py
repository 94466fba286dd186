"""The vocabulary of a declaration's life: statuses, channels, review levels, step states.

Each member carries the Chinese label users see; the values are what the database stores.
"""
import enum

from app.domain import N_


class _Labelled(enum.StrEnum):
    """A value stored in the database, with the Chinese label users see; str() is the value."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class DeclarationStatus(_Labelled):
    DRAFT = "draft", N_("草稿")
    EVALUATING = "evaluating", N_("三方评价中")
    EVALUATED = "evaluated", N_("三方评价已返回")
    UNDER_REVIEW = "under_review", N_("上级主管部门审核中")
    RETURNED = "returned", N_("退回修改")
    REJECTED = "rejected", N_("不予推荐")
    APPROVED = "approved", N_("审核通过（拟入选）")
    PUBLICITY = "publicity", N_("公示中")
    LISTED = "listed", N_("已发布名单")


class Channel(_Labelled):
    LOCAL = "local", N_("地方")
    GROUP = "group", N_("集团")
    ASSOCIATION = "association", N_("协会")


class ReviewLevel(_Labelled):
    COUNTY = "county", N_("县/区审核")
    CITY = "city", N_("市审核")
    TOP = "top", N_("省/集团/协会审核")
    MINISTRY = "ministry", N_("工信部审核")


class StepState(_Labelled):
    NOT_STARTED = "not_started", N_("未开始")
    IN_REVIEW = "in_review", N_("审核中")
    APPROVED = "approved", N_("通过")
    RETURNED = "returned", N_("退回")
    REJECTED = "rejected", N_("不予推荐")
    NOT_APPLICABLE = "not_applicable", N_("不适用")
    CANCELLED = "cancelled", N_("已取消")  # the round was withdrawn (取消上报) before this level decided


class PackageState(_Labelled):
    DRAFT = "draft", N_("未提交推荐")
    SUBMITTED = "submitted", N_("已提交推荐")


class PublicationStage(_Labelled):
    PUBLICITY = "publicity", N_("公示中")
    PUBLISHED = "published", N_("已发布名单")
