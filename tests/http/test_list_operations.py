"""The 操作 column of every declaration list: labelled buttons by the row's status, as the manual draws them."""
import html as htmllib
import re

import pytest

from app.extensions import db
from app.models import Declaration
from tests import factories as f
from tests.conftest import csrf_token

LIST = "/declarations/energy_saving_tech/list/"


@pytest.fixture
def rows(app):
    """One declaration of qiye per status a row can show, for each test (one of them acts on a row)."""
    with app.app_context():
        ids = f.one_per_status()
        db.session.commit()
    return ids


def operations(html: str, pk: int) -> list[str]:
    """The labels of the buttons in the 操作 cell of the row of declaration `pk`."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if re.search(rf'/show/{pk}"', r))
    cell = re.search(r'<td class="row-operations">(.*?)</td>', row, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<(?:a|button)\b[^>]*>(.*?)</(?:a|button)>",
                                                                           cell, re.S)]


def test_applicant_rows_offer_what_their_status_allows(client_as, rows):
    html = client_as("qiye").get(LIST).get_data(as_text=True)
    assert "<th scope=\"col\" class=\"row-operations\">操作</th>" in html
    assert operations(html, rows["draft"]) == ["查看", "申报书", "填写", "删除"]
    assert operations(html, rows["under_review"]) == ["查看", "申报书", "取消上报"]
    assert operations(html, rows["returned"]) == ["查看", "申报书", "填写"]
    assert f'href="/declarations/energy_saving_tech/dossier/{rows["draft"]}"' in html
    assert f'href="/declarations/energy_saving_tech/content/{rows["draft"]}"' in html
    assert 'fa-search"></i></a>' not in html  # no icon-only way into a row
    delete_form = re.search(rf'<form method="post" action="/declarations/energy_saving_tech/do/{rows["draft"]}/delete"'
                            r'[^>]*data-confirm="([^"]+)">(.*?)</form>', html, re.S)
    confirmation = htmllib.unescape(delete_form.group(1))
    assert f"编号 {rows['draft']}" in confirmation and "石家庄绿源机械制造有限公司" in confirmation
    assert "删除后申报内容不能找回" in confirmation
    assert 'name="csrf_token"' in delete_form.group(2) and "btn-danger" in delete_form.group(2)
    assert re.search(rf'action="/declarations/energy_saving_tech/do/{rows["under_review"]}/withdraw"'
                     r'[^>]*data-confirm="[^"]*取消上报', html)
    evaluating = client_as("qiye").get("/declarations/green_factory/list/").get_data(as_text=True)
    assert operations(evaluating, rows["evaluating"]) == ["查看", "申报书"]


def test_reviewer_and_agency_rows_offer_view_and_dossier(client_as, rows):
    review = client_as("changan").get("/review/declarations/list/?tab=all").get_data(as_text=True)
    assert operations(review, rows["under_review"]) == ["查看", "申报书"]
    assert operations(review, rows["returned"]) == ["查看", "申报书"]
    assert f'href="/review/declarations/dossier/{rows["under_review"]}"' in review
    agency = client_as("sanfang").get("/agency/declarations/list/").get_data(as_text=True)
    assert operations(agency, rows["evaluating"]) == ["查看", "申报书"]


def test_a_row_button_goes_through_the_lifecycle(app, client_as, rows):
    """The buttons follow the status alone; the lifecycle still decides, and says why when it refuses: a draft
    that was once submitted (取消上报) shows 删除, but deleting it is refused to keep its review history."""
    client = client_as("qiye")
    token = csrf_token(client.get(LIST).get_data(as_text=True))
    response = client.post(f"/declarations/energy_saving_tech/do/{rows['under_review']}/withdraw",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "已完成：取消上报" in response.get_data(as_text=True)
    html = client.get(LIST).get_data(as_text=True)
    assert operations(html, rows["under_review"]) == ["查看", "申报书", "填写", "删除"]
    response = client.post(f"/declarations/energy_saving_tech/do/{rows['under_review']}/delete",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "已上报或已提交评价的申报不能删除" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Declaration, rows["under_review"]) is not None
