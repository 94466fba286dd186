"""The region rules seen through their three doors: the console's form, the xlsx import and the seeder refuse and
accept the same rows with the same words, and the import applies a parent change instead of ignoring it."""
import io
import re

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import FormDefinition, Region
from app.seeding import Loader, SeedError, latest_form
from tests.conftest import csrf_token
from tests.http.test_console import admin_post, xlsx

HEADER = ("区划代码", "名称", "级别", "类型", "上级区划代码")
TEST_CODES = ("139901", "139902", "139801", "130199", "130198", "139900", "139800", "139700")

# code, name, level, parent code; the field refused (its import column) and the refusal, or None when accepted.
# (Lengths beyond a column's are left out: the console's form refuses them beside the field before any rule.)
CASES = [
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
IDS = [f"{c[0] or 'empty'}-{c[3] or 'none'}-{c[5] or 'accepted'}"[:60] for c in CASES]


@pytest.fixture
def clean_regions(app):
    def clean():
        with app.app_context():
            for code in TEST_CODES:  # children first
                db.session.execute(delete(Region).where(Region.code == code))
            db.session.commit()

    clean()
    yield
    clean()


def region_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Region.code, Region.id)).all())


def console_create(client, app, code, name, level, parent):
    data = {"code": code, "name": name, "level": level, "kind": "测试"}
    if parent:
        data["parent"] = str(region_ids(app)[parent])
    return admin_post(client, "/console/regions/new/", data)


def import_dry_run(client, rows):
    page = client.get("/console/transfer/").get_data(as_text=True)
    response = client.post("/console/transfer/import/regions", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(xlsx([HEADER, *rows])), "区划.xlsx")},
        content_type="multipart/form-data")
    return response.get_data(as_text=True)


def import_apply(client, html):
    page = client.get("/console/transfer/").get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post("/console/transfer/import/regions", data={"csrf_token": csrf_token(page), "token": token})


def refused_rows(html) -> list[tuple[str, str]]:
    table = re.search(r'<table class="table table-sm table-bordered refused">(.*?)</table>', html, re.S)
    return re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", table.group(1)) if table else []


@pytest.mark.parametrize("code, name, level, parent, column, message", CASES, ids=IDS)
def test_console_import_and_seeder_refuse_and_accept_the_same_rows(app, client_as, clean_regions, code, name, level,
                                                                   parent, column, message):
    admin = client_as("admin")

    created = console_create(admin, app, code, name, level, parent)
    with app.app_context():
        stored = db.session.scalar(select(Region).where(Region.code == code)) if code else None
        if message is None:
            assert created.status_code == 302 and stored is not None
            assert stored.level == int(level) and stored.parent.code == parent
            assert stored.province_id == region_ids(app)["130000"]
            db.session.delete(stored)
            db.session.commit()
        else:
            assert created.status_code == 200 and message in created.get_data(as_text=True)
            assert stored is None or stored.name != name  # nothing written

    html = import_dry_run(admin, [(code, name, level, "测试", parent)])
    if message is None:
        assert "将新增 1 条，修改 0 条，拒绝 0 条" in html
    else:
        assert refused_rows(html) == [("2", f"“{column}”列：{message}")]

    with app.app_context():
        loader = Loader()
        try:
            if message is None:
                loader.regions([{"code": code, "name": name, "level": level, "kind": "测试", "parent_code": parent}])
                assert loader.stats["region+"] == 1
            else:
                with pytest.raises(SeedError) as refused:
                    loader.regions([{"code": code, "name": name, "level": level, "kind": "测试",
                                     "parent_code": parent}])
                assert str(refused.value).startswith("seeds/regions.csv 第 2 行 ") and message in str(refused.value)
        finally:
            db.session.rollback()


def test_the_import_refuses_a_parent_that_is_neither_stored_nor_earlier_in_the_file(client_as, clean_regions):
    admin = client_as("admin")
    html = import_dry_run(admin, [("139901", "测试区", "3", "测试", "139900"),
                                  ("139900", "测试市", "2", "测试", "130000"),
                                  ("139902", "测试区二", "3", "测试", "139900"),
                                  ("139801", "测" * 65, "3", "测试", "130000")])  # the column holds 64
    assert refused_rows(html) == [("2", "“上级区划代码”列：上级区划代码 139900 不存在"),
                                  ("5", "“名称”列：名称不能超过 64 个字")]
    assert "将新增 2 条，修改 0 条，拒绝 2 条" in html


def test_the_import_applies_a_parent_change_and_refuses_an_inconsistent_one(app, client_as, clean_regions):
    admin = client_as("admin")
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


def test_the_console_moves_a_region_and_keeps_its_children_consistent(app, client_as, clean_regions):
    admin = client_as("admin")
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


def test_the_newest_form_is_chosen_by_version_not_by_text(app):
    with app.app_context():
        definition = db.session.scalars(select(FormDefinition)).first()
        type_id = definition.declaration_type_id
        added = [FormDefinition(declaration_type_id=type_id, version=v, title=definition.title,
                                definition=definition.definition) for v in ("2026.9", "2026.10", "2026.3")]
        db.session.add_all(added)
        db.session.flush()
        try:
            assert latest_form(type_id) == added[1].id
        finally:
            db.session.rollback()
