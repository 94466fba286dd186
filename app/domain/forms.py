"""Declaration forms as data (seeds/forms/README.md): one engine for every definition.

`FormDefinition.from_dict` checks a definition; `clean()` turns submitted text into stored values with a
Chinese message per bad cell (draft rules: types and lengths only); `missing()` and `rule_results()` are
the completeness and scoring checks of 上报; `score_total()` computes what is never typed. The web form,
the xlsx template and import, and the print view all read the same `FormDefinition`.
"""
from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.domain import Message
from app.vocabulary import N_
from app.domain.accounts import email_error, normalize_credit_code, phone_error
from app.domain.codes import credit_code_error
from app.domain.reference_data import is_region_code

SIMPLE_KINDS = {"text", "longtext", "integer", "decimal", "percent", "date", "choice", "multichoice", "region",
                "industry", "phone", "email", "credit_code", "postcode"}
KINDS = SIMPLE_KINDS | {"file", "table", "checklist", "score_table", "indicator"}
ACCEPT = {"pdf", "jpg", "png", "xlsx", "docx"}
PREFILLS = {"organization.name", "organization.credit_code", "organization.legal_representative",
            "organization.legal_representative_phone", "organization.address", "organization.nature",
            "organization.industry", "organization.region", "organization.registration_authority",
            "organization.registered_capital", "organization.founded_on", "organization.licence",
            "contact.name", "contact.phone", "contact.email"}
VERDICTS = ("符合", "不符合")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SHEET_FORBIDDEN = set("[]:*?/\\")
NUMBER_KINDS = ("integer", "decimal", "percent", "indicator")
MAX_INTEGER_DIGITS = 15  # beyond this a figure is a typing slip, and Decimal's 28 digits would start rounding
MAX_PLACES = 6
# Plain decimals only, thousands separators allowed (1,234.5); no exponent, no spaces, ASCII digits.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_EXPONENT = re.compile(r"[+-]?[0-9.,]*[eE][+-]?[0-9]*")
_POSTCODE = re.compile(r"[0-9]{6}")
_VERSION = re.compile(r"(?:0|[1-9][0-9]{0,8})(?:\.(?:0|[1-9][0-9]{0,8}))*")
VERSION_LIMIT = 32  # the column's length
# Server-side limits of the text-like kinds that have no max_length of their own.
KIND_LENGTHS = {"phone": 40, "email": 254, "region": 60, "industry": 60, "date": 30, "choice": 200}


class DefinitionError(ValueError):
    """A form definition that does not follow seeds/forms/README.md; `errors` lists every problem, each named
    by where it is (`sections[2].fields[5].kind：…`)."""

    def __init__(self, errors):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("；".join(self.errors))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str
    required: bool = False
    hint: str = ""
    prefill: str | None = None
    max_length: int | None = None
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    places: int = 2
    choices: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    multiple: bool = False
    columns: tuple["Field", ...] = ()
    rows: tuple[str, ...] = ()
    min_rows: int = 0
    max_rows: int = 0
    items: tuple[dict, ...] = ()
    baseline: Decimal | None = None  # indicator: 基准值 (0 points at or worse)
    leading: Decimal | None = None  # indicator: 引领值 (full points at or better)
    direction: str = ""  # indicator: lower_is_better | higher_is_better
    points: Decimal | None = None  # indicator: full points
    attention: tuple[str, ...] = ()  # choice, multichoice: answers the reviewers' views mark 需关注 (an accident)

    @property
    def fixed_rows(self) -> bool:
        return bool(self.rows)

    @property
    def row_count_limit(self) -> int:
        return len(self.rows) if self.rows else self.max_rows


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    sheet: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Rule:
    kind: str
    field: str
    message: str
    level: str = "error"
    op: str = "<="
    value: Decimal | None = None
    min: Decimal | None = None


@dataclass(frozen=True)
class FormDefinition:
    type: str
    version: str
    title: str
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...] = ()
    basis: str = ""
    title_field: str | None = None  # `section.field` whose value names the declaration in lists
    purpose: str = "declaration"  # "filing": the 动态管理表 of listed units, never a batch's 申报书

    @classmethod
    def from_dict(cls, data: dict, types=None) -> "FormDefinition":
        """A checked definition; DefinitionError lists every problem (`check_definition`) when it is not one."""
        if errors := check_definition(data, types):
            raise DefinitionError(errors)
        sections = tuple(_section(s) for s in data["sections"])
        return cls(type=data["type"], version=str(data["version"]), title=data["title"],
                   sections=sections, rules=tuple(_rule(r) for r in data.get("rules", [])),
                   basis=data.get("basis", ""), title_field=data.get("title_field"),
                   purpose=data.get("purpose", "declaration"))

    def field_at(self, path: str) -> Field:
        section_key, _, rest = path.partition(".")
        field_key = rest.split(".")[0]
        for section in self.sections:
            if section.key == section_key:
                for item in section.fields:
                    if item.key == field_key:
                        return item
        raise DefinitionError(f"{self.type}: no field {path}")

    def all_fields(self):
        for section in self.sections:
            for item in section.fields:
                yield section, item


def version_key(version: str) -> tuple[int, ...]:
    """A form version as the numbers it is made of, so that versions compare as versions: 2026.10 comes after
    2026.9 and 2026.2.1 after 2026.2 (as text 2026.10 would come first). Only dotted numbers without leading zeros
    are versions, so that each text has one key and each key one text (2026.02 would equal 2026.2)."""
    if len(version) > VERSION_LIMIT or not _VERSION.fullmatch(version):
        raise DefinitionError(f"version {version!r}: numbers separated by dots, such as 2026.2")
    return tuple(int(part) for part in version.split("."))


def newest(versions):
    """The newest of (version, value) pairs, by `version_key`; None when there are none."""
    pairs = list(versions)
    return max(pairs, key=lambda pair: version_key(pair[0]))[1] if pairs else None


def check_file(path: str | Path) -> FormDefinition:
    definition = FormDefinition.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    print(f"{definition.type} {definition.version}: {len(definition.sections)} sections, "
          f"{sum(1 for _ in definition.all_fields())} fields, {len(definition.rules)} rules")
    return definition


def _section(data: dict) -> Section:
    """A section of a checked definition."""
    sheet = data.get("sheet") or data["title"][:31]
    return Section(key=data["key"], title=data["title"], sheet=sheet,
                   fields=tuple(_built_field(f) for f in data["fields"]))


