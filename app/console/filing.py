"""动态管理填报窗口 in the console: IT staff open a window per year, declaration type and period (年度 by 15 January
of the next year, 半年度 by 15 July) with the 动态管理表 its units fill in, and close a year's windows."""
from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import ValidationError
from wtforms.validators import Optional

from app import clock
from app.domain import DomainError, filing as filings
from app.domain.scope import Actor
from app.extensions import db
from app.models import FilingPeriod, FilingWindow, FormDefinition
from app.vocabulary import N_
from app.web.language import say


def _filing_forms():
    return db.session.scalars(select(FormDefinition).where(FormDefinition.purpose == filings.FILING)
                              .order_by(FormDefinition.declaration_type_id, FormDefinition.id)).all()


def filing_window_console():
    """The view class, made here so that app.console's base classes are imported once they exist."""
    from app.console import ConsoleModelView, enum_choices

    class FilingWindowConsole(ConsoleModelView):
        can_delete = False  # filings refer to their window; a window is closed, never deleted
        column_list = ["declaration_type", "year", "period", "opens_on", "due_on", "form_definition", "state",
                       "closed_on"]
        column_labels = {"declaration_type": N_("申报类型"), "year": N_("填报年度"), "period": N_("填报周期"),
                         "opens_on": N_("开始填报"), "due_on": N_("截止日期"), "form_definition": N_("动态管理表版本"),
                         "state": N_("状态"), "closed": N_("已关闭"), "closed_on": N_("关闭日期")}
        column_filters = ["year", "closed"]
        column_default_sort = [("year", True), ("due_on", True)]
        column_formatters = {"state": lambda v, c, m, n: gettext(m.state_on(clock.today()))}
        form_columns = ["declaration_type", "year", "period", "opens_on", "due_on", "form_definition"]
        form_args = {
            "due_on": {"validators": [Optional()],
                       "description": _l("不填则按通知：年度为次年 1 月 15 日，半年度为当年 7 月 15 日")},
            "form_definition": {"validators": [Optional()], "query_factory": _filing_forms, "allow_blank": True,
                                "blank_text": _l("（不选）"), "description": _l("不选即该类型最新的动态管理表")},
        }
        form_choices = {"period": enum_choices(FilingPeriod)}
        column_choices = {"period": enum_choices(FilingPeriod)}

        def scaffold_form(self):
            """Flask-Admin offers no blank choice for a required relation; here blank means the newest form, and
            requires every NOT NULL column: a blank due date means the notices' date."""
            form_class = super().scaffold_form()
            form_class.form_definition.kwargs["allow_blank"] = True
            # the column is NOT NULL, but left blank the form puts the notices' date in (validate_model)
            form_class.due_on.kwargs["validators"] = [Optional()]
            return form_class

        def validate_model(self, model):
            if model.closed:
                raise ValidationError(gettext("已关闭的填报窗口不能修改"))
            if model.period is None:
                model.period = FilingPeriod.ANNUAL
            model.closed = bool(model.closed)
            try:
                if model.due_on is None and model.year and 2000 <= model.year <= 2100:  # else check_window says so
                    model.due_on = filings.due_by_default(model.year, FilingPeriod(model.period), model.opens_on)
                with db.session.no_autoflush:
                    filings.check_window(db.session, model)
            except DomainError as refused:
                raise ValidationError(say(refused))

        def _close(self, windows) -> None:
            actor, now = Actor.of(current_user), clock.now()
            closed = [w for w in windows if not w.closed]
            for window in closed:
                filings.close_window(db.session, window, actor, now)
            db.session.commit()
            if closed:
                flash(gettext("已关闭：%(windows)s", windows="、".join(w.title for w in closed)), "success")
            else:
                flash(gettext("所选填报窗口均已关闭，未作改动"), "info")

        @action("close", _l("关闭所选窗口"), _l("关闭后名单单位不能再填报或提交所选窗口，确定关闭吗？"))
        def action_close(self, ids):
            self._close(db.session.scalars(select(FilingWindow).where(
                FilingWindow.id.in_([int(i) for i in ids if str(i).isdigit()]))).all())

        @action("close_year", _l("关闭所选年度的全部窗口"),
                _l("将关闭所选窗口所在年度的全部填报窗口（各类型、年度与半年度），确定关闭吗？"))
        def action_close_year(self, ids):
            years = set(db.session.scalars(select(FilingWindow.year).where(
                FilingWindow.id.in_([int(i) for i in ids if str(i).isdigit()]))))
            self._close(db.session.scalars(select(FilingWindow).where(FilingWindow.year.in_(years))
                                           .order_by(FilingWindow.id)).all())

    return FilingWindowConsole
