"""The account and profile rules of SPEC §2, without HTTP."""
import datetime

import pytest

from app.domain.sign_in import Throttle
from app.domain.accounts import (
    capital_error,
    codes_error,
    email_error,
    founded_error,
    normalize_org_code,
    password_error,
    phone_error,
    username_error,
)


@pytest.mark.parametrize("phone, ok", [
    ("13803110001", True), ("19912345678", True), ("0311-86001234", True), ("031186001234", True),
    ("010-65133322", True), ("(0311)86001234", True), ("0311-86001234-801", True), ("021-12345678", False),
    ("12803110001", False), ("1380311000", False), ("86001234", False), ("0311-8600-1234", False), ("", False),
])
def test_phones(phone, ok):
    assert (phone_error(phone) is None) is ok


@pytest.mark.parametrize("password, username, reason", [
    ("Lvse@2026", "qiye", None), ("abcD1234", "", None), ("abc!1234", "", None), ("ABC!abcd", "", None),
    ("Ab1!", "", "不能少于 8 位"), ("abcdefgh", "", "至少三类"), ("abcd1234", "", "至少三类"),
    ("Qiye@2026", "qiye@2026", "不能与用户登录名相同"), ("A" * 129 + "a1!", "", "不能超过 128 位"),
])
def test_password_policy(password, username, reason):
    message = password_error(password, username)
    assert (message is None) if reason is None else (reason in message)


@pytest.mark.parametrize("username, ok", [("qiye", True), ("Corp_2026", True), ("abc", False), ("1corp", False),
                                           ("企业用户", False), ("a" * 33, False), ("ab-cd", False)])
def test_usernames(username, ok):
    assert (username_error(username) is None) is ok


@pytest.mark.parametrize("email, ok", [("a@b.cn", True), ("张三@例子.中国", True), ("a@b", False), ("ab.cn", False)])
def test_emails(email, ok):
    assert (email_error(email) is None) is ok


@pytest.mark.parametrize("amount, reason", [
    ("1000000", None), ("1,000,000.50", None), ("0.01", None), ("0", "大于 0"), ("-3", "大于 0"),
    ("abc", "数字"), ("1.234", "2 位小数"), ("1e20", "16 位整数"), ("NaN", "大于 0"), ("Infinity", "大于 0"),
])
def test_registered_capital(amount, reason):
    message = capital_error(amount)
    assert (message is None) if reason is None else (reason in message)


def test_founding_date_not_in_the_future():
    today = datetime.date(2026, 11, 25)
    assert founded_error(today, today) is None
    assert "不能晚于今天" in founded_error(today + datetime.timedelta(days=1), today)
    assert founded_error(None, today) is None


@pytest.mark.parametrize("credit, org, field", [
    ("914403001922038216", "19220382-1", None),
    ("914403001922038216", "192203821", None),
    ("9144030071526726XG", "71526726-X", None),
    ("914403001922038216", "71526726-X", "org_code"),  # valid, but not this credit code's
    ("914403001922038217", "19220382-1", "credit_code"),
    ("914403001922038216", "19220382-2", "org_code"),
])
def test_credit_and_organization_codes_agree(credit, org, field):
    errors = codes_error(credit, normalize_org_code(org))
    assert (errors == {}) if field is None else (field in errors)


def test_normalize_org_code():
    assert normalize_org_code(" ma2pbm9h-x ") == "MA2PBM9H-X"
    assert normalize_org_code("192203821") == "19220382-1"


def test_waits_start_after_the_free_failures_and_double_up_to_the_cap():
    rules = Throttle(free_failures=3, first_delay=30, max_delay=900)
    assert [rules.delay_after(n) for n in range(1, 11)] == [0, 0, 0, 30, 60, 120, 240, 480, 900, 900]
    assert rules.delay_after(10_000) == 900  # no overflow however long an attack goes on


def test_only_many_addresses_lock_a_name():
    rules = Throttle(lock_addresses=10)
    assert not rules.locks_account(9) and rules.locks_account(10)
