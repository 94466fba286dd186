"""The region rules seen through their three doors: the console's form, the xlsx import and the seeder refuse and
accept the same rows with the same words, and the import applies a parent change instead of ignoring it."""
import io
import re
from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import FormDefinition, Industry, Region
from app.domain.catalog import latest_form
from app.seeding import Loader, SeedError
from tests.conftest import csrf_token, login
from tests.http.test_console import admin_post, xlsx

HEADER = ("区划代码", "名称", "级别", "类型", "上级区划代码")
TEST_CODES = ("139901", "139902", "139801", "130199", "130198", "139900", "139800", "139700")
TEST_INDUSTRIES = ("9811", "981", "1318", "98", "U")

# code, name, level, parent code; the field refused (its import column) and the refusal, or None when accepted.
# (Lengths beyond a column's are left out: the console's form refuses them beside the field before any rule.)
REGION_CASES = [
    ("13ABCD", "测试区", "3", "130100", "区划代码", "区划代码应为 6 位数字（GB/T 2260）"),
    ("１３０１９９", "测试区", "3", "130100", "区划代码", "区划代码应为 6 位数字（GB/T 2260）"),
    ("", "测试区", "3", "130100", "区划代码", "区划代码应为 6 位数字（GB/T 2260）"),
    ("130199", "", "3", "130100", "名称", "名称不能为空"),
    ("130199", "测试区", "4", "130100", "级别", "级别应为 1（省级）、2（地市级）或 3（区县级）"),
    ("130199", "测试区", "", "130100", "级别", "级别应为 1（省级）、2（地市级）或 3（区县级）"),
    ("130199", "测试区", "2", "130100", "级别", "区划代码 130199 是区县级区划，级别应为 3"),
    ("130199", "测试区", "3", "110000", "上级区划代码", "区划代码 130199 的上级区划应为 130100（地市级）或 130000（省级）"),
    ("130199", "测试区", "3", "110101", "上级区划代码", "区划代码 130199 的上级区划应为 130100（地市级）或 130000（省级）"),
    ("130199", "测试区", "3", "", "上级区划代码", "区县级区划须有上级区划"),
    ("139700", "测试市", "2", "130100", "上级区划代码", "区划代码 139700 的上级区划应为省级区划 130000"),
    ("139700", "测试市", "2", "", "上级区划代码", "地市级区划须有上级区划"),
    ("139700", "测试市", "1", "130000", "级别", "区划代码 139700 是地市级区划，级别应为 2"),
    ("130199", "测试区", "3", "130100", None, None),
    ("130198", "测试省直辖县", "3", "130000", None, None),
    ("139700", "测试市", "2", "130000", None, None),
]
INDUSTRY_CASES = [
    ("9A", "测试", "2", "T", "行业代码", "行业代码应为门类字母或 2-4 位数字"),
    ("", "测试", "2", "T", "行业代码", "行业代码应为门类字母或 2-4 位数字"),
    ("1318", "", "4", "131", "行业名称", "行业名称不能为空"),
    ("1318", "测试", "3", "131", "层级", "行业代码 1318 是小类，层级应为 4"),
    ("1318", "测试", "", "131", "层级", "层级应为 1-4"),
    ("1318", "测试", "4", "139", "上级代码", "行业代码 1318 的上级代码应为 131"),
    ("98", "测试", "2", "97", "上级代码", "大类 98 的上级代码应为门类字母"),
    ("U", "测试", "1", "T", "上级代码", "门类没有上级类别"),
    ("1318", "测试", "4", "131", None, None),
    ("98", "测试", "2", "T", None, None),
    ("U", "测试门类", "1", "", None, None),
]


@dataclass(frozen=True)
class Tree:
    """One reference-data tree as its three doors take a row."""
    model: type
    view: str  # the console's and the import's name
    header: tuple
    form: Callable  # (code, name, level) → the console form's fields besides the parent
    sheet_row: Callable  # (code, name, level, parent) → the import's row
    seed_row: Callable  # (code, name, level, parent) → the seed file's row


