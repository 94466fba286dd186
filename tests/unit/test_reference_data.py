"""The rules of the region tree (GB/T 2260) and of form versions, without a database."""
import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from app.domain import DomainError
from app.domain import forms, reference_data as rules
from app.models.geo import CITY, COUNTY, PROVINCE

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
KNOWN = {"130000", "130100", "130102", "110000", "110101", "429000"}.__contains__

digits = st.text(alphabet="0123456789", min_size=6, max_size=6)


def refusal(*args, **kwargs) -> DomainError:
    kwargs.setdefault("parent_exists", KNOWN)
    with pytest.raises(DomainError) as refused:
        rules.check_region(*args, **kwargs)
    return refused.value


@given(digits)
def test_a_code_names_its_level_and_the_parents_it_may_have(code):
    level = rules.level_of(code)
    assert level == (PROVINCE if code.endswith("0000") else CITY if code.endswith("00") else COUNTY)
    parents = rules.possible_parents(code)
    assert len(parents) == level - 1 and code not in parents
    for parent in parents:  # a parent is a higher level of the same province, so the tree can have no cycle
        assert rules.level_of(parent) < level and parent[:2] == code[:2]
    if parents:
        assert parents[-1] == code[:2] + "0000"  # the last is always the province


@given(digits)
def test_every_code_the_rules_accept_has_its_province_at_the_top(code):
    """Walking possible parents upwards always ends at the province of the first two digits."""
    node = code
    while rules.possible_parents(node):
        node = rules.possible_parents(node)[0]
    assert node == code[:2] + "0000"


@pytest.mark.parametrize("code", ["13010", "1301022", "13ABCD", "１３０１０２", "13010²", " 130102", ""])
def test_a_code_is_six_ascii_digits(code):
    refused = refusal(code, "测试区", 3, "130100")
    assert refused.message == "区划代码应为 6 位数字（GB/T 2260）" and list(refused.errors) == ["code"]


