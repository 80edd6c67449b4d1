"""Licences taken under an announced declaration: acceptance and signature, the fee, the trial
(先试用后付费), royalty reports, CNIPA recordation. Every state change of a licence is here."""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event, select

from marketplace import amounts, timezones
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.licences import agreement, agreement_pdf, notices
from marketplace.licences.certificate import issue
from marketplace.licences.models import (
    DeclarationState,
    LicenceState,
    OpenLicence,
    OpenLicenceDeclaration,
    TrialTrigger,
)
from marketplace.orgs.models import Organisation
from marketplace.permissions import can, check

#: Days a trial licensee has to pay after reporting the first revenue.
FIRST_REVENUE_GRACE_DAYS = 30
#: Months after taking effect within which a licence is recorded with CNIPA (r. 87).
RECORD_MONTHS = 3
#: Royalty = base × rate / 100, rounded half up to the fen (0.01 yuan).
FEN = Decimal("0.01")
#: Columns of a licence that never change once it is signed.
FROZEN_COLUMNS = ("document", "sha256", "signer_name", "signer_title", "signed_at", "signed_ip",
                  "signed_user_agent", "notice_delivered_at", "declaration_id", "licensee_id",
                  "licensor_id", "fee_amount", "is_trial")


class AgreementIsFrozen(RuntimeError):
    """Raised when anything tries to change a signed agreement."""


@event.listens_for(OpenLicence, "before_update")
def _refuse_agreement_changes(mapper, connection, licence: OpenLicence) -> None:
    state = sa.inspect(licence)
    changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
    if changed:
        raise AgreementIsFrozen(f"licence {licence.id} is signed; tried to change {changed}")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


def royalty_for(base: Decimal, rate: Decimal) -> Decimal:
    """The stated rule: base × rate %, rounded half up to the fen."""
    return (Decimal(base) * Decimal(rate) / Decimal(100)).quantize(FEN, rounding=ROUND_HALF_UP)


def lock(licence_id: int) -> OpenLicence:
    return db.session.scalars(select(OpenLicence).where(OpenLicence.id == licence_id)
                              .with_for_update().execution_options(populate_existing=True)).one()


# --- Acceptance ----------------------------------------------------------------------------------

def current_licence(declaration: OpenLicenceDeclaration, org_id: int) -> OpenLicence | None:
    """The company's licence under this declaration that has not ended, if any."""
    return db.session.scalars(select(OpenLicence).where(
        OpenLicence.declaration_id == declaration.id, OpenLicence.licensee_id == org_id,
        OpenLicence.state.not_in([LicenceState.EXITED, LicenceState.TERMINATED])).limit(1)).first()


def review(actor: User, declaration: OpenLicenceDeclaration, trial: bool) -> dict:
    """The agreement as the company will sign it today (nothing is stored)."""
    check("licences.accept", declaration, actor=actor)
    org = actor.organisation
    _check_acceptable(declaration, trial)
    if current_licence(declaration, org.id) is not None:
        raise InvalidTransition(_("Your company already holds a licence under this declaration."))
    return agreement.terms(declaration, org, trial=trial, accepted_on=timezones.today())


def _check_acceptable(declaration: OpenLicenceDeclaration, trial: bool) -> None:
    if declaration.state is not DeclarationState.ANNOUNCED:
        raise InvalidTransition(_("This open licence is not open for acceptance (it is not "
                                  "announced, or it was withdrawn)."))
    if declaration.term_end <= timezones.today():
        raise InvalidTransition(_("The declared licence term has ended."))
    if trial and not declaration.offers_trial:
        raise ServiceError(_("This declaration offers no trial."))
    _fee_of(declaration)


