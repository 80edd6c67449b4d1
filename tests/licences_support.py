"""Set-up shared by the open-licence tests: a university with a granted patent, companies, and
declarations taken through their states by the services."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role, User
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.licences import agreement
from marketplace.licences.models import OpenLicence, OpenLicenceDeclaration, PaymentMethod
from marketplace.listings.models import (
    Listing,
)
from marketplace.orgs.models import Organisation, OrgKind
from tests import factories


@dataclass
class World:
    university: Organisation
    tto: User
    listing: Listing
    company: Organisation
    buyer: User
    other_company: Organisation
    other_buyer: User
    admin: User


@pytest.fixture
def world(app, make_user, make_org) -> World:
    university = make_org(OrgKind.UNIVERSITY, name="华东理工科技大学")
    tto = make_user(Role.TTO, org=university, name="王晓梅")
    company = make_org(OrgKind.COMPANY, name="青禾新材料科技股份有限公司")
    buyer = make_user(Role.COMPANY, org=company, name="赵敏", title="研发总监")
    other_company = make_org(OrgKind.COMPANY, name="北辰智能装备有限公司")
    other_buyer = make_user(Role.COMPANY, org=other_company, name="孙倩")
    admin = make_user(Role.ADMIN)
    listing = factories.patent(university, tto)
    return World(university, tto, listing, company, buyer, other_company, other_buyer, admin)


def authorization_objects(university: Organisation, tto: User, company: User, listing: Listing,
                          upload_dir) -> dict:
    """The open-licence objects of the authorization matrix (tests/test_authorization.py):
    university A's announced and draft declarations on ``listing``, a licence in force held by
    ``company`` (with its certificate), a royalty report, and an agreement recorded with a PDF."""
    from pathlib import Path

    from marketplace.licences.models import (
        AgreementKind,
        DeclarationState,
        LicenceState,
        RecordedAgreement,
        ReportState,
        RoyaltyBase,
        RoyaltyReport,
    )

    def declaration(state):
        return OpenLicenceDeclaration(
            listing=listing, organisation=university, state=state,
            payment_method=PaymentMethod.ROYALTY, royalty_base=RoyaltyBase.NET_SALES,
            royalty_rate=Decimal("3.00"), payment_standard="按季度支付。", term_end=date(2030, 12, 31),
            notice_email="notice@example.edu.cn", notice_address="上海市",
            announcement_number="CN2026OL000001" if state is DeclarationState.ANNOUNCED else None,
            announced_on=date(2026, 3, 2) if state is DeclarationState.ANNOUNCED else None)

    announced_declaration = declaration(DeclarationState.ANNOUNCED)
    draft_declaration = declaration(DeclarationState.DRAFT)
    now = utcnow()
    document = agreement.canonical(agreement.sign(
        agreement.terms(announced_declaration, company.organisation, trial=False,
                        accepted_on=now.date()),
        name=company.name, title="总经理", signed_at=now, ip=None, user_agent=None))
    licence = OpenLicence(
        declaration=announced_declaration, listing=listing, licensor=university,
        licensee=company.organisation, state=LicenceState.EFFECTIVE, fee_amount=Decimal("0.00"),
        document=document, sha256=agreement.digest(document), signer_name=company.name, signer_title="总经理",
        signed_at=now, notice_delivered_at=now, effective_at=now, ends_on=date(2030, 12, 31),
        record_due_on=date(2027, 2, 27), certificate_pdf=b"%PDF-1.4\n", certificate_sha256="b" * 64)
    report = RoyaltyReport(licence=licence, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31),
                           royalty_base=RoyaltyBase.NET_SALES, base_amount=Decimal("1000.00"),
                           rate=Decimal("3.00"), royalty=Decimal("30.00"), state=ReportState.DUE)
    recorded = RecordedAgreement(listing=listing, organisation_id=university.id,
                                 kind=AgreementKind.ORDINARY_LICENCE, counterparty="丙公司",
                                 signed_on=date(2025, 5, 1), stored_name="c" * 32 + ".pdf",
                                 document_name="合同.pdf")
    db.session.add_all([announced_declaration, draft_declaration, licence, report, recorded])
    Path(upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(upload_dir) / recorded.stored_name).write_bytes(b"%PDF-1.4\n")
    return {"declaration": announced_declaration, "draft_declaration": draft_declaration,
            "licence": licence, "report": report, "recorded": recorded}
