"""Valid values for any form definition: complete ones for 上报, and random ones for property tests."""
from decimal import Decimal

from hypothesis import strategies as st

from app.domain.forms import Field, FormDefinition
from app.domain.forms import example_value as sample, example_values as complete  # noqa: F401  (the tests' names)

def _strategy(item: Field):
    if item.kind in ("text", "longtext"):
        alphabet = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
        return st.text(alphabet=alphabet, min_size=1, max_size=min(item.max_length or 200, 60)).map(str.strip) \
            .filter(bool)
    if item.kind == "integer":
        low = int(item.min) if item.min is not None else -10**6
        high = int(item.max) if item.max is not None else 10**6
        return st.integers(low, high)
    if item.kind in ("decimal", "percent", "indicator"):
        low = item.min if item.min is not None else Decimal(-10**6)
        high = item.max if item.max is not None else Decimal(10**6)
        return st.decimals(low, high, places=min(item.places, 2), allow_nan=False, allow_infinity=False) \
            .map(lambda d: format(d.normalize(), "f") if d == d.to_integral_value() else str(d))
    if item.kind == "choice":
        return st.sampled_from(item.choices)
    if item.kind == "multichoice":
        return st.lists(st.sampled_from(item.choices), min_size=1, unique=True) \
            .map(lambda picked: [c for c in item.choices if c in picked])
    if item.kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    return st.just(sample(item))


def values_strategy(definition: FormDefinition):
    """Random valid (cleaned) values: what a declaration can hold after a save."""
    parts = {}
    for section, item in definition.all_fields():
        if item.kind == "file":
            continue
        if item.kind == "table":
            row = st.fixed_dictionaries({}, optional={c.key: _strategy(c) for c in item.columns})
            if item.rows:
                strategy = st.lists(row, min_size=len(item.rows), max_size=len(item.rows))
            else:
                strategy = st.lists(row.filter(bool), max_size=min(item.max_rows, 4))
        elif item.kind == "checklist":
            strategy = st.fixed_dictionaries({}, optional={str(e["code"]): st.sampled_from(["符合", "不符合"])
                                                           for e in item.items})
        elif item.kind == "score_table":
            strategy = st.fixed_dictionaries({}, optional={
                str(e["code"]): st.fixed_dictionaries({"score": st.decimals(0, Decimal(str(e["max"])), places=1)
                                                       .map(lambda d: format(d.normalize(), "f") if d == d.to_integral_value() else str(d))})
                for e in item.items})
        else:
            strategy = _strategy(item)
        parts[(section.key, item.key)] = strategy

    @st.composite
    def build(draw):
        values: dict = {s.key: {} for s in definition.sections}
        for (section, key), strategy in parts.items():
            if draw(st.booleans()):
                value = draw(strategy)
                if value not in (None, "", [], {}):
                    values[section][key] = value
        for section, item in definition.all_fields():
            if item.kind == "file":
                values[section.key][item.key] = []
            if item.kind == "table" and item.rows and item.key not in values[section.key]:
                values[section.key][item.key] = [{} for _ in item.rows]
            if item.kind == "table" and not item.rows:
                values[section.key].setdefault(item.key, [])
            if item.kind in ("checklist", "score_table"):
                values[section.key].setdefault(item.key, {})
        return values

    return build()


def flatten(values: dict) -> dict:
    """Stored values → the page's field names (`f|section|field`, `f|section|table|row|column`, …)."""
    flat: dict = {}
    for section, fields in values.items():
        for key, value in fields.items():
            name = f"f|{section}|{key}"
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for index, row in enumerate(value):
                    for column, cell in row.items():
                        flat[f"{name}|{index}|{column}"] = str(cell)
            elif isinstance(value, dict):
                for code, answer in value.items():
                    if isinstance(answer, dict):
                        for part, text in answer.items():
                            flat[f"{name}|{code}|{part}"] = str(text)
                    else:
                        flat[f"{name}|{code}"] = answer
            elif isinstance(value, list):
                if value and not isinstance(value[0], int):
                    flat[name] = value
            else:
                flat[name] = str(value)
    return flat
