"""The revenue ledger: exact splits to the fen, the 50% rule, contribution shares, reversals,
statements for inventors and universities, and their CSV."""

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.models import InventorShare, LedgerLine, LedgerParty, UniversityFinance
from marketplace.payments import services as payments
from tests.conftest import post
from tests.payments_support import hooks, parties, start  # noqa: F401  (fixtures)


def set_split(parties, inventors, tto, university, **extra):  # noqa: F811
    db.session.add(UniversityFinance(organisation_id=parties.university.id,
                                     inventors_pct=Decimal(inventors), tto_pct=Decimal(tto),
                                     university_pct=Decimal(university), **extra))
    db.session.commit()


def receive(parties, amount="100.01", subject_id=1):  # noqa: F811
    payment = start(parties, "bank_transfer", amount=amount, subject_id=subject_id)
    return payments.confirm_bank_transfer(payment, parties.tto)


def payment_lines(payment):
    return list(db.session.scalars(select(LedgerLine).where(LedgerLine.payment_id == payment.id)
                                   .order_by(LedgerLine.entry, LedgerLine.position)))


# --- exact allocation --------------------------------------------------------------------------

def test_a_hundred_and_one_fen_split_three_ways():
    parts = ledger.allocate(Decimal("100.01"), [Fraction(1, 3)] * 3)
    assert parts == [Decimal("33.34"), Decimal("33.34"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.01")


def test_largest_remainder_gets_the_spare_fen():
    # 34% / 33% / 33% of ¥100.01: 34.0034, 33.0033, 33.0033 -> the spare fen goes to the first.
    parts = ledger.allocate(Decimal("100.01"), [Fraction(34, 100), Fraction(33, 100),
                                                Fraction(33, 100)])
    assert parts == [Decimal("34.01"), Decimal("33.00"), Decimal("33.00")]


def test_allocation_is_exact_and_fair_for_many_amounts():
    rng = random.Random(20261127)
    for _ in range(500):
        amount = Decimal(rng.randint(1, 10**9)) / 100
        raw = [rng.randint(1, 10_000) for _ in range(rng.randint(1, 7))]
        weights = [Fraction(w, sum(raw)) for w in raw]
        parts = ledger.allocate(amount, weights)
        assert sum(parts) == amount
        for part, weight in zip(parts, weights, strict=True):
            assert abs(Fraction(part) - Fraction(amount) * weight) < Fraction(1, 100)
            assert part == part.quantize(Decimal("0.01"))
        assert ledger.allocate(amount, weights) == parts  # deterministic
        assert ledger.allocate(-amount, weights) == [-p for p in parts]


def test_allocation_refuses_bad_input():
    with pytest.raises(ValueError):
        ledger.allocate(Decimal("1.00"), [Fraction(1, 2)])
    with pytest.raises(ValueError):
        ledger.allocate(Decimal("1.001"), [Fraction(1)])


# --- acceptance: ¥100.01 three ways, seen by the inventor ----------------------------------------

def test_payment_split_three_ways_sums_exactly_and_the_inventor_sees_it(parties, hooks, client,  # noqa: F811
                                                                       auth):
    set_split(parties, "34", "33", "33")
    ledger.save_shares(parties.tto, parties.listing,
                       [{"name": "李振华", "user_id": parties.inventor.id,
                         "share_pct": Decimal("100")}])
    payment = receive(parties, "100.01")
    rows = payment_lines(payment)
    assert [(r.party, r.amount) for r in rows] == [
        (LedgerParty.INVENTOR, Decimal("34.01")), (LedgerParty.TTO, Decimal("33.00")),
        (LedgerParty.UNIVERSITY, Decimal("33.00"))]
    assert sum(r.amount for r in rows) == Decimal("100.01")
    assert rows[0].user_id == parties.inventor.id

    auth.login(parties.inventor.email)
    page = client.get("/my/revenue").get_data(as_text=True)
    assert "¥34.01" in page and parties.listing.title in page
    assert "¥33.00" not in page  # the office's and the university's lines are not the inventor's
    exported = client.get("/my/revenue.csv")
    assert exported.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[1][-1] == "34.01" and len(table) == 2


def test_three_inventors_by_contribution_share(parties, hooks, make_user):  # noqa: F811
    set_split(parties, "60", "10", "30")
    colleague = make_user(Role.INVENTOR, org=parties.university, name="王芳", is_org_admin=False)
    ledger.save_shares(parties.tto, parties.listing, [
        {"name": "李振华", "user_id": parties.inventor.id, "share_pct": Decimal("50")},
        {"name": "王芳", "user_id": colleague.id, "share_pct": Decimal("33.33")},
        {"name": "陈明", "user_id": None, "share_pct": Decimal("16.67")}])
    payment = receive(parties, "100.01")
    rows = payment_lines(payment)
    assert sum(r.amount for r in rows) == Decimal("100.01")
    inventors = [r for r in rows if r.party is LedgerParty.INVENTOR]
    assert [r.inventor_name for r in inventors] == ["李振华", "王芳", "陈明"]
    assert sum(r.amount for r in inventors) in (Decimal("60.00"), Decimal("60.01"))
    assert inventors[0].amount == Decimal("30.00") or inventors[0].amount == Decimal("30.01")
    assert inventors[0].percent == Decimal("30")


def test_without_shares_the_named_inventors_share_equally(parties, hooks):  # noqa: F811
    payment = receive(parties, "100.00")  # default split: 50% inventors, 50% university
    rows = payment_lines(payment)
    inventors = [r for r in rows if r.party is LedgerParty.INVENTOR]
    assert [r.inventor_name for r in inventors] == ["李振华", "王芳", "陈明"]
    assert [r.amount for r in inventors] == [Decimal("16.67"), Decimal("16.67"), Decimal("16.66")]
    assert inventors[0].user_id == parties.inventor.id  # linked on the listing, same name
    assert [r.amount for r in rows if r.party is LedgerParty.UNIVERSITY] == [Decimal("50.00")]


def test_refund_reverses_every_line(parties, hooks, client, auth):  # noqa: F811
    set_split(parties, "50", "20", "30")
    payment = receive(parties, "100.01")
    payments.refund(payment, parties.tto, "协议解除")
    rows = payment_lines(payment)
    assert len(rows) == 10 and sum(r.amount for r in rows) == 0
    auth.login(parties.inventor.email)
    page = client.get("/my/revenue").get_data(as_text=True)
    assert "-¥" in page and "¥0.00" in page


def test_changing_the_split_keeps_earlier_lines(parties, hooks):  # noqa: F811
    set_split(parties, "50", "20", "30")
    first = receive(parties, "100.00", subject_id=1)
    ledger.save_finance(parties.tto, parties.university.id, {
        "inventors_pct": Decimal("70"), "tto_pct": Decimal("10"), "university_pct": Decimal("20")})
    second = receive(parties, "100.00", subject_id=2)
    assert [r.amount for r in payment_lines(first) if r.party is LedgerParty.TTO] == [Decimal("20.00")]
    assert [r.amount for r in payment_lines(second) if r.party is LedgerParty.TTO] == [Decimal("10.00")]


# --- the split: at least 50% to inventors unless the university has its own rule ----------------

def _split_form(**values):
    data = {"inventors_pct": "50", "tto_pct": "20", "university_pct": "30", "own_rule_text": "",
            "own_rule_reference": "", "account_name": "华东理工科技大学",
            "bank_name": "中国工商银行", "account_number": "1001234567890"}
    data.update(values)
    return data


def test_tto_sets_the_split_and_it_is_audited(parties, client, auth):  # noqa: F811
    auth.login(parties.tto.email)
    answer = post(client, "/manage/revenue/settings", _split_form())
    assert answer.status_code == 302
    finance = ledger.finance_of(parties.university.id)
    assert (finance.inventors_pct, finance.tto_pct, finance.university_pct) == (50, 20, 30)
    assert finance.account_number == "1001234567890"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "ledger.split_changed"))
    assert event.actor_id == parties.tto.id and event.details["after"] == "50.00/20.00/30.00"


