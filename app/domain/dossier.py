"""The 申报书 as a reviewer reads it, and what changed between two rounds of it.

`read()` turns stored form values into what a page shows: every section and field with the labels of its
definition, names instead of codes, score tables with their totals and the 必选 verdicts, veto checklists with
the items that fail. `leaves()` walks the same content as single cells, so `changes()` can say field by field
what differs between two contents (two submitted rounds, or the form and an uploaded workbook). Nothing here
reads the database: names of regions, industries and attachments are passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterator, Mapping

from app.domain.forms import VERDICTS, Field, FormDefinition, indicator_score


@dataclass(frozen=True)
class Names:
    """What codes and ids in form values stand for."""

    regions: Mapping[str, str] = field(default_factory=dict)  # 130102 → 河北省石家庄市长安区
    industries: Mapping[str, str] = field(default_factory=dict)  # 3411 → 锅炉及辅助设备制造
    attachments: Mapping[int, str] = field(default_factory=dict)  # id → 节能诊断报告.pdf


def text_of(item: Field, value, names: Names) -> str:
    """One simple value as a person reads it."""
    if value is None or value == "" or value == []:
        return ""
    if item.kind == "region":
        return names.regions.get(str(value), str(value))
    if item.kind == "industry":
        name = names.industries.get(str(value))
        return f"{value} {name}" if name else str(value)
    if item.kind in ("multichoice", "file"):
        values = value if isinstance(value, list) else [value]
        if item.kind == "file":
            return "、".join(names.attachments.get(v, f"#{v}") for v in values)
        return "、".join(str(v) for v in values)
    if item.kind == "percent":
        return f"{value}%"
    if item.kind == "indicator":
        score = indicator_score(item, value)
        return f"{value}（得分 {score if score is not None else '—'} / {item.points}）"
    return str(value)


def attached(definition: FormDefinition, values: dict) -> list[tuple[str, int]]:
    """(field path, attachment id) of every file the content holds, in the form's order."""
    found = []
    for section, item in definition.all_fields():
        if item.kind == "file":
            ids = (values.get(section.key) or {}).get(item.key) or []
            found += [(f"{section.key}.{item.key}", i) for i in ids if isinstance(i, int)]
    return found


CONTACT_SECTION = "basic"  # 表1 基本信息表, which holds 联系人 and 联系电话 in every form definition


def contacts(values: dict) -> tuple[str, str]:
    """(联系人, 联系电话) of a content (SQL reads the same keys: recommendation.contact_columns)."""
    section = values.get(CONTACT_SECTION) if isinstance(values.get(CONTACT_SECTION), dict) else {}
    return str(section.get("contact") or ""), str(section.get("contact_phone") or "")


# --- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """A simple field: its label and what the applicant filled."""

    kind = "row"  # how a page draws it

    path: str
    label: str
    text: str
    unit: str = ""
    long: bool = False
    required: bool = False


@dataclass(frozen=True)
class Grid:
    """A table field: its column headers and one list of cell texts per row, after the row's label."""

    kind = "grid"  # how a page draws it

    path: str
    label: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Checks:
    """A veto checklist: (code, requirement, verdict) per item; `failed` lists the items answered 不符合."""

    kind = "checks"  # how a page draws it

    path: str
    label: str
    entries: tuple[tuple[str, str, str], ...]
    failed: tuple[str, ...]
    unanswered: int


@dataclass(frozen=True)
class ScoreItem:
    code: str
    group: str
    text: str
    max: str
    required: bool
    score: str
    note: str
    short: bool  # 必选 and below full marks


@dataclass(frozen=True)
class Scores:
    kind = "scores"  # how a page draws it
    path: str
    label: str
    items: tuple[ScoreItem, ...]
    total: str
    maximum: str
    unanswered: int

    @property
    def short(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items if i.short)


@dataclass(frozen=True)
class Files:
    kind = "files"  # how a page draws it
    path: str
    label: str
    ids: tuple[int, ...]
    required: bool = False


@dataclass(frozen=True)
class SectionReading:
    key: str
    title: str
    blocks: tuple


def read(definition: FormDefinition, values: dict, names: Names) -> list[SectionReading]:
    sections = []
    for section in definition.sections:
        data = values.get(section.key) or {}
        blocks = [_block(f"{section.key}.{item.key}", item, data.get(item.key), names) for item in section.fields]
        sections.append(SectionReading(section.key, section.title, tuple(blocks)))
    return sections


