"""申报审核's region filter: each reviewer filters by the regions of its own area, one select per level below
it (a province by city then county, a city by county, the ministry by province, city and county, a group or
association by province and city); a city matches its counties; a region outside the area gives nothing; every
field of the filter bar has a label."""
import datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Declaration, Region
from tests import factories as f

LIST = "/review/declarations/list/?tab=all&from=2030-01-01"  # the fixture's declarations alone, whatever else exists


@pytest.fixture(scope="module")
def placed(app):
    """A declaration in 石家庄市长安区 and one in 唐山市路南区, both through 河北省, with unit names to look for."""
    with app.app_context():
        hebei = f.authority("province", "130000")
        changan = f.make_organization("长安区筛选测试有限公司", "130102", "RF000001")
        lunan = f.make_organization("路南区筛选测试有限公司", "130202", "RF000002")
        rows = [f.declaration(changan, chain=(f.authority("county", "130102"), f.authority("city", "130100"), hebei)),
                f.declaration(lunan, chain=(f.authority("county", "130202"), f.authority("city", "130200"), hebei))]
        for row in rows:
            row.submitted_at = datetime.datetime(2030, 1, 2)
        ids = [row.id for row in rows]
        codes = ("110000", "130000", "130100", "130102", "130200", "130202", "440000", "440100", "440106")
        regions = dict(db.session.execute(select(Region.code, Region.id).where(Region.code.in_(codes))).all())
        db.session.commit()
    yield regions
    with app.app_context():
        db.session.execute(delete(Declaration).where(Declaration.id.in_(ids)))
        db.session.commit()


class _Fields(HTMLParser):
    """The filter form's fields (name → id, options) and its labels' `for`."""

    def __init__(self):
        super().__init__()
        self.fields, self.labels, self._form, self._select = {}, set(), False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "declaration-filter" in (attrs.get("class") or ""):
            self._form = True
        elif not self._form:
            return
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag in ("select", "input") and attrs.get("type") != "hidden":
            self._select = self.fields.setdefault(attrs.get("name"), {"id": attrs.get("id"), "options": []})
        elif tag == "option" and self._select is not None and attrs.get("value"):
            self._select["options"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = False
        if tag == "select":
            self._select = None


def fields(html):
    parser = _Fields()
    parser.feed(html)
    return parser


def test_a_province_filters_by_its_cities_then_their_counties(client_as, placed):
    hebei = client_as("hebeisheng")
    form = fields(hebei.get(LIST).get_data(as_text=True))
    assert "province" not in form.fields and {"city", "county"} <= set(form.fields)
    assert str(placed["130100"]) in form.fields["city"]["options"]  # 石家庄市, one of its own
    assert str(placed["440100"]) not in form.fields["city"]["options"]  # 广州市 is not
    assert form.fields["county"]["options"] == []  # no city chosen: 河北 has no county outside a city
    page = hebei.get(f"{LIST}&city={placed['130100']}").get_data(as_text=True)
    assert "长安区筛选测试有限公司" in page and "路南区筛选测试有限公司" not in page  # a city matches its counties
    form = fields(page)
    assert str(placed["130102"]) in form.fields["county"]["options"]
    assert str(placed["130202"]) not in form.fields["county"]["options"]
    page = hebei.get(f"{LIST}&city={placed['130200']}&county={placed['130202']}").get_data(as_text=True)
    assert "路南区筛选测试有限公司" in page and "长安区筛选测试有限公司" not in page
    # a county left over from another city is dropped: the city decides
    page = hebei.get(f"{LIST}&city={placed['130100']}&county={placed['130202']}").get_data(as_text=True)
    assert "长安区筛选测试有限公司" in page and "路南区筛选测试有限公司" not in page


def test_a_region_outside_the_area_gives_an_empty_list(client_as, placed):
    hebei = client_as("hebeisheng")
    assert "长安区筛选测试有限公司" in hebei.get(LIST).get_data(as_text=True)
    for query in (f"city={placed['440100']}", f"county={placed['440106']}", f"province={placed['440000']}",
                  "city=999999999"):
        page = hebei.get(f"{LIST}&{query}").get_data(as_text=True)
        assert "长安区筛选测试有限公司" not in page and "路南区筛选测试有限公司" not in page, query
        assert str(placed["440100"]) not in fields(page).fields["city"]["options"]
    assert hebei.get(f"/review/declarations/regions/?parent={placed['440000']}").get_json() == []
    assert hebei.get("/review/declarations/regions/?parent=abc").get_json() == []
    shijiazhuang = client_as("shijiazhuang")
    page = shijiazhuang.get(f"{LIST}&county={placed['130202']}").get_data(as_text=True)  # 唐山's county
    assert "长安区筛选测试有限公司" not in page
    assert shijiazhuang.get(f"/review/declarations/regions/?parent={placed['130000']}").get_json() == []


def test_a_city_filters_by_its_counties(client_as, placed):
    client = client_as("shijiazhuang")
    form = fields(client.get(LIST).get_data(as_text=True))
    assert "province" not in form.fields and "city" not in form.fields
    assert str(placed["130102"]) in form.fields["county"]["options"]
    assert str(placed["130202"]) not in form.fields["county"]["options"]
    page = client.get(f"{LIST}&county={placed['130102']}").get_data(as_text=True)
    assert "长安区筛选测试有限公司" in page
    assert f'<option value="{placed["130102"]}" selected>' in page
    # the dashboard's links name a city's county as city=<id>: taken, and shown in the county select
    page = client.get(f"{LIST}&city={placed['130102']}").get_data(as_text=True)
    assert "长安区筛选测试有限公司" in page and f'<option value="{placed["130102"]}" selected>' in page


def test_the_ministry_filters_by_province_city_and_county(client_as, placed):
    client = client_as("gongxinbu")
    form = fields(client.get(LIST).get_data(as_text=True))
    assert {"province", "city", "county"} <= set(form.fields)
    assert str(placed["440000"]) in form.fields["province"]["options"] and form.fields["city"]["options"] == []
    page = client.get(f"{LIST}&province={placed['130000']}&city={placed['130200']}").get_data(as_text=True)
    assert "路南区筛选测试有限公司" in page and "长安区筛选测试有限公司" not in page
    form = fields(page)
    assert str(placed["130100"]) in form.fields["city"]["options"]
    assert str(placed["130202"]) in form.fields["county"]["options"]
    beijing = fields(client.get(f"{LIST}&province={placed['110000']}").get_data(as_text=True))
    assert beijing.fields["county"]["options"]  # 直辖市 districts, outside any city, offered at once
    cities = client.get(f"/review/declarations/regions/?parent={placed['130000']}").get_json()
    assert {"id": placed["130100"], "name": "石家庄市", "level": 2} in cities


def test_a_group_filters_by_province_and_city(client_as, placed):
    client = client_as("jituan")
    form = fields(client.get(LIST).get_data(as_text=True))
    assert {"province", "city"} <= set(form.fields) and "county" not in form.fields
    cities = client.get(f"/review/declarations/regions/?parent={placed['130000']}").get_json()
    assert cities and {c["level"] for c in cities} == {2}
    assert client.get(f"/review/declarations/regions/?parent={placed['130100']}").get_json() == []


@pytest.mark.parametrize("username", ["changan", "shijiazhuang", "hebeisheng", "jituan", "xiehui", "gongxinbu"])
def test_every_field_of_the_filter_bar_has_a_label(client_as, placed, username):
    form = fields(client_as(username).get(LIST).get_data(as_text=True))
    assert form.fields
    assert [name for name, field in form.fields.items() if not field["id"] or field["id"] not in form.labels] == []
