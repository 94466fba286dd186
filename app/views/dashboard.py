"""数据看板: the reviewer's scope counted by type, status, level, region and batch (issue #7).

A thin page over `app.domain.dashboard`: it reads the batch and type filters from the query string,
asks the domain for the numbers of the acting reviewer's scope, and renders them as tables (what clerks
copy) and as charts drawn by the Chart.js served from app/static/vendor (no CDN). The chart data sits
in a `<script type="application/json">` block read by app/static/js/dashboard.js: no inline script.
The figures are the summary rows every change of a declaration updates (`app.domain.figures`): live, so no
cache; the page says the moment it read them.
"""
from __future__ import annotations

from flask import flash, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app import clock
from app.domain import dashboard
from app.vocabulary import N_
from app.domain.scope import Actor, acting_authority
from app.extensions import db
from app.models import AuthorityKind, Batch, DeclarationType
from app.models.geo import CITY, COUNTY, PROVINCE
from app.views.filters import batch_choices, option_tags, param_id, type_choices

REGION_HEADINGS = {PROVINCE: N_("按省份统计"), CITY: N_("按地市统计"), COUNTY: N_("按区县统计")}
REGION_COLUMNS = {PROVINCE: N_("省份"), CITY: N_("地市"), COUNTY: N_("区县")}


def _choice(name: str, known: set[int], model) -> tuple[int | None, bool]:
    """The id chosen in GET parameter `name`: (id, ok). Empty is no filter; an id that is neither among the
    cached choices nor (for a row made within the cache's minute) in the database is refused."""
    text = request.args.get(name, "").strip()
    if not text:
        return None, True
    pk = param_id(text)
    if pk is not None and (pk in known or db.session.get(model, pk) is not None):
        return pk, True
    return None, False


class DashboardView(BaseView):
    route_base = "/dashboard"
    class_permission_name = "Dashboard"
    method_permission_name = {"index": "show"}
    default_view = "index"
    template = "dashboard.html"

    @expose("/")
    @has_access
    def index(self):
        batches, types = batch_choices(), type_choices()
        batch_id, batch_ok = _choice("batch", {row[0] for row in batches}, Batch)
        type_id, type_ok = _choice("type", {row[0] for row in types}, DeclarationType)
        if not batch_ok:
            flash(gettext("所选批次不存在，已按全部批次统计。"), "warning")
        if not type_ok:
            flash(gettext("所选申报类型不存在，已按全部类型统计。"), "warning")

        actor = Actor.of(g.user)
        today = clock.today()
        filters = dashboard.Filters(batch_id=batch_id, declaration_type_id=type_id)
        board = dashboard.build(db.session, actor, today=today, filters=filters)
        list_args = {k: v for k, v in (("batch", batch_id), ("type", type_id)) if v is not None}
        return self.render_template(
            self.template,
            board=board,
            scope_name=self._scope_name(actor),
            options={"batch": option_tags(batches, str(batch_id or "")),
                     "type": option_tags(types, str(type_id or ""))},
            batch_id=batch_id,
            type_id=type_id,
            today=today,
            counted_at=clock.now(),
            region_heading=gettext(REGION_HEADINGS[board.region_level]),
            region_column=gettext(REGION_COLUMNS[board.region_level]),
            list_url=lambda **more: url_for("ReviewDeclarationView.list", **{"tab": "all", **list_args, **more}),
            charts=self._charts(board),
        )

    @staticmethod
    def _scope_name(actor: Actor) -> str:
        if actor.authority_kind is AuthorityKind.MINISTRY:
            return gettext("全国")
        authority = acting_authority(g.user)
        return authority.name if authority else gettext("无审核范围")

    @staticmethod
    def _charts(board: dashboard.Dashboard) -> dict:
        """What dashboard.js draws: the same numbers as the tables."""

        def series(rows, label):
            return {"labels": [r.label for r in rows], "series": [{"label": label, "data": [r.count for r in rows]}]}

        statuses = [r for r in board.by_status if r.count]
        return {
            "type": {"kind": "bar", "horizontal": True, **series(board.by_type, gettext("申报数"))},
            "status": {"kind": "doughnut", "labels": [gettext(r.label) for r in statuses],
                       "series": [{"label": gettext("申报数"), "data": [r.count for r in statuses]}]},
            "level": {"kind": "bar", "labels": [gettext(f.level.label) for f in board.levels],
                      "series": [{"label": gettext("审核中"), "data": [f.in_review for f in board.levels]},
                                 {"label": gettext("已逾期"), "data": [f.overdue for f in board.levels]}]},
            "duration": {"kind": "bar", "labels": [gettext(f.level.label) for f in board.levels],
                         "series": [{"label": gettext("平均用时（天）"),
                                     "data": [f.average_days for f in board.levels]}]},
            "region": {"kind": "bar", **series(board.by_region, gettext("申报数"))},
            "batch": {"kind": "bar", **series(board.by_batch, gettext("申报数"))},
        }
