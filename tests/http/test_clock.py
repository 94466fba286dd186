"""One clock: the pages, the domain and the records agree which day it is, a year from now as well as today."""
import datetime
import io

from sqlalchemy import select

from app import clock
from app.domain import lifecycle
from app.vocabulary import DeclarationStatus
from app.extensions import db
from app.models import Batch, Declaration
from tests import factories as f
from tests.form_values import complete, flatten
from tests.http.test_lifecycle_views import PDF, post

TECH = "/declarations/energy_saving_tech"
A_YEAR = datetime.timedelta(days=365)


def test_a_declaration_is_created_and_submitted_through_the_pages_a_year_ahead(app, client_as):
    qiye = client_as("qiye")
    with clock.moved(A_YEAR):
        today = clock.today()
        with app.app_context():
            seeded = db.session.scalars(select(Batch).order_by(Batch.id)).first().id  # its window has closed by then
            batch = f.new_batch(f"一年以后批{today.year}", "energy_saving_tech")
            for window in batch.windows:
                window.opens_on, window.closes_on = today - datetime.timedelta(days=1), today + datetime.timedelta(days=30)
            db.session.commit()
            batch_id = batch.id

        refused = post(qiye, f"{TECH}/create", batch_id=str(seeded))
        assert "不在申报时间内" in qiye.get(refused.headers["Location"]).get_data(as_text=True)
        created = post(qiye, f"{TECH}/create", batch_id=str(batch_id))
        pk = int(created.headers["Location"].rstrip("/").split("/")[-1])
        with app.app_context():
            definition = lifecycle.definition_of(db.session.get(Declaration, pk))
        assert post(qiye, f"{TECH}/content/{pk}", **flatten(complete(definition))).status_code == 302
        for section, item in definition.all_fields():
            if item.kind == "file" and item.required:
                post(qiye, f"{TECH}/attach/{pk}", field=f"{section.key}.{item.key}", file=(io.BytesIO(PDF), "证明.pdf"))
        post(qiye, f"{TECH}/do/{pk}/submit", channel="local")

        with app.app_context():
            declaration = db.session.get(Declaration, pk)
            assert declaration.status == DeclarationStatus.UNDER_REVIEW
            assert declaration.submitted_at.date() == today and declaration.created_at.date() == today
        assert today.isoformat() in qiye.get(f"{TECH}/show/{pk}").get_data(as_text=True)  # the history's date
    with app.app_context():
        f.remove([pk])
