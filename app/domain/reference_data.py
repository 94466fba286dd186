"""The rules of the administrative-division tree (GB/T 2260), in one place for the three doors that write it:
the configuration console, the xlsx import and the seeder.

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
from app.models.geo import CITY, COUNTY, LEVEL_LABELS, PROVINCE, Region
from app.vocabulary import N_

NAME_LIMIT = Region.__table__.c.name.type.length

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


def _refuse(field: str, message: str, **params) -> None:
    raise DomainError(message, errors={field: Message(message, **params)}, **params)
