"""The declaration form as an xlsx workbook, laid out like the manual's sheets, and back.

`layout()` is the single map between a definition and cells: export writes through it, import reads
through it, so a filled workbook comes back as exactly the values it was made from. Uploads are checked
as a zip package before openpyxl sees them (size, macros, external links, compression bombs), formulas
are refused by cell, and every problem is named `工作表!单元格: 说明`; nothing is saved unless all is well.

Regions and industries are offered as dropdowns of `代码 名称`, whose lists live on a hidden sheet (an
inline list holds 255 characters); import takes the code, `代码 名称` or the exact name. `compare()` is
what an import would change, field by field, so the applicant confirms before anything is saved.
"""
from __future__ import annotations

import hashlib
import io
import json
import posixpath
import zipfile
from dataclasses import dataclass
from typing import Iterator, Mapping

from defusedxml import ElementTree as safe_xml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from app.domain import DomainError, Message
from app.vocabulary import N_
from app.domain.dossier import Change, Names, changes
from app.domain.forms import VERDICTS, Field, FormDefinition, clean, indicator_terms, score_total

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 2000
TEMPLATE_MARK = "绿色制造申报书"  # A1 of the lists sheet (of the cover in older downloads) names the type and version
LISTS_SHEET = "下拉选项"  # hidden: the template mark and the dropdown lists
PENDING_IMPORT = "workbook_import"  # the purpose of an uploaded workbook waiting for its preview to be confirmed
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INLINE_LIST_LIMIT = 255  # characters of an inline dropdown list (Excel's limit)

