"""The vocabulary of a declaration's life: statuses, channels, review levels, step states.

Each member carries the Chinese label users see; the values are what the database stores.
"""
import enum


class _Labelled(str, enum.Enum):
    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class DeclarationStatus(_Labelled):
    DRAFT = "draft", "草稿"
    EVALUATING = "evaluating", "三方评价中"
    EVALUATED = "evaluated", "三方评价已返回"
    UNDER_REVIEW = "under_review", "上级主管部门审核中"
    RETURNED = "returned", "退回修改"
    REJECTED = "rejected", "不予推荐"
    APPROVED = "approved", "工信部审核通过"


class Channel(_Labelled):
    LOCAL = "local", "地方"
    GROUP = "group", "集团"
    ASSOCIATION = "association", "协会"


class ReviewLevel(_Labelled):
    COUNTY = "county", "县/区审核"
    CITY = "city", "市审核"
    TOP = "top", "省/集团/协会审核"
    MINISTRY = "ministry", "工信部审核"


class StepState(_Labelled):
    NOT_STARTED = "not_started", "未开始"
    IN_REVIEW = "in_review", "审核中"
    APPROVED = "approved", "通过"
    RETURNED = "returned", "退回"
    REJECTED = "rejected", "不予推荐"
    NOT_APPLICABLE = "not_applicable", "不适用"
