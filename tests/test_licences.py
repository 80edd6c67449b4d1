"""Open-licence declarations: eligibility with reasons, warnings, states, and the refusal of
exclusive or sole licences while a declaration is active."""

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.licences import eligibility
from marketplace.licences import services as declarations
from marketplace.licences.models import (
    AgreementKind,
    DeclarationState,
    LicenceState,
    PaymentMethod,
    RecordedAgreement,
    RoyaltyBase,
)
from marketplace.listings.models import ConversionMode, LegalStatus, ListingKind
from tests import factories
from tests.conftest import login, post, zh
from tests.licences_support import world  # noqa: F401

TODAY = date(2026, 11, 27)


def _check(world, **overrides):  # noqa: F811
    declaration = declarations.create_declaration(world.tto, world.listing,
                                                  factories.declaration_terms(**overrides))
    return declaration, eligibility.check(declaration, TODAY)


# --- Terms and expiry -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "filed", "expiry"), [
    (ListingKind.INVENTION, date(2019, 3, 1), date(2039, 2, 28)),
    (ListingKind.UTILITY_MODEL, date(2019, 3, 1), date(2029, 2, 28)),
    (ListingKind.DESIGN, date(2021, 6, 1), date(2036, 5, 31)),      # 15 years from 1 June 2021
    (ListingKind.DESIGN, date(2021, 5, 31), date(2031, 5, 30)),     # 10 years before
    (ListingKind.INVENTION, date(2020, 2, 29), date(2040, 2, 28)),
])
def test_patent_expiry_follows_the_term_of_each_kind(world, kind, filed, expiry):  # noqa: F811
    listing = factories.patent(world.university, world.tto, kind=kind, filed=filed)
    assert eligibility.patent_expiry(listing) == expiry


def test_a_complete_declaration_is_eligible(world):  # noqa: F811
    _declaration, result = _check(world)
    assert result.errors == [] and result.warnings == []


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"fees_paid": False}, "Declare that the annual fees are paid."),
    ({"pledged": True, "pledgee": "上海银行", "pledgee_consent_on": None},
     "The patent is pledged: name the pledgee and the date of its written consent."),
    ({"term_end": date(2039, 3, 1)}, "The term ends after the patent expires (%(day)s)."),
])
def test_missing_conditions_are_reasons(world, overrides, reason):  # noqa: F811
    _declaration, result = _check(world, **overrides)
    assert len(result.errors) == 1
    assert result.errors[0] == zh(reason, day="2039-02-28") if "%(day)s" in reason else zh(reason)


def test_each_co_owner_must_consent(world):  # noqa: F811
    _declaration, result = _check(world, co_owners=[("上海某研究所", True, date(2026, 1, 5)),
                                                    ("某某新材料公司", False, None)])
    assert result.errors == [zh("Every co-owner must consent; missing: %(names)s.",
                                names="某某新材料公司")]


def test_only_a_granted_patent_without_exclusive_licences_is_eligible(world):  # noqa: F811
    world.listing.legal_status = LegalStatus.PENDING
    db.session.add(RecordedAgreement(listing=world.listing, organisation_id=world.university.id,
                                     kind=AgreementKind.EXCLUSIVE_LICENCE, counterparty="甲公司",
                                     signed_on=date(2025, 1, 1), ends_on=date(2027, 12, 31)))
    db.session.commit()
    _declaration, result = _check(world)
    assert zh("The patent is not granted: an open licence can only be declared after grant.") \
        in result.errors
    assert any("甲公司" in error for error in result.errors)


def test_an_ended_exclusive_licence_no_longer_blocks(world):  # noqa: F811
    db.session.add(RecordedAgreement(listing=world.listing, organisation_id=world.university.id,
                                     kind=AgreementKind.SOLE_LICENCE, counterparty="乙公司",
                                     signed_on=date(2020, 1, 1), ends_on=date(2024, 12, 31)))
    db.session.commit()
    assert _check(world)[1].ok


def test_utility_models_need_an_evaluation_report(world):  # noqa: F811
    world.listing = factories.patent(world.university, world.tto, kind=ListingKind.UTILITY_MODEL)
    _declaration, result = _check(world, term_end=date(2028, 12, 31))
    assert result.errors == [zh("Utility models and designs need a patent evaluation report: give "
                                "its number.")]


def test_a_listing_offering_exclusive_licences_cannot_be_declared(world):  # noqa: F811
    listing = factories.patent(world.university, world.tto,
                          modes=(ConversionMode.OPEN_LICENCE, ConversionMode.EXCLUSIVE_LICENCE))
    declaration = declarations.create_declaration(world.tto, listing, factories.declaration_terms())
    assert not eligibility.check(declaration, TODAY).ok


def test_promotional_wording_and_high_fees_warn_but_do_not_block(world):  # noqa: F811
    declaration, result = _check(world, fee_amount=Decimal("25000000.00"),
                                 other_terms="国内领先、顶级工艺，保证收益。")
    assert result.ok
    assert result.warnings[0] == zh("Promotional wording is not allowed in a declaration: %(terms)s.",
                                    terms="顶级、保证、领先")
    assert result.warnings[1] == zh("The fee is above CNIPA guidance (generally not above "
                                    "¥20,000,000).")
    declarations.transition(world.tto, declaration, "submit")
    assert declaration.state is DeclarationState.SUBMITTED


