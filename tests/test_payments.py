"""Bank transfers (reference, confirmation by the payee's tto), cancellations, refunds, the
payment pages and lists, and who may do what with a payment."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, LedgerLine, UniversityFinance
from marketplace.orgs.models import OrgKind
from marketplace.payments import services as payments
from marketplace.payments.models import Payment, PaymentState
from tests.conftest import post
from tests.payments_support import PURPOSE, hooks, parties, start  # noqa: F401  (fixtures)


def reload(payment) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment.id)


def lines(payment, entry=None) -> list[LedgerLine]:
    query = select(LedgerLine).where(LedgerLine.payment_id == payment.id)
    if entry is not None:
        query = query.where(LedgerLine.entry == entry)
    return list(db.session.scalars(query.order_by(LedgerLine.id)))


def test_bank_transfer_shows_a_reference_and_the_account(parties, hooks, client, auth):  # noqa: F811
    db.session.add(UniversityFinance(organisation_id=parties.university.id, inventors_pct=50,
                                     tto_pct=20, university_pct=30, account_name="华东理工科技大学",
                                     bank_name="中国工商银行上海徐汇支行",
                                     account_number="1001 2345 6789 0123 456"))
    db.session.commit()
    payment = start(parties, "bank_transfer", amount="12345.60")
    assert payment.state is PaymentState.PENDING
    assert payment.bank_reference.startswith("BX") and len(payment.bank_reference) == 12
    auth.login(parties.buyer.email)
    page = client.get(f"/payments/{payment.public_id}").get_data(as_text=True)
    assert payment.bank_reference in page
    assert "1001 2345 6789 0123 456" in page and "¥12,345.60" in page
    assert "payments/" + payment.public_id + "/confirm" not in page  # only the payee confirms


def test_references_are_unique(parties, hooks):  # noqa: F811
    references = {start(parties, "bank_transfer", subject_id=n).bank_reference for n in range(20)}
    assert len(references) == 20


def test_payee_tto_confirms_receipt(parties, hooks, client, auth, outbox):  # noqa: F811
    payment = start(parties, "bank_transfer")
    auth.login(parties.tto.email)
    page = client.get(f"/payments/{payment.public_id}").get_data(as_text=True)
    assert f"/payments/{payment.public_id}/confirm" in page
    answer = post(client, f"/payments/{payment.public_id}/confirm")
    assert answer.status_code == 302
    payment = reload(payment)
    assert payment.state is PaymentState.SUCCEEDED and payment.confirmed_by_id == parties.tto.id
    assert hooks.count("paid", payment) == 1
    assert sum(line.amount for line in lines(payment)) == Decimal("100.01")
    recipients = sorted(m["To"] for m in outbox())
    # The tto was told when the transfer started, then both sides when it was received.
    assert recipients == sorted([parties.buyer.email, parties.tto.email, parties.tto.email])
    # A second confirmation is refused with a message and changes nothing.
    again = post(client, f"/payments/{payment.public_id}/confirm", follow_redirects=True)
    assert again.status_code == 200
    assert hooks.count("paid", payment) == 1 and len(lines(payment)) == 4


@pytest.mark.parametrize("who", ["buyer", "inventor", "other_tto", "admin", "unverified_tto"])
def test_only_the_payee_tto_can_confirm(parties, hooks, make_user, make_org, who):  # noqa: F811
    payment = start(parties, "bank_transfer")
    from marketplace.orgs.models import OrgStatus
    actor = {
        "buyer": parties.buyer, "inventor": parties.inventor,
        "other_tto": make_user(Role.TTO), "admin": make_user(Role.ADMIN),
        "unverified_tto": make_user(Role.TTO, org=parties.university),
    }[who]
    if who == "unverified_tto":
        parties.university.status = OrgStatus.PENDING
        db.session.commit()
    with pytest.raises(NotAllowed):
        payments.confirm_bank_transfer(payment, actor)
    db.session.rollback()
    assert reload(payment).state is PaymentState.PENDING and hooks.count("paid") == 0


def test_other_university_tto_gets_404_on_the_payment(parties, hooks, make_user, client, auth):  # noqa: F811
    payment = start(parties, "bank_transfer")
    other = make_user(Role.TTO)
    auth.login(other.email)
    assert client.get(f"/payments/{payment.public_id}").status_code == 404
    assert post(client, f"/payments/{payment.public_id}/confirm").status_code == 404
    assert client.get(f"/payments/{payment.public_id}/refund").status_code == 404
    assert reload(payment).state is PaymentState.PENDING


def test_other_company_cannot_see_or_cancel(parties, hooks, make_user, client, auth):  # noqa: F811
    payment = start(parties, "bank_transfer")
    other = make_user(Role.COMPANY)
    auth.login(other.email)
    assert client.get(f"/payments/{payment.public_id}").status_code == 404
    assert post(client, f"/payments/{payment.public_id}/cancel",
                {"reason": "不想付了"}).status_code == 404
    assert payment.public_id not in client.get("/my/payments").get_data(as_text=True)
    assert reload(payment).state is PaymentState.PENDING


def test_payer_cancels_a_pending_transfer_with_a_reason(parties, hooks, client, auth):  # noqa: F811
    payment = start(parties, "bank_transfer")
    auth.login(parties.buyer.email)
    answer = post(client, f"/payments/{payment.public_id}/cancel", {"reason": "改用线上支付"})
    assert answer.status_code == 302
    payment = reload(payment)
    assert payment.state is PaymentState.CANCELLED and payment.failure_reason == "改用线上支付"
    assert hooks.count("failed", payment) == 1
    # A new payment for the same thing can now be started.
    assert start(parties, "bank_transfer").state is PaymentState.PENDING


def test_a_second_payment_for_the_same_subject_is_refused(parties, hooks):  # noqa: F811
    start(parties, "bank_transfer", subject_id=7)
    with pytest.raises(InvalidTransition):
        start(parties, "bank_transfer", subject_id=7)


@pytest.mark.parametrize(("amount", "ok"), [("0.01", True), ("0", False), ("-5", False),
                                             ("1.001", False), ("10000000000", False)])
def test_amounts_are_checked(parties, hooks, amount, ok):  # noqa: F811
    if ok:
        assert start(parties, "bank_transfer", amount=amount).amount == Decimal(amount)
    else:
        with pytest.raises(ServiceError):
            start(parties, "bank_transfer", amount=amount)


def test_unregistered_purpose_and_wrong_payer_are_refused(parties, hooks, make_user):  # noqa: F811
    with pytest.raises(LookupError):
        payments.start_payment(purpose="nothing", subject_id=1, listing=parties.listing,
                               payer_org=parties.company_org, amount=Decimal("1"),
                               description="x", method="bank_transfer", actor=parties.buyer)
    stranger = make_user(Role.COMPANY)
    with pytest.raises(NotAllowed):
        payments.start_payment(purpose=PURPOSE, subject_id=1, listing=parties.listing,
                               payer_org=parties.company_org, amount=Decimal("1"),
                               description="x", method="bank_transfer", actor=stranger)


def _paid_transfer(world):
    payment = start(world, "bank_transfer")
    return payments.confirm_bank_transfer(payment, world.tto)


@pytest.mark.parametrize("who", ["tto", "admin"])
def test_refund_by_tto_or_admin_with_reason_is_audited(parties, hooks, make_user, client, auth,  # noqa: F811
                                                      who):
    payment = _paid_transfer(parties)
    actor = parties.tto if who == "tto" else make_user(Role.ADMIN)
    auth.login(actor.email)
    form = client.get(f"/payments/{payment.public_id}/refund")
    assert form.status_code == 200
    empty = post(client, f"/payments/{payment.public_id}/refund", {"reason": ""})
    assert empty.status_code == 422 and reload(payment).state is PaymentState.SUCCEEDED
    answer = post(client, f"/payments/{payment.public_id}/refund", {"reason": "重复付款"})
    assert answer.status_code == 302
    payment = reload(payment)
    assert payment.state is PaymentState.REFUNDED and payment.refund_reason == "重复付款"
    assert payment.refunded_by_id == actor.id and hooks.count("refunded", payment) == 1
    reversal = lines(payment, LedgerEntry.REVERSAL)
    receipt = lines(payment, LedgerEntry.RECEIPT)
    assert [r.amount for r in reversal] == [-line.amount for line in receipt]
    assert sum(line.amount for line in lines(payment)) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "payment.refunded"))
    assert event.actor_id == actor.id and event.details["reason"] == "重复付款"
    page = client.get(f"/payments/{payment.public_id}").get_data(as_text=True)
    assert "重复付款" in page


@pytest.mark.parametrize("who", ["buyer", "inventor", "other_tto"])
def test_others_cannot_refund(parties, hooks, make_user, who):  # noqa: F811
    payment = _paid_transfer(parties)
    actor = {"buyer": parties.buyer, "inventor": parties.inventor,
             "other_tto": make_user(Role.TTO)}[who]
    with pytest.raises(NotAllowed):
        payments.refund(payment, actor, "想退款")
    db.session.rollback()
    assert reload(payment).state is PaymentState.SUCCEEDED


def test_refund_needs_a_received_payment_and_a_reason(parties, hooks):  # noqa: F811
    pending = start(parties, "bank_transfer", subject_id=3)
    with pytest.raises(InvalidTransition):
        payments.refund(pending, parties.tto, "退款")
    paid = _paid_transfer(parties)
    with pytest.raises(ServiceError):
        payments.refund(paid, parties.tto, "   ")
    payments.refund(paid, parties.tto, "退款")
    with pytest.raises(InvalidTransition):
        payments.refund(paid, parties.tto, "再退一次")
    assert hooks.count("refunded") == 1


def test_university_list_counts_and_filters(parties, hooks, client, auth):  # noqa: F811
    _paid_transfer(parties)
    pending = start(parties, "bank_transfer", subject_id=2, amount="5.00")
    auth.login(parties.tto.email)
    page = client.get("/manage/payments?state=pending").get_data(as_text=True)
    assert pending.bank_reference in page and 'class="num">¥5.00</td>' in page
    assert 'class="num">¥100.01</td>' not in page
    everything = client.get("/manage/payments").get_data(as_text=True)
    assert 'class="num">¥100.01</td>' in everything
    assert "¥100.01" in everything.split("<nav class=\"tabs\"")[0]  # received so far


def test_payer_list_and_admin_overview(parties, hooks, client, auth, make_user):  # noqa: F811
    _paid_transfer(parties)
    auth.login(parties.buyer.email)
    assert "¥100.01" in client.get("/my/payments").get_data(as_text=True)
    auth.logout()
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    overview = client.get("/admin/payments").get_data(as_text=True)
    assert parties.university.name in overview and "¥100.01" in overview


def test_payment_pages_need_the_payers_own_organisation(parties, hooks, make_org, make_user):  # noqa: F811
    investor = make_user(Role.INVESTOR)
    with pytest.raises(NotAllowed):
        payments.start_payment(purpose=PURPOSE, subject_id=1, listing=parties.listing,
                               payer_org=parties.university, amount=Decimal("1"),
                               description="x", method="bank_transfer", actor=investor)
    university_b = make_org(OrgKind.UNIVERSITY)
    tto_b = make_user(Role.TTO, org=university_b)
    with pytest.raises(ServiceError):  # the payee pays itself
        payments.start_payment(purpose=PURPOSE, subject_id=1, listing=parties.listing,
                               payer_org=parties.university, amount=Decimal("1"),
                               description="x", method="bank_transfer", actor=parties.tto)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert tto_b.organisation_id != parties.university.id
