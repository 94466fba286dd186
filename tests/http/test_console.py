"""The IT configuration console (/console): access, audited changes, bulk import with a dry run, and the
batch windows it sets being enforced by the lifecycle."""
import datetime
import json
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.domain import DomainError
from app.extensions import db
from app.models import Authority, BatchWindow, ConfigChange, Region, SiteSetting, Subsystem
from tests import factories as f
from tests.conftest import csrf_token
from tests.domain.test_workbook import random_rows, with_sheet_xml

VIEWS = ["batches", "declaration_types", "form_definitions", "regions", "authorities", "industries", "subsystems",
         "agencies", "site_settings", "audit"]


def console_urls():
    yield "GET", "/console/"
    yield "GET", "/console/transfer/"
    yield "GET", "/console/transfer/export/regions"
    yield "POST", "/console/transfer/import/regions"
    for view in VIEWS:
        yield "GET", f"/console/{view}/"
        yield "GET", f"/console/{view}/new/"
        yield "GET", f"/console/{view}/edit/?id=1"
        yield "GET", f"/console/{view}/details/?id=1"
        yield "POST", f"/console/{view}/new/"
        yield "POST", f"/console/{view}/delete/"


@pytest.mark.parametrize("username", [None, "qiye", "sanfang", "hebeisheng", "gongxinbu"])
def test_only_it_staff_reach_the_console(client_as, app, username):
    client = client_as(username) if username else app.test_client()
    token = csrf_token(client.get("/profile/password/" if username else "/login/").get_data(as_text=True))
    before = db_counts(app)
    for method, url in console_urls():
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token, "id": "1"})
        if username is None:
            assert response.status_code == 302 and "/login/" in response.headers["Location"], url
        else:
            assert response.status_code == 403, (url, response.status_code)
    assert db_counts(app) == before


def db_counts(app):
    with app.app_context():
        return (db.session.query(Subsystem).count(), db.session.query(Region).count(),
                db.session.query(ConfigChange).count())


def test_it_staff_reach_every_console_page(client_as):
    admin = client_as("admin")
    for method, url in console_urls():
        if method == "GET" and not (url.endswith("/new/") and ("form_definitions" in url or "site_settings" in url
                                                               or "audit" in url)):
            response = admin.get(url)
            allowed = (200, 302, 404) if "agencies" in url and "id=1" in url else (200, 302)  # id 1 is no agency
            assert response.status_code in allowed, (url, response.status_code)


def admin_post(client, url, data):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(page)})


def test_changes_are_audited_with_before_and_after(app, client_as):
    admin = client_as("admin")
    created = admin_post(admin, "/console/subsystems/new/", {"name": "工业固废", "code": "solid_waste", "sort": "80"})
    assert created.status_code == 302
    with app.app_context():
        row = db.session.execute(select(Subsystem).where(Subsystem.code == "solid_waste")).scalar_one()
        pk = row.id
    edited = admin_post(admin, f"/console/subsystems/edit/?id={pk}", {"name": "工业固体废物", "code": "solid_waste", "sort": "81"})
    assert edited.status_code == 302, re.sub(r'<[^>]+>', ' ', edited.get_data(as_text=True))[-3000:]
    page = admin.get("/console/subsystems/").get_data(as_text=True)
    admin.post("/console/subsystems/delete/", data={"id": str(pk), "csrf_token": csrf_token(page)})
    with app.app_context():
        changes = db.session.scalars(select(ConfigChange).where(ConfigChange.table_name == "subsystem",
                                                                ConfigChange.row_id == str(pk))
                                     .order_by(ConfigChange.id)).all()
        assert [c.action for c in changes] == ["create", "update", "delete"]
        assert changes[0].username == "admin" and changes[0].before is None
        assert changes[1].before["name"] == "工业固废" and changes[1].after["name"] == "工业固体废物"
        assert changes[2].before["name"] == "工业固体废物" and changes[2].after is None
    assert admin.get("/console/audit/").status_code == 200
    assert admin.get("/console/audit/edit/?id=1").status_code in (302, 403, 404)  # read-only


