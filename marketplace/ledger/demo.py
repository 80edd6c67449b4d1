"""Demo revenue settings (``flask demo load``): each demo university's split and bank account,
and contribution shares on the listings that name the demo inventor. Idempotent."""

from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.listings.models import Listing, listing_inventor_users

#: tto account -> (inventors %, office %, university %, own rule, its reference, bank, account).
DEMO_FINANCE = {
    "tto@demo.bxqx.cn": ("70", "10", "20", None, None, "【演示】中国工商银行上海徐汇支行",
                         "1001 2345 0900 0000 001"),
    "tto-lingnan@demo.bxqx.cn": ("60", "15", "25", None, None, "【演示】中国建设银行广州天河支行",
                                 "4405 0110 0000 0000 002"),
    "tto-zhongyuan@demo.bxqx.cn": (
        "45", "20", "35", "本校科技成果转化收益分配办法第八条：以许可方式转化的，净收入的45%奖励"
        "完成人，20%用于技术转移机构建设，35%留归学校。", "【演示】校发〔2024〕12号",
        "【演示】中国银行郑州高新区支行", "2466 0000 0000 0000 003"),
}
DEMO_INVENTOR = "inventor@demo.bxqx.cn"
#: The demo inventor's contribution share on the listings that name them.
DEMO_INVENTOR_SHARE = Decimal("40")


def load_demo_ledger() -> int:
    """Record what is missing; return how many settings and share tables were created."""
    created = 0
    for email, (inv, tto_pct, uni, rule, reference, bank, account) in DEMO_FINANCE.items():
        tto = accounts.find_user_by_email(email)
        if tto is None or not tto.org_verified or ledger.finance_of(tto.organisation_id):
            continue
        ledger.save_finance(tto, tto.organisation_id, {
            "inventors_pct": Decimal(inv), "tto_pct": Decimal(tto_pct),
            "university_pct": Decimal(uni), "own_rule_text": rule, "own_rule_reference": reference,
            "account_name": tto.organisation.name, "bank_name": bank, "account_number": account})
        created += 1
    inventor = accounts.find_user_by_email(DEMO_INVENTOR)
    tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
    if inventor is None or tto is None or not tto.org_verified:
        return created
    listings = db.session.scalars(select(Listing).join(
        listing_inventor_users, listing_inventor_users.c.listing_id == Listing.id).where(
        listing_inventor_users.c.user_id == inventor.id, Listing.is_demo).order_by(Listing.id))
    for listing in listings:
        if ledger.shares_of(listing):
            continue
        others = [name for name in ledger.split_names(listing.inventors) if name != "李振华"]
        own = DEMO_INVENTOR_SHARE if others else Decimal("100")
        rows = [{"name": "李振华", "user_id": inventor.id, "share_pct": own}]
        if others:
            rest = ledger.allocate(Decimal("100") - own, [Fraction(1, len(others))] * len(others))
            rows += [{"name": name, "user_id": None, "share_pct": share}
                     for name, share in zip(others, rest, strict=True)]
        ledger.save_shares(tto, listing, rows)
        created += 1
    return created