LABEL_FILL = PatternFill("solid", fgColor="E8F1EC")
INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
TITLE_FONT = Font(bold=True, size=14, color="1F6F43")
BOLD = Font(bold=True)
THIN = Side(style="thin", color="B7C9BE")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Cell:
    """One input cell: where it is, what it holds (a path into the values), and how to check it."""

    sheet: str
    row: int
    column: int
    path: tuple  # (section, field), (section, table, row, column), (section, checklist, code), (…, code, "score"|"note")
    field: Field

    @property
    def address(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


@dataclass(frozen=True)
class Label:
    sheet: str
    row: int
    column: int
    text: str
    bold: bool = False


def layout(definition: FormDefinition) -> Iterator[Cell | Label]:
    """Every label and input cell of the workbook, in order."""
    for section in definition.sections:
        sheet = section.sheet
        yield Label(sheet, 1, 1, section.title, bold=True)
        row = 3
        for item in section.fields:
            if item.kind == "file":
                yield Label(sheet, row, 1, item.label)
                yield Label(sheet, row, 2, "（附件请在系统中上传）")
                row += 1
            elif item.kind == "table":
                row += 1
                yield Label(sheet, row, 1, item.label + ("（必填）" if item.required else ""), bold=True)
                row += 1
                yield Label(sheet, row, 1, "项目" if item.fixed_rows else "序号", bold=True)
                for offset, column in enumerate(item.columns, start=2):
                    yield Label(sheet, row, offset, column.label + (f"（{column.unit}）" if column.unit else ""), True)
                for index in range(item.row_count_limit):
                    row += 1
                    yield Label(sheet, row, 1, item.rows[index] if item.fixed_rows else str(index + 1))
                    for offset, column in enumerate(item.columns, start=2):
                        yield Cell(sheet, row, offset, (section.key, item.key, index, column.key), column)
                row += 2
            elif item.kind == "checklist":
                row += 1
                yield Label(sheet, row, 1, item.label + "（否决项，须全部符合）", bold=True)
                row += 1
                for column, text in enumerate(("条款", "要求", "是否符合"), start=1):
                    yield Label(sheet, row, column, text, bold=True)
                verdict = Field(key="verdict", label="是否符合", kind="choice", choices=VERDICTS)
                for entry in item.items:
                    row += 1
                    yield Label(sheet, row, 1, str(entry["code"]))
                    yield Label(sheet, row, 2, entry["text"])
                    yield Cell(sheet, row, 3, (section.key, item.key, str(entry["code"])), verdict)
                row += 2
            elif item.kind == "score_table":
                row += 1
                yield Label(sheet, row, 1, item.label + "（合计由系统计算）", bold=True)
                row += 1
                for column, text in enumerate(("条款", "一级指标", "要求", "满分", "必选", "自评分", "说明"), start=1):
                    yield Label(sheet, row, column, text, bold=True)
                for entry in item.items:
                    row += 1
                    code = str(entry["code"])
                    score = Field(key="score", label=f"{code} 自评分", kind="decimal", min=0, max=entry["max"])
                    note = Field(key="note", label=f"{code} 说明", kind="text", max_length=500)
                    yield Label(sheet, row, 1, code)
                    yield Label(sheet, row, 2, entry.get("group", ""))
                    yield Label(sheet, row, 3, entry["text"])
                    yield Label(sheet, row, 4, str(entry["max"]))
                    yield Label(sheet, row, 5, "是" if entry.get("required") else "否")
                    yield Cell(sheet, row, 6, (section.key, item.key, code, "score"), score)
                    yield Cell(sheet, row, 7, (section.key, item.key, code, "note"), note)
                row += 2
            else:
                label = item.label + (f"（{item.unit}）" if item.unit else "") + ("*" if item.required else "")
                yield Label(sheet, row, 1, label)
                yield Cell(sheet, row, 2, (section.key, item.key), item)
                hint = "；".join(filter(None, (indicator_terms(item) if item.kind == "indicator" else "", item.hint)))
                if hint:
                    yield Label(sheet, row, 3, hint)
                row += 1


def _value_at(values: dict, path: tuple):
    section = values.get(path[0]) or {}
    value = section.get(path[1])
    if len(path) == 2:
        return value
    if isinstance(value, list):  # table
        index, column = path[2], path[3]
        return (value[index] or {}).get(column) if index < len(value) else None
    entry = (value or {}).get(path[2])
    if len(path) == 3:
        return entry
    return (entry or {}).get(path[3])


def _as_cell(item: Field, value, names: Names | None = None):
    """A stored value as its cell shows it: regions and industries as `代码 名称`, as their dropdowns list them."""
    if value is None:
        return None
    if item.kind == "multichoice":
        return "、".join(value)
    if item.kind in ("decimal", "percent", "indicator"):
        return str(value)  # text keeps the exact decimal; the cell is formatted as text
    if item.kind in ("region", "industry") and names is not None:
        return _coded(str(value), _names_for(item, names))
    return value


def _names_for(item: Field, names: Names) -> Mapping[str, str]:
    return names.regions if item.kind == "region" else names.industries


def _coded(code: str, known: Mapping[str, str]) -> str:
    name = known.get(code)
    return f"{code} {name}" if name else code


class _Lists:
    """The hidden sheet: the template mark in A1, then one column per dropdown list, each under a defined
    name that a data validation refers to (a list of any length, unlike an inline one)."""

    def __init__(self, book: Workbook, mark: str):
        self.book = book
        self.sheet = book.create_sheet(LISTS_SHEET)
        self.sheet.sheet_state = "hidden"
        self.sheet.protection.sheet = True
        self.sheet["A1"] = mark
        self.names: dict[tuple, str] = {}

    def formula(self, key: tuple, entries) -> str | None:
        """The data validation formula of a list: inline when short, else a defined name on this sheet."""
        entries = [str(e) for e in entries]
        if not entries:
            return None
        inline = '"' + ",".join(entries) + '"'
        if len(inline) <= INLINE_LIST_LIMIT and not any("," in e or '"' in e for e in entries):
            return inline
        if key not in self.names:
            column = len(self.names) + 2
            for row, entry in enumerate(entries, start=1):
                cell = self.sheet.cell(row=row, column=column, value=entry)
                cell.data_type = "s"
            letter = get_column_letter(column)
            name = f"list_{len(self.names) + 1}"
            self.book.defined_names[name] = DefinedName(
                name, attr_text=f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(entries)}")
            self.names[key] = name
        return self.names[key]


def export(definition: FormDefinition, values: dict, *, unit_name: str = "", type_name: str = "", batch: str = "",
           names: Names | None = None) -> bytes:
    """A workbook of the form (blank when `values` is empty) that `read()` accepts back unchanged. With
    `names`, region and industry cells offer dropdowns of `代码 名称`."""
    book = Workbook()
    cover = book.active
    cover.title = "封面"
    cover["A1"] = TEMPLATE_MARK
    cover["A1"].font = TITLE_FONT
    cover["A3"] = definition.title
    cover["A3"].font = TITLE_FONT
    rows = (("申报类型", type_name or definition.title), ("申报批次", batch), ("申报单位", unit_name),
            ("表单版本", definition.version), ("依据", definition.basis))
    for row, (label, text) in enumerate(rows, start=5):
        cover.cell(row=row, column=1, value=label).font = BOLD
        cover.cell(row=row, column=2, value=text).data_type = "s"
    cover["A11"] = "填写说明：黄色单元格为填写区，其他单元格已锁定；请勿修改工作表名称和布局，不要使用公式。" \
                   "所在地区、所属行业等可从下拉列表选择，也可只填代码。"
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 14, 60
    cover.protection.sheet = True
    sheets = {}
    for section in definition.sections:
        sheet = book.create_sheet(section.sheet)
        sheet.protection.sheet = True
        sheet.protection.formatCells = False
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 36
        for letter in "CDEFG":
            sheet.column_dimensions[letter].width = 22
        sheets[section.sheet] = sheet
    lists = _Lists(book, f"{TEMPLATE_MARK}·{definition.type}·{definition.version}")
    validations: dict[tuple, DataValidation] = {}
    for entry in layout(definition):
        sheet = sheets[entry.sheet]
        cell = sheet.cell(row=entry.row, column=entry.column)
        if isinstance(entry, Label):
            cell.value = entry.text
            cell.font = TITLE_FONT if entry.row == 1 else (BOLD if entry.bold else Font())
            cell.alignment = WRAP
            if entry.row > 1:
                cell.fill, cell.border = LABEL_FILL, BOX
            continue
        value = _as_cell(entry.field, _value_at(values, entry.path), names)
        if value is not None:
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text that looks like a formula stays text (formula injection)
        cell.fill, cell.border, cell.alignment = INPUT_FILL, BOX, WRAP
        cell.protection = Protection(locked=False)
        if entry.field.kind in ("decimal", "percent", "indicator", "text", "longtext", "phone", "credit_code", "region",
                                "industry"):
            cell.number_format = "@"
        if entry.field.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        validation = _dropdown(sheet, entry, lists, validations, names)
        if validation is not None:
            validation.add(cell)
        if entry.field.kind == "longtext" and entry.field.max_length:
            limit = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(entry.field.max_length),
                                   showErrorMessage=True, error=f"不超过 {entry.field.max_length} 字",
                                   showInputMessage=True, prompt=f"不超过 {entry.field.max_length} 字")
            sheet.add_data_validation(limit)
            limit.add(cell)
            sheet.row_dimensions[entry.row].height = 90
    for section, item in definition.all_fields():
        if item.kind == "score_table":
            total = score_total(item, (values.get(section.key) or {}).get(item.key))
            sheet = sheets[section.sheet]
            sheet.cell(row=sheet.max_row + 1, column=5, value="自评合计").font = BOLD
            sheet.cell(row=sheet.max_row, column=6, value=str(total)).font = BOLD
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _dropdown(sheet, entry: Cell, lists: _Lists, validations: dict, names: Names | None) -> DataValidation | None:
    """The list validation of a choice, region or industry cell, one per sheet and list. A region or industry
    may also be typed as its bare code, so Excel only warns there; a choice must come from its list."""
    item = entry.field
    if item.kind == "choice":
        key, entries, strict = ("choice", item.choices), item.choices, True
    elif item.kind in ("region", "industry") and names is not None:
        known = _names_for(item, names)
        key, entries, strict = (item.kind,), [_coded(code, known) for code in sorted(known)], False
    else:
        return None
    if (entry.sheet, key) not in validations:
        formula = lists.formula(key, entries)
        if formula is None:
            return None
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle="输入有误", error="请从下拉列表中选择")
        if not strict:
            validation.errorStyle = "warning"
            validation.error = "请从下拉列表中选择，或只填写代码"
            validation.showInputMessage = True
            validation.prompt = "可从下拉列表选择，也可只填写代码"
        sheet.add_data_validation(validation)
        validations[(entry.sheet, key)] = validation
    return validations[(entry.sheet, key)]


