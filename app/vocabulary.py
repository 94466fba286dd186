"""The platform's vocabulary: the states, levels and kinds that models, rules and views all name.

Each member carries the Chinese label users see; the values are what the database stores. This module imports
nothing of the application, so every layer may import it.
"""
import enum


def N_(text: str) -> str:
    """Marks a label for extraction into the catalogues; views translate it when they render it."""
    return text


class Labelled(enum.StrEnum):
    """A value stored in the database, with the Chinese label users see; str() is the value."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class DeclarationStatus(Labelled):
    DRAFT = "draft", N_("草稿")
    EVALUATING = "evaluating", N_("三方评价中")
    EVALUATED = "evaluated", N_("三方评价已返回")
    UNDER_REVIEW = "under_review", N_("上级主管部门审核中")
    RETURNED = "returned", N_("退回修改")
    REJECTED = "rejected", N_("不予推荐")
    APPROVED = "approved", N_("审核通过（拟入选）")
    PUBLICITY = "publicity", N_("公示中")
    LISTED = "listed", N_("已发布名单")


class Channel(Labelled):
    LOCAL = "local", N_("地方")
    GROUP = "group", N_("集团")
    ASSOCIATION = "association", N_("协会")


class ReviewLevel(Labelled):
    COUNTY = "county", N_("县/区审核")
    CITY = "city", N_("市审核")
    TOP = "top", N_("省/集团/协会审核")
    MINISTRY = "ministry", N_("工信部审核")


class StepState(Labelled):
    NOT_STARTED = "not_started", N_("未开始")
    IN_REVIEW = "in_review", N_("审核中")
    APPROVED = "approved", N_("通过")
    RETURNED = "returned", N_("退回")
    REJECTED = "rejected", N_("不予推荐")
    NOT_APPLICABLE = "not_applicable", N_("不适用")
    CANCELLED = "cancelled", N_("已取消")  # the round was withdrawn (取消上报) before this level decided


class PackageState(Labelled):
    DRAFT = "draft", N_("未提交推荐")
    SUBMITTED = "submitted", N_("已提交推荐")


class PublicationStage(Labelled):
    PUBLICITY = "publicity", N_("公示中")
    PUBLISHED = "published", N_("已发布名单")


class SignInKind(Labelled):
    SUCCESS = "success", N_("登录成功")
    FAILURE = "failure", N_("登录失败")
    LOCK = "lock", N_("限制登录")
    UNLOCK = "unlock", N_("解锁账户")
    PASSWORD_CHANGE = "password_change", N_("修改密码")
    PASSWORD_RESET = "password_reset", N_("重置密码")
    DEACTIVATION = "deactivation", N_("停用账户")


class JobStatus(Labelled):
    QUEUED = "queued", N_("排队中")
    RUNNING = "running", N_("生成中")
    DONE = "done", N_("已完成")
    FAILED = "failed", N_("失败")


class ListingStatus(Labelled):
    """A listed unit's standing on the 绿色制造名单 after 发布名单 (动态管理)."""

    VALID = "valid", N_("有效")
    UNDER_RECHECK = "under_recheck", N_("复核中")
    REVOKED = "revoked", N_("已撤销")


class FilingPeriod(Labelled):
    ANNUAL = "annual", N_("年度")
    HALF_YEAR = "half_year", N_("半年度")


class FilingStatus(Labelled):
    DRAFT = "draft", N_("草稿")
    SUBMITTED = "submitted", N_("已提交")


class ReminderKind(Labelled):
    DUE_SOON = "due_soon", N_("截止前提醒")
    OVERDUE = "overdue", N_("逾期提醒")
