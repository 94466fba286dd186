"""The workbook's dropdowns of names, its Chinese cover, and `compare()`: what an import would change, with the
attachments left alone and every value a blank cell would erase named."""
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.domain import forms, workbook
from app.domain.dossier import Names

FORMS = Path(__file__).resolve().parents[2] / "seeds" / "forms"
SUPPLY = forms.FormDefinition.from_dict(json.loads((FORMS / "green_supply_chain.json").read_text(encoding="utf-8")))
FACTORY = forms.FormDefinition.from_dict(json.loads((FORMS / "green_factory.json").read_text(encoding="utf-8")))
REGIONS = {"130102": "河北省石家庄市长安区", "130104": "河北省石家庄市桥西区",
           **{f"{code:06d}": f"某省某市{code}区" for code in range(410100, 413300)}}  # about as many as China has
INDUSTRIES = {"3411": "锅炉及辅助设备制造", "3412": "内燃机及配件制造",
              **{str(code): f"某类制造{code}" for code in range(1000, 2400)}}
NAMES = Names(regions=REGIONS, industries=INDUSTRIES)


def cell(definition, path) -> workbook.Cell:
    return next(c for c in workbook.layout(definition) if isinstance(c, workbook.Cell) and c.path == path)


def edited(data: bytes, changes: dict) -> bytes:
    book = load_workbook(io.BytesIO(data))
    for target, value in changes.items():
        book[target.sheet][target.address] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(definition, data):
    return workbook.read(definition, data, regions=set(REGIONS), industries=set(INDUSTRIES), names=NAMES)


def test_region_and_industry_cells_show_code_and_name_and_offer_every_name():
    values = {"basic": {"region": "130102", "industry": "3411"}}
    data = workbook.export(SUPPLY, values, names=NAMES, type_name="绿色供应链管理企业")
    book = load_workbook(io.BytesIO(data))
    region, industry = cell(SUPPLY, ("basic", "region")), cell(SUPPLY, ("basic", "industry"))
    assert book[region.sheet][region.address].value == "130102 河北省石家庄市长安区"
    assert book[industry.sheet][industry.address].value == "3411 锅炉及辅助设备制造"
    lists = book[workbook.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    found = {}
    for validation in book[region.sheet].data_validations.dataValidation:
        for target in (region, industry):
            if target.address in str(validation.sqref).split():
                found[target.field.kind] = validation
    for kind, expected, count in (("region", "130104 河北省石家庄市桥西区", len(REGIONS)),
                                  ("industry", "3412 内燃机及配件制造", len(INDUSTRIES))):
        validation = found[kind]
        assert validation.type == "list" and validation.errorStyle == "warning"  # a bare code may be typed
        reference = book.defined_names[validation.formula1].attr_text
        sheet, span = reference.split("!")
        entries = [c.value for row in book[sheet.strip("'")][span.replace("$", "")] for c in row]
        assert len(entries) == count and expected in entries
    read_back, problems = read(SUPPLY, data)
    assert problems == [] and (read_back["basic"]["region"], read_back["basic"]["industry"]) == ("130102", "3411")


@pytest.mark.parametrize("typed, code", [
    ("130104", "130104"), (130104, "130104"), (130104.0, "130104"), ("130104 河北省石家庄市桥西区", "130104"),
    ("河北省石家庄市桥西区", "130104"), ("  130104 ", "130104")])
def test_a_region_is_read_from_its_code_its_dropdown_entry_or_its_name(typed, code):
    data = edited(workbook.export(SUPPLY, {}, names=NAMES), {cell(SUPPLY, ("basic", "region")): typed})
    values, problems = read(SUPPLY, data)
    assert problems == [] and values["basic"]["region"] == code


@pytest.mark.parametrize("typed, code", [("3412", "3412"), (3412, "3412"), ("3412 内燃机及配件制造", "3412"),
                                         ("内燃机及配件制造", "3412")])
def test_an_industry_is_read_from_its_code_its_dropdown_entry_or_its_name(typed, code):
    data = edited(workbook.export(SUPPLY, {}, names=NAMES), {cell(SUPPLY, ("basic", "industry")): typed})
    values, problems = read(SUPPLY, data)
    assert problems == [] and values["basic"]["industry"] == code


@pytest.mark.parametrize("typed", ["河北省", "999999", "内燃机"])
def test_an_unknown_region_or_industry_is_a_problem_at_its_cell(typed):
    target = cell(SUPPLY, ("basic", "region" if typed != "内燃机" else "industry"))
    _, problems = read(SUPPLY, edited(workbook.export(SUPPLY, {}, names=NAMES), {target: typed}))
    assert [p.split(": ")[0] for p in problems] == [f"{target.sheet}!{target.address}"]


def test_the_cover_names_everything_in_chinese():
    data = workbook.export(FACTORY, {}, names=NAMES, type_name="绿色工厂", batch="2026年度 第八批",
                           unit_name="石家庄绿源机械制造有限公司")
    cover = load_workbook(io.BytesIO(data))["封面"]
    text = {c.value for row in cover.iter_rows() for c in row if c.value is not None}
    assert {"绿色工厂", "2026年度 第八批", "石家庄绿源机械制造有限公司", FACTORY.version, FACTORY.title} <= text
    assert not any(FACTORY.type in str(t) for t in text)
    assert read(FACTORY, data)[1] == []


def test_a_workbook_downloaded_before_the_lists_sheet_is_still_accepted():
    """Older downloads carry the template mark in 封面!A1 and have no lists sheet."""
    book = load_workbook(io.BytesIO(workbook.export(FACTORY, {})))
    book["封面"]["A1"] = f"{workbook.TEMPLATE_MARK}·{FACTORY.type}·{FACTORY.version}"
    del book[workbook.LISTS_SHEET]
    out = io.BytesIO()
    book.save(out)
    assert read(FACTORY, out.getvalue())[1] == []


def test_compare_lists_changes_by_label_with_names_and_keeps_attachments():
    current = {"basic": {"factory_name": "绿源工厂", "main_products": "工业锅炉", "region": "130102"},
               "attachments": {"business_license": [7]}}
    data = workbook.export(FACTORY, current, names=NAMES)
    data = edited(data, {cell(FACTORY, ("basic", "main_products")): None,
                         cell(FACTORY, ("basic", "region")): "130104",
                         cell(FACTORY, ("basic", "contact")): "张建国"})
    found = workbook.compare(FACTORY, current, data, regions=set(REGIONS), industries=set(INDUSTRIES), names=NAMES)
    assert found.problems == ()
    assert {(c.label, c.before, c.after, c.kind) for c in found.changes} == {
        ("主要产品", "工业锅炉", "", "erased"),
        ("通讯地址", "河北省石家庄市长安区", "河北省石家庄市桥西区", "changed"),
        ("联系人", "", "张建国", "added")}
    assert [c.label for c in found.erased] == ["主要产品"]
    assert found.values["attachments"]["business_license"] == [7]
    assert found.values["basic"]["region"] == "130104" and "main_products" not in found.values["basic"]


def test_compare_of_a_refused_workbook_changes_nothing():
    target = cell(FACTORY, ("basic", "registered_capital"))
    data = edited(workbook.export(FACTORY, {}), {target: "五百万"})
    found = workbook.compare(FACTORY, {}, data)
    assert found.values == {} and found.changes == () and found.problems[0].startswith(f"{target.sheet}!{target.address}")


def test_fingerprint_follows_the_content():
    first = {"basic": {"contact": "张建国", "main_products": "锅炉"}}
    assert workbook.fingerprint(first) == workbook.fingerprint({"basic": {"main_products": "锅炉", "contact": "张建国"}})
    assert workbook.fingerprint(first) != workbook.fingerprint({"basic": {"contact": "李四", "main_products": "锅炉"}})


def test_a_name_shared_by_a_class_and_its_subclass_reads_as_the_subclass():
    names = Names(regions=REGIONS, industries={"341": "锅炉及原动设备制造", "3411": "锅炉及原动设备制造"})
    data = edited(workbook.export(SUPPLY, {}, names=names), {cell(SUPPLY, ("basic", "industry")): "锅炉及原动设备制造"})
    values, problems = workbook.read(SUPPLY, data, names=names)
    assert problems == [] and values["basic"]["industry"] == "3411"


def with_sheet_xml(data: bytes, sheet: str, rows: str | None = None, dimension: str | None = None) -> bytes:
    """The workbook with one sheet's rows replaced by raw XML, as a hostile or broken writer would leave it."""
    import re
    import zipfile

    package = zipfile.ZipFile(io.BytesIO(data))
    part = dict(workbook._worksheets(package))[sheet]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in package.infolist():
            content = package.read(member)
            if member.filename == part:
                text = content.decode()
                if rows is not None:
                    text = re.sub(r"<sheetData>.*</sheetData>|<sheetData/>", lambda _: f"<sheetData>{rows}</sheetData>", text,
                                  flags=re.S)
                if dimension:
                    assert "<dimension " in text
                    text = re.sub(r'<dimension ref="[^"]*"\s*/>', lambda _: f'<dimension ref="{dimension}"/>', text)
                content = text.encode()
            target.writestr(member, content)
    return out.getvalue()


def random_rows(count: int, columns: int = 1) -> str:
    """Rows of random numbers: they compress like real data, so only the row limit can refuse them."""
    import random

    rng = random.Random(count)
    letters = [chr(65 + i) for i in range(columns)]
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{rng.random()}</v></c>' for c in letters) + "</row>"
                   for r in range(1, count + 1))


