"""Issue 13 §7: money is kept to the fen. Every money column is Numeric(14, 2); an amount with a
part below the fen (¥0.001) is refused with a message wherever it is typed; and a licence whose fee
is positive never takes effect without a payment."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.licences import services as declarations
from marketplace.licences.models import LicenceState, OpenLicence, OpenLicenceDeclaration
from marketplace.listings.models import Listing
from tests import factories
from tests.conftest import login, post, zh
from tests.licences_support import world  # noqa: F401
from tests.security.numeric_inputs import numbers  # noqa: F401

BELOW_THE_FEN = "An amount has at most two decimals (fen)."
PERCENT_PLACES = "A percentage has at most two decimals."
PERCENT_FIELDS = {"inventors_pct", "tto_pct", "university_pct", "rows-0-share_pct", "royalty_rate",
                  "inventors-0-share_pct"}
#: Money columns (every Numeric column that is not a percentage).
MONEY_COLUMNS = {
    ("listings", "asking_price"), ("interests", "budget_min"), ("interests", "budget_max"),
    ("needs", "budget_min"), ("needs", "budget_max"), ("preference_profiles", "budget_max"),
    ("payments", "amount"), ("ledger_lines", "amount"), ("open_licence_declarations", "fee_amount"),
    ("open_licences", "fee_amount"), ("royalty_reports", "base_amount"), ("royalty_reports", "royalty"),
    ("recorded_agreements", "amount"), ("action_plans", "target_amount"),
}
PERCENT_COLUMNS = {"inventors_pct", "tto_pct", "university_pct", "share_pct", "royalty_rate", "rate",
                   "percent"}


def test_every_money_column_in_the_database_is_numeric_14_2(app):
    inspector = sa.inspect(db.engine)
    found = set()
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if isinstance(column["type"], sa.Numeric) and not isinstance(column["type"], sa.Float) \
                    and column["name"] not in PERCENT_COLUMNS:
                found.add((table, column["name"]))
                assert (column["type"].precision, column["type"].scale) == (14, 2), (table, column)
    assert found == MONEY_COLUMNS


def _fields(numbers, percent: bool) -> list:  # noqa: F811
    return [(name, case, field) for name, case, field in numbers.decimal_fields()
            if (field in PERCENT_FIELDS) is percent]


def test_an_amount_below_the_fen_is_refused_in_every_form(app, numbers):  # noqa: F811
    fields = _fields(numbers, percent=False)
    assert len(fields) >= 10
    for name, case, field in fields:
        response = numbers.send(app, case, {**case.data, field: "1200.001"})
        assert response.status_code == 422, (name, field, response.status_code)
        assert zh(BELOW_THE_FEN) in response.get_data(as_text=True), (name, field)


def test_a_percentage_below_a_hundredth_is_refused(app, numbers):  # noqa: F811
    fields = _fields(numbers, percent=True)
    assert len(fields) == len(PERCENT_FIELDS)
    for name, case, field in fields:
        response = numbers.send(app, case, {**case.data, field: "33.335"})
        assert response.status_code == 422, (name, field, response.status_code)
        assert zh(PERCENT_PLACES) in response.get_data(as_text=True), (name, field)


def test_trailing_zeros_are_not_below_the_fen(app, numbers):  # noqa: F811
    case = numbers.cases["marketplace.listings.forms.ListingForm"]
    response = numbers.send(app, case, {**case.data, "title": "一种钠离子电池负极材料",
                                       "asking_price": "12.500"})
    assert response.status_code == 302
    listing = db.session.scalars(sa.select(Listing).where(Listing.title == "一种钠离子电池负极材料")).one()
    assert listing.asking_price == Decimal("12.50")


def test_a_lump_sum_of_a_tenth_of_a_fen_is_refused(client, auth, world):  # noqa: F811
    login(auth, world.tto)
    response = post(client, f"/manage/listings/{world.listing.id}/open-licence/new", {
        "payment_method": "lump_sum", "fee_amount": "0.001", "payment_standard": "30日内支付。",
        "term_end": "2030-12-31", "notice_email": "notice@example.edu.cn",
        "notice_address": "上海市徐汇区梅陇路130号", "fees_paid": "y"})
    assert response.status_code == 422
    assert zh(BELOW_THE_FEN) in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenLicenceDeclaration)) == 0
    with pytest.raises(ServiceError) as refused:
        declarations.create_declaration(world.tto, world.listing,
                                        factories.declaration_terms(fee_amount=Decimal("0.001")))
    assert refused.value.message == zh(BELOW_THE_FEN)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenLicenceDeclaration)) == 0


def test_a_positive_fee_never_takes_effect_without_payment(world):  # noqa: F811
    declared = factories.declaration(world.tto, world.listing, fee_amount=Decimal("0.01"))
    one_fen = factories.licence(world.buyer, declared)
    assert one_fen.state is LicenceState.AWAITING_PAYMENT and one_fen.effective_at is None


def test_a_stored_fee_below_the_fen_is_not_accepted_as_free(world):  # noqa: F811
    """A declaration written before amounts were checked (SQLite kept 0.001 as it was typed)."""
    declaration = factories.declaration(world.tto, world.listing)
    db.session.execute(sa.update(OpenLicenceDeclaration.__table__)
                       .where(OpenLicenceDeclaration.id == declaration.id)
                       .values(fee_amount=sa.literal_column("0.001")))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(ServiceError):
        factories.licence(world.buyer, declaration)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenLicence)) == 0


def test_no_code_path_can_store_an_amount_below_the_fen(world):  # noqa: F811
    world.listing.asking_price = Decimal("0.001")
    with pytest.raises(StatementError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Listing, world.listing.id).asking_price is None
