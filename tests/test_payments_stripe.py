"""Stripe Checkout offline: localstripe for PaymentIntents and refunds, signed webhook events,
the Checkout Session boundary; idempotent fulfilment by webhook and success page."""

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, LedgerLine
from marketplace.payments.models import Payment, PaymentState, WebhookEvent
from tests.conftest import Auth, post
from tests.mail_support import plain
from tests.payments_support import hooks, parties, start  # noqa: F401  (fixtures)
from tests.stripe_support import WEBHOOK_SECRET, signed_event

WEBHOOK = "/payments/webhooks/stripe"


@pytest.fixture
def paying(stripe_app, stripe_boundary, parties, hooks):  # noqa: F811
    """A Stripe payment of ¥100.01, and ``pay(card)``: the buyer pays it on the Checkout page."""
    payment = start(parties, "stripe")

    def pay(card="pm_card_visa"):
        return stripe_boundary.pay(payment.provider_session_id, card)
    return payment, pay


def deliver(client, event_type, obj, **kwargs):
    payload, signature = signed_event(event_type, obj, **kwargs)
    return client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": signature},
                       content_type="application/json")


def reload(payment) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment.id)


def lines_total(payment, entry=None) -> Decimal:
    query = select(func.coalesce(func.sum(LedgerLine.amount), 0)).where(
        LedgerLine.payment_id == payment.id)
    if entry is not None:
        query = query.where(LedgerLine.entry == entry)
    return Decimal(db.session.scalar(query))


def test_checkout_session_is_created_with_the_agreed_parameters(stripe_app, stripe_boundary,
                                                                parties, hooks, client, auth):  # noqa: F811
    payment = start(parties, "stripe", amount="100.01")
    params, key = stripe_boundary.created[-1]
    price = params["line_items"][0]["price_data"]
    assert price["unit_amount"] == "10001" and price["currency"] == "cny"
    assert params["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert params["payment_method_options"]["wechat_pay"]["client"] == "web"
    assert params["metadata"]["payment_id"] == payment.public_id
    assert params["payment_intent_data"]["metadata"]["payment_id"] == payment.public_id
    assert key == f"checkout-{payment.public_id}"
    assert params["success_url"].endswith(
        f"/payments/{payment.public_id}/return?session_id={{CHECKOUT_SESSION_ID}}")
    assert payment.state is PaymentState.PENDING
    assert payment.checkout_url.startswith("https://")
    assert not stripe_boundary.refused
    auth.login(parties.buyer.email)
    page = client.get(f"/payments/{payment.public_id}").get_data(as_text=True)
    assert payment.checkout_url in page and "¥100.01" in page


def test_provider_down_creates_no_payment(app, parties, hooks):  # noqa: F811
    from marketplace.payments.services import PaymentError

    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://127.0.0.1:9")
    with pytest.raises(PaymentError):
        start(parties, "stripe")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_same_webhook_three_times_fulfils_once(paying, client, hooks, outbox):  # noqa: F811
    payment, pay = paying
    session = pay()
    payload, signature = signed_event("checkout.session.completed", session)
    answers = [client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": signature},
                           content_type="application/json") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.get_json()["outcome"] for a in answers] == ["succeeded", "duplicate", "duplicate"]
    payment = reload(payment)
    assert payment.state is PaymentState.SUCCEEDED and payment.paid_at is not None
    assert payment.provider_payment_id == session["payment_intent"]
    assert hooks.count("paid", payment) == 1
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
    assert lines_total(payment) == Decimal("100.01")
    # The buyer and the university's tto are told once.
    subjects = [m["Subject"] for m in outbox()]
    assert len(subjects) == 2


def test_localstripes_own_signed_webhook_fulfils(paying, client, hooks, stripe_boundary):  # noqa: F811
    """localstripe signs payment_intent.succeeded itself: an independent signer our check accepts."""
    payment, pay = paying
    session = pay()
    payload, signature = stripe_boundary.webhooks.wait_for("payment_intent.succeeded",
                                                           session["payment_intent"])
    answer = client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": signature},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "succeeded"
    assert reload(payment).state is PaymentState.SUCCEEDED and hooks.count("paid", payment) == 1
    tampered = payload.replace(b'"amount": 10001', b'"amount": 1')
    assert tampered != payload
    assert client.post(WEBHOOK, data=tampered, headers={"Stripe-Signature": signature},
                       content_type="application/json").status_code == 400
    assert deliver(client, "checkout.session.completed", session).get_json()["outcome"] == "no change"


def test_another_event_for_a_paid_payment_changes_nothing(paying, client, hooks):  # noqa: F811
    payment, pay = paying
    session = pay()
    assert deliver(client, "checkout.session.completed", session).get_json()["outcome"] == "succeeded"
    again = deliver(client, "checkout.session.async_payment_succeeded", session)
    assert again.get_json()["outcome"] == "no change"
    assert hooks.count("paid", payment) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerLine)) == 4


