"""Check characters of China's organization identifiers.

统一社会信用代码 (GB 32100-2015): 18 characters; characters 9-17 are the 组织机构代码 (GB 11714) body
and check character, and the 18th is the credit code's own check character.
"""
from __future__ import annotations

from app.vocabulary import N_

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_error(code: str) -> str | None:
    """Why `code` is not a valid 统一社会信用代码, or None. Upper-cases nothing: pass it normalised."""
    if len(code) != 18:
        return N_("统一社会信用代码应为18位")
    if any(c not in CREDIT_CHARSET for c in code):
        return N_("统一社会信用代码含有不允许的字符（只能用数字和大写字母，不使用 I、O、Z、S、V）")
    if not code[2:8].isdigit():
        return N_("统一社会信用代码第3-8位应为登记管理机关行政区划码（数字）")
    if org_code_error(code[8:17]) is not None:
        return N_("统一社会信用代码第9-17位（组织机构代码）校验位错误")
    if credit_check_char(code[:17]) != code[17]:
        return N_("统一社会信用代码校验位错误")
    return None


def org_code_error(code: str) -> str | None:
    """Why `code` (with or without the hyphen) is not a valid 组织机构代码, or None."""
    plain = code.replace("-", "")
    if len(plain) != 9 or not all(c.isdigit() or "A" <= c <= "Z" for c in plain[:8]):
        return N_("组织机构代码应为8位数字或大写字母加1位校验码")
    if org_check_char(plain[:8]) != plain[8]:
        return N_("组织机构代码校验位错误")
    return None


def org_code_of(credit_code: str) -> str:
    """The 组织机构代码 embedded in a credit code, written XXXXXXXX-C."""
    return f"{credit_code[8:16]}-{credit_code[16]}"


def make_credit_code(prefix2: str, region6: str, body8: str) -> str:
    """A valid credit code from its parts; used by the demo data generator and tests."""
    first17 = prefix2 + region6 + body8 + org_check_char(body8)
    return first17 + credit_check_char(first17)
