"""The catalogue's rules: which form definition a batch's window for a declaration type uses by default."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.forms import newest
from app.models import FormDefinition


def latest_form(session: Session, declaration_type_id: int) -> int | None:
    """The newest loaded form definition of a type, its version compared as a version (2026.10 after 2026.9)."""
    return newest(session.execute(select(FormDefinition.version, FormDefinition.id)
                                  .where(FormDefinition.declaration_type_id == declaration_type_id)).all())
