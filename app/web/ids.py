"""Row ids as they may appear in a URL or a form: plain ASCII digits within the database's integer range."""
from __future__ import annotations

import re

from app.domain.numbers import INTEGER_MAX

_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits only: a regex \d would also take "１"


def as_id(text: str | None) -> int | None:
    """A row id as it may appear in a URL or a form (plain digits within the integer range), or None."""
    return int(text) if text and _ID.fullmatch(text) and int(text) <= INTEGER_MAX else None


def is_id(text: str | None) -> bool:
    return as_id(text) is not None
