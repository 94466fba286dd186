"""名单管理 after the list: 动态复核 of listed units (the province starts a 复核 and proposes 撤销, the ministry
decides), each unit's page with its history and its 企业绿码, and the ministry's queue of 撤销 proposals.

Every page and action reads units through `listed_unit_scope` (app.domain.recheck): a unit outside it is 404."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from sqlalchemy import select

from app import clock
from app.domain import DomainError, ErrorKind, green_code, listing, public_list, recheck
from app.domain.scope import Actor
from app.extensions import db
from app.models import AuthorityKind, BatchTier, DeclarationType, ListingRecheck
from app.vocabulary import ListingStatus
from app.views.base import form_text
from app.web.ids import as_id
from app.web.language import say

PAGE_SIZE = 50


class ListedUnitView(BaseView):
    """动态复核 for reviewers; the unit page for reviewers and, read-only, for the listed organization."""

    route_base = "/listed-units"
    class_permission_name = "ListedUnit"
    base_permissions = ["can_list", "can_show", "can_act"]
    method_permission_name = {"index": "list", "proposals": "list", "show": "show", "act": "act"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = Actor.of(g.user)
        search = listing.Search.parse(request.args)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
        rows, total = recheck.units(db.session, actor, search, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        return self.render_template(
            "recheck/index.html", title=gettext("动态复核"), rows=rows, total=total, page=page, page_size=PAGE_SIZE,
            search=search, offers=recheck.row_offers(db.session, rows, actor, clock.now()),
            types=db.session.execute(select(DeclarationType.id, DeclarationType.name)
                                     .order_by(DeclarationType.sort)).all(),
            tiers=list(BatchTier), statuses=list(ListingStatus),
            provinces=public_list.provinces(db.session) if actor.authority_kind is AuthorityKind.MINISTRY
            else ())

    @expose("/proposals")
    @has_access
    def proposals(self):
        actor = Actor.of(g.user)
        if actor.authority_kind is not AuthorityKind.MINISTRY:
            abort(403)
        return self.render_template("recheck/proposals.html", title=gettext("撤销审定"),
                                    queue=recheck.proposals(db.session, actor))

    @expose("/<int:unit_id>")
    @has_access
    def show(self, unit_id):
        return self._page(unit_id)

    @expose("/<int:unit_id>/<name>", methods=["POST"])
    @has_access
    def act(self, unit_id, name):
        actor = Actor.of(g.user)
        opinion = form_text("opinion")
        try:
            listing.scoped_unit(db.session, actor, unit_id)  # another scope's unit: 404 before anything else
        except DomainError:
            abort(404)
        try:
            unit = recheck.apply(db.session, unit_id, name, actor, now=clock.now(), opinion=opinion,
                                 version=as_id(request.form.get("version")))
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            if refused.kind is ErrorKind.NOT_FOUND and name not in recheck.TRANSITIONS:
                abort(404)
            return self._page(unit_id, refusal=say(refused), typed={name: opinion})
        flash(gettext("已办理：%(action)s（%(name)s）", action=gettext(recheck.TRANSITIONS[name].label),
                      name=unit.unit_name), "success")
        return redirect(url_for("ListedUnitView.show", unit_id=unit_id))

    def _page(self, unit_id, refusal: str | None = None, typed: dict | None = None):
        actor = Actor.of(g.user)
        try:
            unit = listing.scoped_unit(db.session, actor, unit_id)
        except DomainError:
            abort(404)
        current = recheck.in_progress(db.session, unit)
        rechecks = db.session.scalars(select(ListingRecheck).where(ListingRecheck.listed_unit_id == unit.id)
                                      .order_by(ListingRecheck.id)).all()
        return self.render_template(
            "recheck/show.html", title=unit.unit_name, unit=unit, current=current, rechecks=rechecks,
            offers=recheck.offers(db.session, unit, actor, clock.now()), history=recheck.history(db.session, unit),
            grades=green_code.of_unit(db.session, unit), weighed=green_code.WEIGHED, refusal=refusal,
            typed=typed or {}, event_labels=recheck.EVENT_LABELS, stage_labels=recheck.STAGE_LABELS,
            is_reviewer=actor.authority_id is not None, status_label=lambda value: ListingStatus(value).label)


def my_listings(session, actor: Actor) -> list:
    """The listed organization's own units for its home page, each with its batch's name and its latest 企业绿码:
    two statements for any number of units."""
    from app.domain.scope import listed_unit_scope
    from app.models import Batch, GreenCode, ListedUnit

    if actor.authority_id is not None or actor.organization_id is None:
        return []
    rows = session.execute(select(ListedUnit, Batch.name).join(Batch, Batch.id == ListedUnit.batch_id)
                           .where(listed_unit_scope(actor))
                           .order_by(ListedUnit.year.desc(), ListedUnit.id.desc()).limit(50)).all()
    latest: dict = {}
    if rows:
        for code in session.scalars(select(GreenCode).where(GreenCode.listed_unit_id.in_([u.id for u, _ in rows]))
                                    .order_by(GreenCode.year.desc())):
            latest.setdefault(code.listed_unit_id, code)
    return [(unit, batch_name, latest.get(unit.id)) for unit, batch_name in rows]