def test_split_must_total_100(parties, client, auth):  # noqa: F811
    auth.login(parties.tto.email)
    answer = post(client, "/manage/revenue/settings", _split_form(university_pct="31.5"))
    assert answer.status_code == 422
    assert "101.50" in answer.get_data(as_text=True)
    assert ledger.finance_of(parties.university.id) is None


def test_inventors_below_half_need_the_universitys_own_rule(parties, client, auth):  # noqa: F811
    auth.login(parties.tto.email)
    refused = post(client, "/manage/revenue/settings",
                   _split_form(inventors_pct="40", tto_pct="30", university_pct="30"))
    assert refused.status_code == 422
    assert 'value="40' in refused.get_data(as_text=True)  # values kept
    only_text = post(client, "/manage/revenue/settings",
                     _split_form(inventors_pct="40", tto_pct="30", university_pct="30",
                                 own_rule_text="本校科技成果转化收益分配办法第十条"))
    assert only_text.status_code == 422
    accepted = post(client, "/manage/revenue/settings",
                    _split_form(inventors_pct="40", tto_pct="30", university_pct="30",
                                own_rule_text="本校科技成果转化收益分配办法第十条",
                                own_rule_reference="校发〔2024〕12号"))
    assert accepted.status_code == 302
    assert ledger.finance_of(parties.university.id).own_rule_reference == "校发〔2024〕12号"


