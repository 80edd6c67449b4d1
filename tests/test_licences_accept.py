"""Accepting an open licence: review, signature, frozen agreement, payment (bank transfer and
Stripe), certificate, public verification, and two companies accepting at the same time."""

import hashlib
import io
import json
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.errors import InvalidTransition
from marketplace.extensions import db
from marketplace.licences import agreement, licensing
from marketplace.licences.licensing import AgreementIsFrozen
from marketplace.licences.models import (
    LicenceState,
    OpenLicence,
    OpenLicenceDeclaration,
    PaymentMethod,
)
from marketplace.payments.models import Payment, PaymentState
from tests import factories
from tests.conftest import login, post, zh
from tests.licences_support import world  # noqa: F401
from tests.stripe_support import signed_event


def _accept_page(client, declaration, trial=False):
    url = f"/open-licences/{declaration.id}/accept" + ("?trial=1" if trial else "")
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    reviewed = html.split('name="reviewed_sha256" type="hidden" value="')[1].split('"')[0]
    return url, html, reviewed


def test_company_reviews_signs_pays_by_bank_transfer_and_verifies(client, auth, world, outbox):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    login(auth, world.buyer)
    url, html, reviewed = _accept_page(client, declaration)
    assert "书面通知" in html and world.company.name in html and "CN2026OL000123" in html
    refused = post(client, url, {"signer_name": "赵敏", "signer_title": "研发总监",
                                 "reviewed_sha256": reviewed})
    assert refused.status_code == 422  # no consent
    response = post(client, url, {"signer_name": "赵敏", "signer_title": "研发总监", "consent": "y",
                                  "reviewed_sha256": reviewed},
                    headers={"User-Agent": "Mozilla/5.0 test"})
    assert response.status_code == 302
    licence = db.session.scalars(select(OpenLicence)).one()
    assert licence.state is LicenceState.AWAITING_PAYMENT and licence.effective_at is None
    assert (licence.signer_name, licence.signer_title, licence.signed_user_agent) == (
        "赵敏", "研发总监", "Mozilla/5.0 test")
    assert licence.signed_ip == "127.0.0.1"
    assert licence.sha256 == hashlib.sha256(licence.document.encode("utf-8")).hexdigest()
    document = json.loads(licence.document)
    assert document["terms_sha256"] == reviewed
    assert document["signature"]["name"] == "赵敏" and document["licence"]["type"] == "ordinary"
    notice = [m for m in outbox() if m["To"] == "notice@example.edu.cn"]
    assert len(notice) == 1 and world.company.name in notice[0].get_content()
    assert licence.sha256 in notice[0].get_content()

    page = client.get(f"/licences/{licence.id}").get_data(as_text=True)
    assert zh("Pay the fee") in page and licence.sha256 in page and "第一条" in page

    # The company pays by bank transfer; the university's tto confirms the receipt.
    response = post(client, f"/licences/{licence.id}/pay", {"method": "bank_transfer"})
    payment = db.session.scalars(select(Payment)).one()
    assert response.headers["Location"] == f"/payments/{payment.public_id}"
    assert (payment.amount, payment.purpose) == (Decimal("50000.00"), "open_licence_fee")
    assert client.get(f"/licences/{licence.id}/certificate.pdf").status_code == 404
    auth.logout()
    login(auth, world.tto)
    assert post(client, f"/payments/{payment.public_id}/confirm").status_code == 302
    db.session.refresh(licence)
    assert licence.state is LicenceState.EFFECTIVE and licence.fee_payment_id == payment.id
    assert licence.record_due_on is not None and licence.certificate_sha256
    assert any("CNIPA" in m.get_content() or "备案" in m.get_content() for m in outbox())

    # The certificate, and its verification; a changed byte is not found.
    auth.logout()
    login(auth, world.buyer)
    certificate = client.get(f"/licences/{licence.id}/certificate.pdf")
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF")
    assert hashlib.sha256(certificate.data).hexdigest() == licence.certificate_sha256
    auth.logout()
    verified = client.get(f"/verify/{licence.sha256}")
    assert verified.status_code == 200
    assert zh("Valid: this agreement was signed on this platform and has not been changed.") \
        in verified.get_data(as_text=True)
    changed = licence.sha256[:-1] + ("0" if licence.sha256[-1] != "0" else "1")
    assert client.get(f"/verify/{changed}").status_code == 404
    for upload, expected in ((certificate.data, 200), (licence.document.encode(), 302),
                             (licence.document.encode().replace("赵敏".encode(), "赵民".encode()), 404)):
        response = post(client, "/verify", {"file": (io.BytesIO(upload), "x.bin")},
                        content_type="multipart/form-data")
        assert response.status_code == expected
        if expected == 302:
            assert response.headers["Location"] == f"/verify/{licence.sha256}"
        if expected == 200:  # the certificate (a signed PDF): its signature and its licence
            page = response.get_data(as_text=True)
            assert zh("Signed by the platform and unchanged since signing.") in page
            assert licence.sha256 in page and world.company.name in page
    pasted = post(client, "/verify", {"text": licence.document + "\n"})
    assert pasted.headers["Location"] == f"/verify/{licence.sha256}"