@pytest.mark.parametrize(("base", "rate", "warns"), [
    (RoyaltyBase.NET_SALES, "20.00", False), (RoyaltyBase.NET_SALES, "20.01", True),
    (RoyaltyBase.PROFIT, "40.00", False), (RoyaltyBase.PROFIT, "45.00", True),
])
def test_royalty_rates_above_guidance_warn(world, base, rate, warns):  # noqa: F811
    _declaration, result = _check(world, payment_method=PaymentMethod.ROYALTY, fee_amount=None,
                                  royalty_base=base, royalty_rate=Decimal(rate))
    assert bool(result.warnings) is warns


# --- States -------------------------------------------------------------------------------------

def test_declaration_goes_draft_submitted_announced_withdrawn_audited(world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    assert (declaration.state, declaration.announcement_number) == (DeclarationState.ANNOUNCED,
                                                                     "CN2026OL000123")
    licence = factories.licence(world.buyer, declaration, trial=False)
    declarations.transition(world.tto, declaration, "withdraw", reason="许可策略调整")
    assert declaration.state is DeclarationState.WITHDRAWN
    db.session.refresh(licence)
    assert licence.state is LicenceState.AWAITING_PAYMENT  # granted licences are not touched
    events = db.session.scalars(select(AuditEvent.event).where(
        AuditEvent.target_type == "open_licence_declarations").order_by(AuditEvent.id)).all()
    assert events == ["open_licence.created", "open_licence.submitted", "open_licence.announced",
                      "open_licence.withdrawn"]
    with pytest.raises(InvalidTransition):
        factories.licence(world.other_buyer, declaration)


def test_illegal_transitions_are_refused(world):  # noqa: F811
    declaration = declarations.create_declaration(world.tto, world.listing, factories.declaration_terms())
    with pytest.raises(InvalidTransition):
        declarations.transition(world.tto, declaration, "announce", number="X", announced_on=TODAY)
    declarations.transition(world.tto, declaration, "submit")
    with pytest.raises(ServiceError):
        declarations.transition(world.tto, declaration, "withdraw", reason="  ")
    with pytest.raises(InvalidTransition):
        declarations.update_declaration(world.tto, declaration, {"other_terms": "改"})


def test_an_ineligible_declaration_cannot_be_submitted(world):  # noqa: F811
    declaration = declarations.create_declaration(world.tto, world.listing,
                                                  factories.declaration_terms(fees_paid=False))
    with pytest.raises(ServiceError) as refused:
        declarations.transition(world.tto, declaration, "submit")
    assert zh("Declare that the annual fees are paid.") in refused.value.message
    assert declaration.state is DeclarationState.DRAFT


def test_only_one_active_declaration_per_patent(world):  # noqa: F811
    factories.declaration(world.tto, world.listing)
    second = declarations.create_declaration(world.tto, world.listing, factories.declaration_terms())
    with pytest.raises(ServiceError):
        declarations.transition(world.tto, second, "submit")


# --- Pages ---------------------------------------------------------------------------------------

def _form(**overrides) -> dict:
    data = {"payment_method": "lump_sum", "fee_amount": "50000", "payment_standard": "30日内支付。",
            "term_end": "2030-12-31", "notice_email": "notice@example.edu.cn",
            "notice_address": "上海市徐汇区梅陇路130号", "fees_paid": "y"}
    data.update(overrides)
    return data


def test_tto_drafts_submits_and_records_the_announcement(client, auth, world):  # noqa: F811
    login(auth, world.tto)
    url = f"/manage/listings/{world.listing.id}/open-licence/new"
    bad = post(client, url, _form(fee_amount="", trial_days="30"))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert zh("Give the amount for this payment method.") in page
    assert "上海市徐汇区梅陇路130号" in page  # values kept
    response = post(client, url, _form(**{"co_owners-0-name": "上海某研究所",
                                          "co_owners-0-consented": "y",
                                          "co_owners-0-consented_on": "2026-10-01"}))
    assert response.status_code == 302
    declaration = db.session.scalars(select(declarations.OpenLicenceDeclaration)).one()
    assert [(o.name, o.consented) for o in declaration.co_owners] == [("上海某研究所", True)]
    assert post(client, f"/manage/open-licences/{declaration.id}/submit").status_code == 302
    post(client, f"/manage/open-licences/{declaration.id}/announce",
         {"announcement_number": "CN2026OL000777", "announced_on": "2026-11-20"})
    db.session.refresh(declaration)
    assert declaration.state is DeclarationState.ANNOUNCED
    public = client.get("/open-licences").get_data(as_text=True)
    assert world.listing.title in public


def test_drafts_are_hidden_from_other_organisations(client, auth, world, make_user):  # noqa: F811
    declaration = declarations.create_declaration(world.tto, world.listing, factories.declaration_terms())
    assert client.get(f"/open-licences/{declaration.id}").status_code == 404
    login(auth, world.buyer)
    assert client.get(f"/open-licences/{declaration.id}").status_code == 404
    other_tto = make_user(world.tto.role)
    auth.logout()
    login(auth, other_tto)
    assert client.get(f"/manage/open-licences/{declaration.id}/edit").status_code == 404
    assert post(client, f"/manage/open-licences/{declaration.id}/submit").status_code == 404
    db.session.refresh(declaration)
    assert declaration.state is DeclarationState.DRAFT


# --- Exclusive and sole licences while a declaration is active ------------------------------------

def _agreement(kind: str, **extra) -> dict:
    return {"kind": kind, "counterparty": "丙科技有限公司", "signed_on": "2026-11-01",
            "amount": "300000", **extra}


def test_exclusive_licence_recorded_while_declaration_active_is_refused(client, auth, world):  # noqa: F811
    factories.declaration(world.tto, world.listing)
    login(auth, world.tto)
    url = f"/manage/listings/{world.listing.id}/agreements"
    for kind in ("exclusive_licence", "sole_licence"):
        response = post(client, url, _agreement(kind))
        assert response.status_code == 409
        assert zh("This patent is under an open-licence declaration: no exclusive or sole licence "
                  "may be granted or offered while it is active (Patent Law art. 51). Withdraw the "
                  "declaration first; licences already granted under it stay valid.") \
            in response.get_data(as_text=True)
    assert db.session.scalars(select(RecordedAgreement)).all() == []
    pdf = (io.BytesIO(b"%PDF-1.4 signed ordinary licence"), "许可合同.pdf")
    response = post(client, url, _agreement("ordinary_licence", document=pdf),
                    content_type="multipart/form-data")
    assert response.status_code == 302
    recorded = db.session.scalars(select(RecordedAgreement)).one()
    assert (recorded.kind, recorded.amount, recorded.document_name) == (
        AgreementKind.ORDINARY_LICENCE, Decimal("300000.00"), "许可合同.pdf")
    download = client.get(f"/manage/agreements/{recorded.id}/document")
    assert download.data == b"%PDF-1.4 signed ordinary licence"
    download.close()


def test_exclusive_licence_after_withdrawal_is_recorded(client, auth, world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    declarations.transition(world.tto, declaration, "withdraw", reason="独家谈判")
    login(auth, world.tto)
    response = post(client, f"/manage/listings/{world.listing.id}/agreements",
                    _agreement("exclusive_licence"))
    assert response.status_code == 302
    assert db.session.scalars(select(RecordedAgreement)).one().kind is AgreementKind.EXCLUSIVE_LICENCE


def test_listing_cannot_offer_exclusive_licences_while_declaration_active(client, auth, world):  # noqa: F811
    factories.declaration(world.tto, world.listing)
    login(auth, world.tto)
    page = client.get(f"/manage/listings/{world.listing.id}/edit").get_data(as_text=True)
    assert "exclusive_licence" in page
    response = post(client, f"/manage/listings/{world.listing.id}/edit", {
        "kind": "invention", "title": world.listing.title, "abstract": world.listing.abstract * 2,
        "field": "materials", "inventors": "李振华", "application_number": world.listing.application_number,
        "application_date": "2019-03-01", "grant_date": "2021-06-01", "legal_status": "granted",
        "grade": "A", "trl": "6", "modes": ["open_licence", "exclusive_licence"],
        "contact_name": "王老师", "contact_email": "tto@example.edu.cn"})
    assert response.status_code == 409
    db.session.expire_all()
    assert world.listing.mode_set == {ConversionMode.OPEN_LICENCE}


@pytest.mark.parametrize("kind", [ListingKind.UTILITY_MODEL, ListingKind.DESIGN])
def test_a_whitespace_evaluation_report_is_refused_by_the_service(world, kind):  # noqa: F811
    """Issue 19 §5: "   " is no evaluation report, whoever calls the service (not only the form)."""
    listing = factories.patent(world.university, world.tto, kind=kind)
    declaration = declarations.create_declaration(
        world.tto, listing, factories.declaration_terms(evaluation_report="   ",
                                                        term_end=date(2028, 12, 31)))
    assert declaration.evaluation_report is None
    with pytest.raises(ServiceError) as refused:
        declarations.transition(world.tto, declaration, "submit")
    assert zh("Utility models and designs need a patent evaluation report: give its number.") \
        in str(refused.value)
    assert declaration.state is DeclarationState.DRAFT
    declarations.update_declaration(world.tto, declaration, {"evaluation_report": " \u3000\t"})
    assert declaration.evaluation_report is None
    declaration.evaluation_report = "  "  # as a row written before the service stripped it
    assert not eligibility.check(declaration, TODAY).ok
    declarations.update_declaration(world.tto, declaration,
                                    {"evaluation_report": " 2026ZLPJ0001 "})
    assert declaration.evaluation_report == "2026ZLPJ0001"
    declarations.transition(world.tto, declaration, "submit")
    assert declaration.state is DeclarationState.SUBMITTED