def _block(path: str, item: Field, value, names: Names):
    if item.kind == "table":
        rows = value if isinstance(value, list) else []
        labels = item.rows or tuple(str(i + 1) for i in range(len(rows)))
        body = []
        for index, label in enumerate(labels):
            row = rows[index] if index < len(rows) and isinstance(rows[index], dict) else {}
            if not item.rows and not row:
                continue
            body.append((label, tuple(text_of(c, row.get(c.key), names) for c in item.columns)))
        headers = tuple(f"{c.label}（{c.unit}）" if c.unit else c.label for c in item.columns)
        return Grid(path, item.label, headers, tuple(body))
    if item.kind == "checklist":
        answers = value if isinstance(value, dict) else {}
        entries = tuple((str(e["code"]), e["text"], str(answers.get(str(e["code"])) or "")) for e in item.items)
        return Checks(path, item.label, entries, tuple(c for c, _, v in entries if v == VERDICTS[1]),
                      sum(1 for _, _, v in entries if v not in VERDICTS))
    if item.kind == "score_table":
        answers = value if isinstance(value, dict) else {}
        items, total, maximum, unanswered = [], Decimal(0), Decimal(0), 0
        for entry in item.items:
            answer = answers.get(str(entry["code"]))
            answer = answer if isinstance(answer, dict) else {}
            score = _decimal(answer.get("score"))
            top = Decimal(str(entry["max"]))
            maximum += top
            if score is None:
                unanswered += 1
            else:
                total += score
            items.append(ScoreItem(
                code=str(entry["code"]), group=str(entry.get("group") or ""), text=entry["text"], max=_plain(top),
                required=bool(entry.get("required")), score=_plain(score) if score is not None else "",
                note=str(answer.get("note") or ""),
                short=bool(entry.get("required")) and (score is None or score < top)))
        return Scores(path, item.label, tuple(items), _plain(total), _plain(maximum), unanswered)
    if item.kind == "file":
        ids = tuple(v for v in (value or []) if isinstance(v, int)) if isinstance(value, list) else ()
        return Files(path, item.label, ids, item.required)
    return Row(path, item.label, text_of(item, value, names), item.unit, item.kind == "longtext", item.required)


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")


# --- differences ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Leaf:
    path: str
    section: str
    label: str
    text: str


def leaves(definition: FormDefinition, values: dict, names: Names) -> Iterator[Leaf]:
    """Every cell of a content, filled or not, as one labelled text; the unit of a diff."""
    for reading in read(definition, values, names):
        for block in reading.blocks:
            if isinstance(block, Row):
                yield Leaf(block.path, reading.title, block.label, block.text)
            elif isinstance(block, Grid):
                for label, cells in block.rows:
                    for header, text in zip(block.headers, cells):
                        yield Leaf(f"{block.path}.{label}.{header}", reading.title,
                                   f"{block.label}·{label}·{header}", text)
            elif isinstance(block, Checks):
                for code, _, verdict in block.entries:
                    yield Leaf(f"{block.path}.{code}", reading.title, f"{block.label}·{code}", verdict)
            elif isinstance(block, Scores):
                for item in block.items:
                    yield Leaf(f"{block.path}.{item.code}", reading.title, f"{block.label}·{item.code} 自评分",
                               item.score)
                    yield Leaf(f"{block.path}.{item.code}.note", reading.title, f"{block.label}·{item.code} 说明",
                               item.note)
            elif isinstance(block, Files):
                yield Leaf(block.path, reading.title, block.label,
                           "、".join(names.attachments.get(i, f"#{i}") for i in block.ids))


@dataclass(frozen=True)
class Change:
    path: str
    section: str
    label: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        """added (was empty), erased (is now empty) or changed."""
        if not self.before:
            return "added"
        if not self.after:
            return "erased"
        return "changed"


def changes(definition: FormDefinition, before: dict, after: dict, names: Names,
            before_definition: FormDefinition | None = None) -> list[Change]:
    """Field by field, what `after` says differently from `before`, in the form's order. A round created with
    an older form version is read with its own definition; cells only one of them has count as added or erased."""
    old = {leaf.path: leaf for leaf in leaves(before_definition or definition, before, names)}
    found = []
    for leaf in leaves(definition, after, names):
        previous = old.pop(leaf.path, None)
        text = previous.text if previous else ""
        if text != leaf.text:
            found.append(Change(leaf.path, leaf.section, leaf.label, text, leaf.text))
    found += [Change(p, leaf.section, leaf.label, leaf.text, "") for p, leaf in old.items() if leaf.text]
    return found