@dataclass(frozen=True)
class SheetLimits:
    """How much one worksheet of an upload may hold, counted from its real cells (a sheet's declared dimension
    can lie, and openpyxl trusts it)."""

    rows: int
    columns: int
    cells: int


# A declaration template: its longest sheet is the hidden list of every region's name.
FORM_LIMITS = SheetLimits(rows=10_000, columns=64, cells=100_000)


def check_package(data: bytes, limits: SheetLimits = FORM_LIMITS) -> None:
    """Refuse what must never reach openpyxl: oversize, not a zip, macros, external links, bombs, and sheets
    with more rows, columns or cells than `limits`."""
    if not data:
        raise DomainError(N_("文件为空"), kind="invalid")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(N_("文件超过 10 MB，请删除多余内容后再上传"), kind="invalid")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
        content_types = package.read("[Content_Types].xml") if "[Content_Types].xml" in package.namelist() else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError):
        raise DomainError(N_("不是有效的 xlsx 文件，请使用系统下载的模板填写后上传"), kind="invalid")
    if not content_types or "xl/workbook.xml" not in {m.filename for m in members}:
        raise DomainError(N_("不是有效的 xlsx 文件，请使用系统下载的模板填写后上传"), kind="invalid")
    if len(members) > MAX_MEMBERS:
        raise DomainError(N_("文件结构异常（部件过多），已拒绝"), kind="invalid")
    names = {m.filename.lower() for m in members}
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types or b"vbaProject" in content_types:
        raise DomainError(N_("不接受含宏的文件（xlsm），请另存为普通 xlsx 后上传"), kind="invalid")
    if any(n.startswith("xl/externallinks/") for n in names):
        raise DomainError(N_("文件含有外部链接，请删除外部链接后上传"), kind="invalid")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_RATIO:
        raise DomainError(N_("文件解压后体积异常（疑似压缩炸弹），已拒绝"), kind="invalid")
    for sheet, part in _worksheets(package):
        _check_cells(package, sheet, part, limits)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _worksheets(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) of every worksheet, found as openpyxl finds them: workbook.xml through its rels."""
    try:
        workbook_xml = safe_xml.fromstring(package.read("xl/workbook.xml"))
        rels_xml = safe_xml.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # a missing part, broken XML or a forbidden DTD: openpyxl could not read it either
        raise DomainError(N_("文件无法解析，请使用系统下载的模板填写后上传"), kind="invalid")
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels_xml.iter(f"{_PACKAGE_RELS}Relationship")}
    sheets = []
    for sheet in workbook_xml.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_RELATIONSHIP), "")
        part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target))
        sheets.append((sheet.get("name", ""), part))
    return sheets


def _check_cells(package: zipfile.ZipFile, sheet: str, part: str, limits: SheetLimits) -> None:
    """Stream the sheet's XML and stop at the first row, column or cell beyond the limits."""
    rows = cells = 0
    try:
        with package.open(part) as stream:
            for event, element in safe_xml.iterparse(stream, events=("start", "end")):
                if event == "start" and element.tag == f"{_MAIN}row":
                    rows = _index(element.get("r"), rows + 1)
                    column = 0
                    if rows > limits.rows:
                        raise DomainError(TOO_MANY_ROWS, sheet=sheet, limit=limits.rows, kind="invalid")
                elif event == "start" and element.tag == f"{_MAIN}c":
                    column = _column(element.get("r"), column + 1)
                    cells += 1
                    if column > limits.columns:
                        raise DomainError(TOO_MANY_COLUMNS, sheet=sheet, limit=limits.columns, kind="invalid")
                    if cells > limits.cells:
                        raise DomainError(TOO_MANY_CELLS, sheet=sheet, limit=limits.cells, kind="invalid")
                elif event == "end" and element.tag == f"{_MAIN}row":
                    element.clear()
    except DomainError:
        raise
    except Exception:  # a missing part or broken XML
        raise DomainError(N_("文件无法解析，请使用系统下载的模板填写后上传"), kind="invalid")