FIELD_KEYS = {"key", "label", "kind", "required", "hint", "prefill", "max_length", "unit", "min", "max", "places",
              "choices", "accept", "multiple", "columns", "rows", "min_rows", "max_rows", "items",
              "baseline", "leading", "direction", "points", "attention"}


def _field(data: dict, in_table: bool = False) -> Field:
    check = DefinitionCheck()
    check.field(data, f"field {data.get('key')!r}", in_table)
    if check.errors:
        raise DefinitionError(check.errors)
    return _built_field(data)


def _built_field(data: dict) -> Field:
    """A field of a checked definition."""
    kind = data["kind"]
    columns = tuple(_built_field(c) for c in data.get("columns", []))
    items = tuple(data.get("items", []))
    return Field(
        key=data["key"], label=data["label"], kind=kind, required=bool(data.get("required")),
        hint=data.get("hint", ""), prefill=data.get("prefill"),
        max_length=data.get("max_length") or (200 if kind == "text" else None), unit=data.get("unit", ""),
        min=_decimal_or_none(data.get("min", 0 if kind == "percent" else None)),
        max=_decimal_or_none(data.get("max", 100 if kind == "percent" else None)),
        places=int(data.get("places", 0 if kind == "integer" else 2)), choices=tuple(data.get("choices", ())),
        accept=tuple(data.get("accept", ())), multiple=bool(data.get("multiple")), columns=columns,
        rows=tuple(data.get("rows", ())), min_rows=int(data.get("min_rows", 0)),
        max_rows=int(data.get("max_rows", 0)), items=items, baseline=_decimal_or_none(data.get("baseline")),
        leading=_decimal_or_none(data.get("leading")), direction=data.get("direction", ""),
        points=_decimal_or_none(data.get("points")), attention=tuple(data.get("attention", ())),
    )


def _rule(data: dict) -> Rule:
    if data["kind"] not in ("min_total", "compare") or data.get("level", "error") not in ("error", "warning"):
        raise DefinitionError(f"rule {data!r}")
    if data.get("op", "<=") not in ("<=", "<", ">=", ">", "=="):
        raise DefinitionError(f"rule op {data.get('op')!r}")
    return Rule(kind=data["kind"], field=data["field"], message=data["message"], level=data.get("level", "error"),
                op=data.get("op", "<="), value=_decimal_or_none(data.get("value")),
                min=_decimal_or_none(data.get("min")))


def _decimal_or_none(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _check_unique(values: list[str], what: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise DefinitionError(f"duplicate {what}: {value!r}")
        seen.add(value)


# --- values: parse, check, complete ----------------------------------------------------------------

@dataclass
class Problems:
    """Chinese messages keyed by a cell path: `section.field`, `section.table.2.col`, `section.items.2.1`."""

    errors: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def __bool__(self) -> bool:
        return bool(self.errors)


def parse_value(item: Field, raw: Any, problems: Problems, path: str, *, regions=None, industries=None):
    """One simple value from text (a page or an xlsx cell); None when empty. Draft-level checks only.
    Nothing is cut short: a value that does not fit is refused with a message, never truncated."""
    if raw is None:
        return None
    if isinstance(raw, (datetime.datetime, datetime.date)) and item.kind == "date":
        return (raw.date() if isinstance(raw, datetime.datetime) else raw).isoformat()
    kind = item.kind
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, (int, float, Decimal)) and kind not in NUMBER_KINDS:
        raw = _cell_text(raw, kind)  # an xlsx cell holding a number, in a field of text
    text = str(raw).replace("\x00", "").strip() if not isinstance(raw, (int, float, Decimal)) else raw
    if text == "" or text == []:
        return None
    if kind in ("text", "longtext"):
        if len(text) > (item.max_length or 200):
            problems.add(path, too_long(item.label, item.max_length or 200, len(text)))
        return text
    if kind in NUMBER_KINDS:
        return _number(item, text, problems, path)
    if kind in KIND_LENGTHS and len(str(text)) > KIND_LENGTHS[kind]:
        problems.add(path, too_long(item.label, KIND_LENGTHS[kind], len(str(text))))
        return None
    if kind == "date":
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?: 00:00:00)?", str(text)):
                raise ValueError(text)
            return datetime.date.fromisoformat(str(text)[:10]).isoformat()
        except ValueError:
            problems.add(path, Message(N_("%(label)s应为日期，格式 YYYY-MM-DD"), label=item.label))
            return None
    if kind == "choice":
        if str(text) not in item.choices:
            problems.add(path, Message(N_("%(label)s应为以下之一：%(choices)s"), label=item.label, choices=tuple(item.choices)))
            return None
        return str(text)
    if kind == "multichoice":
        # a list as a page posts it, or one cell of text as a workbook holds it; a choice whose own text has a
        # comma (a 承诺) is one choice, not several
        values = raw if isinstance(raw, list) else [str(text).strip()] if str(text).strip() in item.choices else \
            [v.strip() for v in re.split(r"[,，、;；]", str(text)) if v.strip()]
        wrong = [str(v)[:50] for v in values if v not in item.choices]
        if wrong:
            problems.add(path, Message(N_("%(label)s中“%(wrong)s”不是可选项"), label=item.label, wrong=tuple(wrong)))
        return [v for v in item.choices if v in values]
    if kind == "region":
        code = str(text).split(" ")[0]  # a code, or "130102 长安区" as the template shows it
        if not is_region_code(code) or (regions is not None and code not in regions):
            problems.add(path, Message(N_("%(label)s应为六位行政区划代码"), label=item.label))
            return None
        return code
    if kind == "industry":
        code = str(text).split(" ")[0]
        if industries is not None and code not in industries:
            problems.add(path, Message(N_("%(label)s应为国民经济行业分类（GB/T 4754）代码"), label=item.label))
            return None
        return code
    if kind == "postcode":
        if not _POSTCODE.fullmatch(str(text)):
            problems.add(path, Message(N_("%(label)s应为六位数字邮政编码"), label=item.label))
            return None
        return str(text)
    if kind == "phone":
        if message := phone_error(str(text)):
            problems.add(path, message)
        return str(text)
    if kind == "email":
        if message := email_error(str(text)):
            problems.add(path, message)
        return str(text)
    if kind == "credit_code":
        code = normalize_credit_code(str(text))
        if message := credit_code_error(code):
            problems.add(path, message)
        return code
    return text


