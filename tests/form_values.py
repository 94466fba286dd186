"""Valid values for any form definition: complete ones for 上报, and random ones for property tests."""
from decimal import Decimal

from hypothesis import strategies as st

from app.domain.forms import Field, FormDefinition

SAMPLE = {
    "text": "示例内容", "longtext": "示例说明文字", "date": "2024-06-30", "region": "130102", "industry": "3411",
    "phone": "13800000000", "email": "contact@example.cn", "credit_code": "914403001922038216", "postcode": "050000",
}


def sample(item: Field):
    if item.kind in SAMPLE:
        return SAMPLE[item.kind][: item.max_length] if item.max_length else SAMPLE[item.kind]
    if item.kind in ("integer", "decimal", "percent", "indicator"):
        low = item.min if item.min is not None else Decimal(0)
        high = item.max if item.max is not None else low + 100
        middle = (low + high) / 2
        if item.kind == "integer":
            return int(middle)
        return format(middle.quantize(Decimal("0.01")).normalize(), "f")
    if item.kind == "choice":
        return item.choices[0]
    if item.kind == "multichoice":
        return [item.choices[0]]
    raise ValueError(item.kind)


def complete(definition: FormDefinition, file_id: int | None = None) -> dict:
    """Every field, row, item and score filled so that 上报 has nothing to complain about; required
    file fields get `file_id`, an attachment of the declaration."""
    values: dict = {}
    for section, item in definition.all_fields():
        out = values.setdefault(section.key, {})
        if item.kind == "file":
            out[item.key] = [file_id] if (item.required and file_id) else []
        elif item.kind == "table":
            count = len(item.rows) if item.rows else max(item.min_rows, 1)
            out[item.key] = [{c.key: sample(c) for c in item.columns} for _ in range(count)]
        elif item.kind == "checklist":
            out[item.key] = {str(e["code"]): "符合" for e in item.items}
        elif item.kind == "score_table":
            out[item.key] = {str(e["code"]): {"score": format(Decimal(str(e["max"])).normalize(), "f")}
                             for e in item.items}
        else:
            out[item.key] = sample(item)
    return values


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
