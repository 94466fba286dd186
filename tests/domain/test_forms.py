"""Forms as data: every seeded definition loads, saves partial drafts, lists what 上报 misses, computes its
scores, and survives an xlsx round trip; malformed workbooks are refused with a clear message."""
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook, load_workbook

from app.domain import DomainError
from app.domain import forms, workbook
from tests.form_values import complete, values_strategy

FORMS = sorted(Path(__file__).resolve().parents[2].joinpath("seeds", "forms").glob("*.json"))
DEFINITIONS = {path.stem: forms.FormDefinition.from_dict(json.loads(path.read_text(encoding="utf-8")))
               for path in FORMS}
TYPES = sorted(DEFINITIONS)


def test_every_declaration_type_has_a_form():
    assert sorted({d.type for d in DEFINITIONS.values()}) == sorted(["green_factory", "green_park", "green_design_product", "green_design_enterprise",
                            "green_supply_chain", "green_standard", "green_data_center", "energy_saving_tech",
                            "water_saving_tech", "environmental_tech", "resource_recycling_tech",
                            "efficiency_leader"])


@pytest.mark.parametrize("code", TYPES)
def test_partial_draft_saves_and_submit_lists_every_gap(code):
    definition = DEFINITIONS[code]
    first_section, first_field = next((s, f) for s, f in definition.all_fields() if f.kind in forms.SIMPLE_KINDS)
    from tests.form_values import sample

    values, problems = forms.clean(definition, {first_section.key: {first_field.key: sample(first_field)}})
    assert not problems
    gaps = forms.missing(definition, values)
    required = [f.label for s, f in definition.all_fields() if f.required and f.kind in forms.SIMPLE_KINDS
                and not (s is first_section and f is first_field)]
    listed = " ".join(label for labels in gaps.values() for label in labels)
    assert all(label in listed for label in required)
    assert set(gaps) <= {s.title for s in definition.sections}


@pytest.mark.parametrize("code", TYPES)
def test_complete_content_passes_every_rule(code):
    definition = DEFINITIONS[code]
    values, problems = forms.clean(definition, complete(definition, file_id=1))
    assert not problems, problems.errors
    for section, item in definition.all_fields():
        if item.kind == "file" and item.required:
            values[section.key][item.key] = [1]
    assert forms.missing(definition, values) == {}
    assert [r for r in forms.rule_results(definition, values) if r.level == "error"] == []


def test_green_factory_scoring_veto_and_required_items():
    definition = DEFINITIONS["green_factory"]
    values, _ = forms.clean(definition, complete(definition))
    scores = definition.field_at("self_evaluation.items") if any(
        f.key == "items" for _, f in definition.all_fields()) else next(
        f for _, f in definition.all_fields() if f.kind == "score_table")
    section = next(s.key for s, f in definition.all_fields() if f is scores)
    assert forms.score_total(scores, values[section][scores.key]) == Decimal(100)
    required = next(e for e in scores.items if e.get("required"))
    values[section][scores.key][str(required["code"])]["score"] = "0"
    checklist = next(f for _, f in definition.all_fields() if f.kind == "checklist")
    values[section][checklist.key][str(checklist.items[0]["code"])] = "不符合"
    messages = " ".join(r.message for r in forms.rule_results(definition, values) if r.level == "error")
    assert "必选项须得满分" in messages and str(required["code"]) in messages
    assert "否决项" in messages


def test_design_enterprise_below_80_is_refused_and_data_center_pue_warns():
    enterprise = DEFINITIONS["green_design_enterprise"]
    values, _ = forms.clean(enterprise, complete(enterprise))
    table = next(f for _, f in enterprise.all_fields() if f.kind == "score_table")
    section = next(s.key for s, f in enterprise.all_fields() if f is table)
    optional = [e for e in table.items if not e.get("required")]
    for entry in optional[:6]:
        values[section][table.key][str(entry["code"])]["score"] = "0"
    assert any("80" in r.message for r in forms.rule_results(enterprise, values) if r.level == "error")
    center = DEFINITIONS["green_data_center"]
    values, _ = forms.clean(center, complete(center))
    pue = next((s.key, f.key) for s, f in center.all_fields() if "pue" in f.key.lower() and f.kind == "decimal")
    values[pue[0]][pue[1]] = "1.45"
    results = forms.rule_results(center, values)
    assert any(r.level == "warning" and "PUE" in r.message for r in results)
    assert not [r for r in results if r.level == "error"]