TREES = {
    "region": Tree(Region, "regions", HEADER, lambda c, n, lv: {"code": c, "name": n, "level": lv, "kind": "测试"},
                   lambda c, n, lv, p: (c, n, lv, "测试", p),
                   lambda c, n, lv, p: {"code": c, "name": n, "level": lv, "kind": "测试", "parent_code": p}),
    "industry": Tree(Industry, "industries", ("行业代码", "行业名称", "层级", "上级代码"),
                     lambda c, n, lv: {"code": c, "name": n, "level": lv}, lambda c, n, lv, p: (c, n, lv, p),
                     lambda c, n, lv, p: {"code": c, "name": n, "level": lv, "parent": p}),
}
CASES = [("region", *case) for case in REGION_CASES] + [("industry", *case) for case in INDUSTRY_CASES]
IDS = [f"{c[0]}-{c[1] or 'empty'}-{c[4] or 'none'}-{c[6] or 'accepted'}"[:70] for c in CASES]


@pytest.fixture(scope="module")
def admin(app):
    """IT staff, signed in once for the module."""
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


@pytest.fixture
def clean_regions(app):
    def clean():
        with app.app_context():
            for code in TEST_CODES:  # children first
                db.session.execute(delete(Region).where(Region.code == code))
            for code in TEST_INDUSTRIES:
                db.session.execute(delete(Industry).where(Industry.code == code))
            db.session.commit()

    clean()
    yield
    clean()


def region_ids(app, model=Region) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(model.code, model.id)).all())


def console_create(client, app, code, name, level, parent, tree=TREES["region"]):
    data = tree.form(code, name, level)
    if parent:
        data["parent"] = str(region_ids(app, tree.model)[parent])
    return admin_post(client, f"/console/{tree.view}/new/", data)


def import_dry_run(client, rows, tree=TREES["region"]):
    page = client.get("/console/transfer/").get_data(as_text=True)
    response = client.post(f"/console/transfer/import/{tree.view}", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(xlsx([tree.header, *rows])), "导入.xlsx")},
        content_type="multipart/form-data")
    return response.get_data(as_text=True)


def import_apply(client, html, tree=TREES["region"]):
    page = client.get("/console/transfer/").get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post(f"/console/transfer/import/{tree.view}", data={"csrf_token": csrf_token(page), "token": token})


def refused_rows(html) -> list[tuple[str, str]]:
    table = re.search(r'<table class="table table-sm table-bordered refused">(.*?)</table>', html, re.S)
    return re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", table.group(1)) if table else []


@pytest.mark.parametrize("kind, code, name, level, parent, column, message", CASES, ids=IDS)
def test_console_import_and_seeder_refuse_and_accept_the_same_rows(app, admin, clean_regions, kind, code, name, level,
                                                                   parent, column, message):
    tree = TREES[kind]

    created = console_create(admin, app, code, name, level, parent, tree)
    with app.app_context():
        stored = db.session.scalar(select(tree.model).where(tree.model.code == code)) if code else None
        if message is None:
            assert created.status_code == 302 and stored is not None
            assert stored.level == int(level) and (stored.parent.code if stored.parent else "") == parent
            if tree.model is Region:
                assert stored.province_id == region_ids(app)["130000"]
            db.session.delete(stored)
            db.session.commit()
        else:
            assert created.status_code == 200 and message in created.get_data(as_text=True)
            assert stored is None or stored.name != name  # nothing written

    html = import_dry_run(admin, [tree.sheet_row(code, name, level, parent)], tree)
    if message is None:
        assert "将新增 1 条，修改 0 条，拒绝 0 条" in html
    else:
        assert refused_rows(html) == [("2", f"“{column}”列：{message}")]

    with app.app_context():
        loader = Loader()
        load = getattr(loader, tree.view)
        try:
            if message is None:
                load([tree.seed_row(code, name, level, parent)])
                assert loader.stats[f"{tree.model.__tablename__}+"] == 1
            else:
                with pytest.raises(SeedError) as refused:
                    load([tree.seed_row(code, name, level, parent)])
                assert str(refused.value).startswith(f"seeds/{tree.view}.csv 第 2 行 ")
                assert message in str(refused.value)
        finally:
            db.session.rollback()


def test_the_import_refuses_a_parent_that_is_neither_stored_nor_earlier_in_the_file(admin, clean_regions):
    html = import_dry_run(admin, [("139901", "测试区", "3", "测试", "139900"),
                                  ("139900", "测试市", "2", "测试", "130000"),
                                  ("139902", "测试区二", "3", "测试", "139900"),
                                  ("139801", "测" * 65, "3", "测试", "130000")])  # the column holds 64
    assert refused_rows(html) == [("2", "“上级区划代码”列：上级区划代码 139900 不存在"),
                                  ("5", "“名称”列：名称不能超过 64 个字")]
    assert "将新增 2 条，修改 0 条，拒绝 2 条" in html