def test_service_refuses_a_split_below_half_without_a_rule(parties):  # noqa: F811
    from marketplace.errors import ServiceError

    with pytest.raises(ServiceError):
        ledger.save_finance(parties.tto, parties.university.id, {
            "inventors_pct": Decimal("49.99"), "tto_pct": Decimal("0.01"),
            "university_pct": Decimal("50")})


# --- contribution shares -----------------------------------------------------------------------

def _shares_form(rows):
    data = {}
    for index in range(8):
        name, user_id, share = rows[index] if index < len(rows) else ("", "0", "")
        data[f"rows-{index}-name"] = name
        data[f"rows-{index}-user_id"] = str(user_id)
        data[f"rows-{index}-share_pct"] = share
    return data


def test_tto_records_contribution_shares(parties, client, auth):  # noqa: F811
    auth.login(parties.tto.email)
    url = f"/manage/listings/{parties.listing.id}/shares"
    page = client.get(url).get_data(as_text=True)
    assert 'value="李振华"' in page and 'value="陈明"' in page  # prefilled from the patent
    answer = post(client, url, _shares_form([("李振华", parties.inventor.id, "60"),
                                             ("王芳", 0, "25"), ("陈明", 0, "15")]))
    assert answer.status_code == 302
    shares = ledger.shares_of(parties.listing)
    assert [(s.name, s.user_id, s.share_pct) for s in shares] == [
        ("李振华", parties.inventor.id, 60), ("王芳", None, 25), ("陈明", None, 15)]


def test_shares_must_total_100(parties, client, auth):  # noqa: F811
    auth.login(parties.tto.email)
    answer = post(client, f"/manage/listings/{parties.listing.id}/shares",
                  _shares_form([("李振华", 0, "60"), ("王芳", 0, "30")]))
    assert answer.status_code == 422 and "90" in answer.get_data(as_text=True)
    assert ledger.shares_of(parties.listing) == []


def test_shares_cannot_link_another_universitys_account(parties, make_user):  # noqa: F811
    from marketplace.errors import ServiceError

    stranger = make_user(Role.INVENTOR)
    with pytest.raises(ServiceError):
        ledger.save_shares(parties.tto, parties.listing,
                           [{"name": "外校", "user_id": stranger.id, "share_pct": Decimal("100")}])
    assert db.session.scalar(select(InventorShare.id)) is None


def test_other_university_cannot_edit_shares(parties, make_user, client, auth):  # noqa: F811
    other = make_user(Role.TTO)
    auth.login(other.email)
    url = f"/manage/listings/{parties.listing.id}/shares"
    assert client.get(url).status_code == 404
    assert post(client, url, _shares_form([("李振华", 0, "100")])).status_code == 404
    assert ledger.shares_of(parties.listing) == []


# --- statements --------------------------------------------------------------------------------

def test_statements_show_only_ones_own_lines(parties, hooks, make_user, make_org, client, auth):  # noqa: F811
    receive(parties, "100.01")
    colleague = make_user(Role.INVENTOR, org=parties.university, name="不相关的发明人",
                          is_org_admin=False)
    auth.login(colleague.email)
    assert "¥" not in client.get("/my/revenue").get_data(as_text=True).split("<h1>")[1]
    auth.logout()
    other_tto = make_user(Role.TTO)
    auth.login(other_tto.email)
    page = client.get("/manage/revenue").get_data(as_text=True)
    assert parties.listing.title not in page
    exported = client.get("/manage/revenue.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))) == 1  # the header alone


def test_university_statement_totals_and_csv(parties, hooks, client, auth):  # noqa: F811
    set_split(parties, "50", "20", "30")
    receive(parties, "100.01")
    auth.login(parties.tto.email)
    page = client.get("/manage/revenue").get_data(as_text=True)
    assert "¥20.00" in page and "¥30.00" in page and "¥100.01" in page
    table = list(csv.reader(io.StringIO(
        client.get("/manage/revenue.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(table) == 1 + 5  # the header, then the lines: no total row, the column sums
    assert sum(Decimal(row[-1]) for row in table[1:]) == Decimal("100.01")
    later = (date.today() + timedelta(days=2)).isoformat()
    empty = client.get(f"/manage/revenue.csv?start={later}").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(empty.lstrip("\ufeff"))))) == 1


def test_csv_is_safe_from_formula_injection(parties, hooks, make_org, make_user, client, auth):  # noqa: F811
    from marketplace.orgs.models import OrgKind

    parties.listing.title = '=HYPERLINK("http://evil.example","点我")'
    parties.company_org.name = "+cmd|' /C calc'!A0"
    db.session.commit()
    receive(parties, "10.00")
    auth.login(parties.tto.email)
    table = list(csv.reader(io.StringIO(
        client.get("/manage/revenue.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert table[1][2].startswith("'=HYPERLINK") and table[1][3].startswith("'+cmd")
    assert OrgKind.UNIVERSITY  # (import used)