@pytest.mark.parametrize("code", TYPES)
def test_draft_checks_types_and_lengths(code):
    definition = DEFINITIONS[code]
    section, longtext = next(((s, f) for s, f in definition.all_fields() if f.kind == "longtext"), (None, None))
    number = next(((s, f) for s, f in definition.all_fields() if f.kind in ("integer", "decimal", "percent")),
                  (None, None))
    submitted = {}
    if longtext:
        submitted.setdefault(section.key, {})[longtext.key] = "字" * (longtext.max_length + 1)
    if number[1]:
        submitted.setdefault(number[0].key, {})[number[1].key] = "十二"
    _, problems = forms.clean(definition, submitted)
    if longtext:
        assert f"不能超过 {longtext.max_length} 字" in problems.errors[f"{section.key}.{longtext.key}"]
    if number[1]:
        assert "应为数字" in problems.errors[f"{number[0].key}.{number[1].key}"]


@pytest.mark.parametrize("code", TYPES)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=__import__("hypothesis").strategies.data())
def test_xlsx_round_trip_gives_back_exactly_the_values(code, data):
    definition = DEFINITIONS[code]
    values = data.draw(values_strategy(definition))
    cleaned, problems = forms.clean(definition, values)
    assert not problems, problems.errors
    read_back, found = workbook.read(definition, workbook.export(definition, cleaned, unit_name="测试单位"))
    assert found == []
    assert read_back == cleaned


# --- malformed uploads ---------------------------------------------------------------------------

GF = DEFINITIONS["green_factory"]


def _template(values=None) -> bytes:
    return workbook.export(GF, values or {})


def _edit(data: bytes, sheet: str, address: str, value) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book[sheet][address] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _first_cell(kind: str):
    for entry in workbook.layout(GF):
        if isinstance(entry, workbook.Cell) and entry.field.kind == kind and len(entry.path) == 2:
            return entry


def test_wrong_types_are_named_by_sheet_and_cell():
    number = _first_cell("decimal") or _first_cell("integer")
    credit = _first_cell("credit_code")
    data = _edit(_edit(_template(), number.sheet, number.address, "很多"), credit.sheet, credit.address,
                 "914403001922038217")
    _, problems = workbook.read(GF, data)
    assert f"{number.sheet}!{number.address}: " in " ".join(problems)
    assert any(p.startswith(f"{credit.sheet}!{credit.address}: ") and "校验位错误" in p for p in problems)


def test_formulas_are_refused_by_cell():
    cell = _first_cell("text")
    _, problems = workbook.read(GF, _edit(_template(), cell.sheet, cell.address, "=cmd|' /C calc'!A0"))
    assert problems == [f"{cell.sheet}!{cell.address}: 不接受公式，请填写数值或文字"]


def test_text_that_looks_like_a_formula_is_exported_as_text():
    cell = _first_cell("text")
    values = {cell.path[0]: {cell.path[1]: "=HYPERLINK(\"http://x\")"}}
    data = workbook.export(GF, values)
    book = load_workbook(io.BytesIO(data))
    assert book[cell.sheet][cell.address].data_type == "s"
    read_back, problems = workbook.read(GF, data)
    assert problems == [] and read_back[cell.path[0]][cell.path[1]] == "=HYPERLINK(\"http://x\")"


def test_another_types_template_is_refused():
    with pytest.raises(DomainError, match="不是本类型申报书的模板"):
        workbook.read(GF, workbook.export(DEFINITIONS["green_park"], {}))
    plain = Workbook()
    buffer = io.BytesIO()
    plain.save(buffer)
    with pytest.raises(DomainError, match="不是本类型申报书的模板"):
        workbook.read(GF, buffer.getvalue())


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return buffer.getvalue()