@pytest.fixture
def unparsed(monkeypatch):
    """Proof that a refusal came from counting the cells: openpyxl is never asked to load the file."""
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl loaded a workbook that the cell limits should have refused")
    monkeypatch.setattr(workbook, "load_workbook", refuse)


def test_a_sheet_of_200000_rows_is_refused_before_openpyxl_reads_it(unparsed):
    data = with_sheet_xml(workbook.export(FACTORY, {}), FACTORY.sections[0].sheet, random_rows(200_000))
    with pytest.raises(workbook.DomainError) as refused:
        read(FACTORY, data)
    assert refused.value.message == f"工作表“{FACTORY.sections[0].sheet}”超过 10000 行，请删除多余的行后再上传"


@pytest.mark.parametrize("rows, message", [
    ('<row r="1"><c r="BZ1"><v>1</v></c></row>', "超过 64 列"),
    ('<row r="1048576"><c r="A1048576"><v>1</v></c></row>', "超过 10000 行"),
    (random_rows(2_000, columns=60), "超过 100000 个单元格"),
])
def test_columns_far_rows_and_cells_are_counted_from_the_real_cells(unparsed, rows, message):
    data = with_sheet_xml(workbook.export(FACTORY, {}), "封面", rows)
    with pytest.raises(workbook.DomainError) as refused:
        read(FACTORY, data)
    assert message in refused.value.message and "封面" in refused.value.message


def test_a_lying_dimension_alone_is_no_reason_to_refuse():
    """The declared dimension says the whole grid; the real cells are a template's, so it reads as one."""
    data = workbook.export(FACTORY, {})
    for sheet in ("封面", workbook.LISTS_SHEET, FACTORY.sections[0].sheet):
        data = with_sheet_xml(data, sheet, dimension="A1:XFD1048576")
    assert read(FACTORY, data) == read(FACTORY, workbook.export(FACTORY, {}))