def test_region_rules_refuse_inconsistent_rows_keeping_the_input(client_as):
    admin = client_as("admin")
    response = admin_post(admin, "/console/regions/new/", {"code": "13ABCD", "name": "测试区", "level": "3", "kind": "市辖区"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "6 位数字" in html and "测试区" in html


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_dry_run_then_apply(app, client_as):
    admin = client_as("admin")
    exported = admin.get("/console/transfer/export/central_enterprises")
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("编码", "名称", "类型") and len(rows) > 100
    upload = xlsx([rows[0], ("C900", "中国测试新材料集团有限公司", "央企"), (rows[1][0], rows[1][1] + "（更名）", "央企"),
                   ("X1", "坏编码", "央企"), ("C901", "", "央企"), ("C902", "=cmd|' /C calc'!A0", "央企")])
    page = admin.get("/console/transfer/").get_data(as_text=True)
    dry = admin.post("/console/transfer/import/central_enterprises", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(upload), "央企.xlsx")}, content_type="multipart/form-data")
    html = dry.get_data(as_text=True)
    assert "将新增 1 条，修改 1 条，拒绝 3 条" in html
    assert re.search(r"<td>4</td><td>编码应为", html) and re.search(r"<td>5</td><td>名称不能为空", html)
    assert re.search(r"<td>6</td><td>不接受公式", html)
    with app.app_context():
        assert db.session.scalar(select(Authority).where(Authority.code == "C900")) is None  # nothing yet
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    applied = admin.post("/console/transfer/import/central_enterprises",
                         data={"csrf_token": csrf_token(page), "token": token})
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Authority.name).where(Authority.code == "C900")) == "中国测试新材料集团有限公司"
        assert db.session.scalar(select(Authority.name).where(Authority.code == rows[1][0])).endswith("（更名）")
        assert db.session.scalar(select(ConfigChange).where(ConfigChange.action == "import")) is not None
        renamed = db.session.scalar(select(Authority).where(Authority.code == rows[1][0]))
        renamed.name = rows[1][1]  # back to the seeded name, for the tests that reload the seeds
        db.session.commit()


@pytest.mark.parametrize("dimension", ["A1:A1", "A1:XFD1048576"])
def test_import_reads_the_real_rows_whatever_the_declared_dimension(client_as, dimension):
    """openpyxl's read-only mode trusts the dimension: too small drops rows, too large pads a million rows."""
    admin = client_as("admin")
    upload = with_sheet_xml(xlsx([("编码", "名称", "类型"), ("C910", "中国维度测试集团有限公司", "央企"),
                                  ("C911", "中国维度测试二集团有限公司", "央企")]), "Sheet", dimension=dimension)
    page = admin.get("/console/transfer/").get_data(as_text=True)
    dry = admin.post("/console/transfer/import/central_enterprises", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(upload), "央企.xlsx")}, content_type="multipart/form-data")
    assert "将新增 2 条，修改 0 条，拒绝 0 条" in dry.get_data(as_text=True)


