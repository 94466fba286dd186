"""The rules of the reference-data trees, in one place for the three doors that write them: the configuration
console, the xlsx import and the seeder. Both trees are codes whose shape names the level and the parent.

Regions (GB/T 2260).

A region code is six ASCII digits: two for the province, two for the city, two for the county, so the code alone
says the level (province xx0000, city xxyy00, county xxyyzz) and which regions may be its parent: a city hangs
from its province, a county from its city or, for the districts of a 直辖市 and the 省直辖县级行政区划, directly
from its province. A parent that exists and agrees with the code keeps the tree consistent, and it also keeps
`province_id` right: a region with children can never change province (its children's codes bind it), so a
change never has to be carried down to descendants.
"""
from __future__ import annotations

from typing import Callable, Iterable

from app.domain import DomainError, Message
from app.models import Industry
from app.models.geo import CITY, COUNTY, LEVEL_LABELS, PROVINCE, Region
from app.vocabulary import N_

NAME_LIMIT = Region.__table__.c.name.type.length
INDUSTRY_NAME_LIMIT = Industry.__table__.c.name.type.length

# The fields a refusal names, so that each door can point at its own field or column.
CODE, NAME, LEVEL, PARENT = "code", "name", "level", "parent"


def is_region_code(code: str) -> bool:
    """Six ASCII digits (`str.isdigit` alone would let full-width and superscript digits through)."""
    return len(code) == 6 and code.isascii() and code.isdigit()


def level_of(code: str) -> int:
    """The level a well-formed code names: province xx0000, city xxyy00, county otherwise."""
    if code[2:] == "0000":
        return PROVINCE
    return CITY if code[4:] == "00" else COUNTY


def possible_parents(code: str) -> tuple[str, ...]:
    """The codes a region's parent may have, nearest first: none for a province, the province for a city, the city
    or (when the county hangs directly from its province) the province for a county."""
    level = level_of(code)
    province = code[:2] + "0000"
    if level == PROVINCE:
        return ()
    return (province,) if level == CITY else (code[:4] + "00", province)


def province_id_below(parent: Region | None) -> int | None:
    """The `province_id` of a region hanging from `parent`: none for a province (it is its own), otherwise the
    parent's province, which is the parent itself when the parent is a province."""
    return None if parent is None else (parent.province_id or parent.id)


def check_region(code: str, name: str, level: int | str | None, parent_code: str | None, *,
                 parent_exists: Callable[[str], bool], previous_code: str | None = None,
                 children: Iterable[str] = ()) -> int:
    """Refuse a region that disagrees with GB/T 2260 or with the tree, naming the field (`DomainError.errors`);
    return its level. `children` are the codes of the rows hanging from it today, checked when `previous_code`
    says the code is being changed."""
    if not is_region_code(code):
        _refuse(CODE, N_("区划代码应为 6 位数字（GB/T 2260）"))
    if not name:
        _refuse(NAME, N_("名称不能为空"))
    if len(name) > NAME_LIMIT:
        _refuse(NAME, N_("名称不能超过 %(limit)d 个字"), limit=NAME_LIMIT)
    if str(level) not in {str(n) for n in LEVEL_LABELS}:
        _refuse(LEVEL, N_("级别应为 1（省级）、2（地市级）或 3（区县级）"))
    expected = level_of(code)
    if int(level) != expected:
        _refuse(LEVEL, N_("区划代码 %(code)s 是%(label)s区划，级别应为 %(level)d"), code=code,
                label=LEVEL_LABELS[expected], level=expected)
    allowed = possible_parents(code)
    if not allowed and parent_code:
        _refuse(PARENT, N_("省级区划没有上级区划"))
    if allowed and not parent_code:
        _refuse(PARENT, N_("%(label)s区划须有上级区划"), label=LEVEL_LABELS[expected])
    if parent_code and parent_code not in allowed:
        if expected == CITY:
            _refuse(PARENT, N_("区划代码 %(code)s 的上级区划应为省级区划 %(province)s"), code=code, province=allowed[0])
        _refuse(PARENT, N_("区划代码 %(code)s 的上级区划应为 %(city)s（地市级）或 %(province)s（省级）"),
                code=code, city=allowed[0], province=allowed[1])
    if parent_code and not parent_exists(parent_code):
        _refuse(PARENT, N_("上级区划代码 %(code)s 不存在"), code=parent_code)
    if previous_code is not None and code != previous_code:
        for child in sorted(children):
            if code not in possible_parents(child):
                _refuse(CODE, N_("区划代码不能改为 %(code)s：下级区划 %(child)s 的代码与它不一致"), code=code,
                        child=child)
    return expected


