"""Each 上报 keeps what it submitted; a later round is compared with it, field by field and file by file."""
import pytest
from sqlalchemy import select

from app.domain import dossier, rounds
from app.domain import lifecycle as lc
from app.models import Attachment, SubmittedRound
from app.models.declaration import ImmutableRecordError
from tests import factories as f
from tests.domain.test_lifecycle import APPLICANT, REVIEWER, actor, do, new

NAMES = dossier.Names(regions={"130102": "河北省石家庄市长安区"}, industries={"3411": "锅炉及辅助设备制造"})


def _file(session, declaration, name):
    attachment = Attachment(purpose="form_file", storage_key=f"test/{name}-{declaration.id}", original_name=name,
                            content_type="application/pdf", size=2048, sha256="0" * 64, declaration_id=declaration.id)
    session.add(attachment)
    session.flush()
    return attachment


def test_a_round_keeps_what_was_submitted_unchanged(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech", **{"technology.tech_name": "余热回收技术"})
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    kept = db_session.scalars(select(SubmittedRound).where(SubmittedRound.declaration_id == declaration.id)).one()
    assert kept.round == 1 and kept.form_data["technology"]["tech_name"] == "余热回收技术"
    assert [a["name"] for a in kept.attachments] == ["证明材料.pdf"]
    kept.form_data = {}
    with pytest.raises(ImmutableRecordError):
        db_session.flush()


def test_after_a_return_the_reviewer_sees_each_changed_field_and_file(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech", **{"technology.tech_name": "余热回收技术"})
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "approve", "changan", REVIEWER)
    do(db_session, declaration, "return", "shijiazhuang", REVIEWER, opinion="请补充节能量测算依据")
    values = {k: dict(v) for k, v in declaration.form_data.items()}
    values["technology"]["tech_name"] = "高效余热回收技术"
    definition = lc.definition_of(declaration)
    file_section, file_key = next((s.key, i.key) for s, i in definition.all_fields() if i.kind == "file" and i.required)
    added = _file(db_session, declaration, "测算报告.pdf")
    values[file_section][file_key] = [added.id]  # the old evidence replaced by a new file
    declaration.form_data = values

    draft = rounds.compare(db_session, declaration, actor(db_session, "qiye"), NAMES)  # the applicant, before 上报
    assert draft.current_round is None and any(c.after == "高效余热回收技术" for c in draft.changes)

    do(db_session, declaration, "submit", "qiye", APPLICANT)
    seen = rounds.compare(db_session, declaration, actor(db_session, "shijiazhuang"), NAMES)
    assert (seen.baseline.round, seen.current_round) == (1, 2)
    name = next(c for c in seen.changes if c.before == "余热回收技术")
    assert name.after == "高效余热回收技术" and name.kind == "changed" and "技术名称" in name.label
    assert [f_["name"] for f_ in seen.added_files] == ["测算报告.pdf"]
    assert [f_["name"] for f_ in seen.removed_files] == ["证明材料.pdf"]
    assert seen.sent_back.opinion == "请补充节能量测算依据"


def test_the_reviewer_compares_with_the_round_its_authority_decided(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech", **{"technology.tech_name": "第一版"})
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "approve", "changan", REVIEWER)  # 长安区 decided round 1
    do(db_session, declaration, "return", "shijiazhuang", REVIEWER, opinion="请修改")
    declaration.form_data = {**declaration.form_data, "technology": {**declaration.form_data["technology"],
                                                                     "tech_name": "第二版"}}
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "withdraw", "qiye", APPLICANT)  # round 2: nobody decided it
    declaration.form_data = {**declaration.form_data, "technology": {**declaration.form_data["technology"],
                                                                     "tech_name": "第三版"}}
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    county = rounds.compare(db_session, declaration, actor(db_session, "changan"), NAMES)
    assert county.baseline.round == 1
    assert any((c.before, c.after) == ("第一版", "第三版") for c in county.changes)
    ministry = rounds.compare(db_session, declaration, actor(db_session, "gongxinbu"), NAMES)
    assert ministry.baseline.round == 2 and ministry.sent_back.action == "withdraw"
    assert any((c.before, c.after) == ("第二版", "第三版") for c in ministry.changes)


def test_unchanged_resubmission_says_so(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "withdraw", "qiye", APPLICANT)
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    assert rounds.compare(db_session, declaration, actor(db_session, "changan"), NAMES).empty


def test_first_round_has_nothing_to_compare(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    assert rounds.compare(db_session, declaration, actor(db_session, "qiye"), NAMES) is None
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    assert rounds.compare(db_session, declaration, actor(db_session, "changan"), NAMES) is None


def test_reading_names_codes_and_judges_scores(db_session):
    declaration = f.drafted("qiye", "green_factory")
    definition = lc.definition_of(declaration)
    values = declaration.form_data
    reading = dossier.read(definition, values, NAMES)
    rows = {b.path: b for r in reading for b in r.blocks}
    region = next(b for b in rows.values() if b.kind == "row" and b.text == "河北省石家庄市长安区")
    assert region.label
    industry = next(b for b in rows.values() if b.kind == "row" and b.text.startswith("3411 "))
    assert industry.text == "3411 锅炉及辅助设备制造"
    scores = next(b for b in rows.values() if b.kind == "scores")
    assert scores.unanswered == 0 and not scores.short
    first = scores.items[0]
    short = {**values}
    section = scores.path.split(".")[0]
    short[section] = {**values[section], scores.path.split(".")[1]: {
        **values[section][scores.path.split(".")[1]], first.code: {"score": "abc"}}}
    again = {b.path: b for r in dossier.read(definition, short, NAMES) for b in r.blocks}[scores.path]
    assert again.unanswered == 1 and again.items[0].score == ""  # typed text never breaks a total


def test_an_unknown_channel_and_an_overlong_optional_opinion_are_refused(db_session):
    from app.domain import DomainError

    declaration = new(db_session, "qiye", "energy_saving_tech")
    with pytest.raises(DomainError, match="推荐渠道"):
        do(db_session, declaration, "submit", "qiye", APPLICANT, channel="nonsense")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    with pytest.raises(DomainError, match="2000"):
        do(db_session, declaration, "approve", "changan", REVIEWER, opinion="同意" * 1001)