def accept(actor: User, declaration: OpenLicenceDeclaration, *, signer_name: str, signer_title: str,
           consent: bool, trial: bool, reviewed_sha256: str, ip: str | None,
           user_agent: str | None) -> OpenLicence:
    """Sign the reviewed agreement: the written notice is delivered and the licence is granted."""
    check("licences.accept", declaration, actor=actor)
    org = actor.organisation
    signer_name, signer_title = (signer_name or "").strip(), (signer_title or "").strip()
    if not consent or not signer_name or not signer_title:
        raise ServiceError(_("Sign with your full name and title and confirm your consent."))
    # Serialise acceptances by the same company; the declaration is share-locked so it cannot be
    # withdrawn meanwhile, while other companies accept it at the same time.
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    declaration = db.session.scalars(
        select(OpenLicenceDeclaration).where(OpenLicenceDeclaration.id == declaration.id)
        .with_for_update(read=True).execution_options(populate_existing=True)).one()
    _check_acceptable(declaration, trial)
    if current_licence(declaration, org.id) is not None:
        raise InvalidTransition(_("Your company already holds a licence under this declaration."))
    now = utcnow()
    terms = agreement.terms(declaration, org, trial=trial, accepted_on=timezones.local_date(now))
    if agreement.digest(agreement.canonical(terms)) != reviewed_sha256:
        raise InvalidTransition(_("The agreement changed since you reviewed it. Review it again "
                                  "before signing."))
    document = agreement.canonical(agreement.sign(
        terms, name=signer_name[:80], title=signer_title[:80], signed_at=now, ip=ip,
        user_agent=(user_agent or "")[:255] or None))
    fee = _fee_of(declaration)
    licence = OpenLicence(
        declaration=declaration, listing_id=declaration.listing_id,
        licensor_id=declaration.organisation_id, licensee_id=org.id, is_trial=trial,
        fee_amount=fee, document=document, sha256=agreement.digest(document), signer_id=actor.id,
        signer_name=signer_name[:80], signer_title=signer_title[:80], signed_at=now, signed_ip=ip,
        signed_user_agent=(user_agent or "")[:255] or None, notice_delivered_at=now,
        ends_on=declaration.term_end, state=LicenceState.AWAITING_PAYMENT)
    licence.licensee = org
    if trial:
        licence.trial_ends_on = date.fromisoformat(terms["licence"]["trial_ends_on"])
        licence.trial_trigger = declaration.trial_trigger
        licence.payment_due_on = licence.trial_ends_on
    db.session.add(licence)
    db.session.flush()
    if trial:
        _take_effect(licence, LicenceState.TRIAL, now)
    elif fee == 0:
        _take_effect(licence, LicenceState.EFFECTIVE, now)
    audit.record("open_licence.accepted", actor=actor, target=licence, declaration=declaration.id,
                 sha256=licence.sha256, trial=trial or None)
    db.session.commit()
    notices.accepted(licence)
    agreement_pdf.accepted(licence)  # the worker signs its PDF now
    return licence


def _fee_of(declaration: OpenLicenceDeclaration) -> Decimal:
    """The fee a licence under ``declaration`` must pay before it takes effect (0: none).

    A method with a fee needs a positive amount in yuan and fen; anything else (a fee stored
    before amounts were checked, e.g. ¥0.001 that reads as ¥0.00) is refused, never taken as free.
    """
    if not declaration.payment_method.has_fee:
        return Decimal("0.00")
    fee = declaration.fee_amount
    if fee is None or not amounts.is_money(fee) or fee <= 0:
        raise ServiceError(_("The fee of this declaration is not a positive amount in yuan and "
                             "fen, so it cannot be accepted. Please contact the university."))
    return amounts.check(fee)


def _take_effect(licence: OpenLicence, state: LicenceState, moment: datetime) -> None:
    """The licence is in force from ``moment``: start the recordation deadline, issue the
    certificate (once)."""
    licence.state = state
    if licence.effective_at is None:
        licence.effective_at = moment
        licence.record_due_on = add_months(timezones.local_date(moment), RECORD_MONTHS)
    if licence.certificate_sha256 is None:
        issue(licence)


# --- Payment of the fee (registered with the payments feature in ``hooks``) ----------------------

def fee_paid(licence_id: int, payment_id: int, paid_at: datetime) -> None:
    """The fee arrived: the licence takes effect, or the trial converts to a paid licence."""
    licence = lock(licence_id)
    if licence.state.fee_payable:
        converted = not licence.state.is_awaiting_payment
        licence.fee_paid_at, licence.fee_payment_id = paid_at, payment_id
        licence.payment_due_on = None
        _take_effect(licence, LicenceState.EFFECTIVE, paid_at)
        audit.record("open_licence.converted" if converted else "open_licence.effective",
                     target=licence, payment=payment_id)
        notices.effective(licence)
    else:
        # Money for a licence that has ended: recorded, never silently revived; the tto refunds.
        audit.record("open_licence.payment_after_end", target=licence, payment=payment_id,
                     state=licence.state.value)


