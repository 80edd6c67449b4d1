"""Builders of test data, one per model: organisations, users, listings, technology needs,
roadshows and their registrations, open-licence declarations and licences, payments.

Every builder takes the model's fields as keyword arguments over sensible defaults, adds the row
and commits (``commit=False`` leaves the commit to the caller, for worlds built in one
transaction). A module that wants its own defaults binds them with ``functools.partial``.
Builders need an app context (the ``app`` fixture gives one).
"""

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.licences import agreement, licensing
from marketplace.licences import services as declarations
from marketplace.licences.models import OpenLicence, OpenLicenceDeclaration, PaymentMethod
from marketplace.listings import services as listings
from marketplace.listings.models import (
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingMode,
    ListingState,
)
from marketplace.listings.patentno import check_character
from marketplace.needs import services as needs
from marketplace.needs.models import Need
from marketplace.orgs import creditcode
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from marketplace.payments import services as payments

PASSWORD = "Sturdy-Pass-2026"
_serial = itertools.count(1)
_NOW = object()  # "published now if published": the default of ``listing(published_at=...)``


def credit_code(seed: int | None = None) -> str:
    """A credit code that passes the GB 32100 check, distinct per call."""
    n = seed if seed is not None else next(_serial)
    body = f"91310000MA{n:07d}"
    return body + creditcode.check_character(body)


# --- Organisations and users ------------------------------------------------------------------

def organisation(kind: OrgKind = OrgKind.UNIVERSITY, status: OrgStatus = OrgStatus.VERIFIED,
                 **fields) -> Organisation:
    fields.setdefault("name", f"测试机构 {next(_serial)}")
    fields.setdefault("credit_code", credit_code())
    org = Organisation(kind=kind, status=status, **fields)
    db.session.add(org)
    db.session.commit()
    return org


_ROLE_KIND = {Role.TTO: OrgKind.UNIVERSITY, Role.INVENTOR: OrgKind.UNIVERSITY,
              Role.INVESTOR: OrgKind.INVESTOR_FIRM, Role.COMPANY: OrgKind.COMPANY}


def user(role: Role = Role.TTO, org: Organisation | None = None, org_status=OrgStatus.VERIFIED,
         password: str = PASSWORD, **fields) -> User:
    """A confirmed user; members get a verified organisation of the fitting kind unless given one."""
    n = next(_serial)
    fields.setdefault("email", f"{role.value}{n}@example.edu.cn")
    fields.setdefault("name", f"用户{n}")
    fields.setdefault("is_org_admin", role is not Role.ADMIN)
    fields.setdefault("email_confirmed_at", utcnow())  # pass None for an unconfirmed account
    if org is None and role is not Role.ADMIN:
        org = organisation(_ROLE_KIND[role], org_status)
    person = User(role=role, organisation=org, password_hash=hash_password(password), **fields)
    db.session.add(person)
    db.session.commit()
    return person


# --- Listings -------------------------------------------------------------------------------------

_TYPE_DIGIT = {ListingKind.INVENTION: "1", ListingKind.UTILITY_MODEL: "2", ListingKind.DESIGN: "3"}


def patent_number(kind: ListingKind = ListingKind.INVENTION, year: int = 2019) -> str:
    """A valid CN application number (check character included), distinct per call."""
    digits = f"{year}{_TYPE_DIGIT[kind]}07{next(_serial):05d}"
    return f"{digits}.{check_character(digits)}"


def listing(org: Organisation, *, state: ListingState = ListingState.PUBLISHED,
            created_by: User | None = None, title: str = "一种柔性压力传感器",
            abstract: str = "一种基于石墨烯的柔性压力传感器。", field: str = "it",
            inventors: str = "张伟", application_number: str | None = None,
            kind: ListingKind | None = None, legal_status: LegalStatus | None = None,
            grade: Grade = Grade.A, trl: int = 6, modes=(ConversionMode.TRANSFER,),
            contact_name: str = "王", contact_email: str = "tto@example.edu.cn",
            published_at=_NOW, commit: bool = True, **columns) -> Listing:
    """A listing row of ``org``, written directly (no audit, no matching run).

    Without ``kind`` it is an invention when it has an application number, else an achievement;
    without ``legal_status`` a patent is granted and an achievement has none.
    """
    kind = kind or (ListingKind.INVENTION if application_number else ListingKind.ACHIEVEMENT)
    if legal_status is None:
        legal_status = LegalStatus.GRANTED if kind.is_patent else LegalStatus.NOT_APPLICABLE
    if published_at is _NOW:
        published_at = utcnow() if state is ListingState.PUBLISHED else None
    item = Listing(organisation=org, created_by_id=created_by.id if created_by else None, state=state,
                   title=title, abstract=abstract, field=field, inventors=inventors, kind=kind,
                   application_number=application_number, legal_status=legal_status, grade=grade,
                   trl=trl, contact_name=contact_name, contact_email=contact_email,
                   published_at=published_at, **columns)
    item.modes = [ListingMode(mode=mode) for mode in modes]
    db.session.add(item)
    if commit:
        db.session.commit()
    return item


