"""Bulk xlsx import and export of reference data, with a dry run that shows what would be added, changed
and refused (by row number) before anything is written."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext
from flask_admin import BaseView, expose
from flask_login import current_user
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select

from app.console import Guarded
from app.domain import DomainError, reference_data
from app.vocabulary import N_
from app.domain.workbook import SheetLimits, check_package
from app.extensions import db
from app.models import Authority, AuthorityKind, ConfigChange, Industry, Region
from app.web.downloads import xlsx_file
from app.web.language import say
from app.web.refusals import flash_refusal

MAX_ROWS = 20_000
# The header row and MAX_ROWS rows of data, in the widest table's columns.
IMPORT_LIMITS = SheetLimits(rows=MAX_ROWS + 1, columns=16, cells=(MAX_ROWS + 1) * 16)


@dataclass
class Plan:
    added: list = field(default_factory=list)  # (row number, key, values)
    changed: list = field(default_factory=list)  # (row number, key, {column: (old, new)})
    refused: list = field(default_factory=list)  # (row number, reason)


@dataclass(frozen=True)
class Dataset:
    title: str
    columns: tuple[str, ...]
    export_rows: Callable[[], list]
    plan_row: Callable[[dict, dict], tuple]  # (row values, context) → (key, values) or raises DomainError
    existing: Callable[[], dict]  # key → model
    create: Callable[[dict, dict], object]
    # A planned column's change of a row (a tree's `parent_code` changes the parent); by default the attribute.
    update: Callable[[object, str, object, dict], None] = lambda model, column, value, ctx: setattr(model, column,
                                                                                                   value)


def in_column(columns: dict[str, str], refused: DomainError) -> DomainError:
    """A refusal of a reference-data rule as the import says it, naming the column: “上级区划代码”列：…"""
    field = next(iter(refused.errors))
    return DomainError(N_("“%(column)s”列：%(reason)s"), column=columns[field], reason=refused.errors[field])


def _stored(model, column: str):
    """A row's stored value of a planned column; a tree's `parent_code` is its parent's code."""
    if column == "parent_code":
        return model.parent.code if model.parent else None
    return getattr(model, column, None)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


# --- regions ---

REGION_COLUMNS = {reference_data.CODE: "区划代码", reference_data.NAME: "名称", reference_data.LEVEL: "级别",
                  reference_data.PARENT: "上级区划代码"}


def _region_row(row, ctx):
    code, name, level, kind, parent = (_text(row.get(c)) for c in ("区划代码", "名称", "级别", "类型", "上级区划代码"))
    try:
        level = reference_data.check_region(
            code, name, level, parent or None,
            parent_exists=lambda parent_code: parent_code in ctx["regions"] or parent_code in ctx["new_codes"])
    except DomainError as refused:
        raise in_column(REGION_COLUMNS, refused)
    ctx["new_codes"].add(code)
    return code, {"name": name, "level": level, "kind": kind or "", "parent_code": parent or None}


def _region_update(region, column, value, ctx):
    """A changed parent moves the region (check_region let only a parent its code allows through)."""
    if column == "parent_code":
        parent = ctx["regions"][value] if value else None
        region.parent_id = parent.id if parent else None
        region.province_id = reference_data.province_id_below(parent)
    else:
        setattr(region, column, value)


def _region_create(values, ctx):
    parent = ctx["regions"].get(values["parent_code"]) if values["parent_code"] else None
    region = Region(code=values["key"], name=values["name"], level=values["level"], kind=values["kind"],
                    parent_id=parent.id if parent else None, province_id=reference_data.province_id_below(parent))
    ctx["regions"][values["key"]] = region
    return region


def _regions():
    return {r.code: r for r in db.session.scalars(select(Region))}


# --- industries ---

INDUSTRY_COLUMNS = {reference_data.CODE: "行业代码", reference_data.NAME: "行业名称", reference_data.LEVEL: "层级",
                    reference_data.PARENT: "上级代码"}


def _industry_row(row, ctx):
    code, name, level, parent = (_text(row.get(c)) for c in ("行业代码", "行业名称", "层级", "上级代码"))
    try:
        level = reference_data.check_industry(
            code, name, level, parent or None,
            parent_exists=lambda parent_code: parent_code in ctx["industries"] or parent_code in ctx["new_codes"])
    except DomainError as refused:
        raise in_column(INDUSTRY_COLUMNS, refused)
    ctx["new_codes"].add(code)
    return code, {"name": name, "level": level, "parent_code": parent or None}


def _industry_update(industry, column, value, ctx):
    """A 大类 moved to another 门类 (the only parent change check_industry lets through)."""
    if column == "parent_code":
        industry.parent_id = ctx["industries"][value].id
    else:
        setattr(industry, column, value)


