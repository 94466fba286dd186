"""The catalogue's rules: which form definition a batch's window for a declaration type uses by default."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import FormDefinition


def latest_form(session: Session, declaration_type_id: int) -> int | None:
    """The newest loaded form definition of a type (versions sort as text: 2026.1 < 2026.2 < 2027.1)."""
    rows = session.execute(select(FormDefinition.id, FormDefinition.version)
                           .where(FormDefinition.declaration_type_id == declaration_type_id)).all()
    return max(rows, key=lambda row: row.version).id if rows else None