def _cell_text(number: int | float | Decimal, kind: str) -> str:
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        number = int(number)
    if isinstance(number, int):
        if kind == "postcode" and 0 <= number < 10**6:
            return f"{number:06d}"  # typed as a number, the cell lost its leading zero
        return str(number) if number.bit_length() < 4000 else "?" * 4000
    return str(number)


def too_long(label: str, limit: int, length: int) -> str:
    return Message(N_("%(label)s不能超过 %(limit)d 字（现为 %(length)d 字）"), label=label, limit=limit, length=length)


def number_error(text: Any, *, label: str, places: int, integer: bool = False, minimum: Decimal | None = None,
                 maximum: Decimal | None = None, unit: str = "", percent: bool = False,
                 digits: int = MAX_INTEGER_DIGITS) -> tuple[Decimal | None, str | None]:
    """A typed figure as (value, None), or (None, why not) in Chinese. The one number rule of every form:
    plain decimals with optional thousands separators, at most `digits` (MAX_INTEGER_DIGITS) integer digits and
    `places` decimals, within min..max. No Decimal operation here can raise, whatever is typed."""
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        text, error = _plain(text, label, places)
        if error:
            return None, error
    text = str(text).strip()
    if percent and text.endswith("%"):
        text = text[:-1].strip()
    match = _PLAIN_NUMBER.fullmatch(text)
    if match is None:
        if _EXPONENT.fullmatch(text):
            return None, Message(N_("%(label)s请填写普通数字，不接受科学计数法（如 1e5）"), label=label)
        return None, Message(N_("%(label)s应为数字"), label=label)
    whole = text.lstrip("+-").split(".")[0].replace(",", "").lstrip("0")
    if len(whole) > digits:
        return None, Message(N_("%(label)s整数部分不能超过 %(digits)d 位"), label=label, digits=digits)
    fraction = (match.group(1) or "").rstrip("0")
    if integer and fraction:
        return None, Message(N_("%(label)s应为整数"), label=label)
    if len(fraction) > places:
        return None, Message(N_("%(label)s最多保留 %(places)d 位小数"), label=label, places=places)
    value = Decimal(text.replace(",", ""))
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None, Message(N_("%(label)s应在 %(low)s 至 %(high)s %(unit)s之间"), label=label,
                             low=str(minimum) if minimum is not None else "-∞",
                             high=str(maximum) if maximum is not None else "+∞", unit=unit or "")
    return value, None


def _plain(number: int | float | Decimal, label: str, places: int) -> tuple[str | None, str | None]:
    """An xlsx cell's number as plain text, or why it is none; never builds a huge string."""
    if isinstance(number, int):
        if abs(number) >= 10 ** MAX_INTEGER_DIGITS:
            return None, Message(N_("%(label)s整数部分不能超过 %(digits)d 位"), label=label, digits=MAX_INTEGER_DIGITS)
        return str(number), None
    value = number if isinstance(number, Decimal) else Decimal(repr(number))
    if not value.is_finite():
        return None, Message(N_("%(label)s应为数字"), label=label)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return None, Message(N_("%(label)s整数部分不能超过 %(digits)d 位"), label=label, digits=MAX_INTEGER_DIGITS)
    if value.adjusted() < -MAX_INTEGER_DIGITS:  # non-zero and far below any `places`
        return None, Message(N_("%(label)s最多保留 %(places)d 位小数"), label=label, places=places)
    return format(value, "f"), None


def _number(item: Field, text, problems: Problems, path: str) -> Any:
    value, error = number_error(text, label=item.label, places=0 if item.kind == "integer" else item.places,
                                integer=item.kind == "integer", minimum=item.min, maximum=item.max, unit=item.unit,
                                percent=item.kind == "percent")
    if error:
        problems.add(path, error)
        return None
    if item.kind == "integer":
        return int(value)
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def clean(definition: FormDefinition, submitted: dict, *, regions=None, industries=None) -> tuple[dict, Problems]:
    """Submitted values (`{section: {field: raw}}`) → stored values, with every type and length problem."""
    problems = Problems()
    values: dict[str, dict] = {}
    for section in definition.sections:
        raw_section = submitted.get(section.key) or {}
        out = values.setdefault(section.key, {})
        for item in section.fields:
            path = f"{section.key}.{item.key}"
            raw = raw_section.get(item.key)
            if item.kind == "file":
                out[item.key] = [int(v) for v in (raw or []) if str(v).isdigit()]
            elif item.kind == "table":
                out[item.key] = _clean_table(item, raw or [], problems, path, regions, industries)
            elif item.kind == "checklist":
                answers = raw if isinstance(raw, dict) else {}
                out[item.key] = {}
                for entry in item.items:
                    answer = answers.get(str(entry["code"]))
                    if answer in (None, ""):
                        continue
                    if answer not in VERDICTS:
                        problems.add(f"{path}.{entry['code']}", Message(N_("%(code)s 应填写“符合”或“不符合”"), code=str(entry['code'])))
                        continue
                    out[item.key][str(entry["code"])] = answer
            elif item.kind == "score_table":
                out[item.key] = _clean_scores(item, raw if isinstance(raw, dict) else {}, problems, path)
            else:
                value = parse_value(item, raw, problems, path, regions=regions, industries=industries)
                if value is not None:
                    out[item.key] = value
    return values, problems


def _clean_table(item: Field, rows, problems: Problems, path: str, regions, industries) -> list[dict]:
    if not isinstance(rows, list):
        return []
    limit = item.row_count_limit
    if len(rows) > limit:
        problems.add(path, Message(N_("%(label)s最多 %(limit)d 行"), label=item.label, limit=limit))
        rows = rows[:limit]
    cleaned = []
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        out = {}
        for column in item.columns:
            value = parse_value(column, row.get(column.key), problems, f"{path}.{index}.{column.key}",
                                regions=regions, industries=industries)
            if value is not None:
                out[column.key] = value
        cleaned.append(out)
    if item.fixed_rows:
        cleaned += [{} for _ in range(len(item.rows) - len(cleaned))]
    else:
        while cleaned and not cleaned[-1]:
            cleaned.pop()  # trailing empty rows of a variable table are not rows
    return cleaned