# --- industries (GB/T 4754) ---
#
# 门类 are one capital letter, 大类 two digits, 中类 three and 小类 four; a 中类 or 小类 hangs from the code one
# digit shorter, a 大类 from the 门类 the classification puts it in (its code does not say which).

SECTION, DIVISION, GROUP, CLASS = 1, 2, 3, 4
INDUSTRY_LEVEL_LABELS = {SECTION: N_("门类"), DIVISION: N_("大类"), GROUP: N_("中类"), CLASS: N_("小类")}


def is_industry_code(code: str) -> bool:
    return (len(code) == 1 and "A" <= code <= "Z") or (2 <= len(code) <= 4 and code.isascii() and code.isdigit())


def industry_level_of(code: str) -> int:
    return SECTION if code.isalpha() else len(code)


def industry_parent_fits(code: str, parent_code: str) -> bool:
    """Whether `parent_code` may be the parent of `code`."""
    level = industry_level_of(code)
    if level == SECTION:
        return False
    if level == DIVISION:
        return len(parent_code) == 1 and is_industry_code(parent_code)
    return parent_code == code[:-1]


def check_industry(code: str, name: str, level: int | str | None, parent_code: str | None, *,
                   parent_exists: Callable[[str], bool], previous_code: str | None = None,
                   children: Iterable[str] = ()) -> int:
    """Refuse an industry that disagrees with GB/T 4754 or with the tree, naming the field; return its level."""
    if not is_industry_code(code):
        _refuse(CODE, N_("行业代码应为门类字母或 2-4 位数字"))
    if not name:
        _refuse(NAME, N_("行业名称不能为空"))
    if len(name) > INDUSTRY_NAME_LIMIT:
        _refuse(NAME, N_("名称不能超过 %(limit)d 个字"), limit=INDUSTRY_NAME_LIMIT)
    if str(level) not in {str(n) for n in INDUSTRY_LEVEL_LABELS}:
        _refuse(LEVEL, N_("层级应为 1-4"))
    expected = industry_level_of(code)
    if int(level) != expected:
        _refuse(LEVEL, N_("行业代码 %(code)s 是%(label)s，层级应为 %(level)d"), code=code,
                label=INDUSTRY_LEVEL_LABELS[expected], level=expected)
    if expected == SECTION and parent_code:
        _refuse(PARENT, N_("门类没有上级类别"))
    if expected == DIVISION and not (parent_code and industry_parent_fits(code, parent_code)):
        _refuse(PARENT, N_("大类 %(code)s 的上级代码应为门类字母"), code=code)
    if expected > DIVISION and parent_code != code[:-1]:
        _refuse(PARENT, N_("行业代码 %(code)s 的上级代码应为 %(parent)s"), code=code, parent=code[:-1])
    if parent_code and not parent_exists(parent_code):
        _refuse(PARENT, N_("上级代码 %(code)s 不存在"), code=parent_code)
    if previous_code is not None and code != previous_code:
        for child in sorted(children):
            if not industry_parent_fits(child, code):
                _refuse(CODE, N_("行业代码不能改为 %(code)s：下级类别 %(child)s 的代码与它不一致"), code=code,
                        child=child)
    return expected


def _refuse(field: str, message: str, **params) -> None:
    raise DomainError(message, kind="invalid", errors={field: Message(message, **params)}, **params)
