"""Every number typed into a generated form is checked against its column: no 500 for 1e1000000, no million-digit
value stored for 1e999999, no silent rounding beyond the column's places; a Chinese message beside the field and
the typed text kept in it."""
import html

import pytest
from sqlalchemy import func, select
from sqlalchemy import Integer, Numeric

from app.domain.numbers import column_number_error
from app.extensions import db
from app.models import Subsystem
from tests.conftest import csrf_token


@pytest.mark.parametrize("typed, accepted", [
    ("80", True), ("-3", True), ("2147483647", True), ("2147483648", False), ("1e1000000", False),
    ("1e999999", False), ("9" * 40, False), ("1.5", False), ("abc", False), ("１２", False),
])
def test_an_integer_column_takes_plain_integers_in_range(typed, accepted):
    value, problem = column_number_error(typed, Integer(), label="排序")
    assert (problem is None) is accepted
    if problem:
        assert "排序" in problem


@pytest.mark.parametrize("typed, accepted", [
    ("1234567890123456.78", False), ("123456789012345.78", True), ("1.234", False), ("1.23", True),
    ("1" + "0" * 27 + ".5", False), ("1e999999", False), ("-0.01", True),
])
def test_a_decimal_column_takes_its_precision_and_scale(typed, accepted):
    _, problem = column_number_error(typed, Numeric(18, 2), label="注册资本")
    assert (problem is None) is accepted, typed


@pytest.mark.parametrize("typed", ["1e1000000", "1e999999", "2147483648", "9" * 40, "abc"])
def test_the_console_refuses_a_number_beside_the_field_and_keeps_it(app, client_as, typed):
    admin = client_as("admin")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Subsystem))
    page = admin.get("/console/subsystems/new/").get_data(as_text=True)
    response = admin.post("/console/subsystems/new/", data={"name": "数字测试", "code": "number_probe", "sort": typed,
                                                          "csrf_token": csrf_token(page)})
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    assert "排序" in body and f'value="{typed}"' in body
    assert any(text in body for text in ("应为", "不能超过", "科学计数法", "应在")), body[:200]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subsystem)) == before