def test_every_seeded_region_keeps_the_rules():
    """The reference data itself: 3,000 rows, each at the level its code names, under a parent its code allows."""
    with open(SEEDS / "regions.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = {row["code"] for row in rows}
    for row in rows:
        assert rules.check_region(row["code"], row["name"], row["level"], row["parent_code"] or None,
                                  parent_exists=codes.__contains__) == int(row["level"]), row


@pytest.mark.parametrize("args, field, message", [
    (("130199", "", 3, "130100"), "name", "名称不能为空"),
    (("130199", "测" * 65, 3, "130100"), "name", "名称不能超过 64 个字"),
    (("130199", "测试区", 4, "130100"), "level", "级别应为 1（省级）、2（地市级）或 3（区县级）"),
    (("130199", "测试区", "三", "130100"), "level", "级别应为 1（省级）、2（地市级）或 3（区县级）"),
    (("130199", "测试区", 2, "130100"), "level", "区划代码 130199 是区县级区划，级别应为 3"),
    (("139900", "测试市", 3, "130000"), "level", "区划代码 139900 是地市级区划，级别应为 2"),
    (("830000", "测试省", 1, "110000"), "parent", "省级区划没有上级区划"),
    (("130199", "测试区", 3, None), "parent", "区县级区划须有上级区划"),
    (("139900", "测试市", 2, None), "parent", "地市级区划须有上级区划"),
    (("139900", "测试市", 2, "110000"), "parent", "区划代码 139900 的上级区划应为省级区划 130000"),
    (("130199", "测试区", 3, "110000"), "parent", "区划代码 130199 的上级区划应为 130100（地市级）或 130000（省级）"),
    (("130199", "测试区", 3, "130199"), "parent", "区划代码 130199 的上级区划应为 130100（地市级）或 130000（省级）"),
    (("139901", "测试区", 3, "139900"), "parent", "上级区划代码 139900 不存在"),
])
def test_refusals_name_the_field_and_the_rule(args, field, message):
    refused = refusal(*args)
    assert refused.message == message and list(refused.errors) == [field]
    assert refused.errors[field] == message  # the field's text is the same message, for a door that shows fields


@pytest.mark.parametrize("code, level, parent", [
    ("130000", 1, None), ("139900", 2, "130000"), ("130199", 3, "130100"),
    ("130199", 3, "130000"),  # a county directly under its province (省直辖县级行政区划)
    ("429005", "3", "429000"), ("110120", 3, "110000"),  # a 直辖市 district
])
def test_consistent_regions_are_accepted_with_their_level(code, level, parent):
    assert rules.check_region(code, "测试", level, parent, parent_exists=KNOWN) == int(level)


def test_a_code_with_children_may_change_only_where_the_children_still_agree():
    assert rules.check_region("130100", "石家庄市", 2, "130000", parent_exists=KNOWN, previous_code="130100",
                              children=["130102"]) == CITY
    refused = refusal("130200", "石家庄市", 2, "130000", previous_code="130100", children=["130102", "130104"])
    assert refused.message == "区划代码不能改为 130200：下级区划 130102 的代码与它不一致"
    assert list(refused.errors) == ["code"]
    # a province can never move its children: they all carry its first two digits
    refused = refusal("140000", "河北省", 1, None, previous_code="130000", children=["130100", "130198"])
    assert "130100" in refused.message
    # a county whose province-level parent stays valid may take another code under the same province
    assert rules.check_region("130198", "测试区", 3, "130000", parent_exists=KNOWN, previous_code="130199") == COUNTY


class Row:
    def __init__(self, id, province_id=None):
        self.id, self.province_id = id, province_id


def test_province_id_comes_down_the_chain():
    province, city = Row(1), Row(2, province_id=1)
    assert rules.province_id_below(None) is None
    assert rules.province_id_below(province) == 1
    assert rules.province_id_below(city) == 1


# --- industries (GB/T 4754) ---

INDUSTRIES = {"C", "T", "13", "97", "131", "970"}.__contains__


def test_every_seeded_industry_keeps_the_rules():
    with open(SEEDS / "industries.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = {row["code"] for row in rows}
    for row in rows:
        assert rules.check_industry(row["code"], row["name"], row["level"], row["parent"] or None,
                                    parent_exists=codes.__contains__) == int(row["level"]), row


@pytest.mark.parametrize("args, field, message", [
    (("c", "测试", 1, None), "code", "行业代码应为门类字母或 2-4 位数字"),
    (("CC", "测试", 1, None), "code", "行业代码应为门类字母或 2-4 位数字"),
    (("13111", "测试", 4, "1311"), "code", "行业代码应为门类字母或 2-4 位数字"),
    (("１３", "测试", 2, "C"), "code", "行业代码应为门类字母或 2-4 位数字"),
    (("1", "测试", 2, "C"), "code", "行业代码应为门类字母或 2-4 位数字"),
    (("1319", "", 4, "131"), "name", "行业名称不能为空"),
    (("1319", "测" * 129, 4, "131"), "name", "名称不能超过 128 个字"),
    (("1319", "测试", 5, "131"), "level", "层级应为 1-4"),
    (("1319", "测试", 3, "131"), "level", "行业代码 1319 是小类，层级应为 4"),
    (("U", "测试", 1, "T"), "parent", "门类没有上级类别"),
    (("98", "测试", 2, None), "parent", "大类 98 的上级代码应为门类字母"),
    (("98", "测试", 2, "97"), "parent", "大类 98 的上级代码应为门类字母"),
    (("1319", "测试", 4, "970"), "parent", "行业代码 1319 的上级代码应为 131"),
    (("139", "测试", 3, None), "parent", "行业代码 139 的上级代码应为 13"),
    (("98", "测试", 2, "U"), "parent", "上级代码 U 不存在"),
])
def test_industry_refusals_name_the_field_and_the_rule(args, field, message):
    with pytest.raises(DomainError) as refused:
        rules.check_industry(*args, parent_exists=INDUSTRIES)
    assert refused.value.message == message and list(refused.value.errors) == [field]


def test_an_industry_code_with_children_may_change_only_where_they_still_agree():
    with pytest.raises(DomainError, match="下级类别 131 的代码与它不一致"):
        rules.check_industry("14", "食品制造业", 2, "C", parent_exists=INDUSTRIES, previous_code="13",
                             children=["131", "132"])
    # a 门类's 大类 name their 门类 in the tree only, so a 门类 may take another letter
    assert rules.check_industry("U", "测试", 1, None, parent_exists=INDUSTRIES, previous_code="T",
                                children=["97"]) == rules.SECTION


@given(st.from_regex(r"[A-Z]|[0-9]{2,4}", fullmatch=True))
def test_an_industry_code_names_its_level_and_its_parent_is_one_level_up(code):
    level = rules.industry_level_of(code)
    assert level == (1 if code.isalpha() else len(code))
    if level > rules.DIVISION:
        assert rules.industry_parent_fits(code, code[:-1]) and not rules.industry_parent_fits(code, code[:-2] or "A")
    if level == rules.DIVISION:
        assert rules.industry_parent_fits(code, "C") and not rules.industry_parent_fits(code, code[:1])


# --- form versions ---

def test_versions_compare_as_versions_not_as_text():
    assert "2026.10" < "2026.9"  # what the text comparison got wrong
    assert forms.version_key("2026.10") > forms.version_key("2026.9")
    assert forms.version_key("2026.2.1") > forms.version_key("2026.2")
    assert forms.version_key("2027.1") > forms.version_key("2026.99")
    assert forms.newest([("2026.9", "a"), ("2026.10", "b"), ("2026.2", "c")]) == "b"
    assert forms.newest([]) is None


# four parts of at most seven digits fit the column (VERSION_LIMIT)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=4),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=4))
def test_version_order_is_the_order_of_its_numbers(a, b):
    text_a, text_b = ".".join(map(str, a)), ".".join(map(str, b))
    assert forms.version_key(text_a) == tuple(a)
    assert (forms.version_key(text_a) < forms.version_key(text_b)) == (tuple(a) < tuple(b))


@pytest.mark.parametrize("version", ["", "2026.", ".2", "2026..2", "2026.02", "2026.2a", "v2026", "2026.2-rc1",
                                     "２０２６.２", "2026,2", "1" * 33])
def test_only_dotted_numbers_are_versions(version):
    """Text parts would have no obvious order, and a leading zero would make two texts one version."""
    with pytest.raises(forms.DefinitionError):
        forms.version_key(version)


def test_a_definition_refuses_a_version_written_as_a_number():
    """JSON 2026.10 is the float 2026.1: the edition would silently be another one."""
    data = json.loads((SEEDS / "forms" / "green_factory.json").read_text(encoding="utf-8"))
    assert forms.FormDefinition.from_dict(data).version == data["version"]
    with pytest.raises(forms.DefinitionError, match="应写成文本"):
        forms.FormDefinition.from_dict({**data, "version": 2026.10})
    with pytest.raises(forms.DefinitionError, match="不是版本号"):
        forms.FormDefinition.from_dict({**data, "version": "2026.2b"})
