"""Every form save path fed with what people (and robots) type: blanks, format errors, huge and exponent numbers,
negative numbers, NUL, very long strings, any unicode. Never a 500, and after a refusal every typed value is back
on the page, read from the HTML as a browser would fill the fields."""
import io
import uuid
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from app.domain import lifecycle
from app.extensions import db
from app.models import Declaration, DeclarationType
from tests import factories as f
from tests.conftest import login
from tests.helpers import session_token
from tests.form_values import sample
from tests.http.test_form_pages import TYPES

ECHOED = {"text", "longtext", "integer", "decimal", "percent", "phone", "email", "credit_code", "postcode", "date"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

unicode_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
hostile = st.one_of(
    st.sampled_from(["", "   ", "五百万", "abc", "1e1000000", "1e999999", "1E5", "-1e5", "9" * 40, "1" * 16, "-1",
                     "-0.5", "0.0000001", "1,234.5", "12.345678", "NaN", "Infinity", "a\x00b", "\x00", "{{ 7*7 }}",
                     "<script>alert(1)</script>", "050000", "05000", "13800000000", "2024-02-30", "2024-06-30",
                     "130102", "3411", "符合", "不符合", "‮ltr", "😀" * 3]),
    st.integers(-10**20, 10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    unicode_text,
    st.builds(lambda ch, n: ch * n, st.sampled_from(["字", "a", "😀", " "]), st.sampled_from([101, 501, 2001, 6000])),
)


class Fields(HTMLParser):
    """What a browser would show in each named field: input values, textarea texts, selected options, checks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.checked: set[tuple[str, str]] = set()
        self._textarea = self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.checked.add((name, attrs.get("value", "")))
            elif attrs.get("type") != "file":
                self.values[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select:
            self._option = attrs
            if "selected" in attrs:
                self.values[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        elif self._option is not None and "selected" in self._option and "value" not in self._option:
            self.values[self._select] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None


def refused_for_nul(form: dict, response) -> bool:
    """app/security/request_guard.py drops NUL from form text before a view runs, keeping the rest typed, so
    a form carrying one is answered like any other (nothing here is refused for it)."""
    assert response.status_code != 400
    return False


def shown(html: str) -> Fields:
    parser = Fields()
    parser.feed(html)
    return parser


def as_seen(text: str) -> str:
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()


@pytest.fixture(scope="module")
def fuzz_drafts(app):
    with app.app_context():
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        for declaration_type in db.session.scalars(select(DeclarationType)):
            if "enterprise" in declaration_type.declarant_types and declaration_type not in lvyuan.declaration_types:
                lvyuan.declaration_types.append(declaration_type)
        batch = f.new_batch(f"表单模糊{uuid.uuid4().hex[:6]}")
        drafts = {}
        for code in TYPES:
            username = "yuanqu" if code == "green_park" else "qiye"
            declaration_type = db.session.execute(select(DeclarationType).where(DeclarationType.code == code)).scalar_one()
            declaration = lifecycle.create(db.session, f.actor_of(username), declaration_type, batch, f.NOW)
            drafts[code] = (declaration.id, username, lifecycle.definition_of(declaration))
        db.session.commit()
    return drafts


@pytest.fixture(scope="module")
def clients(app):
    made = {}

    def client(username):
        if username not in made:
            made[username] = app.test_client()
            assert login(made[username], username).status_code == 302
            made[username].token = session_token(made[username])
        return made[username]

    return client


def page_names(definition):
    """Every page field of a definition with its kind and, for checks, the values it offers."""
    names = []
    for section, item in definition.all_fields():
        base = f"f|{section.key}|{item.key}"
        if item.kind == "table":
            rows = len(item.rows) if item.rows else min(item.max_rows, 3)
            names += [(f"{base}|{r}|{c.key}", c) for r in range(rows) for c in item.columns]
        elif item.kind == "score_table":
            for entry in item.items:
                names.append((f"{base}|{entry['code']}|score", "score"))
                names.append((f"{base}|{entry['code']}|note", "note"))
        elif item.kind == "checklist":
            names += [(f"{base}|{entry['code']}", "verdict") for entry in item.items]
        elif item.kind != "file":
            names.append((base, item))
    return names


def typed_for(definition):
    names = page_names(definition)

    def value_for(kind):
        valid = st.just(sample(kind)) if not isinstance(kind, str) and kind.kind not in ("choice", "multichoice") else st.nothing()
        if not isinstance(kind, str) and kind.kind in ("choice", "multichoice"):
            valid = st.sampled_from(kind.choices)
        return st.one_of(hostile, valid).map(lambda v: v if isinstance(v, str) else v[0] if isinstance(v, list) else str(v))

    return st.lists(st.sampled_from(names), min_size=1, max_size=12, unique_by=lambda pair: pair[0]).flatmap(
        lambda picked: st.fixed_dictionaries({name: value_for(kind) for name, kind in picked}))


@pytest.mark.parametrize("code", TYPES)
@SETTINGS
@given(data=st.data())
def test_web_save_never_fails_and_gives_back_every_typed_value(app, fuzz_drafts, clients, code, data):
    pk, username, definition = fuzz_drafts[code]
    client = clients(username)
    typed = data.draw(typed_for(definition))
    response = client.post(f"/declarations/{code}/content/{pk}", data={**typed, "csrf_token": client.token},
                           content_type="multipart/form-data")
    if refused_for_nul(typed, response):
        return
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        return
    html = response.get_data(as_text=True)
    assert "未保存" in html
    page = shown(html)
    kinds = dict(page_names(definition))
    for name, value in typed.items():
        kind = kinds[name]
        if kind in ("score", "note") or (not isinstance(kind, str) and kind.kind in ECHOED):
            assert as_seen(page.values.get(name, "")) == as_seen(value), name
        elif kind == "verdict" and value in ("符合", "不符合"):
            assert (name, value) in page.checked, name
        elif not isinstance(kind, str) and kind.kind == "choice" and value in kind.choices:
            assert page.values.get(name) == value, name
        elif not isinstance(kind, str) and kind.kind == "multichoice" and value in kind.choices:
            assert (name, value) in page.checked, name


@pytest.fixture(scope="module")
def evaluations(app):
    """A supply of declarations waiting for 河北绿标's evaluation: a successful example uses one up."""
    batch_holder = {}

    def fresh():
        with app.app_context():
            if "batch" not in batch_holder or batch_holder["count"] >= 10:  # 15 per legal representative and batch
                batch_holder["batch"] = f.new_batch(f"评价模糊{uuid.uuid4().hex[:6]}").id
                batch_holder["count"] = 0
            batch_holder["count"] += 1
            declaration = f.drafted("qiye", "green_factory", db.session.get(f.Batch, batch_holder["batch"]))
            db.session.flush()
            f.act(declaration, "choose_agency", "qiye", agency_id=f.organization("河北绿标认证评价有限公司").id)
            f.act(declaration, "request_evaluation", "qiye")
            db.session.commit()
            return declaration.id

    current = {"pk": None}

    def waiting():
        if current["pk"] is None:
            current["pk"] = fresh()
        return current["pk"]

    def used():
        current["pk"] = None

    return waiting, used


@settings(SETTINGS, max_examples=30)
@given(score=st.one_of(st.sampled_from(["88.5", "100", "0"]), hostile),
       basic=st.sampled_from(["", "符合", "不符合", "是", "\x00"]),
       highlights=st.one_of(st.just("屋顶光伏与余热回收"), hostile), conclusion=st.one_of(st.just(""), hostile),
       kept=st.one_of(st.none(), hostile), report=st.sampled_from([None, PDF, PDF, b"MZ", b"", b"%PDF-1.4 truncated"]))
def test_agency_evaluation_never_fails_and_gives_back_every_typed_value(app, clients, evaluations, score, basic,
                                                                       highlights, conclusion, kept, report):
    waiting, used = evaluations
    pk = waiting()
    client = clients("sanfang")
    form = {"score": score, "basic_requirements": basic, "highlights": highlights, "conclusion": conclusion,
            "csrf_token": client.token}
    if kept is not None:
        form["kept_report"] = kept
    if report is not None:
        form["report"] = (io.BytesIO(report), "评价报告.pdf")
    response = client.post(f"/agency/declarations/do/{pk}/return_evaluation", data=form,
                           content_type="multipart/form-data")
    if refused_for_nul(form, response):
        return
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        with app.app_context():
            status = db.session.get(Declaration, pk).status
        if status == "evaluated":
            used()
        return
    html = response.get_data(as_text=True)
    assert "评价结果有" in html and "处需要修改，未提交" in html
    page = shown(html)
    for name in ("score", "highlights", "conclusion"):
        assert as_seen(page.values.get(name, "")) == as_seen(form[name]), name
    if basic in ("符合", "不符合"):
        assert page.values.get("basic_requirements") == basic
    if report == PDF:
        assert "已上传：评价报告.pdf" in html and page.values.get("kept_report")
