"""Tiers: a province's own round ends with its decision and lists its units at 省级; a national window may accept
only units with a valid 省级 listing of the type; a province may let its cities run the city tier."""
import datetime

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.factories import NOW
from app.domain import DomainError, catalog, in_language, lifecycle as lc, listing, publication as pub, public_list, tiers
from app.models import Authority, BatchTier, BatchWindow, DeclarationType, ListedUnit
from app.vocabulary import DeclarationStatus as S, ListingStatus, StepState

TYPE = "energy_saving_tech"


def _type(db_session) -> DeclarationType:
    return db_session.scalar(select(DeclarationType).where(DeclarationType.code == TYPE))


def _round(db_session, username="hebeisheng", tier="provincial", name="省级第一批", **window):
    return tiers.open_batch(db_session, f.actor_of(username), tier=tier, name=name, year=NOW.year, notice_no="冀工信节〔2026〕1号",
                            windows=[tiers.WindowInput(_type(db_session).id, NOW.date() - datetime.timedelta(days=1),
                                                       NOW.date() + datetime.timedelta(days=30), **window)],
                            today=NOW.date())


def _publish(db_session, batch, username):
    owner = f.actor_of(username)
    publication = pub.start_publicity(db_session, batch, owner, NOW, title="公示", starts=NOW.date(),
                                      ends=NOW.date() + datetime.timedelta(days=6), notice="")
    pub.publish(db_session, publication, owner, NOW + datetime.timedelta(days=7))


def test_provincial_round_ends_with_the_province_and_lists_a_provincial_unit(db_session):
    batch = _round(db_session)
    assert batch.tier == BatchTier.PROVINCIAL and batch.owner_id == f.actor_of("hebeisheng").authority_id
    assert batch.windows[0].form_definition_id is not None  # the type's newest version by default
    assert batch in lc.open_batches(db_session, _type(db_session), NOW.date(), f.organization("石家庄绿源机械制造有限公司"))
    declaration = f.act(f.drafted("qiye", TYPE, batch), "submit", "qiye")
    assert declaration.ministry_step == StepState.NOT_APPLICABLE
    for username in ("changan", "shijiazhuang", "hebeisheng"):
        f.act(declaration, "approve", username)
    assert declaration.status == S.APPROVED and declaration.package_id is None  # no ministry, no package
    _publish(db_session, batch, "hebeisheng")
    unit = db_session.scalar(select(ListedUnit).where(ListedUnit.declaration_id == declaration.id))
    assert (unit.tier, unit.status, unit.listed_by_id) == (BatchTier.PROVINCIAL, ListingStatus.VALID, batch.owner_id)
    found = list(public_list.rows(db_session, listing.Search(tier=BatchTier.PROVINCIAL, name="绿源",
                                                                 declaration_type_id=_type(db_session).id)))
    assert [(r.unit_name, r.tier) for r in found] == [("石家庄绿源机械制造有限公司", BatchTier.PROVINCIAL)]
    total, candidates = tiers.candidates(db_session, f.actor_of("hebeisheng"), NOW.date())
    assert unit.id in [c.unit.id for c in candidates] and total >= 1


def test_province_batch_checks_every_field_and_reaches_only_its_province(db_session):
    with pytest.raises(DomainError) as refused:
        tiers.open_batch(db_session, f.actor_of("hebeisheng"), tier="national", name="", year=1800, notice_no="",
                         windows=[tiers.WindowInput(_type(db_session).id, NOW.date(), NOW.date() - datetime.timedelta(1))],
                         today=NOW.date())
    assert set(refused.value.errors) == {"tier", "name", "year", f"dates_{_type(db_session).id}"}
    with pytest.raises(DomainError, match="不能组织"):
        _round(db_session, username="gongxinbu")
    batch = _round(db_session, name="省级第二批")
    with pytest.raises(DomainError) as refused:
        _round(db_session, name="省级第二批")
    assert "同名" in refused.value.errors["name"]
    beijing = f.make_organization("北京测试节能有限公司", "110105", "TR000001")
    assert not tiers.reaches(batch, beijing) and tiers.reaches(batch, f.organization("石家庄绿源机械制造有限公司"))


def test_only_a_national_batch_may_require_a_provincial_listing(db_session):
    for tier in ("provincial", "city"):  # nobody could enter a 省级/市级 batch that requires a 省级 listing
        with pytest.raises(DomainError) as refused:
            _round(db_session, tier=tier, name=f"要求名单{tier}", requires_provincial_listing=True)
        problem = in_language(refused.value.errors[f"dates_{_type(db_session).id}"], lambda m: m)
        assert "只有国家级批次可以要求“须持有效省级名单”" in problem
    national = f.new_batch("国家级要求名单", TYPE)
    national.windows[0].requires_provincial_listing = True
    assert catalog.window_problems(national.windows, national.tier) == []
    assert catalog.window_problems(national.windows, BatchTier.PROVINCIAL)


def test_a_round_offers_only_declaration_forms_labelled_by_their_basis(db_session):
    forms = catalog.declaration_forms(db_session)
    assert forms and all(form.purpose == "declaration" for form in forms)
    factory = [form for form in forms if form.declaration_type.code == "green_factory"]
    labels = {catalog.form_label(form) for form in factory}
    assert "2026.3（GB/T 36132-2025）" in labels and "2026.2（GB/T 36132-2018）" in labels, labels