def _clean_scores(item: Field, answers: dict, problems: Problems, path: str) -> dict:
    out = {}
    for entry in item.items:
        code = str(entry["code"])
        answer = answers.get(code) if isinstance(answers.get(code), dict) else {"score": answers.get(code)}
        score_field = Field(key="score", label=f"{code} 自评分", kind="decimal", min=Decimal(0),
                            max=Decimal(str(entry["max"])), places=2)
        score = parse_value(score_field, answer.get("score"), problems, f"{path}.{code}")
        note = parse_value(Field(key="note", label=f"{code} 说明", kind="text", max_length=500),
                           answer.get("note"), problems, f"{path}.{code}.note")
        if score is not None or note:
            out[code] = {k: v for k, v in (("score", score), ("note", note)) if v is not None}
    return out


def score_total(item: Field, value: dict) -> Decimal:
    """The sum of the item scores that are numbers; text typed into a refused page counts as nothing. An
    indicator's score is computed from its measured value (`indicator_score`)."""
    if item is not None and item.kind == "indicator":
        return indicator_score(item, value) or Decimal(0)
    if not isinstance(value, dict):
        return Decimal(0)
    return sum((score for v in (value or {}).values() if (score := as_number(v.get("score") if isinstance(v, dict)
                                                                           else None)) is not None), Decimal(0))


def as_number(value) -> Decimal | None:
    """A stored or typed figure as a Decimal, or None when it is not a plain number of bounded size."""
    if value is None or isinstance(value, bool):
        return None
    number, error = number_error(value, label="", places=MAX_PLACES)
    return None if error else number


@dataclass(frozen=True)
class Gap:
    """One thing 上报 still needs: where it is (`path` of the field, for a link) and what it is."""

    section_key: str
    section_title: str
    path: str
    text: str


def gaps(definition: FormDefinition, values: dict) -> list[Gap]:
    """Every required field, cell and item that is empty, in the form's order."""
    found = []
    for section in definition.sections:
        data = values.get(section.key) or {}

        def add(item, text):
            found.append(Gap(section.key, section.title, f"{section.key}.{item.key}", text))

        for item in section.fields:
            value = data.get(item.key)
            if item.kind == "table":
                if item.required:
                    rows = value or []
                    if not item.fixed_rows and len([r for r in rows if r]) < max(item.min_rows, 1):
                        add(item, Message(N_("%(label)s（至少 %(n)d 行）"), label=item.label, n=max(item.min_rows, 1)))
                    for index, row in enumerate(rows if item.fixed_rows else [r for r in rows if r]):
                        label = item.rows[index] if item.fixed_rows else Message(N_("第 %(n)d 行"), n=index + 1)
                        empty = [c.label for c in item.columns if c.required and (row or {}).get(c.key) in (None, "")]
                        if empty:
                            add(item, Message(N_("%(label)s·%(row)s：%(empty)s"), label=item.label, row=label, empty=tuple(empty)))
            elif item.kind == "checklist":
                if len(value or {}) < len(item.items):
                    add(item, Message(N_("%(label)s（%(n)d 项未作答）"), label=item.label, n=len(item.items) - len(value or {})))
            elif item.kind == "score_table":
                unanswered = [str(e["code"]) for e in item.items if "score" not in (value or {}).get(str(e["code"]), {})]
                if unanswered:
                    add(item, Message(N_("%(label)s（%(n)d 项未自评）"), label=item.label, n=len(unanswered)))
            elif item.required and value in (None, "", [], {}):
                add(item, item.label)
    return found


def needing_attention(definition: FormDefinition, values: dict) -> list[tuple[str, str]]:
    """(label, answer) of every answer the definition marks as needing the reviewers' attention (`attention`),
    in the form's order: a 动态管理表 that reports a serious accident, say."""
    found = []
    for section, item in definition.all_fields():
        value = (values.get(section.key) or {}).get(item.key) if item.attention else None
        found += [(item.label, a) for a in (value if isinstance(value, list) else [value]) if a in item.attention]
    return found


def missing(definition: FormDefinition, values: dict) -> dict[str, list[str]]:
    """What 上报 still needs, by section title."""
    result: dict[str, list[str]] = {}
    for gap in gaps(definition, values):
        result.setdefault(gap.section_title, []).append(gap.text)
    return result


@dataclass(frozen=True)
class RuleResult:
    level: str
    message: str


def rule_results(definition: FormDefinition, values: dict) -> list[RuleResult]:
    """Vetoes, 必选 full marks, minimum totals and indicator thresholds, as errors and warnings."""
    results = []
    for section, item in definition.all_fields():
        value = (values.get(section.key) or {}).get(item.key)
        if item.kind == "checklist":
            failed = [str(e["code"]) for e in item.items if (value or {}).get(str(e["code"])) == "不符合"]
            if failed:
                results.append(RuleResult("error", Message(N_("%(label)s为否决项，以下条款不符合：%(codes)s"), label=item.label, codes=tuple(failed))))
        if item.kind == "score_table":
            short = [str(e["code"]) for e in item.items if e.get("required")
                     and (as_number(((value or {}).get(str(e["code"])) or {}).get("score")) or 0) < Decimal(str(e["max"]))]
            if short:
                results.append(RuleResult("error", Message(N_("%(label)s中必选项须得满分：%(codes)s"), label=item.label, codes=tuple(short))))
    for rule in definition.rules:
        actual = _rule_value(definition, rule, values)
        if actual is None:
            continue
        if rule.kind == "min_total" and actual < rule.min:
            results.append(RuleResult(rule.level, Message(N_("%(rule)s（当前 %(actual)s 分）"), rule=rule.message, actual=str(actual))))
        if rule.kind == "compare" and not _compare(actual, rule.op, rule.value):
            results.append(RuleResult(rule.level, Message(N_("%(rule)s（当前 %(actual)s）"), rule=rule.message, actual=str(actual))))
    return results


def _rule_value(definition: FormDefinition, rule: Rule, values: dict) -> Decimal | None:
    parts = rule.field.split(".")
    item = definition.field_at(rule.field)
    value = (values.get(parts[0]) or {}).get(parts[1])
    if item.kind == "score_table":
        return score_total(item, value)
    if item.kind == "table" and len(parts) == 4:
        rows = value or []
        index = int(parts[2])
        value = rows[index].get(parts[3]) if index < len(rows) else None
    return as_number(value)


def _compare(actual: Decimal, op: str, expected: Decimal) -> bool:
    return {"<=": actual <= expected, "<": actual < expected, ">=": actual >= expected, ">": actual > expected,
            "==": actual == expected}[op]


