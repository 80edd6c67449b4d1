"""``flask demo load``: realistic, clearly marked demo organisations and one account per role."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
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
]


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
                credit_code=code, province=province, city=city)
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
            if ORGANISATIONS[org_index][5] and not org.is_verified:
                orgs.verify(admin, org)
    return created


@click.group("demo")
def demo_cli():
    """Demo data."""


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no accounts yet.")
@with_appcontext
def load_command(if_empty: bool):
    """Load the demo organisations and accounts (safe to run again)."""
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Database already has accounts; demo data not loaded.")
        return
    created = load_demo()
    orgs_count = db.session.scalar(select(func.count()).select_from(Organisation))
    click.echo(f"Demo data ready: {created} account(s) created, {orgs_count} organisation(s). "
               f"Password of every demo account: {DEMO_PASSWORD}")