TOO_MANY_ROWS = N_("工作表“%(sheet)s”超过 %(limit)d 行，请删除多余的行后再上传")
TOO_MANY_COLUMNS = N_("工作表“%(sheet)s”超过 %(limit)d 列，请删除多余的列后再上传")
TOO_MANY_CELLS = N_("工作表“%(sheet)s”超过 %(limit)d 个单元格，请删除多余内容后再上传")


def _index(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _column(reference: str | None, default: int) -> int:
    """B12 → 2; a cell without a reference follows the one before it."""
    letters = "".join(ch for ch in (reference or "") if "A" <= ch <= "Z")
    if not letters:
        return default
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def read(definition: FormDefinition, data: bytes, *, regions=None, industries=None,
         names: Names | None = None) -> tuple[dict, list[str]]:
    """Values from an uploaded workbook, and every problem as `工作表!单元格: 说明` (empty when all is well).
    With `names`, a region or industry cell may hold its code, `代码 名称` or its exact name."""
    check_package(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=False, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many types for broken parts (KeyError, ValueError, ParseError …)
        raise DomainError(N_("文件无法解析，请使用系统下载的模板填写后上传"), kind="invalid")
    mark = f"{TEMPLATE_MARK}·{definition.type}·"
    marks = [str(book[s]["A1"].value or "") for s in (LISTS_SHEET, "封面") if s in book.sheetnames]
    if "封面" not in book.sheetnames or not any(m.startswith(mark) for m in marks):
        raise DomainError(N_("这不是本类型申报书的模板，请先下载本申报的 xlsx 模板再填写"), kind="invalid")
    missing_sheets = [s.sheet for s in definition.sections if s.sheet not in book.sheetnames]
    if missing_sheets:
        raise DomainError(N_("模板缺少工作表：%(sheets)s"), sheets=tuple(missing_sheets), kind="invalid")
    codes = _Codes(names) if names is not None else None
    problems: list[str] = []
    submitted: dict = {}
    where: dict[str, str] = {}
    for entry in layout(definition):
        if not isinstance(entry, Cell):
            continue
        cell = book[entry.sheet].cell(row=entry.row, column=entry.column)
        value = cell.value
        address = f"{entry.sheet}!{entry.address}"
        if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and len(value) > 1
                                     and cell.data_type != "s"):
            problems.append(Message(N_("%(cell)s: 不接受公式，请填写数值或文字"), cell=address))
            continue
        if value is None or value == "":
            continue
        if codes is not None and entry.field.kind in ("region", "industry"):
            value = codes.of(entry.field, value)
        _put(submitted, entry.path, value)
        where[".".join(str(p) for p in entry.path)] = address
    values, found = clean(definition, submitted, regions=regions, industries=industries)
    for path, message in found.errors.items():
        problems.append(Message(N_("%(cell)s: %(message)s"), cell=_address_of(path, where, definition), message=message))
    return values, problems


class _Codes:
    """A region or industry cell's code, from the code itself, `代码 名称` (a dropdown entry) or the exact name."""

    def __init__(self, names: Names):
        self.known = {"region": names.regions, "industry": names.industries}
        # a name shared by a class and its only subclass (中类 and 小类) stands for the finer, longer code
        self.by_name = {kind: {known[code]: code for code in sorted(known, key=lambda c: (len(c), c))}
                        for kind, known in self.known.items()}

    def of(self, item: Field, value):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)  # a code typed into a cell Excel treated as a number
        text = str(value).strip()
        known = self.known[item.kind]
        if text in known:
            return text
        code = text.split(None, 1)[0] if text else text
        if code in known:
            return code
        return self.by_name[item.kind].get(text, value)