def prefilled(definition: FormDefinition, organization, contact: dict | None = None) -> dict:
    """The values the organization's profile and the person filling it in already know (SPEC §4). A licence
    field (`organization.licence`) is a file: the lifecycle copies the registered licence into it."""
    contact = contact or {}
    known = {
        "contact.name": contact.get("name"), "contact.phone": contact.get("phone"),
        "contact.email": contact.get("email"),
        "organization.name": organization.name,
        "organization.credit_code": organization.credit_code,
        "organization.legal_representative": organization.legal_representative,
        "organization.legal_representative_phone": organization.legal_representative_phone,
        "organization.address": organization.address,
        "organization.nature": organization.nature,
        "organization.industry": organization.industry.code if organization.industry else None,
        "organization.region": organization.region.code if organization.region else None,
        "organization.registration_authority": organization.registration_authority,
        "organization.registered_capital": (format(organization.registered_capital / 10000, "f")
                                            if organization.registered_capital is not None else None),
        "organization.founded_on": organization.founded_on.isoformat() if organization.founded_on else None,
    }
    values: dict[str, dict] = {}
    for section, item in definition.all_fields():
        value = known.get(item.prefill) if item.prefill else None
        if value in (None, ""):
            continue
        if item.kind == "choice" and value not in item.choices:
            continue
        if item.kind in ("decimal", "percent"):
            value = format(Decimal(value).quantize(Decimal(1).scaleb(-item.places)).normalize(), "f")
        if item.kind in SIMPLE_KINDS:  # a known value that the form would refuse (an old e-mail) is left for the person
            problems = Problems()
            parse_value(item, value, problems, item.key)
            if problems:
                continue
        values.setdefault(section.key, {})[item.key] = value
    return values


def title_of(definition: FormDefinition, values: dict) -> str | None:
    if not definition.title_field:
        return None
    section, name = definition.title_field.split(".")[:2]
    value = (values.get(section) or {}).get(name)
    return str(value)[:200] if value else None


def unflatten(flat: dict[str, str | list]) -> dict:
    """Page field names `f|section|field`, `f|section|table|row|column`, `f|section|list|code[|score|note]`
    → the nested shape `clean()` takes. Unknown names are ignored by `clean()`; names that contradict each
    other (a field posted both as a value and as a table) keep the first shape seen."""
    out: dict = {}
    for name, value in flat.items():
        parts = name.split("|")
        if parts[0] != "f" or len(parts) < 3 or len(parts) > 5:
            continue
        section = out.setdefault(parts[1], {})
        if len(parts) == 3:
            section.setdefault(parts[2], value)
        elif len(parts) == 5 and parts[3].isdigit():
            rows = section.setdefault(parts[2], [])
            index = int(parts[3])
            if not isinstance(rows, list) or index >= 200:
                continue
            while len(rows) <= index:
                rows.append({})
            rows[index][parts[4]] = value
        else:
            answers = section.setdefault(parts[2], {})
            if not isinstance(answers, dict):
                continue
            if len(parts) == 4:
                answers.setdefault(parts[3], value)
            elif isinstance(answer := answers.setdefault(parts[3], {}), dict):
                answer[parts[4]] = value
    return out


def typed_again(definition: FormDefinition, submitted: dict, cleaned: dict, stored: dict) -> dict:
    """What a refused page shows: every cell as it was typed (even those that did not parse), in the shape
    each field's kind has, so the page renders whatever was posted; files stay as stored."""
    merged: dict[str, dict] = {}
    for section in definition.sections:
        typed = submitted.get(section.key) if isinstance(submitted.get(section.key), dict) else {}
        out = merged.setdefault(section.key, dict(cleaned.get(section.key) or {}))
        for item in section.fields:
            raw = typed.get(item.key)
            if item.kind == "file":
                out[item.key] = (stored.get(section.key) or {}).get(item.key) or []
            elif item.kind == "table":
                if isinstance(raw, list):
                    out[item.key] = [{k: _shown(v) for k, v in row.items()} if isinstance(row, dict) else {}
                                     for row in raw]
            elif item.kind == "checklist":
                if isinstance(raw, dict):
                    out[item.key] = {str(code): _shown(answer) for code, answer in raw.items()}
            elif item.kind == "score_table":
                if isinstance(raw, dict):
                    out[item.key] = {str(code): ({k: _shown(v) for k, v in answer.items()} if isinstance(answer, dict)
                                                 else {"score": _shown(answer)}) for code, answer in raw.items()}
            elif item.kind == "multichoice":
                if raw is not None:
                    out[item.key] = [_shown(v) for v in raw] if isinstance(raw, list) else [_shown(raw)]
            elif raw is not None and not isinstance(raw, dict):
                out[item.key] = _shown(raw)
    return merged


def _shown(value) -> str:
    """A typed value as text for the page (a repeated name arrives as a list: its values, joined)."""
    if isinstance(value, list):
        return "，".join(_shown(v) for v in value)
    return "" if value is None or isinstance(value, dict) else str(value).replace("\x00", "")


# --- checking a definition: every problem at once, each named by where it is --------------------------------

INDICATOR_DIRECTIONS = {"lower_is_better": "越低越好", "higher_is_better": "越高越好"}
TOP_KEYS = {"type", "version", "title", "basis", "title_field", "sections", "rules", "purpose"}
PURPOSES = ("declaration", "filing")  # 申报书, or the 动态管理表 of listed units
SECTION_KEYS = {"key", "title", "sheet", "fields"}
ITEM_KEYS = {"code", "text", "group", "max", "required"}
RULE_KEYS = {"kind", "field", "message", "level", "op", "value", "min"}
TITLE_LIMIT = 100  # the form_definition.title column


