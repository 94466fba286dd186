"""动态管理: the listed unit fills its 动态管理表 in each open filing window (保存草稿, 提交) and sees what it filed;
reviewers see, per window, who filed, who is late and whose indicators worsened; everyone has a message centre."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app import clock
from app.domain import DomainError, ErrorKind, filing as filings, forms, listing, messages
from app.domain.scope import Actor
from app.extensions import db
from app.models import FilingStatus, FilingWindow
from app.vocabulary import N_
from app.views.declarations import industry_choices, reference_codes, region_choices
from app.views.base import submitted_form
from app.web.refusals import flash_refusal

MESSAGE_PAGE = 50
REVIEW_PAGE = 100  # units per page of a window's view


def _typed(definition, submitted: dict, regions, industries) -> dict:
    """What a refused page shows again: every cell as it was typed, even those that did not parse."""
    cleaned, _ = forms.clean(definition, submitted, regions=regions, industries=industries)
    return forms.typed_again(definition, submitted, cleaned, {})


class FilingView(BaseView):
    """The listed unit's 动态管理表 (its organization files); the read-only page is also its reviewers'."""

    route_base = "/filings"
    class_permission_name = "Filing"
    base_permissions = ["can_list", "can_show", "can_edit"]
    method_permission_name = {"index": "list", "show": "show", "start": "edit", "edit": "edit"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = Actor.of(g.user)
        return self.render_template("filing/index.html", title=gettext("动态管理填报"),
                                    due=filings.due_for(db.session, actor, clock.today()),
                                    history=filings.history_of(db.session, actor), today=clock.today(),
                                    FilingStatus=FilingStatus)

    @expose("/start/<int:window_id>/<int:unit_id>", methods=["POST"])
    @has_access
    def start(self, window_id, unit_id):
        actor = Actor.of(g.user)
        unit = listing.scoped_unit(db.session, actor, unit_id)
        window = db.session.get(FilingWindow, window_id)
        if window is None:
            raise DomainError(N_("没有这个填报窗口"), kind=ErrorKind.NOT_FOUND)
        try:
            filing = filings.start(db.session, window, unit, actor, clock.now(), contact={
                "name": " ".join(filter(None, (g.user.first_name, g.user.last_name))), "phone": g.user.phone,
                "email": g.user.email})
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            if refused.kind == ErrorKind.NOT_FOUND:
                raise
            flash_refusal(refused)
            return redirect(url_for("FilingView.index"))
        return redirect(url_for("FilingView.edit", filing_id=filing.id))

    @expose("/<int:filing_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, filing_id):
        actor = Actor.of(g.user)
        filing = filings.scoped_filing(db.session, actor, filing_id)
        if not filings.may_file(actor, filing.unit):
            raise DomainError(N_("只有该名单单位本单位可以填报"), kind=ErrorKind.NOT_FOUND)
        if filing.status == FilingStatus.SUBMITTED:
            flash(gettext("已提交，不能再修改"), "info")
            return redirect(url_for("FilingView.show", filing_id=filing.id))
        definition = filings.definition_of(filing.window)
        values, errors = filing.form_data or {}, {}
        if request.method == "POST":
            submitted = submitted_form()
            regions, industries = reference_codes()
            try:
                problems = filings.save(db.session, filing, submitted, actor, clock.now(), regions=regions,
                                        industries=industries)
            except DomainError as refused:  # closed meanwhile, or submitted in another tab: nothing is stored
                db.session.rollback()
                flash_refusal(refused)
                return self._form_page(filing, definition, _typed(definition, submitted, regions, industries), {})
            if problems:
                db.session.rollback()
                flash(gettext("有 %(count)d 处格式不正确，未保存，请修改标红的项目。", count=len(problems.errors)),
                      "danger")
                typed = _typed(definition, submitted, regions, industries)
                # submitting: what is still missing is named at once too, not on the next try
                missing = filings.missing_errors(definition, typed) if request.form.get("action") == "submit" else {}
                return self._form_page(filing, definition, typed, {**missing, **problems.errors})
            if request.form.get("action") != "submit":
                db.session.commit()
                flash(gettext("已保存草稿。提交前可随时修改。"), "success")
                return redirect(url_for("FilingView.edit", filing_id=filing.id))
            try:
                filings.submit(db.session, filing, actor, clock.now())
            except DomainError as refused:
                db.session.commit()  # the draft as typed is kept; what is missing is named next to each field
                flash_refusal(refused)
                return self._form_page(filing, definition, filing.form_data or {}, refused.errors)
            db.session.commit()
            flash(gettext("已提交%(window)s", window=filing.window.title), "success")
            return redirect(url_for("FilingView.show", filing_id=filing.id))
        return self._form_page(filing, definition, values, errors)

    def _form_page(self, filing, definition, values, errors):
        return self.render_template(
            "filing/edit.html", title=filing.window.title, filing=filing, definition=definition, values=values,
            errors=errors, totals=forms.page_totals(definition, values), indicator_terms=forms.indicator_terms,
            industries=industry_choices(), regions=region_choices(), attachments={}, view_name="FilingView",
            preview=True, late=clock.today() > filing.window.due_on)

    @expose("/<int:filing_id>")
    @has_access
    def show(self, filing_id):
        actor = Actor.of(g.user)
        filing = filings.scoped_filing(db.session, actor, filing_id)
        definition = filings.definition_of(filing.window)
        previous = filings.previous_of(db.session, filing)
        changes = filings.worsened(filing.indicator_scores, previous.indicator_scores) if previous else []
        return self.render_template(
            "filing/show.html", title=filing.window.title, filing=filing, definition=definition,
            values=filing.form_data or {}, totals=forms.page_totals(definition, filing.form_data or {}),
            indicator_terms=forms.indicator_terms, previous=previous, changes={c.key: c for c in changes},
            may_edit=filings.may_file(actor, filing.unit) and filing.status == FilingStatus.DRAFT,
            FilingStatus=FilingStatus)


# The province's ways of looking at a window's units (the window page's tabs, the counts of both pages).
SHOWN = {"filed": lambda r: r.filing is not None and r.filing.status == FilingStatus.SUBMITTED,
         "late": lambda r: r.late, "worsened": lambda r: bool(r.changes), "attention": lambda r: bool(r.attention)}


def _counts(rows) -> dict[str, int]:
    return {key: sum(1 for r in rows if test(r)) for key, test in SHOWN.items()}


class FilingReviewView(BaseView):
    """动态管理 for reviewers: per window, the units in their scope (listed_unit_scope), who filed, who is late,
    whose indicators worsened; the ministry sees every unit."""

    route_base = "/filing-review"
    class_permission_name = "FilingReview"
    base_permissions = ["can_list", "can_show"]
    method_permission_name = {"index": "list", "window": "show"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor, today = Actor.of(g.user), clock.today()
        summaries = []
        for window in filings.windows(db.session):
            rows = filings.overview(db.session, window, actor, today)
            summaries.append((window, len(rows), _counts(rows)))
        return self.render_template("filing/review_index.html", title=gettext("动态管理"), summaries=summaries,
                                    today=today)

    @expose("/window/<int:window_id>")
    @has_access
    def window(self, window_id):
        window = db.session.get(FilingWindow, window_id)
        if window is None:
            raise DomainError(N_("没有这个填报窗口"), kind=ErrorKind.NOT_FOUND)
        actor, today = Actor.of(g.user), clock.today()
        rows = filings.overview(db.session, window, actor, today)
        shown = request.args.get("show", "")
        selected = SHOWN.get(shown)
        chosen = [r for r in rows if selected is None or selected(r)]
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), max(1, -(-len(chosen) // REVIEW_PAGE)))
        return self.render_template(
            "filing/review_window.html", title=window.title, window=window, today=today,
            rows=chosen[(page - 1) * REVIEW_PAGE:page * REVIEW_PAGE], all_rows=rows, shown=shown, page=page,
            page_size=REVIEW_PAGE, chosen=len(chosen), **_counts(rows))


class MessageView(BaseView):
    """消息中心: the messages to the user and to the organization it acts for; unread ones are marked."""

    route_base = "/messages"
    class_permission_name = "MessageCentre"
    base_permissions = ["can_list", "can_edit"]
    method_permission_name = {"index": "list", "read": "edit", "read_all": "edit"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = Actor.of(g.user)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
        return self.render_template(
            "filing/messages.html", title=gettext("消息中心"), page=page, page_size=MESSAGE_PAGE,
            total=messages.total(db.session, actor), unread=messages.unread_count(db.session, actor),
            items=messages.inbox(db.session, actor, offset=(page - 1) * MESSAGE_PAGE, limit=MESSAGE_PAGE),
            shown=messages.shown)

    @expose("/<int:message_id>/read", methods=["POST"])
    @has_access
    def read(self, message_id):
        actor = Actor.of(g.user)
        message = messages.mine(db.session, actor, message_id)
        messages.mark_read(db.session, actor, message, clock.now())
        db.session.commit()
        if request.form.get("go") and message.link:
            return redirect(message.link)
        return redirect(url_for("MessageView.index"))

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self):
        count = messages.mark_all_read(db.session, Actor.of(g.user), clock.now())
        db.session.commit()
        flash(gettext("已将 %(count)d 条消息标为已读", count=count), "success")
        return redirect(url_for("MessageView.index"))


def unread_messages() -> int:
    """For the navbar: the signed-in user's unread messages (0 for a visitor)."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return messages.unread_count(db.session, Actor.of(user))


def filings_due() -> list:
    """For the home page: what the user's organization has to file now."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [d for d in filings.due_for(db.session, Actor.of(user), clock.today())
            if d.filing is None or d.filing.status != FilingStatus.SUBMITTED]