def _industry_create(values, ctx):
    parent = ctx["industries"].get(values["parent_code"]) if values["parent_code"] else None
    industry = Industry(code=values["key"], name=values["name"], level=values["level"],
                        parent_id=parent.id if parent else None)
    ctx["industries"][values["key"]] = industry
    return industry


# --- authorities (of regions) and central enterprises ---

REGION_KINDS = {"county": AuthorityKind.COUNTY, "city": AuthorityKind.CITY, "province": AuthorityKind.PROVINCE,
                "supervision": AuthorityKind.SUPERVISION}


def _authority_row(row, ctx):
    kind, region_code, name = (_text(row.get(c)) for c in ("类别", "区划代码", "名称"))
    if kind not in REGION_KINDS:
        raise DomainError(N_("类别应为 county、city、province 或 supervision"))
    if region_code not in ctx["regions"]:
        raise DomainError(N_("区划代码 %(code)s 不存在"), code=region_code or N_("（空）"))
    if not name:
        raise DomainError(N_("名称不能为空"))
    return f"{kind}:{region_code}", {"name": name}


def _authority_create(values, ctx):
    kind_name, region_code = values["key"].split(":")
    region = ctx["regions"][region_code]
    kind = REGION_KINDS[kind_name]
    parent = None
    if kind in (AuthorityKind.COUNTY, AuthorityKind.CITY):
        node = region.parent
        while node is not None and parent is None:
            parent = db.session.scalar(select(Authority).where(
                Authority.region_id == node.id, Authority.kind.in_([AuthorityKind.CITY, AuthorityKind.PROVINCE])))
            node = node.parent
    elif kind == AuthorityKind.PROVINCE:
        parent = db.session.scalar(select(Authority).where(Authority.kind == AuthorityKind.MINISTRY))
    return Authority(kind=kind, name=values["name"], region_id=region.id, parent_id=parent.id if parent else None)


def _authorities():
    return {f"{a.kind}:{a.region.code}": a for a in db.session.scalars(
        select(Authority).where(Authority.kind.in_(list(REGION_KINDS.values()))))}


def _group_row(row, ctx):
    code, name, kind = (_text(row.get(c)) for c in ("编码", "名称", "类型"))
    if not (len(code) == 4 and code[0] in "CF" and code[1:].isdigit()):
        raise DomainError(N_("编码应为 C 或 F 加三位数字，如 C001"))
    if not name:
        raise DomainError(N_("名称不能为空"))
    if kind not in ("央企", "金融"):
        raise DomainError(N_("类型应为“央企”或“金融”"))
    return code, {"name": name, "is_financial": kind == "金融"}


def _group_create(values, ctx):
    ministry = db.session.scalar(select(Authority).where(Authority.kind == AuthorityKind.MINISTRY))
    return Authority(kind=AuthorityKind.GROUP, code=values["key"], name=values["name"],
                     is_financial=values["is_financial"], parent_id=ministry.id, sort=int(values["key"][1:]))


DATASETS = {
    "regions": Dataset(
        N_("行政区划"), ("区划代码", "名称", "级别", "类型", "上级区划代码"),
        lambda: [(r.code, r.name, r.level, r.kind, r.parent.code if r.parent else "")
                 for r in db.session.scalars(select(Region).order_by(Region.code))],
        _region_row, _regions, _region_create, update=_region_update),
    "industries": Dataset(
        N_("国民经济行业分类"), ("行业代码", "行业名称", "层级", "上级代码"),
        lambda: [(i.code, i.name, i.level, i.parent.code if i.parent else "")
                 for i in db.session.scalars(select(Industry).order_by(Industry.id))],
        _industry_row, lambda: {i.code: i for i in db.session.scalars(select(Industry))}, _industry_create,
        update=_industry_update),
    "authorities": Dataset(
        N_("主管部门"), ("类别", "区划代码", "名称"),
        lambda: [(a.kind.value, a.region.code, a.name) for a in db.session.scalars(
            select(Authority).where(Authority.kind.in_(list(REGION_KINDS.values()))).order_by(Authority.id))],
        _authority_row, _authorities, _authority_create),
    "central_enterprises": Dataset(
        N_("中央企业及中央金融企业"), ("编码", "名称", "类型"),
        lambda: [(a.code, a.name, "金融" if a.is_financial else "央企") for a in db.session.scalars(
            select(Authority).where(Authority.kind == AuthorityKind.GROUP).order_by(Authority.sort))],
        _group_row, lambda: {a.code: a for a in db.session.scalars(
            select(Authority).where(Authority.kind == AuthorityKind.GROUP))}, _group_create),
}