def _listed(values) -> str:
    return ", ".join(sorted(values))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class DefinitionCheck:
    """Walks a definition as JSON data and collects every departure from seeds/forms/README.md, in Chinese,
    each prefixed by where it is (`sections[2].fields[5].kind`). The one home of the schema rules: the seeding
    loader, the console upload and `FormDefinition.from_dict` all go through it."""

    def __init__(self, types=None):
        self.errors: list[str] = []
        self.types = types  # known declaration type codes, or None not to check them

    def add(self, where: str, message: str) -> None:
        self.errors.append(f"{where}：{message}" if where else message)

    def text(self, data: dict, key: str, where: str, *, required: bool = True, limit: int | None = None) -> bool:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(f"{where}.{key}" if where else key, "必填，应为非空文本")
            return False
        if not isinstance(value, str):
            self.add(f"{where}.{key}" if where else key, f"应为文本，现为 {json.dumps(value, ensure_ascii=False)[:40]}")
            return False
        if limit and len(value) > limit:
            self.add(f"{where}.{key}" if where else key, f"不能超过 {limit} 字（现为 {len(value)} 字）")
            return False
        return True

    def number(self, data: dict, key: str, where: str, *, required: bool = False) -> bool:
        value = data.get(key)
        if value is None:
            if required:
                self.add(f"{where}.{key}", "必填，应为数字")
            return False
        if not _is_number(value):
            self.add(f"{where}.{key}", f"应为数字，现为 {json.dumps(value, ensure_ascii=False)[:40]}")
            return False
        return True

    def whole(self, data: dict, key: str, where: str, low: int, high: int) -> bool:
        value = data.get(key)
        if value is None:
            return False
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.add(f"{where}.{key}", f"应为 {low} 至 {high} 的整数，现为 {json.dumps(value, ensure_ascii=False)[:40]}")
            return False
        return True

    def unknown(self, data: dict, allowed: set, where: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.add(where, f"未知的键 “{key}”，可用：{_listed(allowed)}")

    def unique(self, values: list[tuple[str, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for where, value in values:
            if value in seen:
                self.add(where, f"{what} “{value}” 与 {seen[value]} 重复")
            else:
                seen[value] = where

    def definition(self, data) -> list[str]:
        if not isinstance(data, dict):
            self.add("", "申报书定义应为 JSON 对象（{ … }）")
            return self.errors
        self.unknown(data, TOP_KEYS, "顶层")
        if self.text(data, "type", "") and self.types is not None and data["type"] not in self.types:
            self.add("type", f"未知的申报类型 “{data['type']}”，可用：{_listed(self.types)}")
        version = data.get("version")
        if version is None:
            self.add("version", "必填，应为文本，如 \"2026.2\"")
        elif not isinstance(version, str):
            self.add("version", f"应写成文本（加引号），如 \"2026.2\"，现为 {json.dumps(version)[:40]}")
        elif len(version) > VERSION_LIMIT or not _VERSION.fullmatch(version):
            self.add("version", f"“{version[:40]}” 不是版本号：应为以点分隔的数字（不带前导零），如 2026.2")
        self.text(data, "title", "", limit=TITLE_LIMIT)
        self.text(data, "basis", "", required=False, limit=500)
        if data.get("purpose", "declaration") not in PURPOSES:
            self.add("purpose", f"应为 {' 或 '.join(PURPOSES)}（申报书或动态管理表），现为 {json.dumps(data.get('purpose'), ensure_ascii=False)[:40]}")
        sections = data.get("sections")
        paths: dict[str, dict] = {}
        if not isinstance(sections, list) or not sections:
            self.add("sections", "必填，应为至少一个分表的列表")
        else:
            keys, sheets = [], []
            for index, section in enumerate(sections):
                where = f"sections[{index}]"
                if not isinstance(section, dict):
                    self.add(where, "应为对象")
                    continue
                self.section(section, where, paths)
                if isinstance(section.get("key"), str):
                    keys.append((f"{where}.key", section["key"]))
                sheet = section.get("sheet") or (section.get("title") if isinstance(section.get("title"), str) else "")
                if isinstance(sheet, str) and sheet:
                    sheets.append((f"{where}.sheet", sheet[:31]))
            self.unique(keys, "分表 key")
            self.unique(sheets, "工作表名")
        if data.get("title_field") is not None:
            target = data["title_field"]
            if not isinstance(target, str) or ".".join(target.split(".")[:2]) not in paths or target.count(".") != 1:
                self.add("title_field", f"“{target}” 不是本申报书的字段（应写成 分表key.字段key）")
        rules = data.get("rules", [])
        if not isinstance(rules, list):
            self.add("rules", "应为列表")
        else:
            for index, rule in enumerate(rules):
                self.rule(rule, f"rules[{index}]", paths)
        return self.errors

    def section(self, data: dict, where: str, paths: dict) -> None:
        self.unknown(data, SECTION_KEYS, where)
        if self.text(data, "key", where) and not _KEY.match(data["key"]):
            self.add(f"{where}.key", f"“{data['key']}” 应为小写英文字母开头的英文标识（a-z、0-9、_，至多 40 位）")
        self.text(data, "title", where, limit=200)
        sheet = data.get("sheet") or data.get("title")
        if data.get("sheet") is not None and not isinstance(data["sheet"], str):
            self.add(f"{where}.sheet", "应为文本")
        elif isinstance(sheet, str) and data.get("sheet") and (len(sheet) > 31 or set(sheet) & _SHEET_FORBIDDEN):
            self.add(f"{where}.sheet", f"工作表名 “{sheet[:40]}” 不能超过 31 字，且不能含 [ ] : * ? / \\")
        fields = data.get("fields")
        if not isinstance(fields, list) or not fields:
            self.add(f"{where}.fields", "必填，应为至少一个字段的列表")
            return
        keys = []
        for index, item in enumerate(fields):
            here = f"{where}.fields[{index}]"
            if not isinstance(item, dict):
                self.add(here, "应为对象")
                continue
            self.field(item, here)
            if isinstance(item.get("key"), str):
                keys.append((f"{here}.key", item["key"]))
                if isinstance(data.get("key"), str):
                    paths[f"{data['key']}.{item['key']}"] = item
        self.unique(keys, "字段 key")

    def field(self, data: dict, where: str, in_table: bool = False) -> None:
        self.unknown(data, FIELD_KEYS, where)
        if self.text(data, "key", where) and not _KEY.match(data["key"]):
            self.add(f"{where}.key", f"“{data['key']}” 应为小写英文字母开头的英文标识（a-z、0-9、_，至多 40 位）")
        self.text(data, "label", where, limit=200)
        kind = data.get("kind")
        allowed = SIMPLE_KINDS if in_table else KINDS
        if not isinstance(kind, str) or kind not in allowed:
            shown = json.dumps(kind, ensure_ascii=False)[:40] if not isinstance(kind, str) else kind[:40]
            if isinstance(kind, str) and kind in KINDS:
                self.add(f"{where}.kind", f"表格的列不能是 “{kind}”，可用：{_listed(allowed)}")
            else:
                self.add(f"{where}.kind", f"未知的字段类型 “{shown}”，可用：{_listed(allowed)}")
            kind = None
        for flag in ("required", "multiple"):
            if flag in data and not isinstance(data[flag], bool):
                self.add(f"{where}.{flag}", "应为 true 或 false")
        self.text(data, "hint", where, required=False, limit=500)
        self.text(data, "unit", where, required=False, limit=20)
        if data.get("prefill") is not None and data["prefill"] not in PREFILLS:
            self.add(f"{where}.prefill", f"未知的预填来源 “{str(data['prefill'])[:60]}”，可用：{_listed(PREFILLS)}")
        self.whole(data, "places", where, 0, MAX_PLACES)
        if "max_length" in data:
            self.whole(data, "max_length", where, 1, 100000)
        elif kind == "longtext":
            self.add(f"{where}.max_length", "长文本（longtext）必须给出字数上限 max_length")
        low, high = self.number(data, "min", where), self.number(data, "max", where)
        if low and high and Decimal(str(data["min"])) > Decimal(str(data["max"])):
            self.add(f"{where}.min", f"最小值 {data['min']} 大于最大值 {data['max']}")
        if kind in ("choice", "multichoice"):
            choices = data.get("choices")
            if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices):
                self.add(f"{where}.choices", "选择题必须给出选项：非空文本的列表")
            else:
                self.unique([(f"{where}.choices[{i}]", c) for i, c in enumerate(choices)], "选项")
                attention = data.get("attention")
                if attention is not None and (not isinstance(attention, list) or not attention
                                              or any(a not in choices for a in attention)):
                    self.add(f"{where}.attention", "需关注的答案（attention）应为本题选项中的一项或几项")
        elif "attention" in data:
            self.add(f"{where}.attention", "只有选择题（choice、multichoice）可以标出需关注的答案（attention）")
        if kind == "file":
            accept = data.get("accept")
            if not isinstance(accept, list) or not accept:
                self.add(f"{where}.accept", f"附件必须给出可上传的格式，可用：{_listed(ACCEPT)}")
            else:
                for value in accept:
                    if value not in ACCEPT:
                        self.add(f"{where}.accept", f"未知的附件格式 “{str(value)[:20]}”，可用：{_listed(ACCEPT)}")
        if kind == "table":
            self.table(data, where)
        elif "columns" in data:
            self.add(f"{where}.columns", "只有表格（table）才有列")
        if kind in ("checklist", "score_table"):
            self.items(data, where, kind)
        if kind == "indicator":
            self.indicator(data, where)

    def table(self, data: dict, where: str) -> None:
        columns = data.get("columns")
        if not isinstance(columns, list) or not columns:
            self.add(f"{where}.columns", "表格必须给出至少一列")
        else:
            keys = []
            for index, column in enumerate(columns):
                here = f"{where}.columns[{index}]"
                if not isinstance(column, dict):
                    self.add(here, "应为对象")
                    continue
                self.field(column, here, in_table=True)
                if isinstance(column.get("key"), str):
                    keys.append((f"{here}.key", column["key"]))
            self.unique(keys, "列 key")
        rows = data.get("rows")
        if rows is not None:
            if not isinstance(rows, list) or not rows or not all(isinstance(r, str) and r for r in rows):
                self.add(f"{where}.rows", "固定行应为非空文本的列表")
            elif len(rows) > 200:
                self.add(f"{where}.rows", f"最多 200 行（现为 {len(rows)} 行）")
            return
        if not self.whole(data, "max_rows", where, 1, 200) and "max_rows" not in data:
            self.add(f"{where}.max_rows", "表格必须给出固定行 rows，或行数上限 max_rows（1 至 200）")
        if self.whole(data, "min_rows", where, 0, 200) and isinstance(data.get("max_rows"), int) \
                and data["min_rows"] > data["max_rows"]:
            self.add(f"{where}.min_rows", f"最少行数 {data['min_rows']} 大于最多行数 {data['max_rows']}")

    def items(self, data: dict, where: str, kind: str) -> None:
        items = data.get("items")
        if not isinstance(items, list) or not items:
            self.add(f"{where}.items", "必须给出至少一个条款")
            return
        codes = []
        for index, item in enumerate(items):
            here = f"{where}.items[{index}]"
            if not isinstance(item, dict):
                self.add(here, "应为对象")
                continue
            self.unknown(item, ITEM_KEYS, here)
            code = item.get("code")
            if not isinstance(code, (str, int)) or isinstance(code, bool) or str(code) == "":
                self.add(f"{here}.code", "必填，条款编号")
            else:
                codes.append((f"{here}.code", str(code)))
            self.text(item, "text", here, limit=2000)
            if kind == "score_table":
                if self.number(item, "max", here, required=True) and not item["max"] > 0:
                    self.add(f"{here}.max", f"满分应大于 0，现为 {item['max']}")
                self.text(item, "group", here, required=False, limit=100)
        self.unique(codes, "条款编号")

    def indicator(self, data: dict, where: str) -> None:
        direction = data.get("direction")
        if direction not in INDICATOR_DIRECTIONS:
            self.add(f"{where}.direction", f"定量指标必须给出方向，可用：{_listed(INDICATOR_DIRECTIONS)}")
        if self.number(data, "points", where, required=True) and not data["points"] > 0:
            self.add(f"{where}.points", f"分值应大于 0，现为 {data['points']}")
        baseline = self.number(data, "baseline", where, required=True)
        leading = self.number(data, "leading", where, required=True)
        if not data.get("unit"):
            self.add(f"{where}.unit", "定量指标必须给出计量单位（无量纲时写 “—”）")
        if baseline and leading and direction in INDICATOR_DIRECTIONS:
            base, lead = Decimal(str(data["baseline"])), Decimal(str(data["leading"]))
            if direction == "lower_is_better" and not lead < base:
                self.add(f"{where}.leading", f"越低越好的指标，引领值 {data['leading']} 应低于基准值 {data['baseline']}")
            if direction == "higher_is_better" and not lead > base:
                self.add(f"{where}.leading", f"越高越好的指标，引领值 {data['leading']} 应高于基准值 {data['baseline']}")

    def rule(self, data, where: str, paths: dict) -> None:
        if not isinstance(data, dict):
            self.add(where, "应为对象")
            return
        self.unknown(data, RULE_KEYS, where)
        kind = data.get("kind")
        if kind not in ("min_total", "compare"):
            self.add(f"{where}.kind", f"未知的规则类型 “{str(kind)[:40]}”，可用：compare, min_total")
        if data.get("level", "error") not in ("error", "warning"):
            self.add(f"{where}.level", f"未知的级别 “{str(data.get('level'))[:20]}”，可用：error, warning")
        if data.get("op", "<=") not in ("<=", "<", ">=", ">", "=="):
            self.add(f"{where}.op", f"未知的比较符 “{str(data.get('op'))[:20]}”，可用：<, <=, ==, >, >=")
        self.text(data, "message", where, limit=500)
        target = data.get("field")
        if not isinstance(target, str) or not target:
            self.add(f"{where}.field", "必填，写成 分表key.字段key")
            return
        parts = target.split(".")
        item = paths.get(".".join(parts[:2]))
        if item is None:
            self.add(f"{where}.field", f"“{target[:80]}” 不是本申报书的字段")
            return
        if kind == "min_total":
            if item.get("kind") != "score_table":
                self.add(f"{where}.field", f"min_total 只能用于评分表（score_table），“{target}” 是 {item.get('kind')}")
            self.number(data, "min", where, required=True)
        if kind == "compare":
            self.number(data, "value", where, required=True)
            if item.get("kind") == "table":
                columns = {c.get("key") for c in item.get("columns") or [] if isinstance(c, dict)}
                limit = len(item["rows"]) if isinstance(item.get("rows"), list) else item.get("max_rows") or 0
                if len(parts) != 4 or not parts[2].isdigit() or int(parts[2]) >= limit or parts[3] not in columns:
                    self.add(f"{where}.field", f"“{target[:80]}” 不是表格 {parts[1]} 的单元格（分表.表格.行号.列key）")
            elif len(parts) != 2:
                self.add(f"{where}.field", f"“{target[:80]}” 应写成 分表key.字段key")


def check_definition(data, types=None) -> list[str]:
    """Every problem of a definition (parsed JSON), in Chinese, each named by where it is; [] when none."""
    return DefinitionCheck(types).definition(data)


def check_text(text: str, types=None) -> tuple[dict | None, list[str]]:
    """An uploaded definition as text: (data, []) when it follows the schema, else (data or None, every problem).
    A JSON syntax error names its line and column."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as problem:
        return None, [f"第 {problem.lineno} 行第 {problem.colno} 列：JSON 格式错误（{_JSON_WORDS.get(problem.msg, problem.msg)}）"]
    except (ValueError, RecursionError):
        return None, ["JSON 格式错误：无法读取"]
    return data, check_definition(data, types)


_JSON_WORDS = {
    "Expecting value": "此处应为一个值",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "键名应使用英文双引号",
    "Unterminated string starting at": "字符串缺少结尾的引号",
    "Extra data": "JSON 结束后还有多余内容",
    "Invalid control character at": "字符串中有非法控制字符",
    "Invalid \\escape": "非法的转义符",
}


# --- quantitative indicators: the score of a measured value ------------------------------------------------

def indicator_score(item: Field, value) -> Decimal | None:
    """The points a measured value earns (seeds/forms/README.md): at or worse than 基准值 0, at or better than
    引领值 the full points, linear in between, rounded half up to 2 places; None when there is no number."""
    measured = as_number(value)
    if measured is None or item.kind != "indicator":
        return None
    baseline, leading, points = item.baseline, item.leading, item.points
    if item.direction == "lower_is_better":
        measured, baseline, leading = -measured, -baseline, -leading
    if measured <= baseline:
        return Decimal("0.00")
    if measured >= leading:
        return points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (points * (measured - baseline) / (leading - baseline)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def page_totals(definition: FormDefinition, values: dict) -> dict[str, Decimal | None]:
    """What the page shows as computed, by field path: each score table's total and each indicator's score
    (None while it has no number)."""
    totals: dict[str, Decimal | None] = {}
    for section, item in definition.all_fields():
        value = (values.get(section.key) or {}).get(item.key)
        if item.kind == "score_table":
            totals[f"{section.key}.{item.key}"] = score_total(item, value)
        elif item.kind == "indicator":
            totals[f"{section.key}.{item.key}"] = indicator_score(item, value)
    return totals


def indicator_terms(item: Field) -> str:
    """基准值, 引领值, points and direction of an indicator as one line, for the page, the xlsx and the print."""
    unit = "" if item.unit in ("", "—") else item.unit
    return (f"基准值 {item.baseline}{unit}，引领值 {item.leading}{unit}，"
            f"{INDICATOR_DIRECTIONS.get(item.direction, '')}，满分 {item.points} 分")


def indicator_total(definition: FormDefinition, values: dict) -> tuple[Decimal, Decimal]:
    """(points earned, points possible) over every indicator field of a definition."""
    earned, possible = Decimal(0), Decimal(0)
    for section, item in definition.all_fields():
        if item.kind == "indicator":
            possible += item.points
            earned += indicator_score(item, (values.get(section.key) or {}).get(item.key)) or 0
    return earned, possible


# --- example values ----------------------------------------------------------------------------------------

EXAMPLES = {  # a valid value of each simple kind, for example values
    "text": "示例内容", "longtext": "示例说明文字", "date": "2024-06-30", "region": "130102", "industry": "3411",
    "phone": "13800000000", "email": "contact@example.cn", "credit_code": "914403001922038216", "postcode": "050000",
}


def example_value(item: Field):
    if item.kind in EXAMPLES:
        return EXAMPLES[item.kind][: item.max_length] if item.max_length else EXAMPLES[item.kind]
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


def example_values(definition: FormDefinition, file_id: int | None = None) -> dict:
    """Every field, row, item and score filled so that 上报 has nothing to complain about; required
    file fields get `file_id`, an attachment of the declaration. The tests' complete values, and the demo's
    stand-in for what its listed units typed."""
    values: dict = {}
    for section, item in definition.all_fields():
        out = values.setdefault(section.key, {})
        if item.kind == "file":
            out[item.key] = [file_id] if (item.required and file_id) else []
        elif item.kind == "table":
            count = len(item.rows) if item.rows else max(item.min_rows, 1)
            out[item.key] = [{c.key: example_value(c) for c in item.columns} for _ in range(count)]
        elif item.kind == "checklist":
            out[item.key] = {str(e["code"]): "符合" for e in item.items}
        elif item.kind == "score_table":
            out[item.key] = {str(e["code"]): {"score": format(Decimal(str(e["max"])).normalize(), "f")}
                             for e in item.items}
        else:
            out[item.key] = example_value(item)
    return values
