"""Registers every view and menu entry on a fresh AppBuilder."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from app.extensions import db
from app.framework_internals import GROUPS_MENU
from app.models import DeclarationType
from app.views.api import ApiDescription, DeclarationApi
from app.web.language import said
from app.views.dashboard import DashboardView
from app.views.filing import FilingReviewView, FilingView, MessageView, filings_due, unread_messages
from app.views.declarations import AgencyDeclarationView, ReviewDeclarationView, applicant_view_for
from app.views.jobs import JobView
from app.views.menu import DECLARATION_MENU_PREFIX, DeclarableType, install_menu_filter
from app.views.profile import ProfileView
from app.views.publication import PublicationView, PublicNoticeView
from app.views.recommendation import RecommendationPackageView
from app.views.reference import reference_views
from app.views.registration import RegistrationView, registration_entries
from app.views.agency import AgencyOwnView, AgencySupervisionView
from app.views.recheck import ListedUnitView
from app.views.tiers import CandidatesView, PublicListView, RoundsView


def register_views(appbuilder) -> None:
    declaration_types = _declaration_types()
    for declaration_type in declaration_types:
        appbuilder.add_view(
            applicant_view_for(declaration_type),
            f"{DECLARATION_MENU_PREFIX}{declaration_type.code}",
            label=declaration_type.name,
            icon="fa-leaf" if declaration_type.is_green_category else "fa-cogs",
            category=declaration_type.subsystem.name,
        )
    appbuilder.add_view(AgencyDeclarationView, "待评价申报", label=_l("待评价申报"), icon="fa-check-square-o",
                        category="三方评价", category_label=_l("三方评价"), category_icon="fa-balance-scale")
    appbuilder.add_view(ReviewDeclarationView, "申报审核", label=_l("申报审核"), icon="fa-gavel",
                        category="审核管理", category_label=_l("审核管理"), category_icon="fa-gavel")
    appbuilder.add_view(RecommendationPackageView, "推荐管理", label=_l("推荐管理"), icon="fa-paper-plane",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view(PublicationView, "公示与名单", label=_l("公示与名单"), icon="fa-bullhorn",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view_no_menu(PublicNoticeView)
    appbuilder.add_view(DashboardView, "数据看板", label=_l("数据看板"), icon="fa-bar-chart",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view(JobView, "我的导出", label=_l("我的导出"), icon="fa-download",
                        category="审核管理", category_label=_l("审核管理"))
    for view, name, label in reference_views():
        appbuilder.add_view(view, name, label=label, icon="fa-database", category="基础数据",
                            category_label=_l("基础数据"), category_icon="fa-database")
    appbuilder.menu.find(GROUPS_MENU).label = _l("用户组列表")
    appbuilder.add_link("系统配置控制台", href="/console/", label=_l("系统配置控制台"), icon="fa-sliders",
                        category="基础数据")
    registration = appbuilder.add_view_no_menu(RegistrationView)
    sm = appbuilder.sm
    if sm.is_auth_limited:  # anonymous posts, like sign-in: the same limit per client address
        sm.limiter.limit(sm.auth_rate_limit, methods=["POST"])(registration.blueprint)
    appbuilder.add_view_no_menu(ProfileView)
    appbuilder.add_view(ListedUnitView, "动态复核", label=_l("动态复核"), icon="fa-refresh",
                        category="名单管理", category_label=_l("名单管理"), category_icon="fa-list-alt")
    appbuilder.add_link("撤销审定", href="/listed-units/proposals", label=_l("撤销审定"), icon="fa-legal",
                        category="名单管理")
    appbuilder.add_view(RoundsView, "本级批次", label=_l("本级批次"), icon="fa-flag",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view(CandidatesView, "国家级候选", label=_l("国家级候选"), icon="fa-level-up",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view_no_menu(PublicListView)
    appbuilder.add_api(DeclarationApi)
    appbuilder.add_api(ApiDescription)
    appbuilder.add_view(AgencySupervisionView, "第三方机构监管", label=_l("第三方机构监管"), icon="fa-eye",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view(AgencyOwnView, "机构监管信息", label=_l("机构监管信息"), icon="fa-id-card-o",
                        category="三方评价", category_label=_l("三方评价"))
    current_app.jinja_env.globals["registration_entries"] = registration_entries
    current_app.jinja_env.filters["said"] = said  # a domain text (message id or Message) in the user's language
    appbuilder.add_view(FilingView, "动态管理填报", label=_l("动态管理填报"), icon="fa-calendar-check-o",
                        category="绿色制造体系")
    appbuilder.add_view(FilingReviewView, "动态管理", label=_l("动态管理"), icon="fa-calendar-check-o",
                        category="审核管理", category_label=_l("审核管理"))
    appbuilder.add_view_no_menu(MessageView)
    current_app.jinja_env.globals["unread_messages"] = unread_messages
    current_app.jinja_env.globals["filings_due"] = filings_due
    install_menu_filter(current_app, {
        t.code: DeclarableType(tuple(t.declarant_types or ()), t.subsystem_id, t.id) for t in declaration_types
    })


def _declaration_types() -> list[DeclarationType]:
    """The active types, in menu order; none before the first migration has created the table."""
    if not inspect(db.engine).has_table(DeclarationType.__tablename__):
        return []
    types = db.session.scalars(
        select(DeclarationType).where(DeclarationType.active.is_(True)).order_by(DeclarationType.sort)
    ).all()
    for declaration_type in types:
        declaration_type.subsystem  # noqa: B018  (load it while the session is open)
    db.session.expunge_all()
    return types
