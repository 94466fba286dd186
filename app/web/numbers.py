"""Every number typed into a generated form (Flask-AppBuilder's and the console's) is checked against the column
it will be stored in, by the domain's one number rule, with a Chinese message beside the field; the typed text
stays in the field."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import Float, Integer, Numeric
from wtforms.validators import StopValidation

from app.domain import in_language
from app.domain.numbers import column_number_error


def is_number_column(column) -> bool:
    return isinstance(getattr(column, "type", None), (Integer, Numeric, Float))


class FitsColumn:
    """First in a field's validators, so that neither WTForms' own English parse error ("Not a valid integer
    value") nor a required check speaks first; empty input is left to the field's other validators."""

    def __init__(self, column):
        self.column_type = column.type

    def __call__(self, form, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if not str(raw).strip():
            return
        _, problem = column_number_error(str(raw), self.column_type, label=str(field.label.text))
        if problem:
            field.errors[:] = [error for error in field.errors if error not in field.process_errors]
            raise StopValidation(in_language(problem, gettext))


def number_validators(model) -> dict[str, list]:
    """{column name: [FitsColumn]} for the model's number columns (FAB's `validators_columns` shape)."""
    from sqlalchemy import inspect

    found = {}
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        if is_number_column(column) and not column.primary_key and not column.foreign_keys:
            found[attr.key] = [FitsColumn(column)]
    return found
