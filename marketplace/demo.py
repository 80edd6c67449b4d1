"""``flask demo load``: realistic, clearly marked demo organisations, one account per role, and
about 300 published listings of the demo universities, and two published lists of them."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from marketplace import pki
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.action.demo import load_demo_action, load_demo_report
from marketplace.extensions import db
from marketplace.interests.demo import load_interest_demo
from marketplace.ledger.demo import load_demo_ledger
from marketplace.licences.demo import load_demo_open_licences
from marketplace.listings import services as listings
from marketplace.listings.models import Grade, Listing, ListingKind, ListingState
from marketplace.listings.synthetic import ListingFactory
from marketplace.lists import services as lists
from marketplace.lists.models import ListKind, PublishedList
from marketplace.needs.demo import load_demo_needs
from marketplace.orgs import creditcode
from marketplace.orgs import services as orgs
from marketplace.orgs.models import Invitation, InvitationStatus, Organisation, OrgKind

#: The password of every demo account (shown in README.md).
DEMO_PASSWORD = "Demo-bxqx-2026"
DEMO_MARK = "【演示】"


def _code(first17: str) -> str:
    return first17 + creditcode.check_character(first17)


#: (org name, kind, credit code, province, city, verified?, description)
ORGANISATIONS = [
    (f"{DEMO_MARK}华东理工科技大学", OrgKind.UNIVERSITY, _code("12310000425006114"), "上海市", "上海市",
     True, "国家知识产权示范高校，技术转移中心负责专利运营与成果转化。"),
    (f"{DEMO_MARK}星河创新投资有限公司", OrgKind.INVESTOR_FIRM, _code("91310115MA1K3A2B7"), "上海市",
     "上海市", True, "专注新材料与先进制造早期投资的风险投资机构。"),
    (f"{DEMO_MARK}青禾新材料科技股份有限公司", OrgKind.COMPANY, _code("91320583MA1N4C5D6"), "江苏省",
     "苏州市", True, "从事锂电池正极材料研发与生产的高新技术企业。"),
    (f"{DEMO_MARK}江南能源技术研究院", OrgKind.UNIVERSITY, _code("12320000466001237"), "江苏省",
     "南京市", False, "新成立的新型研发机构，等待平台审核。"),
    (f"{DEMO_MARK}北辰智能装备有限公司", OrgKind.COMPANY, _code("91110108MA01R2P3T"), "北京市", "北京市",
     False, "工业机器人与智能装备制造企业。"),
    (f"{DEMO_MARK}岭南生物医药大学", OrgKind.UNIVERSITY, _code("12440000455861234"), "广东省", "广州市",
     True, "以生物医药与医疗器械见长的高校，设有知识产权运营中心。"),
    (f"{DEMO_MARK}中原新能源大学", OrgKind.UNIVERSITY, _code("12410000416002345"), "河南省", "郑州市",
     True, "聚焦新能源、储能与新能源汽车的理工科高校。"),
]

#: (e-mail, name, role, organisation index or None, org admin?)
ACCOUNTS = [
    ("admin@demo.bxqx.cn", "平台管理员（演示）", Role.ADMIN, None, False),
    ("tto@demo.bxqx.cn", "王晓梅（技术转移专员）", Role.TTO, 0, True),
    ("inventor@demo.bxqx.cn", "李振华（发明人）", Role.INVENTOR, 0, False),
    ("investor@demo.bxqx.cn", "陈立（投资经理）", Role.INVESTOR, 1, True),
    ("company@demo.bxqx.cn", "赵敏（研发总监）", Role.COMPANY, 2, True),
    ("pending@demo.bxqx.cn", "周凯（待审核机构）", Role.TTO, 3, True),
    ("pending-company@demo.bxqx.cn", "孙倩（待审核企业）", Role.COMPANY, 4, True),
    ("tto-lingnan@demo.bxqx.cn", "黄志远（技术转移专员）", Role.TTO, 5, True),
    ("tto-zhongyuan@demo.bxqx.cn", "刘佳（技术转移专员）", Role.TTO, 6, True),
]

#: Published demo listings per university (organisation index): how many, their fields' mix (None:
#: the national mix) and the technology-transfer office's telephone.
DEMO_LISTINGS = {
    0: (200, None, "021-6425 0000"),
    5: (50, (("biomedicine", 60), ("agriculture", 15), ("materials", 15), ("equipment", 10)),
        "020-8733 0000"),
    6: (50, (("energy", 50), ("vehicles", 30), ("materials", 10), ("environment", 10)),
        "0371-6778 0000"),
}
#: One demo listing in this many names the demo inventor (it shows on their page).
INVENTOR_EVERY = 25
DEMO_SEED = 2026
BATCH = 50


def load_demo() -> int:
    """Create whatever demo data is missing; return how many accounts were created."""
    created = 0
    admin = accounts.find_user_by_email(ACCOUNTS[0][0])
    if admin is None:
        admin = accounts.create_admin(ACCOUNTS[0][0], DEMO_PASSWORD, ACCOUNTS[0][1])
        created += 1
    founders: dict[int, User] = {}
    for email, name, role, org_index, is_admin in ACCOUNTS[1:]:
        user = accounts.find_user_by_email(email)
        if user is None and is_admin:
            org_name, kind, code, province, city, _, description = ORGANISATIONS[org_index]
            user = orgs.register_with_organisation(
                email=email, password=DEMO_PASSWORD, name=name, org_kind=kind, org_name=org_name,
                credit_code=code, province=province, city=city, email_confirmed=True)
            orgs.update_organisation(user, user.organisation, description=description)
            created += 1
        elif user is None:
            founder = founders[org_index]
            invitation = db.session.scalar(select(Invitation).where(
                Invitation.email == email, Invitation.status == InvitationStatus.PENDING))
            if invitation is None or not invitation.is_open:
                invitation = orgs.invite(founder, email, role)
            orgs.accept_invitation(invitation, email=email, password=DEMO_PASSWORD, name=name)
            created += 1
        if is_admin:
            founders[org_index] = user
            org = user.organisation
            org.is_demo = True
            db.session.commit()
            if ORGANISATIONS[org_index][5] and not org.status.is_verified:
                orgs.verify(admin, org)
    return created


def _listing_key(title: str, abstract: str, number: str | None) -> tuple:
    return (number,) if number else (title, abstract)


def load_demo_listings() -> int:
    """Publish the demo universities' listings that are missing; return how many were created.

    The same seed always gives the same listings, so a second run finds them all and adds none.
    """
    ttos = {index: accounts.find_user_by_email(email)
            for email, _, role, index, _ in ACCOUNTS if role is Role.TTO and index in DEMO_LISTINGS}
    inventor = accounts.find_user_by_email("inventor@demo.bxqx.cn")
    existing = {_listing_key(*row) for row in db.session.execute(
        select(Listing.title, Listing.abstract, Listing.application_number).where(Listing.is_demo))}
    factory = ListingFactory(DEMO_SEED)
    created = 0
    for index, (count, fields, phone) in DEMO_LISTINGS.items():
        tto = ttos[index]
        contact = tto.name.split("（")[0]
        for number in range(count):
            data = factory.data(contact, tto.email, phone, fields=fields)
            key = _listing_key(data["title"], data["abstract"], data["application_number"])
            if key in existing or listings.application_number_taken(data["application_number"]):
                continue
            if index == 0 and inventor is not None and number % INVENTOR_EVERY == 0:
                data["inventor_user_ids"] = [inventor.id]
                data["inventors"] = ", ".join(["李振华", *data["inventors"].split(", ")[:3]])
            listing = listings.create_listing(tto, data, commit=False, is_demo=True)
            listings.transition(tto, listing, "publish", commit=False)
            existing.add(key)
            created += 1
            if created % BATCH == 0:
                db.session.commit()
    db.session.commit()
    return created


#: (account, kind, title, description, note): the two published demo lists.
DEMO_LISTS = [
    ("tto@demo.bxqx.cn", ListKind.HIGH_VALUE_PATENTS, f"{DEMO_MARK}华东理工科技大学2026年度高价值专利清单",
     "经学校知识产权运营中心评估遴选的A级发明专利，可开放许可或协议许可。", "首次发布"),
    ("admin@demo.bxqx.cn", ListKind.KEY_ACHIEVEMENTS, f"{DEMO_MARK}“百校千项”行动重点成果清单（第一批）",
     "行动组织方从各参与高校遴选的重点成果，优先推荐开放许可和先试用后付费的项目。", "第一批"),
]
DEMO_LIST_SIZE = 12
#: Demo loaders of extension packages (``events`` adds its roadshows); each returns a count.
EXTRA_LOADERS: list = []


def load_demo_lists() -> int:
    """Publish the two demo lists once; return how many were created."""
    existing = set(db.session.scalars(select(PublishedList.title).where(PublishedList.is_demo)))
    created = 0
    for email, kind, title, description, note in DEMO_LISTS:
        actor = accounts.find_user_by_email(email)
        if title in existing or actor is None:
            continue
        query = select(Listing).where(Listing.is_demo, Listing.state == ListingState.PUBLISHED,
                                      Listing.grade == Grade.A)
        if actor.organisation_id is not None:
            query = query.where(Listing.organisation_id == actor.organisation_id,
                                Listing.kind == ListingKind.INVENTION)
        chosen = db.session.scalars(query.order_by(Listing.id).limit(DEMO_LIST_SIZE)).all()
        if not chosen:
            continue
        plist = lists.create_list(actor, kind, title, description)
        plist.is_demo = True
        for listing in chosen:
            lists.add_listing(actor, plist, listing)
        lists.publish_version(actor, plist, note)
        created += 1
    return created


@click.group("demo")
def demo_cli():
    """Demo data."""


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no accounts yet.")
@with_appcontext
def load_command(if_empty: bool):
    """Load the demo organisations, accounts and listings (safe to run again)."""
    if pki.ensure():
        click.echo("Created the development signing certificate (instance/pki/): the demo's "
                   "agreements and certificates are signed with it.")
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Database already has accounts; demo data not loaded.")
        return
    created = load_demo()
    listings_created = load_demo_listings()
    lists_created = load_demo_lists()
    load_demo_action()
    load_demo_ledger()
    load_demo_open_licences()
    load_interest_demo()
    load_demo_needs()
    extras_created = sum(loader() for loader in EXTRA_LOADERS)
    load_demo_report()  # last: the report's figures are frozen from everything loaded above
    orgs_count = db.session.scalar(select(func.count()).select_from(Organisation))
    click.echo(f"Demo data ready: {created} account(s) created, {listings_created} listing(s) "
               f"created, {lists_created} list(s) published, {extras_created} other demo item(s), "
               f"{orgs_count} organisation(s). "
               f"Password of every demo account: {DEMO_PASSWORD}")
