"""What a database column can hold, the same on SQLite and PostgreSQL (the smaller of their ranges)."""
from __future__ import annotations

INTEGER_MAX = 2**31 - 1  # PostgreSQL's integer; SQLite's reaches 2^63 - 1
