"""Rules for accounts and organization profiles (SPEC §2): each returns the Chinese reason it refuses, or None."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email

from app.vocabulary import N_
from app.domain.codes import credit_code_error, org_code_error

PASSWORD_POLICY = N_("密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少三类，且不能与用户名相同。")
USERNAME_RULE = N_("用户登录名为 4-32 位字母、数字或下划线，以字母开头。")

_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:\(0\d{2,3}\)|0\d{2,3}-?)[2-9]\d{6,7}(?:-\d{1,6})?$")


def username_error(username: str) -> str | None:
    return None if _USERNAME.match(username or "") else USERNAME_RULE


def password_error(password: str, username: str = "") -> str | None:
    if len(password or "") < 8:
        return N_("密码长度不能少于 8 位")
    if len(password) > 128:
        return N_("密码长度不能超过 128 位")
    kinds = sum((
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))
    if kinds < 3:
        return N_("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and password.lower() == username.lower():
        return N_("密码不能与用户登录名相同")
    return None


def phone_error(phone: str) -> str | None:
    """A mainland mobile number, or a landline with area code and an optional extension."""
    plain = (phone or "").replace(" ", "")
    if _MOBILE.match(plain) or _LANDLINE.match(plain):
        return None
    return N_("电话号码格式不正确：手机号为 11 位，座机请带区号，如 0311-86001234 或 0311-86001234-801")


def email_error(email: str) -> str | None:
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError:
        return N_("电子邮箱格式不正确")
    return None


def normalize_credit_code(text: str) -> str:
    return (text or "").strip().upper()


def normalize_org_code(text: str) -> str:
    """XXXXXXXX-C, whatever the user typed (lower case, with or without the hyphen)."""
    plain = (text or "").strip().upper().replace("-", "")
    return f"{plain[:8]}-{plain[8:]}" if len(plain) == 9 else plain


def codes_error(credit_code: str, org_code: str) -> dict[str, str]:
    """Each code given valid, and the organization code equal to characters 9-17 of the credit code."""
    errors = {}
    if credit_code and (message := credit_code_error(credit_code)):
        errors["credit_code"] = message
    if org_code and (message := org_code_error(org_code)):
        errors["org_code"] = message
    if not (credit_code and org_code):
        return errors
    if not errors and org_code.replace("-", "") != credit_code[8:17]:
        errors["org_code"] = N_("组织机构代码应与统一社会信用代码第 9-17 位一致")
    return errors


def capital_error(amount: str | Decimal | None) -> str | None:
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return N_("注册资金应为数字")
    if not value.is_finite() or value <= 0:
        return N_("注册资金应大于 0")
    if value >= Decimal("1e16") or value.as_tuple().exponent < -2:
        return N_("注册资金最多 16 位整数、2 位小数")
    return None


def founded_error(day: datetime.date | None, today: datetime.date) -> str | None:
    if day is None:
        return None
    if day > today:
        return N_("成立时间不能晚于今天")
    if day.year < 1800:
        return N_("成立时间不合理")
    return None

