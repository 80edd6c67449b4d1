"""The payment lists, shared by the list pages and the workbench so their counts agree."""

from datetime import timedelta

from sqlalchemy import Select, and_, or_, select

from marketplace.db_types import utcnow
from marketplace.payments.models import Payment, PaymentMethod, PaymentState

#: A pending bank transfer older than this needs the operators' attention.
STALLED_AFTER = timedelta(days=14)
#: Failed payments this recent are shown to the operators.
FAILED_WITHIN = timedelta(days=30)


def filtered(query: Select, state_value: str = "", method_value: str = "") -> Select:
    """``query`` narrowed to a state and a method given as their values (others are ignored)."""
    if state_value in {s.value for s in PaymentState}:
        query = query.where(Payment.state == PaymentState(state_value))
    if method_value in {m.value for m in PaymentMethod}:
        query = query.where(Payment.method == PaymentMethod(method_value))
    return query


def received_by(org_id: int, state_value: str = "", method_value: str = "") -> Select:
    """Payments to a university, newest first (its "收款" page)."""
    return filtered(select(Payment).where(Payment.payee_org_id == org_id)
                    .order_by(Payment.id.desc()), state_value, method_value)


def transfers_to_confirm(org_id: int) -> Select:
    """Bank transfers to a university that its tto has still to confirm, newest first."""
    return received_by(org_id, PaymentState.PENDING.value, PaymentMethod.BANK_TRANSFER.value)


def needing_attention() -> Select:
    """For the operators: bank transfers pending for weeks and payments that failed lately."""
    now = utcnow()
    return (select(Payment).where(or_(
        and_(Payment.state == PaymentState.PENDING, Payment.created_at < now - STALLED_AFTER),
        and_(Payment.state == PaymentState.FAILED, Payment.failed_at >= now - FAILED_WITHIN)))
        .order_by(Payment.id.desc()))