def _with_member(data: bytes, name: str, content: bytes, content_types: bytes | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {m: source.read(m) for m in source.namelist()}
    members[name] = content
    if content_types is not None:
        members["[Content_Types].xml"] = content_types
    return _zip(members)


@pytest.mark.parametrize("data, message", [
    (b"", "文件为空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "不是有效的 xlsx"),  # an OLE2 (.xls) file
    (b"just text, not a workbook", "不是有效的 xlsx"),
    (_zip({"hello.txt": b"a plain zip"}), "不是有效的 xlsx"),
    (b"0" * (workbook.MAX_UPLOAD_BYTES + 1), "超过 10 MB"),
])
def test_not_a_workbook(data, message):
    with pytest.raises(DomainError, match=message):
        workbook.read(GF, data)


def test_macro_workbook_is_refused():
    data = _with_member(_template(), "xl/vbaProject.bin", b"\x00" * 100)
    with pytest.raises(DomainError, match="含宏"):
        workbook.read(GF, data)
    source = zipfile.ZipFile(io.BytesIO(_template()))
    types = source.read("[Content_Types].xml").replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    with pytest.raises(DomainError, match="含宏"):
        workbook.read(GF, _with_member(_template(), "docProps/extra.xml", b"<x/>", types))


def test_external_links_are_refused():
    data = _with_member(_template(), "xl/externalLinks/externalLink1.xml", b"<externalLink/>")
    with pytest.raises(DomainError, match="外部链接"):
        workbook.read(GF, data)


def test_zip_bomb_is_refused_before_parsing():
    data = _with_member(_template(), "xl/worksheets/sheet9.xml", b"<row/>" * 20_000_000)
    assert len(data) < 1_000_000
    with pytest.raises(DomainError, match="压缩炸弹"):
        workbook.read(GF, data)


def test_broken_xml_is_a_clear_message_not_a_crash():
    data = _with_member(_template(), "xl/workbook.xml", b"<workbook><oops")
    with pytest.raises(DomainError, match="无法解析"):
        workbook.read(GF, data)


def test_prefill_from_the_profile():
    class Org:
        name, credit_code, legal_representative = "石家庄绿源机械制造有限公司", "91130102MA0G1R2K76", "张建国"
        legal_representative_phone, address, nature, registration_authority = "13803110001", "长安区", "民营企业", "市监局"
        registered_capital, founded_on = Decimal("50000000.00"), None
        industry = type("I", (), {"code": "3411"})()
        region = type("R", (), {"code": "130102"})()

    values = forms.prefilled(GF, Org())
    flat = {k: v for section in values.values() for k, v in section.items()}
    assert "石家庄绿源机械制造有限公司" in flat.values() and "91130102MA0G1R2K76" in flat.values()
    assert "5000" in flat.values()  # 注册资本 in 万元
    _, problems = forms.clean(GF, values)
    assert not problems


# --- numbers, postcodes, lengths: refused with a message, never rounded, cut or a crash -------------------------

CAPITAL = forms.Field(key="capital", label="注册资本", kind="decimal", unit="万元", min=Decimal(0), places=2)
STAFF = forms.Field(key="staff", label="职工人数", kind="integer", places=0, min=Decimal(0), max=Decimal(100000))


@pytest.mark.parametrize("typed, stored, message", [
    ("1,234,567.89", "1234567.89", None), ("+5", "5", None), ("12.50", "12.50", None), (" 7 ", "7", None),
    ("999999999999999", "999999999999999", None), (3.0, "3", None), (12, "12", None),
    ("五百万", None, "注册资本应为数字"), ("1e5", None, "注册资本请填写普通数字，不接受科学计数法（如 1e5）"),
    ("1e1000000", None, "不接受科学计数法"), ("1E-3", None, "不接受科学计数法"), ("1" * 16, None, "整数部分不能超过 15 位"),
    ("1" * 1_000_000, None, "整数部分不能超过 15 位"), ("1" * 29 + ".5", None, "整数部分不能超过 15 位"),
    ("0.001", None, "最多保留 2 位小数"), ("-1", None, "应在 0 至 +∞ 万元之间"), ("1,23", None, "应为数字"),
    ("1 000", None, "应为数字"), ("٣", None, "应为数字"), ("NaN", None, "应为数字"), ("Infinity", None, "应为数字"),
    (float("nan"), None, "应为数字"), (float("inf"), None, "应为数字"), (1e300, None, "整数部分不能超过 15 位"),
    (10 ** 5000, None, "整数部分不能超过 15 位"), (5e-324, None, "最多保留 2 位小数"),
    (Decimal("1e-999999"), None, "最多保留 2 位小数"), (Decimal("1e999999"), None, "整数部分不能超过 15 位"),
], ids=lambda value: "huge" if isinstance(value, int) and value > 10**20 else repr(value)[:24])
def test_numbers_are_plain_decimals_of_bounded_size(typed, stored, message):
    problems = forms.Problems()
    value = forms.parse_value(CAPITAL, typed, problems, "basic.capital")
    assert value == stored
    found = problems.errors.get("basic.capital")
    assert (found is None) if message is None else (message in found), found


def test_integers_and_percent():
    for typed, stored, message in (("3.0", 3, None), ("3.5", None, "职工人数应为整数"), ("100001", None, "应在 0 至 100000")):
        problems = forms.Problems()
        assert forms.parse_value(STAFF, typed, problems, "p") == stored
        assert message is None and not problems or message in problems.errors["p"]
    share = forms.Field(key="s", label="占比", kind="percent", min=Decimal(0), max=Decimal(100), places=1)
    problems = forms.Problems()
    assert forms.parse_value(share, "12.5%", problems, "p") == "12.5" and not problems
    assert forms.parse_value(CAPITAL, "12%", problems, "p") is None and "应为数字" in problems.errors["p"]


@given(st.one_of(st.text(), st.integers(), st.floats(), st.decimals()))
@settings(max_examples=300, deadline=None)
def test_no_number_ever_raises(typed):
    problems = forms.Problems()
    value = forms.parse_value(CAPITAL, typed, problems, "p")
    if value is not None:
        assert not problems and len(value.split(".")[0].lstrip("-")) <= forms.MAX_INTEGER_DIGITS
        assert Decimal(value) >= 0 and len(value.partition(".")[2]) <= 2
    forms.score_total(None, {"1": {"score": typed if not isinstance(typed, float) else str(typed)}})


def test_postcode_is_six_digits():
    postcode = forms.Field(key="postcode", label="邮编", kind="postcode")
    for typed, stored in (("050000", "050000"), (50000, "050000"), ("05000", None), ("0500001", None),
                          ("05O000", None), ("０５００００", None)):
        problems = forms.Problems()
        assert forms.parse_value(postcode, typed, problems, "p") == stored, typed
        assert (stored is None) == ("邮编应为六位数字邮政编码" in problems.errors.get("p", "")), typed
    postcodes = [(definition.type, item.kind) for definition in DEFINITIONS.values()
                 for _, item in definition.all_fields() if item.label == "邮编"]
    assert postcodes and all(kind == "postcode" for _, kind in postcodes)


def test_text_like_values_are_refused_when_too_long_never_cut():
    cases = [(forms.Field(key="t", label="名称", kind="text", max_length=5), "一二三四五六", "名称不能超过 5 字（现为 6 字）"),
             (forms.Field(key="t", label="名称", kind="text", max_length=5), 1234567, "名称不能超过 5 字（现为 7 字）"),
             (forms.Field(key="p", label="电话", kind="phone"), "1" * 5000, "电话不能超过 40 字（现为 5000 字）"),
             (forms.Field(key="e", label="邮箱", kind="email"), "a" * 300 + "@example.cn", "邮箱不能超过 254 字"),
             (forms.Field(key="d", label="日期", kind="date"), "2024-06-30garbage", "日期应为日期"),
             (forms.Field(key="r", label="地区", kind="region"), "130102999", "地区应为六位行政区划代码")]
    for item, typed, message in cases:
        problems = forms.Problems()
        forms.parse_value(item, typed, problems, "p")
        assert message in problems.errors.get("p", ""), (typed, problems.errors)


def test_totals_count_only_numbers():
    typed = {"1": {"score": ""}, "2": {"score": "四分"}, "3": {"score": "2.5"}, "4": {"score": "1e5"}, "5": "x",
             "6": {"score": "1" * 40}, "7": {"note": "说明"}}
    assert forms.score_total(None, typed) == Decimal("2.5")
    assert forms.score_total(None, [{"score": "3"}]) == 0 and forms.score_total(None, None) == 0
    definition = DEFINITIONS["green_factory"]
    values = complete(definition)
    values["self_evaluation"]["indicators"] = typed
    assert forms.rule_results(definition, values)  # reads typed text without raising


def test_contradicting_page_names_and_typed_shapes_never_break_the_page():
    flat = {"f|basic|name": "甲", "f|basic|name|x": "乙", "f|basic|name|0|y": "丙", "f|t|rows|0|a": "1",
            "f|t|rows|b": "2", "f|t|rows|b|c": "3", "f|s|items|2.1": "4", "f|s|items|2.1|score": "5", "f|a": "x",
            "f|a|b|c|d|e": "y"}
    assert forms.unflatten(flat) == {"basic": {"name": "甲"}, "t": {"rows": [{"a": "1"}]}, "s": {"items": {"2.1": "4"}}}
    definition = DEFINITIONS["green_factory"]
    submitted = {"basic": {"factory_name": ["一", "二"], "economics": "not rows", "nature": "x"},
                 "self_evaluation": {"indicators": {"5.1.1": "七", "5.1.2": {"score": "8", "note": ["a", "b"]}},
                                     "basic_requirements": ["x"]}}
    shown = forms.typed_again(definition, submitted, {}, {"attachments": {"business_license": [7]}})
    assert shown["basic"]["factory_name"] == "一，二" and "economics" not in shown["basic"]
    assert shown["self_evaluation"]["indicators"] == {"5.1.1": {"score": "七"}, "5.1.2": {"score": "8", "note": "a，b"}}
    assert "basic_requirements" not in shown["self_evaluation"]
    assert shown["attachments"]["business_license"] == [7]  # files stay as stored


def test_definitions_bound_their_places():
    with pytest.raises(forms.DefinitionError, match="places"):
        forms._field({"key": "x", "label": "x", "kind": "decimal", "places": 30})


def test_a_multiple_choice_whose_choice_has_commas_is_one_choice_ticked():
    """A 承诺 is one box with a sentence of commas: ticked alone, a page posts its text once, a workbook holds it in
    one cell; several ticked are a list, or one cell split at the separators."""
    pledge = "本单位承诺：所填报数据真实、准确、完整，如有虚假，愿承担一切后果"
    definition = forms.FormDefinition.from_dict({"type": "t", "version": "1", "title": "表", "sections": [
        {"key": "s", "title": "声明", "fields": [
            {"key": "pledge", "label": "承诺", "kind": "multichoice", "required": True, "choices": [pledge]},
            {"key": "kinds", "label": "类别", "kind": "multichoice", "choices": ["节能", "节水", "降碳"]}]}]})
    values, problems = forms.clean(definition, {"s": {"pledge": pledge, "kinds": "节水，降碳"}})
    assert not problems and values["s"] == {"pledge": [pledge], "kinds": ["节水", "降碳"]}
    values, problems = forms.clean(definition, {"s": {"pledge": [pledge], "kinds": ["降碳", "节能"]}})
    assert not problems and values["s"] == {"pledge": [pledge], "kinds": ["节能", "降碳"]}
    assert forms.missing(definition, {"s": {"pledge": []}}) == {"声明": ["承诺"]}


def test_answers_needing_attention_are_named_and_only_choices_may_need_it():
    """`attention` marks the answers a reviewer must notice (an accident reported); the check names a wrong one."""
    definition = forms.FormDefinition.from_dict({"type": "t", "version": "1", "title": "表", "sections": [
        {"key": "s", "title": "声明", "fields": [
            {"key": "accidents", "label": "是否发生事故", "kind": "choice", "choices": ["否", "是"], "attention": ["是"]},
            {"key": "risks", "label": "风险", "kind": "multichoice", "choices": ["火灾", "泄漏", "无"],
             "attention": ["火灾", "泄漏"]}]}]})
    assert forms.needing_attention(definition, {"s": {"accidents": "否", "risks": ["无"]}}) == []
    assert forms.needing_attention(definition, {"s": {"accidents": "是", "risks": ["火灾", "泄漏"]}}) == [
        ("是否发生事故", "是"), ("风险", "火灾"), ("风险", "泄漏")]
    assert forms.needing_attention(definition, {}) == []
    for field, error in (
            ({"key": "a", "label": "甲", "kind": "choice", "choices": ["否", "是"], "attention": ["可能"]}, "选项中"),
            ({"key": "a", "label": "甲", "kind": "choice", "choices": ["否", "是"], "attention": "是"}, "选项中"),
            ({"key": "a", "label": "甲", "kind": "text", "attention": ["是"]}, "只有选择题")):
        with pytest.raises(forms.DefinitionError) as refused:
            forms.FormDefinition.from_dict({"type": "t", "version": "1", "title": "表", "sections": [
                {"key": "s", "title": "声明", "fields": [field]}]})
        assert any("attention" in e and error in e for e in refused.value.errors), refused.value.errors
