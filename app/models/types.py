"""Column types shared by the mappings."""
import enum

from sqlalchemy import Enum


def enum_type(enum_cls: type[enum.Enum], length: int = 16) -> Enum:
    """Store a str-valued enum by its value in a VARCHAR, the same way on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# For tables whose ids appear in URLs: SQLite otherwise gives a deleted row's id (the highest one) to the next
# row, so an old link would open another record. PostgreSQL's sequences never go back.
IDS_NEVER_REUSED = {"sqlite_autoincrement": True}
