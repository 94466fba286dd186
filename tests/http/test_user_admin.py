"""IT administration of users: filters, activate/deactivate, unlock, reviewer accounts, password reset."""
import re

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import PlatformUser
from app.security import lockout
from tests import factories as f
from tests.conftest import csrf_token, login


def listed(html: str) -> set[str]:
    return set(re.findall(r'<td>\s*([a-z][a-z0-9_]+)\s*</td>', html))


@pytest.mark.parametrize("query, expected, absent", [
    ("org_type=reviewer", {"changan", "hebeisheng", "jituan", "gongxinbu"}, {"qiye", "admin"}),
    ("org_type=enterprise", {"qiye", "yangqi"}, {"yuanqu", "changan"}),
    ("org_type=park&province=130000", {"yuanqu"}, {"qiye"}),
    ("province=130000&org_type=reviewer", {"changan", "shijiazhuang", "hebeisheng"}, {"gongxinbu", "jituan"}),
    ("province=440000", set(), {"qiye", "changan"}),
    ("status=active", {"qiye", "admin"}, set()),
])
def test_user_list_filters(client_as, query, expected, absent):
    html = client_as("admin").get(f"/users/list/?{query}&psize_UserAdminView=100").get_data(as_text=True)
    users = listed(html)
    assert expected <= users and not (absent & users), users


def user_id(app, username):
    with app.app_context():
        return db.session.execute(select(PlatformUser.id).where(PlatformUser.username == username)).scalar_one()


def action(client, name, *ids):
    page = client.get("/users/list/").get_data(as_text=True)
    return client.post("/users/action_post", data={"action": name, "rowid": [str(i) for i in ids],
                                                   "csrf_token": csrf_token(page)})


def test_deactivate_and_activate(app, client_as):
    admin = client_as("admin")
    target = user_id(app, "feiqiye")
    assert action(admin, "deactivate", target).status_code == 302
    assert login(app.test_client(), "feiqiye").status_code == 200  # refused
    assert "feiqiye" in listed(admin.get("/users/list/?status=inactive").get_data(as_text=True))
    action(admin, "activate", target)
    assert login(app.test_client(), "feiqiye").status_code == 302


def test_unlock(app, client_as):
    import datetime

    with app.app_context():
        user = db.session.execute(select(PlatformUser).where(PlatformUser.username == "yangqi")).scalar_one()
        user.locked_until, user.fail_login_count = clock.now() + datetime.timedelta(minutes=30), 5
        db.session.commit()
        for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):  # the test client's address must now wait
            lockout.failed("yangqi", "127.0.0.1")
    admin = client_as("admin")
    assert "yangqi" in listed(admin.get("/users/list/?status=locked").get_data(as_text=True))
    assert login(app.test_client(), "yangqi").status_code == 200
    action(admin, "unlock", user_id(app, "yangqi"))
    assert login(app.test_client(), "yangqi").status_code == 302


def test_only_it_staff_reach_user_administration(client_as, app):
    target = user_id(app, "qiye")
    for username in ("qiye", "hebeisheng", "gongxinbu", "sanfang"):
        client = client_as(username)
        assert client.get("/users/list/").status_code == 403
        page = client.get("/profile/password/").get_data(as_text=True)  # any page with the user's token
        response = client.post("/users/action_post", data={"action": "deactivate", "rowid": [target],
                                                           "csrf_token": csrf_token(page)})
        assert response.status_code == 403
    assert login(app.test_client(), "qiye").status_code == 302  # nothing changed


def add_user(client, **fields):
    page = client.get("/users/add").get_data(as_text=True)
    roles = dict((name, value) for value, name in re.findall(r'<option value="(\d+)">([^<]+)</option>', page))
    data = {"csrf_token": csrf_token(page), "active": "y", "password": "Review#2026", "conf_password": "Review#2026",
            **fields}
    data["roles"] = roles[data["roles"]]
    return client.post("/users/add", data=data)


def test_create_reviewer_bound_to_an_authority(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        county = f.authority("county", "130104").id
        ministry = f.authority("ministry").id
    refused = add_user(admin, username="qiaoxi", first_name="桥西审核", email="qiaoxi@example.cn",
                       roles="主管部门审核员", authority="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "必须选择所属主管部门" in html and 'value="qiaoxi"' in html
    wrong = add_user(admin, username="qiaoxi", first_name="桥西审核", email="qiaoxi@example.cn",
                     roles="主管部门审核员", authority=str(ministry))
    assert "与角色不符" in wrong.get_data(as_text=True)
    weak = add_user(admin, username="qiaoxi", first_name="桥西审核", email="qiaoxi@example.cn",
                    roles="主管部门审核员", authority=str(county), password="abc", conf_password="abc")
    assert "不能少于 8 位" in weak.get_data(as_text=True)
    created = add_user(admin, username="qiaoxi", first_name="桥西审核", email="qiaoxi@example.cn",
                       roles="主管部门审核员", authority=str(county))
    assert created.status_code == 302
    reviewer = app.test_client()
    assert login(reviewer, "qiaoxi", "Review#2026").status_code == 302
    assert "石家庄市桥西区工业和信息化局" in reviewer.get("/").get_data(as_text=True)


def test_admin_resets_a_password_under_the_policy(app, client_as):
    admin = client_as("admin")
    target = user_id(app, "shijiazhuang")
    page = admin.get(f"/resetpassword/form?pk={target}").get_data(as_text=True)
    weak = admin.post(f"/resetpassword/form?pk={target}", data={"password": "abcdefgh", "conf_password": "abcdefgh",
                                                                 "csrf_token": csrf_token(page)})
    assert "至少三类" in weak.get_data(as_text=True)
    done = admin.post(f"/resetpassword/form?pk={target}", data={"password": "City#2027a", "conf_password": "City#2027a",
                                                                 "csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert login(app.test_client(), "shijiazhuang", "City#2027a").status_code == 302
    with app.app_context():
        app.appbuilder.sm.reset_password(target, "Lvse@2026")


def test_it_staff_add_a_second_account_to_an_organization(app, client_as):
    admin = client_as("admin")
    with app.app_context():
        credit = f.organization("石家庄绿源机械制造有限公司").credit_code
    missing = add_user(admin, username="lvyuan2", first_name="第二联系人", email="lvyuan2@example.cn", roles="企业用户")
    assert "须填写所属单位的统一社会信用代码" in missing.get_data(as_text=True)
    wrong_type = add_user(admin, username="lvyuan2", first_name="第二联系人", email="lvyuan2@example.cn",
                          roles="园区用户", organization_code=credit)
    assert "没有找到与所选角色同类型" in wrong_type.get_data(as_text=True)
    created = add_user(admin, username="lvyuan2", first_name="第二联系人", email="lvyuan2@example.cn",
                       roles="企业用户", organization_code=credit.lower())
    assert created.status_code == 302
    second = app.test_client()
    assert login(second, "lvyuan2", "Review#2026").status_code == 302
    assert "石家庄绿源机械制造有限公司" in second.get("/").get_data(as_text=True)


def test_the_add_form_names_its_blank_authority_and_offers_no_public_role(client_as):
    html = client_as("admin").get("/users/add").get_data(as_text=True)
    assert "（不选：申报单位用户）" in html and '>__None<' not in html
    roles_select = html[html.index('name="roles"'):]
    roles_select = roles_select[:roles_select.index("</select>")]
    assert ">Public<" not in roles_select and "企业用户" in roles_select
