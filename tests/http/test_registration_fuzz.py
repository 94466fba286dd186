"""Whatever a browser (or an attacker) submits to registration, the answer is never a 500."""
from dataclasses import fields

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.registration import Application
from tests.conftest import csrf_token

FIELDS = [f.name for f in fields(Application)]
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=600),
    st.sampled_from(["", "130000", "130100", "130102", "9999999999999999999999", "-1", "0", "1e309", "NaN",
                     "2026-02-30", "９１１３０１０２ＭＡ０Ｇ１Ｒ２Ｋ７６", "91130102MA0G1R2K76", "\x00", "' OR 1=1 --",
                     "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "green_system", "green_factory"]),
)
form = st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, st.lists(text, max_size=4)), max_size=len(FIELDS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(org_type=st.sampled_from(["enterprise", "park", "agency", "association", "institute"]), data=form,
       licence=st.one_of(st.none(), st.binary(max_size=2048)))
def test_random_registrations_never_fail_with_500(app, org_type, data, licence):
    import io

    client = app.test_client()
    page = client.get(f"/register/{org_type}/").get_data(as_text=True)
    payload = {**data, "csrf_token": csrf_token(page)}
    if licence is not None:
        payload["licence"] = (io.BytesIO(licence), "营业执照.png")
    response = client.post(f"/register/{org_type}/", data=payload, content_type="multipart/form-data")
    assert response.status_code in (200, 302), response.status_code  # NUL characters are dropped, the rest kept
