"""Quantitative indicators (基准值/引领值) and the definition check's Chinese, located, all-at-once errors."""
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from app.domain import forms

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "forms"


def indicator(direction, baseline, leading, points=10):
    return forms._field({"key": "x", "label": "指标", "kind": "indicator", "unit": "%", "direction": direction,
                         "baseline": baseline, "leading": leading, "points": points})


@pytest.mark.parametrize("value, score", [("50", "0.00"), ("60", "0.00"), ("70", "5.00"), ("75", "7.50"),
                                          ("80", "10.00"), ("99", "10.00"), ("63.33", "1.67")])
def test_higher_is_better_scores_zero_at_baseline_full_at_leading_linear_between(value, score):
    assert forms.indicator_score(indicator("higher_is_better", 60, 80), value) == Decimal(score)


@pytest.mark.parametrize("value, score", [("120", "0.00"), ("100", "0.00"), ("90", "5.00"), ("85", "7.50"),
                                          ("80", "10.00"), ("10", "10.00")])
def test_lower_is_better_scores_the_other_way(value, score):
    assert forms.indicator_score(indicator("lower_is_better", 100, 80), value) == Decimal(score)


def test_no_number_no_score_and_page_refuses_text_in_chinese():
    item = indicator("higher_is_better", 60, 80)
    assert forms.indicator_score(item, None) is None and forms.indicator_score(item, "很多") is None
    definition = forms.FormDefinition.from_dict({"type": "t", "version": "1", "title": "表", "sections": [
        {"key": "s", "title": "分表", "fields": [{"key": "x", "label": "用水重复利用率", "kind": "indicator",
                                                 "unit": "%", "direction": "higher_is_better", "baseline": 60,
                                                 "leading": 80, "points": 10}]}]})
    values, problems = forms.clean(definition, {"s": {"x": "七十"}})
    assert problems.errors == {"s.x": "用水重复利用率应为数字"} or "应为数字" in str(problems.errors["s.x"])
    values, problems = forms.clean(definition, {"s": {"x": "70"}})
    assert not problems and values == {"s": {"x": "70"}}
    assert forms.score_total(definition.field_at("s.x"), "70") == Decimal("5.00")
    assert forms.indicator_total(definition, values) == (Decimal("5.00"), Decimal(10))
    assert forms.page_totals(definition, values) == {"s.x": Decimal("5.00")}


@given(base=st.integers(0, 1000), span=st.integers(1, 1000), points=st.integers(1, 50),
       value=st.decimals(-100, 3000, places=2, allow_nan=False, allow_infinity=False),
       lower=st.booleans())
def test_a_score_is_within_zero_and_points_and_never_better_for_a_worse_value(base, span, points, value, lower):
    if lower:
        item, worse = indicator("lower_is_better", base + span, base, points), value + 1
    else:
        item, worse = indicator("higher_is_better", base, base + span, points), value - 1
    score = forms.indicator_score(item, str(value))
    assert Decimal(0) <= score <= points
    assert forms.indicator_score(item, str(worse)) <= score


def test_an_indicator_needs_its_terms_the_right_way_round():
    with pytest.raises(forms.DefinitionError) as refused:
        forms._field({"key": "x", "label": "能耗", "kind": "indicator", "direction": "lower_is_better",
                      "baseline": 80, "leading": 100})
    text = str(refused.value)
    assert "points：必填" in text and "unit：定量指标必须给出计量单位" in text and "引领值 100 应低于基准值 80" in text
    with pytest.raises(forms.DefinitionError, match="direction"):
        forms._field({"key": "x", "label": "能耗", "kind": "indicator", "direction": "down", "unit": "%",
                      "baseline": 80, "leading": 100, "points": 5})


def test_every_problem_is_named_by_where_it_is_at_once():
    data = json.loads((SEEDS / "green_factory.json").read_text(encoding="utf-8"))
    data["version"] = 2026.3
    data["sections"][2]["fields"][0]["kind"] = "nubmer"
    data["sections"][0]["fields"][5]["choices"] = []
    data["sections"][1]["fields"][1]["items"][1]["max"] = "五"
    data["rules"][0]["field"] = "performance.nothing"
    errors = forms.check_definition(data, types={"green_factory"})
    assert errors[0].startswith("version：应写成文本")
    assert any(e.startswith("sections[2].fields[0].kind：未知的字段类型 “nubmer”，可用：checklist, choice") for e in errors)
    assert "sections[0].fields[5].choices：选择题必须给出选项：非空文本的列表" in errors
    assert any(e.startswith("sections[1].fields[1].items[1].max：应为数字") for e in errors)
    assert "rules[0].field：“performance.nothing” 不是本申报书的字段" in errors
    with pytest.raises(forms.DefinitionError) as refused:
        forms.FormDefinition.from_dict(data)
    assert len(refused.value.errors) == len(errors)
    assert forms.check_definition({**json.loads((SEEDS / "green_factory.json").read_text()), "type": "nope"},
                                  types={"green_factory"})[0].startswith("type：未知的申报类型 “nope”")


def test_a_json_syntax_error_names_line_and_column():
    data, errors = forms.check_text('{\n  "type": "green_factory",\n  "version" "1"\n}')
    assert data is None and errors == ["第 3 行第 13 列：JSON 格式错误（缺少冒号）"]
    assert forms.check_text("[]")[1] == ["申报书定义应为 JSON 对象（{ … }）"]


def test_the_2025_green_factory_follows_the_five_parts_with_indicators_and_a_veto():
    data = json.loads((SEEDS / "green_factory_2025.json").read_text(encoding="utf-8"))
    definition = forms.FormDefinition.from_dict(data)
    assert definition.type == "green_factory" and forms.version_key(definition.version) > (2026, 2)
    titles = [s.title for s in definition.sections]
    for part in ("能源低碳化", "资源高效化", "生产洁净化", "产品绿色化", "用地集约化"):
        assert any(part in t for t in titles)
    indicators = [i for s, i in definition.all_fields() if i.kind == "indicator"]
    assert len(indicators) >= 8 and sum(i.points for i in indicators) == 60
    assert {i.direction for i in indicators} == {"lower_is_better", "higher_is_better"}
    assert definition.field_at("requirements.basic_requirements").kind == "checklist"  # 基本要求: the veto
    assert "待核" in definition.basis and "GB/T 36132-2025" in definition.basis
    full = {s.key: {i.key: str(i.leading) for i in s.fields if i.kind == "indicator"} for s in definition.sections}
    assert forms.indicator_total(definition, full) == (Decimal(60), Decimal(60))