def test_refund_event_before_completed_ends_refunded(paying, client, hooks, stripe_boundary):  # noqa: F811
    payment, pay = paying
    session = pay()
    stripe_boundary.refund_at_stripe(session["payment_intent"])
    charge = stripe_boundary.charge_of(session["payment_intent"])
    assert charge["refunded"] is True
    first = deliver(client, "charge.refunded", charge)
    second = deliver(client, "checkout.session.completed", session)
    assert first.get_json()["outcome"] == "refunded"
    assert second.get_json()["outcome"] == "no change"
    payment = reload(payment)
    assert payment.state is PaymentState.REFUNDED
    assert payment.refund_reason and payment.refunded_by_id is None
    assert (hooks.count("paid", payment), hooks.count("refunded", payment)) == (1, 1)
    assert lines_total(payment, LedgerEntry.RECEIPT) == Decimal("100.01")
    assert lines_total(payment) == Decimal("0.00")


def test_async_success_before_completed_ends_succeeded(paying, client, hooks):  # noqa: F811
    payment, pay = paying
    session = pay()
    unpaid_view = dict(session, payment_status="unpaid")
    assert deliver(client, "checkout.session.async_payment_succeeded", session).status_code == 200
    assert deliver(client, "checkout.session.completed", unpaid_view).status_code == 200
    payment = reload(payment)
    assert payment.state is PaymentState.SUCCEEDED and hooks.count("paid", payment) == 1


def test_async_failure_marks_the_payment_failed(paying, client, hooks):  # noqa: F811
    payment, pay = paying
    session = pay("pm_card_chargeCustomerFail")
    answer = deliver(client, "checkout.session.async_payment_failed", session)
    assert answer.get_json()["outcome"] == "failed"
    payment = reload(payment)
    assert payment.state is PaymentState.FAILED and "declined" in payment.failure_reason
    assert hooks.count("failed", payment) == 1 and hooks.count("paid", payment) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerLine)) == 0


def test_completed_event_with_an_unpaid_intent_changes_nothing(paying, client, hooks):  # noqa: F811
    payment, pay = paying
    session = pay("pm_card_chargeCustomerFail")
    # A forged "completed" claim: Stripe's PaymentIntent says otherwise, and Stripe is asked.
    deliver(client, "checkout.session.completed", dict(session, payment_status="paid"))
    assert reload(payment).state is PaymentState.FAILED
    assert hooks.count("paid", payment) == 0


def test_intent_with_another_amount_is_refused(paying, client, hooks, stripe_boundary):  # noqa: F811
    payment, pay = paying
    session = pay()
    other = stripe_boundary.localstripe.client().v1.payment_intents.create({
        "amount": 1, "currency": "cny", "payment_method": "pm_card_visa", "confirm": True,
        "metadata": {"payment_id": payment.public_id}})
    answer = deliver(client, "checkout.session.completed", dict(session, payment_intent=other["id"]))
    assert answer.get_json()["outcome"].startswith("mismatch")
    assert reload(payment).state is PaymentState.PENDING and hooks.count("paid") == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "payment.mismatch")) == 1


def test_intent_of_another_payment_is_refused(stripe_app, parties, hooks, client, stripe_boundary):  # noqa: F811
    first = start(parties, "stripe", subject_id=1)
    second = start(parties, "stripe", subject_id=2)
    paid = stripe_boundary.pay(first.provider_session_id)
    forged = dict(stripe_boundary.sessions[second.provider_session_id],
                  payment_intent=paid["payment_intent"])
    forged = {k: v for k, v in forged.items() if not k.startswith("_")}
    assert deliver(client, "checkout.session.completed", forged).get_json()["outcome"] == \
        "mismatch: metadata"
    assert reload(second).state is PaymentState.PENDING


@pytest.mark.parametrize("case", ["bad signature", "wrong secret", "too old", "no header",
                                  "not json"])
def test_unverified_webhooks_are_refused(paying, client, hooks, case):  # noqa: F811
    payment, pay = paying
    session = pay()
    if case == "bad signature":
        payload, signature = signed_event("checkout.session.completed", session)
        signature = signature[:-4] + "0000"
    elif case == "wrong secret":
        payload, signature = signed_event("checkout.session.completed", session,
                                          secret=WEBHOOK_SECRET + "x")
    elif case == "too old":
        payload, signature = signed_event("checkout.session.completed", session,
                                          timestamp=int(time.time()) - 301)
    elif case == "no header":
        payload, signature = signed_event("checkout.session.completed", session)
        signature = None
    else:
        payload, signature = b"not json", signed_event("x", {})[1]
    headers = {"Stripe-Signature": signature} if signature else {}
    answer = client.post(WEBHOOK, data=payload, headers=headers, content_type="application/json")
    assert answer.status_code == 400
    assert reload(payment).state is PaymentState.PENDING and hooks.count("paid") == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_a_recent_timestamp_within_tolerance_is_accepted(paying, client):
    payment, pay = paying
    session = pay()
    answer = deliver(client, "checkout.session.completed", session,
                     timestamp=int(time.time()) - 250)
    assert answer.status_code == 200 and reload(payment).state is PaymentState.SUCCEEDED