def fee_refunded(licence_id: int, payment_id: int, reason: str | None) -> None:
    """The fee went back to the licensee: the licence ends, with the refund's reason."""
    licence = lock(licence_id)
    if licence.state.in_force and licence.fee_payment_id == payment_id:
        _end(licence, LicenceState.TERMINATED, _("Fee refunded: %(reason)s", reason=reason or ""))
        audit.record("open_licence.terminated", target=licence, reason="refund",
                     payment=payment_id)


def _end(licence: OpenLicence, state: LicenceState, reason: str) -> None:
    licence.state, licence.ended_at, licence.end_reason = state, utcnow(), reason[:2000]


def cancel_unpaid(actor: User, licence: OpenLicence, reason: str) -> None:
    """The licensee, or the licensor's tto, ends a licence whose fee was never paid."""
    check("licences.act_as_party", licence, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason; it is kept with the licence."))
    licence = lock(licence.id)
    # The licensor may also end a trial whose payment is overdue; the licensee exits it instead.
    by_licensor = not can("licences.act_as_licensee", licence, user=actor)
    if not (licence.state.is_awaiting_payment or (licence.state.is_payment_overdue and by_licensor)):
        raise InvalidTransition(_("Only an unpaid licence can be ended here."))
    _end(licence, LicenceState.TERMINATED, reason)
    audit.record("open_licence.terminated", actor=actor, target=licence, reason=reason[:500])
    db.session.commit()
    notices.ended(licence)


# --- The trial -----------------------------------------------------------------------------------

def report_first_revenue(actor: User, licence: OpenLicence, day: date) -> None:
    """A trial licensee reports its first revenue: payment falls due (trial end at the latest)."""
    check("licences.act_as_licensee", licence, actor=actor)
    licence = lock(licence.id)
    if licence.state is not LicenceState.TRIAL or licence.trial_trigger is not TrialTrigger.FIRST_REVENUE:
        raise InvalidTransition(_("Only a trial that is paid after the first revenue takes this "
                                  "report."))
    if licence.first_revenue_on is not None:
        raise InvalidTransition(_("The first revenue has already been reported."))
    if day > timezones.today() or day < timezones.local_date(licence.effective_at):
        raise ServiceError(_("The day must be within the trial and not in the future."))
    licence.first_revenue_on = day
    licence.payment_due_on = min(licence.trial_ends_on,
                                 day + timedelta(days=FIRST_REVENUE_GRACE_DAYS))
    audit.record("open_licence.first_revenue", actor=actor, target=licence, day=day.isoformat(),
                 due=licence.payment_due_on.isoformat())
    db.session.commit()
    notices.first_revenue(licence)


def exit_trial(actor: User, licence: OpenLicence, reason: str) -> None:
    """The licensee leaves the trial and stops using the patent."""
    check("licences.act_as_licensee", licence, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason; it is kept with the licence."))
    licence = lock(licence.id)
    if not licence.state.trial_exitable:
        raise InvalidTransition(_("Only a trial can be exited."))
    _end(licence, LicenceState.EXITED, reason)
    audit.record("open_licence.trial_exited", actor=actor, target=licence, reason=reason[:500])
    db.session.commit()
    notices.ended(licence)


# --- CNIPA recordation ---------------------------------------------------------------------------

def record_with_cnipa(actor: User, licence: OpenLicence, number: str, day: date) -> None:
    """Either party records CNIPA's record number and date (r. 87: within three months)."""
    check("licences.act_as_party", licence, actor=actor)
    licence = lock(licence.id)
    if licence.effective_at is None:
        raise InvalidTransition(_("The licence has not taken effect yet."))
    if licence.record_number:
        raise InvalidTransition(_("The licence is already recorded."))
    number = (number or "").strip()
    if (not number or day is None or day > timezones.today()
            or day < timezones.local_date(licence.effective_at)):
        raise ServiceError(_("Give the record number and a date between the licence taking effect "
                             "and today."))
    licence.record_number, licence.recorded_on = number[:64], day
    audit.record("open_licence.recorded", actor=actor, target=licence, number=number[:64],
                 day=day.isoformat())
    db.session.commit()