def test_stripe_webhook_makes_the_licence_effective(stripe_app, stripe_boundary, client, auth,
                                                    world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing, fee_amount=Decimal("8800.50"))
    licence = factories.licence(world.buyer, declaration)
    login(auth, world.buyer)
    response = post(client, f"/licences/{licence.id}/pay", {"method": "stripe"})
    payment = db.session.scalars(select(Payment)).one()
    assert response.status_code == 302 and payment.method.value == "stripe"
    params, _key = stripe_boundary.created[-1]
    assert params["metadata"]["payment_id"] == payment.public_id
    session = stripe_boundary.pay(payment.provider_session_id)
    payload, signature = signed_event("checkout.session.completed", session)
    for _ in range(2):  # redelivered: one fulfilment
        assert client.post("/payments/webhooks/stripe", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": signature}).status_code == 200
    db.session.expire_all()
    licence = db.session.get(OpenLicence, licence.id)
    assert licence.state is LicenceState.EFFECTIVE and licence.fee_paid_at is not None
    assert db.session.get(Payment, payment.id).state is PaymentState.SUCCEEDED
    assert client.get(f"/licences/{licence.id}/certificate.pdf").status_code == 200


def test_free_licence_takes_effect_at_once(world, outbox):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing, payment_method=PaymentMethod.FREE,
                            fee_amount=None)
    licence = factories.licence(world.buyer, declaration)
    assert licence.state is LicenceState.EFFECTIVE and licence.effective_at == licence.signed_at
    assert licence.certificate_pdf.startswith(b"%PDF")


def test_terms_changed_since_review_are_not_signed(client, auth, world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    login(auth, world.buyer)
    url, _html, reviewed = _accept_page(client, declaration)
    response = post(client, url, {"signer_name": "赵敏", "signer_title": "研发总监", "consent": "y",
                                  "reviewed_sha256": "0" * 64})
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(OpenLicence)) == 0


def test_a_company_holds_one_licence_per_declaration(world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    factories.licence(world.buyer, declaration)
    with pytest.raises(InvalidTransition):
        factories.licence(world.buyer, declaration)


def test_a_signed_agreement_is_never_changed(world):  # noqa: F811
    licence = factories.licence(world.buyer, factories.declaration(world.tto, world.listing))
    licence.document = licence.document.replace("赵敏", "赵民")
    with pytest.raises(AgreementIsFrozen):
        db.session.commit()
    db.session.rollback()


def test_other_organisations_cannot_see_a_licence(client, auth, world, make_user):  # noqa: F811
    licence = factories.licence(world.buyer, factories.declaration(world.tto, world.listing))
    login(auth, world.other_buyer)
    for path in ("", "/agreement.json", "/certificate.pdf"):
        assert client.get(f"/licences/{licence.id}{path}").status_code == 404
    assert post(client, f"/licences/{licence.id}/pay", {"method": "bank_transfer"}).status_code == 404
    assert post(client, f"/licences/{licence.id}/cancel", {"reason": "x"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert world.listing.title not in client.get("/licences").get_data(as_text=True)


def test_two_companies_accept_at_once_and_both_get_ordinary_licences(app, world):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent acceptance is tested on PostgreSQL (TEST_DATABASE_URL)")
    declaration = factories.declaration(world.tto, world.listing)
    buyers = [world.buyer.id, world.other_buyer.id]
    barrier, errors = threading.Barrier(2), []

    def accept(user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                decl = db.session.get(OpenLicenceDeclaration, declaration.id)
                reviewed = agreement.canonical(licensing.review(user, decl, False))
                barrier.wait(timeout=10)
                licensing.accept(user, decl, signer_name=user.name, signer_title="总经理", consent=True,
                                 trial=False, reviewed_sha256=agreement.digest(reviewed), ip=None,
                                 user_agent=None)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(user_id,)) for user_id in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    db.session.expire_all()
    licences = db.session.scalars(select(OpenLicence).order_by(OpenLicence.licensee_id)).all()
    assert sorted(lic.licensee_id for lic in licences) == sorted([world.company.id, world.other_company.id])
    assert all(json.loads(lic.document)["licence"]["type"] == "ordinary" for lic in licences)
    assert len({lic.sha256 for lic in licences}) == 2
