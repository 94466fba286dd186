"""Listed units and filing windows for the 动态管理 tests, written as the list and the console would leave them."""
from __future__ import annotations

import datetime

from sqlalchemy import select

from app import clock

from app.domain import filing as filings, listing
from app.extensions import db
from app.models import DeclarationType, FilingPeriod, FilingWindow, ListedUnit
from app.vocabulary import DeclarationStatus
from tests import factories as f
from tests.form_values import complete

HEBEI_CHAIN = (("county", "130102"), ("city", "130100"), ("province", "130000"))


def listed(org, chain=HEBEI_CHAIN, *, type_code="green_factory", on: datetime.date | None = None) -> ListedUnit:
    """A listed unit of `org` whose declaration went through `chain` ((kind, region code) per level; levels not
    named do not apply), listed on `on` (400 days ago)."""
    by_kind = {kind: f.authority(kind, code) for kind, code in chain}
    return f.listed_unit(org, (by_kind.get("county"), by_kind.get("city"), by_kind.get("province")),
                         type_code=type_code, on=datetime.datetime.combine(
                             on or f.NOW.date() - datetime.timedelta(days=400), datetime.time(9)))


def window(*, year: int | None = None, period=FilingPeriod.ANNUAL, opens_on: datetime.date | None = None,
           due_on: datetime.date | None = None, type_code="green_factory"):
    """A window of a year no window of this database has (unless given: last year, else the one before, …), open
    from 30 days ago, due in 10 days."""
    declaration_type = db.session.scalar(select(DeclarationType).where(DeclarationType.code == type_code))
    today = f.NOW.date()
    if year is None:
        taken = set(db.session.scalars(select(FilingWindow.year).where(
            FilingWindow.declaration_type_id == declaration_type.id, FilingWindow.period == period)))
        year = next(y for y in range(clock.today().year - 1, 1999, -1) if y not in taken)
    return filings.open_window(db.session, declaration_type=declaration_type, year=year,
                               period=period, opens_on=opens_on or today - datetime.timedelta(days=30),
                               due_on=due_on or today + datetime.timedelta(days=10))


def values(window, **overrides) -> dict:
    """Complete values of the window's 动态管理表; `indicators__energy_per_unit="95"` overrides one field."""
    data = complete(filings.definition_of(window))
    for name, value in overrides.items():
        section, key = name.split("__")
        data[section][key] = value
    return data


def filed(window, unit, username="qiye", now=None, **overrides):
    """The unit's filing in `window`, complete and submitted."""
    actor = f.actor_of(username)
    now = now or f.NOW
    filing = filings.start(db.session, window, unit, actor, now)
    problems = filings.save(db.session, filing, values(window, **overrides), actor, now)
    assert not problems, problems.errors
    filings.submit(db.session, filing, actor, now)
    return filing
