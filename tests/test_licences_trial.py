"""Trial licences (先试用后付费), royalty reports, CNIPA recordation and the reminders."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace import timezones
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.licences import licensing, reminders, royalties
from marketplace.licences.models import (
    LicenceState,
    OpenLicence,
    PaymentMethod,
    ReportState,
    RoyaltyBase,
    TrialTrigger,
)
from marketplace.payments import services as payments
from marketplace.payments.models import Payment
from tests import factories
from tests.conftest import login, post, zh
from tests.licences_support import world  # noqa: F401
from tests.mail_support import plain


def _trial(world, trigger=TrialTrigger.TRIAL_END, days=90):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing, trial_days=days, trial_trigger=trigger)
    return factories.licence(world.buyer, declaration, trial=True)


def _today() -> date:
    return timezones.today()


def test_trial_is_in_force_at_once_and_runs_to_its_end(world):  # noqa: F811
    licence = _trial(world)
    assert licence.state is LicenceState.TRIAL and licence.effective_at is not None
    assert licence.trial_ends_on == _today() + timedelta(days=90)
    assert licence.payment_due_on == licence.trial_ends_on
    assert licence.record_due_on == licensing.add_months(_today(), 3)
    assert licence.certificate_sha256


def test_reminder_then_overdue_then_the_tto_is_told(world, outbox):  # noqa: F811
    licence = _trial(world, days=30)
    before = len(outbox())
    counts = reminders.run(licence.payment_due_on - timedelta(days=10))
    assert counts["trial_reminders"] == 1
    assert reminders.run(licence.payment_due_on - timedelta(days=9))["trial_reminders"] == 0
    reminded = outbox()[before:]
    assert [m["To"] for m in reminded] == [world.buyer.email]
    counts = reminders.run(licence.payment_due_on + timedelta(days=1))
    assert counts["overdue"] == 1
    db.session.refresh(licence)
    assert licence.state is LicenceState.PAYMENT_OVERDUE
    told = [m for m in outbox() if m["To"] == world.tto.email]
    assert told and "50,000.00" in plain(told[-1])
    assert reminders.run(licence.payment_due_on + timedelta(days=2))["overdue"] == 0


def test_overdue_trial_converts_by_paying_through_the_same_flow(client, auth, world):  # noqa: F811
    licence = _trial(world, days=30)
    reminders.run(licence.payment_due_on + timedelta(days=1))
    login(auth, world.buyer)
    response = post(client, f"/licences/{licence.id}/pay", {"method": "bank_transfer"})
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    payments.confirm_bank_transfer(payment, world.tto)
    db.session.refresh(licence)
    assert licence.state is LicenceState.EFFECTIVE and licence.payment_due_on is None
    assert licence.effective_at.date() <= _today()  # in force since the trial began


def test_first_revenue_brings_the_payment_forward(client, auth, world):  # noqa: F811
    licence = _trial(world, trigger=TrialTrigger.FIRST_REVENUE, days=365)
    login(auth, world.buyer)
    response = post(client, f"/licences/{licence.id}/first_revenue", {"day": _today().isoformat()})
    assert response.status_code == 302
    db.session.refresh(licence)
    assert licence.first_revenue_on == _today()
    assert licence.payment_due_on == _today() + timedelta(days=licensing.FIRST_REVENUE_GRACE_DAYS)
    with pytest.raises(InvalidTransition):
        licensing.report_first_revenue(world.buyer, licence, _today())


def test_trial_exit_ends_the_licence(client, auth, world):  # noqa: F811
    licence = _trial(world)
    login(auth, world.buyer)
    assert post(client, f"/licences/{licence.id}/exit", {"reason": "中试未达预期"}).status_code == 302
    db.session.refresh(licence)
    assert licence.state is LicenceState.EXITED and licence.end_reason == "中试未达预期"
    assert post(client, f"/licences/{licence.id}/pay", {"method": "bank_transfer"}).status_code == 302
    assert db.session.scalars(select(Payment)).all() == []


def test_no_trial_unless_the_declaration_offers_one(world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    with pytest.raises(ServiceError):
        factories.licence(world.buyer, declaration, trial=True)


# --- Royalties --------------------------------------------------------------------------------

def _royalty_licence(world, **overrides):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing, payment_method=PaymentMethod.ROYALTY,
                            fee_amount=None, royalty_base=RoyaltyBase.NET_SALES,
                            royalty_rate=Decimal("3.50"), **overrides)
    return factories.licence(world.buyer, declaration)


@pytest.mark.parametrize(("base", "royalty"), [
    ("12345.67", "432.10"),     # 432.09845 rounds half up
    ("100.01", "3.50"),         # 3.50035
    ("0.15", "0.01"),           # 0.00525 -> 0.01
    ("0.14", "0.00"),           # 0.0049 -> 0.00
])
def test_royalty_is_base_times_rate_rounded_half_up_to_the_fen(base, royalty):
    assert licensing.royalty_for(Decimal(base), Decimal("3.50")) == Decimal(royalty)


def test_royalty_licence_reports_and_pays_through_the_payments_flow(client, auth, world, outbox):  # noqa: F811
    licence = _royalty_licence(world)
    assert licence.state is LicenceState.EFFECTIVE  # no fee up front: in force on notice
    login(auth, world.buyer)
    today = _today().isoformat()
    response = post(client, f"/licences/{licence.id}/reports",
                    {"period_start": today, "period_end": today, "base_amount": "12345.67"})
    assert response.status_code == 302
    report = licence.reports[0] if licence.reports else None
    db.session.refresh(licence)
    report = licence.reports[0]
    assert (report.royalty, report.state) == (Decimal("432.10"), ReportState.DUE)
    assert any(m["To"] == world.tto.email and "432.10" in plain(m) for m in outbox())
    overlap = post(client, f"/licences/{licence.id}/reports",
                   {"period_start": today, "period_end": today, "base_amount": "1"})
    assert overlap.status_code == 302
    assert len(db.session.scalars(select(royalties.RoyaltyReport)).all()) == 1
    response = post(client, f"/licences/{licence.id}/reports/{report.id}/pay",
                    {"method": "bank_transfer"})
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.purpose, payment.amount) == ("royalty", Decimal("432.10"))
    payments.confirm_bank_transfer(payment, world.tto)
    db.session.refresh(report)
    assert report.state is ReportState.PAID and report.payment_id == payment.id


def test_a_nil_report_owes_nothing(world):  # noqa: F811
    licence = _royalty_licence(world)
    report = royalties.file_report(world.buyer, licence, _today(), _today(), Decimal("0"))
    assert report.state is ReportState.NIL
    with pytest.raises(InvalidTransition):
        royalties.pay_report(world.buyer, report, "bank_transfer")


def test_only_the_licensee_reports(world):  # noqa: F811
    licence = _royalty_licence(world)
    with pytest.raises(ServiceError):
        royalties.file_report(world.other_buyer, licence, _today(), _today(), Decimal("10"))


# --- CNIPA recordation --------------------------------------------------------------------------

def test_record_reminder_once_then_the_record_number(client, auth, world, outbox, runner):  # noqa: F811
    licence = _royalty_licence(world)
    result = runner.invoke(args=["licences", "remind", "--today",
                                 (licence.record_due_on - timedelta(days=20)).isoformat()])
    assert "record_reminders: 0" in result.output
    result = runner.invoke(args=["licences", "remind", "--today",
                                 (licence.record_due_on - timedelta(days=7)).isoformat()])
    assert "record_reminders: 1" in result.output
    assert reminders.run(licence.record_due_on)["record_reminders"] == 0
    reminded = [m for m in outbox() if licence.record_due_on.isoformat() in m["Subject"]]
    assert {m["To"] for m in reminded} == {world.tto.email, world.buyer.email}
    login(auth, world.tto)
    response = post(client, f"/licences/{licence.id}/record",
                    {"record_number": "2026990000123", "recorded_on": _today().isoformat()})
    assert response.status_code == 302
    db.session.refresh(licence)
    assert licence.record_number == "2026990000123"
    page = client.get(f"/verify/{licence.sha256}").get_data(as_text=True)
    assert "2026990000123" in page


def test_the_reminders_job_runs_through_the_job_interface(world):  # noqa: F811
    from marketplace.jobs.services import submit

    licence = _trial(world, days=5)
    job = submit("licences.reminders", {"today": licence.payment_due_on.isoformat()})
    assert job.result == {"trial_reminders": 1, "overdue": 0, "record_reminders": 0}
    assert db.session.get(OpenLicence, licence.id).trial_reminder_sent_at is not None


def test_refunded_fee_ends_the_licence(world):  # noqa: F811
    licence = factories.licence(world.buyer, factories.declaration(world.tto, world.listing))
    payment = royalties.pay_fee(world.buyer, licence, "bank_transfer")
    payments.confirm_bank_transfer(payment, world.tto)
    payments.refund(payment, world.tto, "双方协商解除")
    db.session.refresh(licence)
    assert licence.state is LicenceState.TERMINATED
    assert licence.end_reason == zh("Fee refunded: %(reason)s", reason="双方协商解除")