@dataclass(frozen=True)
class Import:
    """What an uploaded workbook would do to a declaration's content: the content it would save (attachments
    kept: the workbook has none), every change field by field, or the problems that refuse it."""

    values: dict
    changes: tuple[Change, ...]
    problems: tuple[str, ...]

    @property
    def erased(self) -> tuple[Change, ...]:
        """Values on the web that a blank cell would clear."""
        return tuple(c for c in self.changes if c.kind == "erased")


def compare(definition: FormDefinition, current: dict, data: bytes, *, regions=None, industries=None,
            names: Names = Names()) -> Import:
    """The preview of an import; raises DomainError when the file is not this type's workbook at all."""
    values, problems = read(definition, data, regions=regions, industries=industries, names=names)
    if problems:
        return Import({}, (), tuple(problems))
    for section, item in definition.all_fields():
        if item.kind == "file":  # files are attached on the web only; an import never touches them
            values.setdefault(section.key, {})[item.key] = list((current.get(section.key) or {}).get(item.key) or [])
    return Import(values, tuple(changes(definition, current, values, names)), ())


def fingerprint(values: dict) -> str:
    """A content's identity: a preview confirmed against another content is shown again, never applied."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _put(target: dict, path: tuple, value) -> None:
    section = target.setdefault(path[0], {})
    if len(path) == 2:
        section[path[1]] = value
    elif isinstance(path[2], int):
        rows = section.setdefault(path[1], [])
        while len(rows) <= path[2]:
            rows.append({})
        rows[path[2]][path[3]] = value
    elif len(path) == 3:
        section.setdefault(path[1], {})[path[2]] = value
    else:
        section.setdefault(path[1], {}).setdefault(path[2], {})[path[3]] = value


def _address_of(path: str, where: dict[str, str], definition: FormDefinition) -> str:
    """The cell of a problem path; problems of a whole table or list name its sheet."""
    for key in (path, path + ".score"):
        if key in where:
            return where[key]
    section_key = path.split(".")[0]
    sheet = next((s.sheet for s in definition.sections if s.key == section_key), "?")
    return sheet


def write_rows(handle, title: str, header: list[str], rows, widths: list[float] | None = None) -> None:
    """A one-sheet list workbook written row by row (write-only mode): memory stays flat for any size.
    Text that looks like a formula is written as text (formula injection). Each row is a list; the
    writer may replace its values by cells. `widths`: each column's width in characters."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths or (), start=1):  # write-only: only before the first row
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(header)
    risky = frozenset("=+-@")
    append = sheet.append
    for row in rows:
        for index, value in enumerate(row):
            if isinstance(value, str) and value and value[0] in risky:
                cell = WriteOnlyCell(sheet, value)
                cell.data_type = "s"
                row[index] = cell
        append(row)
    book.save(handle)