def patent(org: Organisation, tto: User, *, kind: ListingKind = ListingKind.INVENTION,
           filed: date = date(2019, 3, 1), **fields) -> Listing:
    """A published patent of ``org`` (granted two years after filing), offered for open licence."""
    fields = {"title": "一种高镍三元正极材料及其制备方法",
              "abstract": "通过表面包覆提高高镍正极材料的循环稳定性。", "field": "materials",
              "inventors": "李振华, 王芳", "legal_status": LegalStatus.GRANTED, "contact_name": "王老师",
              "modes": (ConversionMode.OPEN_LICENCE,), **fields}
    return listing(org, created_by=tto, kind=kind, application_number=patent_number(kind, filed.year),
                   application_date=filed, grant_date=date(filed.year + 2, 6, 1), **fields)


#: The fields of a listing made through the services: a battery-material achievement.
LISTING = {
    "kind": ListingKind.ACHIEVEMENT, "title": "一种高镍锂离子电池正极材料表面包覆工艺",
    "abstract": "通过表面包覆提高高镍正极材料的循环稳定性。",
    "field": "materials", "inventors": "李振华", "grade": Grade.A,
    "trl": 6, "asking_price": Decimal("200000"), "terms": "入门费加提成",
    "contact_name": "王晓梅", "contact_email": "tto-contact@example.edu.cn",
    "modes": [ConversionMode.ORDINARY_LICENCE],
}

#: A listing that matches ``NEED``: a battery-safety achievement offered for transfer.
BATTERY = {
    "kind": ListingKind.ACHIEVEMENT, "title": "一种动力电池热失控早期预警方法",
    "abstract": "本发明公开了一种动力电池热失控早期预警方法，通过监测电池模组内的气体浓度与温升速率，"
                "结合电化学阻抗谱特征，在热失控发生前数分钟发出预警，适用于电动汽车与储能电站。",
    "field": "energy", "inventors": "张伟", "legal_status": LegalStatus.NOT_APPLICABLE,
    "grade": Grade.B, "trl": 6, "modes": [ConversionMode.TRANSFER], "asking_price": None, "terms": None,
    "contact_name": "王老师", "contact_email": "tto@example.edu.cn",
}


#: The new-listing form (/manage/listings/new) filled in as a tto types it.
LISTING_FORM = {
    "kind": "invention", "title": "一种高镍锂离子电池正极材料及其制备方法",
    "abstract": "本发明公开了一种高镍三元正极材料，通过表面包覆提高循环稳定性，适用于动力电池。",
    "field": "materials", "ipc_codes": "h01m 4/525, H01M 10/0525", "keywords": "电池, 正极材料",
    "inventors": "李振华, 王芳", "application_number": "CN 201710601862.3",
    "application_date": "2017-07-20", "grant_date": "2019-03-01", "legal_status": "granted",
    "grade": "A", "trl": "6", "modes": ["ordinary_licence", "transfer"],
    "asking_price": "200000", "terms": "入门费加销售额提成", "contact_name": "王晓梅",
    "contact_email": "tto@example.edu.cn",
}


def published_listing(tto: User, **fields) -> Listing:
    """A listing ``tto`` creates and publishes through the services (audited, indexed, matched)."""
    item = listings.create_listing(tto, {**LISTING, **fields})
    listings.transition(tto, item, "publish")
    return item


# --- Technology needs ---------------------------------------------------------------------------

