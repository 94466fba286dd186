"""Tiers and the public list: the 绿色制造名单 for everyone (no login), an authority's own rounds (本级批次) and a
province's national candidates (国家级候选). The rules are in app.domain.tiers and app.domain.public_list."""
from __future__ import annotations

import datetime

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from sqlalchemy import select

from app import clock
from app.domain import DomainError, catalog, in_language, listing, public_list, tiers
from app.domain.scope import Actor, acting_authority
from app.extensions import db
from app.models import AuthorityKind, BatchTier, DeclarationType
from app.views.base import commit_or_flash, form_text
from app.web.refusals import flash_refusal
from app.web.downloads import xlsx_rows

PAGE_SIZE = 50
EXPORT_COLUMNS = ["序号", "单位名称", "产品/项目名称", "申报类型", "层级", "年度", "批次", "所在地区", "列入日期",
                  "状态", "撤销日期", "撤销原因"]


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return min(max(page or 1, 1), 100_000)


class PublicListView(BaseView):
    """绿色制造名单: open to everyone, without login; only what a published list shows."""

    route_base = "/minglu"
    default_view = "index"

    @expose("/")
    def index(self):
        search = listing.Search.parse(request.args)
        total = public_list.count(db.session, search)
        page = min(_page(), max(1, -(-total // PAGE_SIZE)))  # past the last page: the last page
        rows = list(public_list.rows(db.session, search, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE))
        return self.render_template("tiers/public_list.html", title=gettext("绿色制造名单"), search=search,
                                    rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                                    choices=public_list.choices(db.session), tiers=list(BatchTier),
                                    statuses=public_list.ListingStatus)

    @expose("/export")
    def export(self):
        """The current search as xlsx, streamed in write-only mode (an anonymous visitor has no jobs)."""
        search = listing.Search.parse(request.args)
        found = public_list.rows(db.session, search)
        return xlsx_rows("绿色制造名单.xlsx", "绿色制造名单", EXPORT_COLUMNS, (
            [n, r.unit_name, r.title or "", r.type_name, gettext(r.tier.label), r.year, r.batch, r.place,
             r.listed_on.isoformat(), gettext(r.status.label), r.revoked_on.isoformat() if r.revoked_on else "",
             r.reason or ""] for n, r in enumerate(found, 1)))


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


class RoundsView(BaseView):
    """本级批次: a province (or a city its province lets run the city tier) opens its own 省级 / 市级 batches;
    a province also decides whether its cities run the city tier. Deciding and publishing go through 申报审核
    and 公示与名单, as for any batch owner."""

    route_base = "/rounds"
    class_permission_name = "Rounds"
    base_permissions = ["can_list", "can_act"]
    method_permission_name = {"index": "list", "create": "act", "setting": "act"}
    default_view = "index"

    def _authority(self):
        authority = acting_authority(g.user)
        if not tiers.may_run_rounds(authority):
            abort(404)
        return authority

    def _page(self, authority, form=None, errors=None, status=200):
        types = db.session.scalars(select(DeclarationType).where(DeclarationType.active.is_(True))
                                   .order_by(DeclarationType.sort)).all()
        versions = {}  # 申报书 only (a 动态管理表 is no batch's form), each labelled with what it is based on
        for row in catalog.declaration_forms(db.session):
            versions.setdefault(row.declaration_type_id, []).append((row.id, catalog.form_label(row)))
        today = clock.today()
        if form is None:
            form = {"year": str(today.year), "name": "", "notice_no": "",
                    "tier": (tiers.tiers_open_to(authority) or [BatchTier.PROVINCIAL])[0].value,
                    "opens": today.isoformat(), "closes": (today + datetime.timedelta(days=60)).isoformat()}
        return self.render_template(
            "tiers/rounds.html", title=gettext("本级批次"), authority=authority,
            batches=tiers.own_batches(db.session, Actor.of(g.user)), tiers_open=tiers.tiers_open_to(authority),
            is_province=authority.kind == AuthorityKind.PROVINCE, types=types, versions=versions, form=form,
            errors=errors or {}, today=today), status

    @expose("/")
    @has_access
    def index(self):
        return self._page(self._authority())

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        authority = self._authority()
        form = {key: form_text(key) for key in ("year", "name", "notice_no", "tier")}
        types = db.session.scalars(select(DeclarationType).where(DeclarationType.active.is_(True))).all()
        windows = []
        for declaration_type in types:
            key = str(declaration_type.id)
            for field in ("open", "opens", "closes", "form"):
                form[f"{field}_{key}"] = form_text(f"{field}_{key}")
            if form[f"open_{key}"]:
                form_id = form[f"form_{key}"]
                windows.append(tiers.WindowInput(
                    declaration_type.id, _date(form[f"opens_{key}"]), _date(form[f"closes_{key}"]),
                    int(form_id) if form_id.isdigit() and len(form_id) < 10 else None))
                # 须持有效省级名单 is for national batches only (catalog.window_problems): not offered here
        try:
            year = int(form["year"]) if form["year"].strip().isdigit() and len(form["year"].strip()) < 6 else None
            batch = tiers.open_batch(db.session, Actor.of(g.user), tier=form["tier"], name=form["name"], year=year,
                                     notice_no=form["notice_no"], windows=windows, today=clock.today())
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            flash_refusal(refused)
            errors = {k: in_language(v, gettext) for k, v in refused.errors.items()}
            return self._page(authority, form, errors, 400 if refused.errors else 403)
        flash(gettext("已创建批次：%(batch)s。本地区的单位可在申报期内新增填报。", batch=batch.title), "success")
        return redirect(url_for("RoundsView.index"))

    @expose("/setting", methods=["POST"])
    @has_access
    def setting(self):
        self._authority()
        value = form_text("cities_run_city_tier") == "1"
        commit_or_flash(lambda: tiers.set_cities_run_city_tier(db.session, Actor.of(g.user), value),
                        gettext("已设置：市级批次由各市组织") if value else gettext("已设置：市级批次由本省组织"))
        return redirect(url_for("RoundsView.index"))


class CandidatesView(BaseView):
    """国家级候选: a province's valid 省级 units and where each stands in the national batches open now."""

    route_base = "/candidates"
    class_permission_name = "Candidates"
    base_permissions = ["can_list"]
    method_permission_name = {"index": "list"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = Actor.of(g.user)
        if actor.authority_kind != AuthorityKind.PROVINCE:
            abort(404)
        page = _page()
        total, rows = tiers.candidates(db.session, actor, clock.today(), offset=(page - 1) * PAGE_SIZE,
                                       limit=PAGE_SIZE)
        return self.render_template("tiers/candidates.html", title=gettext("国家级候选"), rows=rows, total=total,
                                    page=page, page_size=PAGE_SIZE)