def test_the_import_applies_a_parent_change_and_refuses_an_inconsistent_one(app, admin, clean_regions):
    html = import_dry_run(admin, [("139900", "测试市", "2", "测试", "130000"),
                                  ("139901", "测试区", "3", "测试", "130000"),
                                  ("139902", "测试区二", "3", "测试", "130000")])
    assert "将新增 3 条" in html and import_apply(admin, html).status_code == 302

    html = import_dry_run(admin, [("139800", "测试新市", "2", "测试", "130000"),  # a city new in the same file
                                  ("139901", "测试区", "3", "测试", "139900"),
                                  ("139902", "测试区二", "3", "测试", "110000")])
    assert "将新增 1 条，修改 1 条，拒绝 1 条" in html
    assert refused_rows(html) == [
        ("4", "“上级区划代码”列：区划代码 139902 的上级区划应为 139900（地市级）或 130000（省级）")]
    assert re.search(r"<td>3</td><td>139901</td>\s*<td>parent_code：130000 → 139900；</td>", html)
    assert import_apply(admin, html).status_code == 302
    with app.app_context():
        moved, kept = (db.session.scalar(select(Region).where(Region.code == c)) for c in ("139901", "139902"))
        province = db.session.scalar(select(Region.id).where(Region.code == "130000"))
        assert moved.parent.code == "139900" and moved.province_id == province
        assert kept.parent.code == "130000" and kept.province_id == province


def test_the_console_moves_a_region_and_keeps_its_children_consistent(app, admin, clean_regions):
    for code, name, level, parent in (("139900", "测试市", "2", "130000"), ("139901", "测试区", "3", "130000")):
        assert console_create(admin, app, code, name, level, parent).status_code == 302
    ids = region_ids(app)

    moved = admin_post(admin, f"/console/regions/edit/?id={ids['139901']}",
                       {"code": "139901", "name": "测试区", "level": "3", "kind": "测试", "parent": str(ids["139900"])})
    assert moved.status_code == 302
    wrong = admin_post(admin, f"/console/regions/edit/?id={ids['139901']}",
                       {"code": "139901", "name": "测试区", "level": "3", "kind": "测试", "parent": str(ids["110000"])})
    assert "区划代码 139901 的上级区划应为 139900（地市级）或 130000（省级）" in wrong.get_data(as_text=True)
    renamed = admin_post(admin, f"/console/regions/edit/?id={ids['139900']}",
                         {"code": "139800", "name": "测试市", "level": "2", "kind": "测试", "parent": str(ids["130000"])})
    assert "区划代码不能改为 139800：下级区划 139901 的代码与它不一致" in renamed.get_data(as_text=True)
    with app.app_context():
        child = db.session.get(Region, ids["139901"])
        assert child.parent.code == "139900" and child.province_id == ids["130000"]
        assert db.session.get(Region, ids["139900"]).code == "139900"


def test_the_import_moves_a_division_to_another_section_and_nothing_else(app, admin, clean_regions):
    tree = TREES["industry"]
    html = import_dry_run(admin, [("98", "测试大类", "2", "T"), ("981", "测试中类", "3", "98")], tree)
    assert "将新增 2 条" in html and import_apply(admin, html, tree).status_code == 302
    html = import_dry_run(admin, [("98", "测试大类", "2", "S"), ("981", "测试中类", "3", "97")], tree)
    assert "将新增 0 条，修改 1 条，拒绝 1 条" in html
    assert refused_rows(html) == [("3", "“上级代码”列：行业代码 981 的上级代码应为 98")]
    assert import_apply(admin, html, tree).status_code == 302
    with app.app_context():
        division, group = (db.session.scalar(select(Industry).where(Industry.code == c)) for c in ("98", "981"))
        assert division.parent.code == "S" and group.parent.code == "98"


def test_the_newest_form_is_chosen_by_version_not_by_text(app):
    with app.app_context():
        definition = db.session.scalars(select(FormDefinition)).first()
        type_id = definition.declaration_type_id
        added = [FormDefinition(declaration_type_id=type_id, version=v, title=definition.title,
                                definition=definition.definition) for v in ("2026.9", "2026.10", "2026.3")]
        db.session.add_all(added)
        db.session.flush()
        try:
            assert latest_form(db.session, type_id) == added[1].id
        finally:
            db.session.rollback()