def test_import_of_too_many_rows_is_refused_with_the_limit(client_as):
    admin = client_as("admin")
    upload = with_sheet_xml(xlsx([("编码", "名称", "类型")]), "Sheet", random_rows(25_000, columns=3))
    page = admin.get("/console/transfer/").get_data(as_text=True)
    response = admin.post("/console/transfer/import/central_enterprises", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(upload), "央企.xlsx")}, content_type="multipart/form-data")
    assert "工作表“Sheet”超过 20001 行" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_import_refuses_a_bad_file_with_a_message(client_as):
    admin = client_as("admin")
    page = admin.get("/console/transfer/").get_data(as_text=True)
    for data, message in ((b"not a workbook", "不是有效的 xlsx"), (xlsx([("错", "表头")]), "表头应为")):
        response = admin.post("/console/transfer/import/regions", data={
            "csrf_token": csrf_token(page), "file": (io.BytesIO(data), "x.xlsx")}, content_type="multipart/form-data")
        assert message in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_login_page_texts_come_from_the_console(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        setting = db.session.get(SiteSetting, "helpdesk_phone")
        original = setting.value
    admin_post(admin, "/console/site_settings/edit/?id=helpdesk_phone", {"value": "0311-12345678"})
    assert "0311-12345678" in app.test_client().get("/login/").get_data(as_text=True)
    admin_post(admin, "/console/site_settings/edit/?id=helpdesk_phone", {"value": original})


def test_review_deadline_is_enforced_and_extended(app, db_session):
    declaration = f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye")
    window = db_session.scalar(select(BatchWindow).where(BatchWindow.batch_id == declaration.batch_id,
                                                        BatchWindow.declaration_type_id == declaration.declaration_type_id))
    window.county_deadline = f.NOW.date() - datetime.timedelta(days=1)
    with pytest.raises(DomainError, match="县/区审核截止日期为 .*，已过期"):
        f.act(declaration, "approve", "changan")
    window.county_deadline = f.NOW.date() + datetime.timedelta(days=10)  # IT staff extend it
    f.act(declaration, "approve", "changan")
    assert declaration.city_step == "in_review"


def test_agency_standing(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        agency = f.organization("河北绿标认证评价有限公司")
        other = f.organization("石家庄绿源机械制造有限公司").id
        pk = agency.id
    assert "河北绿标认证评价有限公司" in admin.get("/console/agencies/").get_data(as_text=True)
    assert admin.get(f"/console/agencies/edit/?id={other}").status_code == 404  # only agencies
    admin_post(admin, f"/console/agencies/edit/?id={pk}", {})  # unchecked: suspended
    with app.app_context():
        assert db.session.get(f.Organization, pk).active is False
    admin_post(admin, f"/console/agencies/edit/?id={pk}", {"active": "y"})
    with app.app_context():
        assert db.session.get(f.Organization, pk).active is True


def test_console_speaks_in_labels_not_codes(client_as):
    admin = client_as("admin")
    form = admin.get("/console/batches/new/").get_data(as_text=True)
    assert re.search(r'<option (selected )?value="national">国家级</option>', form) and '<option value="city">市级</option>' in form
    assert ">national<" not in form and ">__None<" not in form and "&gt;__None&lt;" not in form
    assert "&gt;（不选）&lt;" in form  # the window row's 申报书版本 (kept as a template for 添加)
    assert "绿色工厂申报书" in form and "动态管理表" not in form  # a batch window's form is a 申报书, never a 动态管理表
    authorities = admin.get("/console/authorities/").get_data(as_text=True)
    assert "省级工信主管部门" in authorities and not re.search(r">\s*(province|ministry)\s*<", authorities)
    filters = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', authorities, re.S).group(1))
    assert ["county", "县/区级工信主管部门"] in filters["类别"][0]["options"]
    details = admin.get("/console/declaration_types/details/?id=1").get_data(as_text=True)
    assert re.search(r"<td>\s*是\s*</td>", details) and not re.search(r">\s*True\s*<", details)
    listing = admin.get("/console/declaration_types/").get_data(as_text=True)
    assert 'title="是"' in listing and "requires_evaluation: true" not in listing


def test_console_date_picker_follows_the_language(client_as):
    admin = client_as("admin")
    assert "js/console-datepicker-zh.js" in admin.get("/console/batches/new/").get_data(as_text=True)
    assert admin.get("/static/js/console-datepicker-zh.js").status_code == 200  # served locally, no CDN
    admin.get("/lang/en")
    assert "js/console-datepicker-zh.js" not in admin.get("/console/batches/new/").get_data(as_text=True)


def test_a_new_batch_reads_in_the_audit_log_with_its_windows(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        energy = db.session.scalar(select(f.DeclarationType.id).where(f.DeclarationType.code == "energy_saving_tech"))
    created = admin_post(admin, "/console/batches/new/", {
        "year": "2026", "name": "第九批（审计）", "tier": "national", "notice_no": "工信厅节函〔2026〕901号",
        "windows-0-declaration_type": str(energy), "windows-0-opens_on": "2026-12-01",
        "windows-0-closes_on": "2026-12-31", "windows-0-form_definition": "__None",
        "windows-0-county_deadline": "2027-01-10", "windows-0-requires_provincial_listing": "y"})
    assert created.status_code == 302, re.sub(r"<[^>]+>", " ", created.get_data(as_text=True))[-2000:]
    with app.app_context():
        batch = db.session.scalar(select(f.Batch).where(f.Batch.name == "第九批（审计）"))
        pk, window_id = batch.id, batch.windows[0].id
        assert batch.windows[0].requires_provincial_listing  # 须持有效省级名单: a national batch's, set here
    audit = admin.get("/console/audit/").get_data(as_text=True)
    assert "申报批次 · 新增" in audit and "batch / create" not in audit and ">create<" not in audit
    assert "批次：第九批（审计）" in audit and "层级：国家级" in audit, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", audit.split("申报批次 · 新增")[1]))[:1500]
    assert "各类型申报时间：申报类型：工业节能技术目录，申报开始：2026-12-01，申报截止：2026-12-31" in audit
    assert "县/区审核截止：2027-01-10" in audit
    with app.app_context():
        hebei = str(f.authority("province", "130000").id)
    refused = admin_post(admin, f"/console/batches/edit/?id={pk}", {
        "year": "2026", "name": "第九批（审计）", "tier": "provincial", "notice_no": "工信厅节函〔2026〕901号",
        "windows-0-id": str(window_id), "windows-0-declaration_type": str(energy),
        "windows-0-opens_on": "2026-12-01", "windows-0-closes_on": "2027-01-05",
        "windows-0-form_definition": "__None", "windows-0-county_deadline": "2027-01-10"})
    assert refused.status_code == 200 and "不能组织省级批次" in refused.get_data(as_text=True)  # the ministry's
    refused = admin_post(admin, f"/console/batches/edit/?id={pk}", {
        "year": "2026", "name": "第九批（审计）", "tier": "provincial", "notice_no": "工信厅节函〔2026〕901号",
        "owner": hebei, "windows-0-requires_provincial_listing": "y",
        "windows-0-id": str(window_id), "windows-0-declaration_type": str(energy),
        "windows-0-opens_on": "2026-12-01", "windows-0-closes_on": "2027-01-05",
        "windows-0-form_definition": "__None", "windows-0-county_deadline": "2027-01-10"})
    assert refused.status_code == 200  # a 省级 batch requiring a 省级 listing: nobody could enter it
    assert "只有国家级批次可以要求“须持有效省级名单”" in refused.get_data(as_text=True)
    edited = admin_post(admin, f"/console/batches/edit/?id={pk}", {
        "year": "2026", "name": "第九批（审计）", "tier": "provincial", "notice_no": "工信厅节函〔2026〕901号",
        "owner": hebei,
        "windows-0-id": str(window_id), "windows-0-declaration_type": str(energy),
        "windows-0-opens_on": "2026-12-01", "windows-0-closes_on": "2027-01-05",
        "windows-0-form_definition": "__None", "windows-0-county_deadline": "2027-01-10"})
    assert edited.status_code == 302
    audit = admin.get("/console/audit/").get_data(as_text=True)
    assert "申报批次 · 修改" in audit and "层级：国家级 → 省级" in audit
    assert "申报截止：2026-12-31" in audit and "申报截止：2027-01-05" in audit  # the window before and after
    with app.app_context():
        assert not db.session.get(f.Batch, pk).windows[0].requires_provincial_listing  # unticked for the 省级 batch
    with app.app_context():
        change = db.session.scalar(select(ConfigChange).where(ConfigChange.table_name == "batch",
                                                              ConfigChange.action == "update")
                                   .order_by(ConfigChange.id.desc()))
        assert change.before["windows"][0]["closes_on"] == "2026-12-31"
        assert change.after["windows"][0]["closes_on"] == "2027-01-05"
        change_id = change.id
    details = admin.get(f"/console/audit/details/?id={change_id}").get_data(as_text=True)
    assert "修改前" in details and "层级：国家级" in details and "层级：省级" in details
    filters = admin.get("/console/audit/").get_data(as_text=True)
    options = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', filters, re.S).group(1))
    assert ["batch", "申报批次"] in options["数据"][0]["options"] and ["create", "新增"] in options["操作"][0]["options"]
    with app.app_context():  # leave the seeded batches as they were
        db.session.delete(db.session.get(f.Batch, pk))
        db.session.commit()


def test_the_console_in_english(client_as):
    admin = client_as("admin")
    admin.get("/lang/en")
    form = admin.get("/console/batches/new/").get_data(as_text=True)
    assert "Declarations open" in form and ">National</option>" in form and "(none)" in form
    assert "申报开始" not in form and "国家级" not in form and "（不选）" not in form
    audit = admin.get("/console/audit/").get_data(as_text=True)
    assert "Configuration changes" in audit and "配置变更记录" not in audit


@pytest.mark.parametrize("view", [*VIEWS, "sign_ins"])
def test_list_arguments_no_column_can_hold_leave_the_list_readable(client_as, view):
    """A page past any offset the database holds, a negative page, and filter values that are no member of an
    enum, past the integer range or infinite: the list answers (empty, or unfiltered), never a 500."""
    admin = client_as("admin")
    values = ["99999999999999999999", "-99999999999999999999", "1e1000000", "不是成员", "abc"]
    queries = ["page=9223372036854775808", "page=-3"] + [f"flt0_{index}={value}" for index in range(40)
                                                         for value in values]
    for query in queries:
        response = admin.get(f"/console/{view}/?{query}")
        assert response.status_code == 200, (view, query)