def export(name: str) -> bytes:
    """The dataset as xlsx, streamed row by row (write-only mode)."""
    dataset = DATASETS[name]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(dataset.title)
    sheet.append(list(dataset.columns))
    for row in dataset.export_rows():
        sheet.append([_as_text(sheet, v) if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_text(sheet, value: str) -> WriteOnlyCell:
    """Text that looks like a formula is written as text, never as a formula (formula injection)."""
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def plan(name: str, data: bytes) -> Plan:
    """What importing `data` would do; nothing is written."""
    dataset = DATASETS[name]
    check_package(data, IMPORT_LIMITS)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read every real row, whatever the declared dimension says
        rows = sheet.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
    except DomainError:
        raise
    except Exception:
        raise DomainError(N_("文件无法解析，请使用导出的表格格式"), kind="invalid")
    if header[:len(dataset.columns)] != list(dataset.columns):
        raise DomainError(N_("表头应为：%(columns)s（第 1 行）"), columns=dataset.columns, kind="invalid")
    existing = dataset.existing()
    context = {"regions": _regions(), "industries": {i.code: i for i in db.session.scalars(select(Industry))},
               "new_codes": set()}
    result, seen = Plan(), set()
    for number, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        row = dict(zip(dataset.columns, values))
        if any(isinstance(v, str) and v.startswith("=") for v in values):
            result.refused.append((number, gettext("不接受公式")))
            continue
        try:
            key, parsed = dataset.plan_row(row, context)
        except DomainError as refused:
            result.refused.append((number, say(refused)))
            continue
        if key in seen:
            result.refused.append((number, gettext("%(key)s 在文件中重复", key=key)))
            continue
        seen.add(key)
        model = existing.get(key)
        if model is None:
            result.added.append((number, key, parsed))
            continue
        differences = {column: (_stored(model, column), value) for column, value in parsed.items()
                       if _stored(model, column) != value}
        if differences:
            result.changed.append((number, key, differences))
    return result


def apply(name: str, result: Plan) -> None:
    dataset = DATASETS[name]
    existing = dataset.existing()
    context = {"regions": _regions(), "industries": {i.code: i for i in db.session.scalars(select(Industry))}}
    for _, key, values in result.added:
        model = dataset.create({**values, "key": key}, context)
        db.session.add(model)
        db.session.flush()
    for _, key, differences in result.changed:
        for column, (_, new) in differences.items():
            dataset.update(existing[key], column, new, context)
    db.session.add(ConfigChange(user_id=current_user.id, username=current_user.username, table_name=name,
                                action="import", before=None,
                                after={"added": [k for _, k, _ in result.added],
                                       "changed": {k: {c: [str(o), str(n)] for c, (o, n) in d.items()}
                                                   for _, k, d in result.changed}}))
    db.session.commit()


def _upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


class TransferView(Guarded, BaseView):
    @expose("/")
    def index(self):
        return self.render("console/transfer.html", datasets=DATASETS)

    @expose("/export/<dataset>")
    def export_view(self, dataset):
        if dataset not in DATASETS:
            abort(404)
        return xlsx_file(f"{DATASETS[dataset].title}.xlsx", export(dataset))

    @expose("/import/<dataset>", methods=["POST"])
    def import_view(self, dataset):
        """Dry run, or (with a token from the dry run) apply the same file."""
        if dataset not in DATASETS:
            abort(404)
        token = request.form.get("token", "")
        if token:
            if not (len(token) == 32 and token.isalnum()):
                abort(400)
            path = _upload_dir() / f"{token}.xlsx"
            if not path.exists():
                flash(gettext("导入文件已过期，请重新上传"), "error")
                return redirect(url_for(".index"))
            result = plan(dataset, path.read_bytes())
            apply(dataset, result)
            path.unlink(missing_ok=True)
            flash(gettext("已导入：新增 %(added)d 条，修改 %(changed)d 条，拒绝 %(refused)d 条",
                          added=len(result.added), changed=len(result.changed), refused=len(result.refused)),
                  "success")
            return redirect(url_for(".index"))
        upload = request.files.get("file")
        data = upload.stream.read(10 * 1024 * 1024 + 1) if upload else b""
        try:
            result = plan(dataset, data)
        except DomainError as refused:
            flash_refusal(refused)
            return redirect(url_for(".index"))
        token = uuid.uuid4().hex
        (_upload_dir() / f"{token}.xlsx").write_bytes(data)
        return self.render("console/transfer_plan.html", dataset=DATASETS[dataset], name=dataset, result=result,
                           token=token)