def test_national_window_requiring_a_provincial_listing(db_session):
    national = f.new_batch("要求省级名单", TYPE)
    window = db_session.scalar(select(BatchWindow).where(BatchWindow.batch_id == national.id))
    window.requires_provincial_listing = True
    holder, other = f.organization("石家庄绿源机械制造有限公司"), f.organization("冀北绿色制造研究院")
    declaration_type = _type(db_session)
    refusal = lc.creation_refusal(db_session, other, declaration_type, national, NOW.date())
    assert refusal is not None and "省级" in refusal.message and "不能新增填报" in refusal.message
    with pytest.raises(DomainError, match="省级绿色制造名单"):
        lc.create(db_session, f.actor_of("feiqiye"), declaration_type, national, NOW)
    if not tiers.holds_provincial_listing(db_session, holder.id, declaration_type.id):
        batch = _round(db_session, name="省级第三批")
        declaration = f.act(f.drafted("qiye", TYPE, batch), "submit", "qiye")
        for username in ("changan", "shijiazhuang", "hebeisheng"):
            f.act(declaration, "approve", username)
        _publish(db_session, batch, "hebeisheng")
    assert lc.creation_refusal(db_session, holder, declaration_type, national, NOW.date()) is None
    created = lc.create(db_session, f.actor_of("qiye"), declaration_type, national, NOW)
    assert created.batch_id == national.id
    unit = db_session.scalar(select(ListedUnit).where(ListedUnit.organization_id == holder.id,
                                                      ListedUnit.tier == BatchTier.PROVINCIAL,
                                                      ListedUnit.declaration_type_id == declaration_type.id))
    unit.status = ListingStatus.REVOKED  # a revoked provincial listing no longer qualifies
    db_session.flush()
    assert lc.creation_refusal(db_session, holder, declaration_type, national, NOW.date()) is not None
    with pytest.raises(DomainError, match="省级绿色制造名单"):  # nor for 上报 of the draft begun before
        f.act(created, "submit", "qiye")
    unit.status = ListingStatus.VALID
    _, candidates = tiers.candidates(db_session, f.actor_of("hebeisheng"), NOW.date())
    mine = next(c for c in candidates if c.unit.id == unit.id)
    assert mine.declaration is not None and mine.status_label == "草稿"
    assert tiers.candidates(db_session, f.actor_of("shijiazhuang"), NOW.date()) == (0, [])


def test_city_delegation_moves_the_city_tier_to_the_city(db_session):
    hebei = db_session.get(Authority, f.actor_of("hebeisheng").authority_id)
    assert BatchTier.CITY in tiers.tiers_open_to(hebei)
    with pytest.raises(DomainError, match="不能组织"):
        _round(db_session, username="shijiazhuang", tier="city", name="市级第一批")
    tiers.set_cities_run_city_tier(db_session, f.actor_of("hebeisheng"), True)
    with pytest.raises(DomainError) as refused:
        _round(db_session, tier="city", name="省组织的市级")
    assert "各市" in refused.value.errors["tier"]
    with pytest.raises(DomainError, match="只有省级"):
        tiers.set_cities_run_city_tier(db_session, f.actor_of("shijiazhuang"), False)
    batch = _round(db_session, username="shijiazhuang", tier="city", name="市级第一批")
    declaration = f.act(f.drafted("qiye", TYPE, batch), "submit", "qiye")
    assert declaration.top_authority_id is None and declaration.top_step == StepState.NOT_APPLICABLE
    f.act(declaration, "approve", "changan")
    f.act(declaration, "approve", "shijiazhuang")
    assert declaration.status == S.APPROVED  # the city's decision ends it
    with pytest.raises(DomainError, match="组织部门"):
        pub.start_publicity(db_session, batch, f.actor_of("hebeisheng"), NOW, title="公示", starts=NOW.date(),
                            ends=NOW.date(), notice="")
    _publish(db_session, batch, "shijiazhuang")
    unit = db_session.scalar(select(ListedUnit).where(ListedUnit.declaration_id == declaration.id))
    assert unit.tier == BatchTier.CITY and unit.listed_by_id == batch.owner_id == f.actor_of("shijiazhuang").authority_id
    tiers.set_cities_run_city_tier(db_session, f.actor_of("hebeisheng"), False)


def test_a_batch_owner_fits_its_tier(db_session):
    authorities = {u: db_session.get(Authority, f.actor_of(u).authority_id)
                   for u in ("gongxinbu", "hebeisheng", "shijiazhuang", "jituan")}
    assert tiers.owner_refusal(BatchTier.NATIONAL, authorities["gongxinbu"]) is None
    assert tiers.owner_refusal(BatchTier.NATIONAL, authorities["hebeisheng"]) is not None
    assert tiers.owner_refusal(BatchTier.PROVINCIAL, authorities["hebeisheng"]) is None
    assert tiers.owner_refusal(BatchTier.PROVINCIAL, authorities["gongxinbu"]) is not None
    assert tiers.owner_refusal(BatchTier.CITY, authorities["jituan"]) is not None
    assert tiers.owner_refusal(BatchTier.CITY, authorities["shijiazhuang"]) is not None  # not delegated
    assert tiers.owner_refusal(BatchTier.CITY, authorities["hebeisheng"]) is None
