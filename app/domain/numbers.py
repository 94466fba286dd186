"""What a database column can hold, the same on SQLite and PostgreSQL (the smaller of their ranges), and the one
check of a typed number against the column it is stored in."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Float, Integer, Numeric
from sqlalchemy.types import TypeEngine

INTEGER_MAX = 2**31 - 1  # PostgreSQL's integer; SQLite's reaches 2^63 - 1


def column_number_error(text: str, column_type: TypeEngine, *, label: str):
    """A figure typed for a column as (value, None), or (None, why not) in Chinese: an integer within the
    integer range, a decimal with at most the column's scale in decimals and its precision less scale in whole
    digits (never more than forms.MAX_INTEGER_DIGITS), plain digits only (no 1e5, so never a million digits)."""
    from app.domain.forms import MAX_INTEGER_DIGITS, MAX_PLACES, number_error

    if isinstance(column_type, Integer):
        return number_error(text, label=label, places=0, integer=True, digits=len(str(INTEGER_MAX)),
                            minimum=Decimal(-INTEGER_MAX), maximum=Decimal(INTEGER_MAX))
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float) and column_type.precision:
        places = column_type.scale or 0
        return number_error(text, label=label, places=places,
                            digits=min(column_type.precision - places, MAX_INTEGER_DIGITS))
    return number_error(text, label=label, places=MAX_PLACES)