def test_success_page_fulfils_and_the_late_webhook_changes_nothing(paying, client, auth, hooks):  # noqa: F811
    payment, pay = paying
    session = pay()
    auth.login(payment.created_by.email)
    answer = client.get(f"/payments/{payment.public_id}/return?session_id={session['id']}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/payments/{payment.public_id}"
    assert reload(payment).state is PaymentState.SUCCEEDED
    assert deliver(client, "checkout.session.completed", session).get_json()["outcome"] == "no change"
    assert hooks.count("paid", payment) == 1


def test_success_page_before_paying_keeps_the_payment_pending(paying, client, auth):
    payment, _pay = paying
    auth.login(payment.created_by.email)
    answer = client.get(f"/payments/{payment.public_id}/return?session_id="
                        f"{payment.provider_session_id}", follow_redirects=True)
    assert answer.status_code == 200
    assert reload(payment).state is PaymentState.PENDING


def test_success_page_with_another_session_is_not_found(paying, client, auth):
    payment, pay = paying
    pay()
    auth.login(payment.created_by.email)
    answer = client.get(f"/payments/{payment.public_id}/return?session_id=cs_test_other")
    assert answer.status_code == 404
    assert reload(payment).state is PaymentState.PENDING


def test_tto_refunds_through_stripe_with_a_reason(paying, client, auth, hooks, parties,  # noqa: F811
                                                 stripe_boundary, outbox):
    payment, pay = paying
    session = pay()
    deliver(client, "checkout.session.completed", session)
    auth.login(parties.tto.email)
    answer = post(client, f"/payments/{payment.public_id}/refund",
                  {"reason": "被许可人撤回实施计划，双方协商退款。"})
    assert answer.status_code == 302
    payment = reload(payment)
    assert payment.state is PaymentState.REFUNDED
    assert payment.refund_reason == "被许可人撤回实施计划，双方协商退款。"
    assert payment.refunded_by_id == parties.tto.id and payment.provider_refund_id.startswith("re_")
    assert stripe_boundary.charge_of(session["payment_intent"])["refunded"] is True
    assert lines_total(payment) == Decimal("0.00")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "payment.refunded"))
    assert event.actor_id == parties.tto.id and "撤回" in event.details["reason"]
    # Stripe's own charge.refunded for it arrives later: nothing more happens.
    charge = stripe_boundary.charge_of(session["payment_intent"])
    assert deliver(client, "charge.refunded", charge).get_json()["outcome"] == "no change"
    assert hooks.count("refunded", payment) == 1
    assert any("退款" in plain(m) or "refunded" in plain(m) for m in outbox())


def test_success_page_racing_the_webhook_fulfils_once(paying, app, hooks):  # noqa: F811
    """Both requests wait on the same row lock, then run one after the other (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are tested on PostgreSQL")
    payment, pay = paying
    session = pay()
    buyer_client = app.test_client()
    Auth(buyer_client).login(payment.created_by.email)
    hook_client = app.test_client()
    payload, signature = signed_event("checkout.session.completed", session)
    results = {}

    def webhook():
        results["webhook"] = hook_client.post(WEBHOOK, data=payload, content_type="application/json",
                                              headers={"Stripe-Signature": signature})

    def success_page():
        results["page"] = buyer_client.get(
            f"/payments/{payment.public_id}/return?session_id={session['id']}")

    with db.engine.connect() as holder:
        transaction = holder.begin()
        holder.execute(text("SELECT id FROM payments WHERE id = :id FOR UPDATE"),
                       {"id": payment.id})
        threads = [threading.Thread(target=webhook), threading.Thread(target=success_page)]
        for thread in threads:
            thread.start()
        waiting, deadline = 0, time.monotonic() + 30
        while waiting < 2 and time.monotonic() < deadline:
            # Activity statistics are a snapshot per transaction: take a fresh one each time.
            holder.execute(text("SELECT pg_stat_clear_snapshot()"))
            waiting = holder.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE '%FROM payments%FOR UPDATE%'")).scalar()
            time.sleep(0.05)
        activity = holder.execute(text(
            "SELECT wait_event_type, wait_event, state, left(query, 120) FROM pg_stat_activity "
            "WHERE datname = current_database()")).all()
        transaction.rollback()
        for thread in threads:
            thread.join(60)
    assert waiting == 2, f"both requests should have waited on the payment's row lock: {activity}"
    assert results["webhook"].status_code == 200 and results["page"].status_code == 302
    assert reload(payment).state is PaymentState.SUCCEEDED
    assert hooks.count("paid", payment) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerLine)) == 4
