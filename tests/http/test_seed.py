"""The reference data: complete, consistent, and loaded idempotently."""
from collections import Counter

from sqlalchemy import func, select

from app.models import (
    Authority,
    AuthorityKind,
    Batch,
    DeclarationType,
    Industry,
    Organization,
    PlatformUser,
    Region,
)
from app.seeding import load
from tests.conftest import TODAY


def test_second_load_changes_nothing(db_session):
    assert load(demo=True, today=TODAY) == Counter()


def test_region_counts_per_level(db_session):
    counts = dict(db_session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    standard_provinces = db_session.scalar(
        select(func.count()).where(Region.level == 1, Region.kind != "兵团")
    )
    assert standard_provinces == 34
    assert counts[2] == 333
    assert counts[3] == 2845


def test_regions_without_a_city_level_are_modelled(db_session):
    def region(code):
        return db_session.execute(select(Region).where(Region.code == code)).scalar_one()

    for city in ("441900", "442000", "460400", "620200"):  # 东莞, 中山, 儋州, 嘉峪关: no counties
        assert region(city).level == 2
        assert db_session.scalar(select(func.count()).where(Region.parent_id == region(city).id)) == 0
    chaoyang = region("110105")  # a district of a 直辖市 hangs from the province
    assert chaoyang.level == 3 and chaoyang.parent.code == "110000"
    xiantao = region("429004")  # 仙桃: a county-level city directly under 湖北
    assert xiantao.level == 3 and xiantao.parent.code == "420000"
    assert region("130102").full_name == "河北省石家庄市长安区"


def test_industry_classification_has_all_four_levels(db_session):
    counts = dict(db_session.execute(select(Industry.level, func.count()).group_by(Industry.level)).all())
    assert counts == {1: 20, 2: 97, 3: 473, 4: 1381}
    assert db_session.execute(select(Industry.name).where(Industry.code == "3411")).scalar_one() == "锅炉及辅助设备制造"
    assert db_session.execute(select(Industry.name).where(Industry.code == "C")).scalar_one() == "制造业"


def test_every_region_has_one_authority_that_reaches_the_ministry(db_session):
    regions = db_session.scalars(select(Region)).all()
    authorities = db_session.scalars(select(Authority)).all()
    by_region = Counter(
        a.region_id for a in authorities if a.kind in (AuthorityKind.COUNTY, AuthorityKind.CITY, AuthorityKind.PROVINCE)
    )
    region_ids = {r.id for r in regions}
    assert all(a.region_id in region_ids for a in authorities if a.region_id is not None)
    outside = {"710000", "810000", "820000"}  # 台湾, 香港, 澳门: regions, but no declarations go through them
    assert {r.code for r in regions if by_region[r.id] == 0} == outside
    assert all(by_region[r.id] == 1 for r in regions if r.code not in outside)
    by_id = {a.id: a for a in authorities}
    for authority in authorities:
        if authority.kind in (AuthorityKind.SUPERVISION, AuthorityKind.MINISTRY):
            continue
        node, hops = authority, 0
        while node.parent_id is not None and hops < 5:
            node, hops = by_id[node.parent_id], hops + 1
        assert node.kind == AuthorityKind.MINISTRY, authority.name


def test_provincial_authorities_have_their_real_names(db_session):
    def authority_of(code):
        return db_session.execute(
            select(Authority).join(Region, Authority.region_id == Region.id)
            .where(Region.code == code, Authority.kind == AuthorityKind.PROVINCE)
        ).scalar_one()

    assert authority_of("130000").name == "河北省工业和信息化厅"
    assert authority_of("110000").name == "北京市经济和信息化局"
    shenzhen = authority_of("440300")  # 计划单列市: province level, straight to the ministry
    assert shenzhen.separately_planned and shenzhen.parent.kind == AuthorityKind.MINISTRY
    futian = db_session.execute(
        select(Authority).join(Region, Authority.region_id == Region.id).where(Region.code == "440304")
    ).scalar_one()
    assert futian.parent_id == shenzhen.id
    assert authority_of("660000").name == "新疆生产建设兵团工业和信息化局"
    kinds = Counter(db_session.scalars(select(Authority.kind)))
    assert kinds[AuthorityKind.PROVINCE] == 37  # 31 provinces, 5 计划单列市, 兵团
    assert kinds[AuthorityKind.SUPERVISION] == 37
    assert kinds[AuthorityKind.MINISTRY] == 1
    assert kinds[AuthorityKind.GROUP] >= 100
    assert kinds[AuthorityKind.ASSOCIATION] >= 10


def test_catalog_and_open_batch(db_session):
    names = db_session.scalars(select(DeclarationType.name).order_by(DeclarationType.sort)).all()
    assert names[:7] == ["绿色工厂", "绿色园区", "绿色设计产品", "绿色设计示范企业", "绿色供应链", "绿色标准", "绿色数据中心"]
    assert len(names) == 12
    batch = db_session.execute(select(Batch).where(Batch.name == "第十批", Batch.year == TODAY.year)).scalar_one()
    assert {w.state_on(TODAY) for w in batch.windows} == {"进行中"}
    assert len(batch.windows) == 12


def test_demo_organizations_are_valid_and_routed(db_session):
    from app.domain.codes import credit_code_error, org_code_error

    for org in db_session.scalars(select(Organization)):
        assert credit_code_error(org.credit_code) is None, org.name
        assert org_code_error(org.org_code) is None and org.org_code.replace("-", "") == org.credit_code[8:17]
    subsidiary = db_session.execute(
        select(Organization).where(Organization.name == "宝武绿色材料（河北）有限公司")
    ).scalar_one()
    assert subsidiary.central_enterprise.name == "中国宝武钢铁集团有限公司"
    enterprise = db_session.execute(
        select(Organization).where(Organization.name == "石家庄绿源机械制造有限公司")
    ).scalar_one()
    assert enterprise.authority.kind == AuthorityKind.COUNTY
    assert enterprise.supervision.kind == AuthorityKind.SUPERVISION
    demo = {"qiye", "yangqi", "yuanqu", "sanfang", "xiehui", "feiqiye", "changan", "shijiazhuang", "hebeisheng",
            "jituan", "gongxinbu", "admin"}
    assert demo <= set(db_session.scalars(select(PlatformUser.username)))
