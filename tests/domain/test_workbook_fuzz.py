"""Property test of the Excel import for every declaration type: a workbook of the form, with any input cells
overwritten by blanks, format errors, huge and exponent numbers (also as raw numeric cells such as
`<v>1e1000000</v>`), 40-digit numbers, long text, dates, booleans and formulas, is either refused with named
problems (a DomainError, or `工作表!单元格: 说明` lines) or read into values that a save accepts as they are.
Never another exception; the preview (`compare`) of what it would change never fails either."""
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.domain import DomainError, forms, workbook
from app.domain.dossier import Names
from tests.form_values import values_strategy

FORMS = Path(__file__).resolve().parents[2] / "seeds" / "forms"
DEFINITIONS = {path.stem: forms.FormDefinition.from_dict(json.loads(path.read_text(encoding="utf-8")))
               for path in sorted(FORMS.glob("*.json"))}
NAMES = Names(regions={"130102": "河北省石家庄市长安区", "130104": "河北省石家庄市桥西区"},
              industries={"3411": "锅炉及辅助设备制造", "3412": "内燃机及配件制造"})
# Before the forms work on bounded numbers (forms.number_error), a text cell holding a number and `1e1000000`
# in a number cell crash forms.parse_value (TypeError, decimal.Overflow): this test is what shows it.
pytestmark = pytest.mark.skipif(not hasattr(forms, "number_error"), reason="needs the bounded numbers of forms.py")
CODES = {"regions": set(NAMES.regions), "industries": set(NAMES.industries)}
RAW_NUMBERS = ["1e1000000", "-1e1000000", "1e-1000000", "9" * 40, "-" + "9" * 40, "1E+308", "1e309", "0.1e5",
               "12345678901234567890.123456789", "NaN", "INF", "0x10", "1,000", ""]
TEXTS = ["五百万", "1e1000000", "9" * 40, "1e309", "-0", "NaN", "Infinity", "12.345", "100%", "2024-02-30",
         "130102 河北省石家庄市长安区", "河北省石家庄市长安区", "3411 锅炉及辅助设备制造", "符合", "不符合", "是",
         " ", "\t", "=1+1", "+1", "-1", "@SUM(A1)", "'=literal", "13800000000", "914403001922038216", "字" * 5000]
FORMULAS = ["=1+1", "=SUM(A1:A3)", "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "=1e1000000"]


def junk():
    """What a person (or a hostile file) may leave in a cell."""
    return st.one_of(
        st.none(), st.just(""), st.sampled_from(TEXTS), st.sampled_from(FORMULAS),
        st.text(max_size=80).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),
        st.integers(min_value=-10**45, max_value=10**45), st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(), st.dates(), st.datetimes(), st.times(),
        st.integers(min_value=1, max_value=6000).map(lambda n: "长" * n),
        st.tuples(st.just("raw"), st.sampled_from(RAW_NUMBERS)))


def spoiled(data: bytes, edits) -> bytes:
    """The workbook with cells overwritten; ("raw", text) becomes a numeric cell whose XML says `text`."""
    book = load_workbook(io.BytesIO(data))
    raw = {}
    for index, (target, value) in enumerate(edits):
        if isinstance(value, tuple):
            marker = 7_770_000 + index + 0.125
            raw[repr(marker)] = value[1]
            value = marker
        book[target.sheet][target.address] = value
    out = io.BytesIO()
    book.save(out)
    if not raw:
        return out.getvalue()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as package:
        for member in source.namelist():
            content = source.read(member)
            if member.startswith("xl/worksheets/"):
                text = content.decode("utf-8")
                for marker, value in raw.items():
                    text = re.sub(rf"<v>{re.escape(marker)}</v>", f"<v>{value}</v>", text)
                content = text.encode("utf-8")
            package.writestr(member, content)
    return result.getvalue()


@pytest.mark.parametrize("code", sorted(DEFINITIONS))
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_cells_are_read_or_refused_by_name_never_a_crash(code, data):
    definition = DEFINITIONS[code]
    current, problems = forms.clean(definition, data.draw(values_strategy(definition)), **CODES)
    assert not problems
    cells = [c for c in workbook.layout(definition) if isinstance(c, workbook.Cell)]
    edits = data.draw(st.lists(st.tuples(st.sampled_from(cells), junk()), min_size=1, max_size=6))
    upload = spoiled(workbook.export(definition, current, names=NAMES, type_name="测试类型"), edits)
    try:
        found = workbook.compare(definition, current, upload, names=NAMES, **CODES)
    except DomainError as refused:
        assert refused.args  # a named refusal of the whole file
        return
    if found.problems:
        sheets = {s.sheet for s in definition.sections}
        assert found.values == {} and found.changes == ()
        for problem in found.problems:
            assert problem.split("!")[0].split(":")[0] in sheets, problem
        return
    again, problems = forms.clean(definition, found.values, **CODES)
    assert not problems.errors, problems.errors  # a save takes exactly what was previewed
    assert again == found.values
    for change in found.changes:
        assert change.kind in ("added", "erased", "changed") and change.before != change.after