NEED = {"title": "动力电池热失控预警技术", "field": "energy",
        "description": "我司生产储能电站电池系统，需要一种电池热失控早期预警技术，能在热失控发生前发出预警，"
                       "可集成到现有电池管理系统中。"}


def need(company: User, publish: bool = True, **fields) -> Need:
    """A public technology need of ``company``'s organisation, made through the services."""
    data = {"title": NEED["title"], "description": NEED["description"], "field": "energy",
            "trl_min": 1, "trl_max": 9, "is_public": True, **fields}
    return needs.create_need(company, data, publish=publish)


# --- Roadshows and registrations ------------------------------------------------------------

def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A UTC time ``days`` from today at ``hour``:``minute`` UTC."""
    base = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days, hours=hour, minutes=minute)


def roadshow(host: User, *, state=RoadshowState.PUBLISHED, capacity=None, approval=False,
             waitlist=True, days=7, listings=None, title="新材料专场路演", **fields) -> Roadshow:
    """A roadshow of ``host``'s university from 02:00 to 04:00 UTC, ``days`` from today, with
    ``listings`` on its agenda in half-hour slots."""
    show = Roadshow(organisation_id=host.organisation_id, created_by_id=host.id, title=title,
                    description="高校新材料成果专场。", starts_at=at(days, 2), ends_at=at(days, 4),
                    capacity=capacity, requires_approval=approval, waitlist_enabled=waitlist,
                    state=state, **fields)
    for number, item in enumerate(listings or [], start=1):
        show.agenda.append(AgendaItem(listing=item, position=number, presenter="李教授",
                                      starts_at=at(days, 2, 30 * (number - 1)),
                                      ends_at=at(days, 2, 30 * number)))
    db.session.add(show)
    db.session.commit()
    return show


def registration(show: Roadshow, person: User, status=RegistrationStatus.CONFIRMED,
                 commit: bool = True) -> Registration:
    seat = Registration(roadshow=show, user=person, status=status)
    db.session.add(seat)
    if commit:
        db.session.commit()
    return seat


# --- Open licences ------------------------------------------------------------------------------

def declaration_terms(**overrides) -> dict:
    """Valid declaration data (a lump sum of ¥50,000, no trial)."""
    data = {
        "payment_method": PaymentMethod.LUMP_SUM, "fee_amount": Decimal("50000.00"),
        "royalty_base": None, "royalty_rate": None,
        "payment_standard": "自书面通知送达之日起30日内一次性支付。", "term_end": date(2030, 12, 31),
        "other_terms": None, "trial_days": None, "trial_trigger": None,
        "notice_email": "notice@example.edu.cn", "notice_address": "上海市徐汇区梅陇路130号技术转移中心",
        "notice_phone": "021-64250000", "fees_paid": True, "fees_paid_on": None, "pledged": False,
        "pledgee": None, "pledgee_consent_on": None, "evaluation_report": None, "co_owners": [],
    }
    data.update(overrides)
    return data


def declaration(tto: User, patent_listing: Listing, **terms) -> OpenLicenceDeclaration:
    """An announced open-licence declaration of ``patent_listing``, taken there by the services."""
    declared = declarations.create_declaration(tto, patent_listing, declaration_terms(**terms))
    declarations.transition(tto, declared, "submit")
    declarations.transition(tto, declared, "announce", number="CN2026OL000123",
                            announced_on=date(2026, 3, 2))
    return declared


def licence(buyer: User, declared: OpenLicenceDeclaration, trial: bool = False) -> OpenLicence:
    """The open licence ``buyer`` accepts on ``declared``, after reviewing its text."""
    reviewed = licensing.review(buyer, declared, trial)
    return licensing.accept(buyer, declared, signer_name="赵敏", signer_title="研发总监",
                            consent=True, trial=trial,
                            reviewed_sha256=agreement.digest(agreement.canonical(reviewed)),
                            ip="203.0.113.7", user_agent="pytest")


# --- Payments -----------------------------------------------------------------------------------

def payment(purpose: str, listing_paid: Listing, payer: User, method: str, amount: str = "100.01",
            subject_id: int = 1):
    """A payment by ``payer``'s organisation for ``listing_paid``, started through the services."""
    return payments.start_payment(
        purpose=purpose, subject_id=subject_id, listing=listing_paid,
        payer_org=payer.organisation, amount=Decimal(amount), description="开放许可使用费",
        method=method, actor=payer)
