"""The authorization matrix: every route of the app, requested by every kind of visitor.

``ACCESS`` records the access decision for each endpoint. A route added to the app without an
entry here (or an entry left behind after a route is removed) fails ``test_access_table_is_complete``,
so no route ships without somebody deciding who may use it. The object-level checks (another
organisation's invitations, members and unpublished profile) are separate tests at the end.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from events.models import (
    AgendaItem,
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from marketplace import create_app
from marketplace.accounts import confirmation
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.accounts.services import _reset_serializer
from marketplace.action.models import (
    Batch,
    Enrolment,
    Plan,
    PlanProject,
    PlanState,
    PlanVersion,
    UniversityCategory,
)
from marketplace.action.reports.models import Report, ReportState, SecondaryUnit, TypicalCase
from marketplace.config import TestConfig
from marketplace.db_types import utcnow
from marketplace.extensions import db, limiter
from marketplace.jobs.models import Job, JobState
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.listings.models import (
    Attachment,
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingState,
)
from marketplace.lists.models import ListItem, ListKind, ListVersion, PublishedList
from marketplace.notifications.models import Notification
from marketplace.orgs.models import (
    DocumentKind,
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationDocument,
    OrgKind,
    OrgStatus,
)
from marketplace.orgs.services import invitation_token
from marketplace.payments.models import Payment, PaymentMethod, PaymentState
from tests import factories
from tests.conftest import PASSWORD, IsolatedClient, _empty_all_tables, post
from tests.factories import credit_code
from tests.licences_support import authorization_objects

ANONYMOUS = "anonymous"
PERSONAS = ("anonymous", "tto", "inventor", "investor", "company", "admin", "unverified_tto")

LOGGED_IN = frozenset(PERSONAS) - {ANONYMOUS}
EVERYONE = frozenset(PERSONAS)
#: Administrators of their own organisation (is_org_admin), verified or not.
ORG_ADMINS = frozenset({"tto", "investor", "company", "unverified_tto"})
VERIFIED_ORG_ADMINS = ORG_ADMINS - {"unverified_tto"}
PLATFORM_ADMIN = frozenset({"admin"})
#: University A's verified technology-transfer officer: manages its listings, lists and imports.
TTO = frozenset({"tto"})
#: Org admins of an organisation other than university A (the owner of the world's objects).
OTHER_ORG_ADMINS = ORG_ADMINS - {"tto"}


@dataclass
class World:
    """The objects every case runs against.

    University A (verified) has ``tto`` (its org admin) and ``inventor`` (a plain member) and an
    open invitation; ``investor`` and ``company`` administer verified organisations of their own
    kind; ``unverified_tto`` administers a pending university; ``admin`` has no organisation.
    """

    users: dict[str, User]
    org_a: Organisation
    pending_org: Organisation
    invitation: Invitation
    invitation_token: str
    reset_token: str
    #: The inventor's e-mail confirmation token (already confirmed: the link only says so).
    confirm_token: str
    #: The pending university's business licence, uploaded with its claim.
    org_document: OrganisationDocument
    #: University A's published listing (with one attachment) and its draft.
    listing: Listing
    draft: Listing
    attachment: Attachment
    #: University A's list with one published version; a validated import of university A.
    plist: PublishedList
    version: ListVersion
    batch: ImportBatch
    #: A pending bank transfer from the company to university A for the listing.
    payment: Payment
    #: Open licences: university A's declarations, the company's licence, a report, a recorded
    #: agreement (tests/licences_support.authorization_objects).
    licensing: dict = field(default_factory=dict)
    #: A notification for ``company`` (notifications).
    notification: Notification | None = None
    #: A background job that failed (the admin's failed-jobs page retries it).
    failed_job: object = None
    #: ``company``'s open public need (university A's tto proposed ``listing`` to it), its draft
    #: need, and ``investor``'s preference profile (technology needs).
    need: object = None
    draft_need: object = None
    proposal: object = None
    #: ``company``'s interest in ``listing``, in discussion, with a message file; the listing's
    #: NDA (accepted by ``company``) and confidential file; ``company``'s saved search.
    interest: object = None
    message_file: object = None
    confidential_file: object = None
    saved_search: object = None
    #: University A's published roadshow presenting ``listing``: ``investor`` has a pending
    #: registration, ``company`` is a moderator.
    roadshow: Roadshow | None = None
    agenda_item: AgendaItem | None = None
    registration: Registration | None = None
    moderator: RoadshowModerator | None = None
    #: The action: batch 2 with university A enrolled, its submitted plan (version 1, one project),
    #: its submitted 2024 report with one case, and one secondary unit.
    action: dict = field(default_factory=dict)
    #: Invention disclosures of university A by ``inventor``: a draft, a submitted one with a file,
    #: and a submitted one ``investor`` was invited to review.
    disclosures: dict = field(default_factory=dict)


def _action_world(org_a: Organisation, tto: User, listing: Listing) -> dict:
    batch = Batch(number=2, name="第二批次", starts_on=date(2023, 3, 1), plan_due_on=date(2023, 3, 31),
                  ends_on=date(2024, 12, 31), eligible_categories=["pilot", "other"])
    enrolment = Enrolment(batch=batch, organisation=org_a, category=UniversityCategory.OTHER,
                          enrolled_by_id=tto.id)
    plan = Plan(enrolment=enrolment, state=PlanState.SUBMITTED, goals="目标")
    project = PlanProject(title="重点项目", description="说明", listings=[listing])
    plan.projects = [project]
    version = PlanVersion(plan=plan, number=1, snapshot={
        "university": org_a.name, "batch": {"number": 2, "name": batch.name},
        "sections": {"goals": "目标"}, "targets": {}, "projects": []}, submitted_by_id=tto.id)
    db.session.add_all([batch, enrolment, plan])
    db.session.flush()
    report = Report(organisation=org_a, enrolment_id=enrolment.id, year=2024, state=ReportState.SUBMITTED,
                    narrative="成效", declared={}, figures=[], submitted_at=utcnow())
    case = TypicalCase(report=report, title="案例", narrative="经过", listing_id=listing.id)
    unit = SecondaryUnit(organisation_id=org_a.id, name="材料学院")
    db.session.add_all([batch, enrolment, plan, project, version, report, case, unit])
    return {"batch": batch, "plan": plan, "project": project, "report": report, "case": case,
            "unit": unit}


@pytest.fixture(scope="module")
def _module_app(migrated, tmp_path_factory):
    """One application for the whole module, built like the ``app`` fixture of conftest.

    Building an app per case (URL rules, SQL statements and templates compiled afresh) is most
    of the run time of 200-odd cases; the app holds no per-test state, so sharing it is safe.
    """
    app = create_app({
        "CONFIG_CLASS": TestConfig,
        "SQLALCHEMY_DATABASE_URI": migrated,
        "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
    })
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        _empty_all_tables()  # also restarts the id sequences, as the other modules expect
        db.session.remove()
        db.engine.dispose()


def _delete_all_rows() -> None:
    """Empty every table with DELETE: for a few rows much faster than PostgreSQL's TRUNCATE."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_module_app):
    """As conftest's ``app``: a fresh app context and rate limits; every table emptied afterwards."""
    with _module_app.app_context():
        limiter.reset()
        yield _module_app
        db.session.remove()
        _delete_all_rows()
        db.session.remove()


@pytest.fixture
def world(app) -> World:
    """Build the world in one transaction (one commit keeps 200-odd cases fast)."""
    password_hash = hash_password(PASSWORD)

    def org(kind: OrgKind, status: OrgStatus = OrgStatus.VERIFIED) -> Organisation:
        organisation = Organisation(kind=kind, status=status, name=f"机构 {kind.value} {status.value}",
                                    credit_code=credit_code())
        db.session.add(organisation)
        return organisation

    def user(persona: str, role: Role, organisation: Organisation | None, is_org_admin: bool) -> User:
        person = User(email=f"{persona}@example.edu.cn", name=f"用户 {persona}", role=role,
                      organisation=organisation, is_org_admin=is_org_admin,
                      password_hash=password_hash, email_confirmed_at=utcnow())
        db.session.add(person)
        return person

    org_a = org(OrgKind.UNIVERSITY)
    pending = org(OrgKind.UNIVERSITY, OrgStatus.PENDING)
    users = {
        "tto": user("tto", Role.TTO, org_a, True),
        "inventor": user("inventor", Role.INVENTOR, org_a, False),
        "investor": user("investor", Role.INVESTOR, org(OrgKind.INVESTOR_FIRM), True),
        "company": user("company", Role.COMPANY, org(OrgKind.COMPANY), True),
        "admin": user("admin", Role.ADMIN, None, False),
        "unverified_tto": user("unverified_tto", Role.TTO, pending, True),
    }
    db.session.flush()
    invitation = _invitation(org_a, users["tto"], "invitee@example.com")
    inventor = users["inventor"]
    listing = _listing(org_a, users["tto"], ListingState.PUBLISHED, "201710601862.3")
    draft = _listing(org_a, users["tto"], ListingState.DRAFT, None)
    attachment = Attachment(listing=listing, stored_name="0" * 32 + ".pdf", original_name="说明.pdf",
                            content_type="application/pdf", size=10, sha256="0" * 64)
    plist = PublishedList(organisation=org_a, kind=ListKind.HIGH_VALUE_PATENTS, title="高价值专利清单",
                          created_by_id=users["tto"].id)
    plist.items = [ListItem(listing=listing, position=1)]
    version = ListVersion(list=plist, number=1, title=plist.title, snapshot=[], sha256="0" * 64,
                          published_by_id=users["tto"].id)
    batch = ImportBatch(organisation=org_a, created_by_id=users["tto"].id, filename="a.xlsx",
                        state=ImportState.VALIDATED)
    org_document = OrganisationDocument(organisation=pending, kind=DocumentKind.BUSINESS_LICENCE,
                                        stored_name="4" * 32 + ".pdf", original_name="营业执照.pdf",
                                        content_type="application/pdf", size=9, sha256="4" * 64)
    db.session.add_all([attachment, plist, version, batch, org_document])
    action = _action_world(org_a, users["tto"], listing)
    payment = _payment(listing, users["company"])
    licensing = authorization_objects(org_a, users["tto"], users["company"], listing,
                                      app.config["UPLOAD_DIR"])
    roadshow, item, registration, moderator = _roadshow(org_a, users, listing)
    disclosures = _disclosure_world(org_a, users)
    db.session.commit()
    for stored_name in (attachment.stored_name, org_document.stored_name,
                        disclosures["file"].stored_name):
        (Path(app.config["UPLOAD_DIR"]) / stored_name).write_bytes(b"%PDF-1.4\n")
    notification = Notification(user_id=users["company"].id, kind="interests.status",
                                params={}, link=f"/listings/{listing.id}")
    db.session.add(notification)
    failed_job = Job(name="alerts.follows", payload={"listing_ids": []}, state=JobState.FAILED,
                     attempts=1, error="SMTPServerDisconnected: Connection unexpectedly closed",
                     finished_at=utcnow())
    db.session.add(failed_job)
    db.session.commit()
    return World(
        failed_job=failed_job,
        **_needs_world(users, listing),
        notification=notification, **_interest_world(app, users, listing),
        listing=listing, draft=draft, attachment=attachment, plist=plist, version=version,
        batch=batch, payment=payment, licensing=licensing, action=action,
        roadshow=roadshow, agenda_item=item, registration=registration,
        moderator=moderator, disclosures=disclosures,
        users=users,
        org_a=org_a,
        pending_org=pending,
        invitation=invitation,
        invitation_token=invitation_token(invitation),
        reset_token=_reset_serializer().dumps({"id": inventor.id, "h": inventor.password_hash[-16:]}),
        confirm_token=confirmation.token_for(inventor),
        org_document=org_document,
    )


def _disclosure_world(org_a: Organisation, users: dict[str, User]) -> dict:
    """University A's disclosures by ``inventor`` (sole inventor, share confirmed)."""
    from marketplace.disclosures.models import (
        Disclosure,
        DisclosureFile,
        DisclosureInventor,
        DisclosureState,
        Reviewer,
    )

    inventor = users["inventor"]

    def disclosure(state: DisclosureState, title: str) -> Disclosure:
        item = Disclosure(organisation=org_a, created_by_id=inventor.id, state=state, title=title,
                          problem="界面阻抗高。", solution="原子层沉积。", novelty="厚度可控。",
                          field="energy", submitted_at=None if state.is_draft else utcnow())
        item.inventors = [DisclosureInventor(position=0, name=inventor.name, user_id=inventor.id,
                                             share_pct=100, confirmed_at=utcnow())]
        db.session.add(item)
        return item

    draft = disclosure(DisclosureState.DRAFT, "草稿披露")
    submitted = disclosure(DisclosureState.SUBMITTED, "已提交披露")
    reviewed = disclosure(DisclosureState.UNDER_ASSESSMENT, "外审披露")
    reviewed.reviewers = [Reviewer(user=users["investor"], invited_by_id=users["tto"].id)]
    file = DisclosureFile(disclosure=submitted, stored_name="5" * 32 + ".pdf",
                          original_name="实验数据.pdf", content_type="application/pdf", size=9,
                          sha256="5" * 64)
    db.session.add(file)
    return {"draft": draft, "submitted": submitted, "reviewed": reviewed, "file": file}


def _interest_world(app, users: dict[str, User], listing: Listing) -> dict:
    """The interests feature's objects: all of them belong to ``company`` and university A."""
    from marketplace.alerts.models import SavedSearch
    from marketplace.interests.models import (
        ConfidentialFile,
        Interest,
        InterestStatus,
        Message,
        MessageAttachment,
        NdaAcceptance,
        NdaVersion,
        Timeline,
    )

    company = users["company"]
    interest = Interest(listing=listing, organisation_id=company.organisation_id,
                        created_by_id=company.id, intent=ConversionMode.TRANSFER,
                        timeline=Timeline.WITHIN_6_MONTHS, message="想了解转让条件",
                        status=InterestStatus.IN_DISCUSSION, accepted_at=utcnow())
    message = Message(interest=interest, author_id=company.id,
                      organisation_id=company.organisation_id, body="附件是我们的方案")
    attachment = MessageAttachment(message=message, stored_name="1" * 32 + ".pdf",
                                   original_name="方案.pdf", content_type="application/pdf",
                                   size=9, sha256="1" * 64)
    nda = NdaVersion(listing_id=listing.id, number=1, text="保密", sha256="2" * 64)
    accepted = NdaAcceptance(version=nda, organisation_id=company.organisation_id,
                             user_id=company.id, user_name=company.name, user_email=company.email,
                             text_sha256=nda.sha256)
    secret = ConfidentialFile(listing_id=listing.id, stored_name="3" * 32 + ".pdf",
                              original_name="工艺参数.pdf", content_type="application/pdf", size=9,
                              sha256="3" * 64)
    saved = SavedSearch(user_id=company.id, name="电池", query_args={"q": "电池"})
    db.session.add_all([interest, message, attachment, nda, accepted, secret, saved])
    db.session.commit()
    for item in (attachment, secret):
        (Path(app.config["UPLOAD_DIR"]) / item.stored_name).write_bytes(b"%PDF-1.4\n")
    return {"interest": interest, "message_file": attachment, "confidential_file": secret,
            "saved_search": saved}


def _needs_world(users: dict[str, User], listing: Listing) -> dict:
    """The technology-needs feature's objects: ``company``'s needs and university A's proposal."""
    from marketplace.needs.models import Need, NeedState, Proposal

    company = users["company"]

    def need(state: NeedState) -> Need:
        return Need(organisation_id=company.organisation_id, created_by_id=company.id, state=state,
                    title="动力电池热失控预警技术", description="需要一种电池热失控早期预警技术。",
                    field="energy", trl_min=4, trl_max=8, is_public=True,
                    opened_at=utcnow() if state is NeedState.OPEN else None)

    open_need, draft = need(NeedState.OPEN), need(NeedState.DRAFT)
    proposal = Proposal(need=open_need, listing=listing, organisation_id=listing.organisation_id,
                        proposed_by_id=users["tto"].id, note="本专利可用于电池安全预警。")
    db.session.add_all([open_need, draft, proposal])
    db.session.commit()
    return {"need": open_need, "draft_need": draft, "proposal": proposal}


def _listing(org: Organisation, tto: User, state: ListingState, number: str | None) -> Listing:
    return factories.listing(
        org, created_by=tto, state=state, title="一种锂离子电池正极材料",
        abstract="一种高镍三元正极材料，通过表面包覆提高循环稳定性。", field="materials",
        inventors="李振华", application_number=number,
        legal_status=LegalStatus.PENDING if number else LegalStatus.NOT_APPLICABLE, trl=5,
        modes=(ConversionMode.OPEN_LICENCE,), commit=False)


def _payment(listing: Listing, payer: User) -> Payment:
    from tests.payments_support import PURPOSE, Hooks

    Hooks().register()
    payment = Payment(purpose=PURPOSE, subject_id=1, listing=listing,
                      payer_org=payer.organisation, payee_org=listing.organisation,
                      amount=100, description="开放许可使用费", method=PaymentMethod.BANK_TRANSFER,
                      state=PaymentState.PENDING, bank_reference="BXTESTREF234", created_by=payer)
    db.session.add(payment)
    return payment
def _roadshow(org: Organisation, users: dict[str, User], listing: Listing):
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    roadshow = Roadshow(organisation=org, created_by_id=users["tto"].id, title="新材料专场路演",
                        description="高校新材料成果专场。", starts_at=start,
                        ends_at=start + timedelta(hours=2), state=RoadshowState.PUBLISHED,
                        requires_approval=True, capacity=50)
    item = AgendaItem(roadshow=roadshow, listing=listing, position=1, presenter="李振华 教授",
                      starts_at=start, ends_at=start + timedelta(minutes=30))
    registration = Registration(roadshow=roadshow, user=users["investor"],
                                status=RegistrationStatus.PENDING)
    moderator = RoadshowModerator(roadshow=roadshow, user=users["company"])
    db.session.add_all([roadshow, item, registration, moderator])
    return roadshow, item, registration, moderator


def _invitation(org: Organisation, invited_by: User, email: str) -> Invitation:
    invitation = Invitation(organisation=org, email=email, role=Role.INVENTOR,
                            invited_by_id=invited_by.id, expires_at=utcnow() + timedelta(days=1))
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _login(auth, user: User) -> None:
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard", (
        f"could not log in as {user.email}")


# --- The access table -------------------------------------------------------------------------

@dataclass(frozen=True)
class Access:
    """Who may use one endpoint, and how the test requests it."""

    method: str
    #: The URL's arguments, made from the world.
    args: Callable[[World], dict]
    #: Personas that may use the route.
    allow: frozenset[str]
    #: Anonymous visitors are sent to the login page (login_required or any stricter decorator).
    login: bool = True
    #: Logged-in personas refused with 404 rather than 403: the object belongs to another organisation.
    hidden: frozenset[str] = frozenset()
    #: Allowed personas the route sends elsewhere, with the exact Location expected.
    redirect: Mapping[str, str] = field(default_factory=dict)
    #: The exact status allowed personas get, when the route has a definite one.
    status: int | None = None
    #: Form data for POST requests (the CSRF token is added).
    data: Mapping[str, str] = field(default_factory=dict)


def no_args(world: World) -> dict:
    return {}


def listing_id(world: World) -> dict:
    return {"listing_id": world.listing.id}


def pending_org_id(world: World) -> dict:
    return {"org_id": world.pending_org.id}


def inventor_id(world: World) -> dict:
    return {"user_id": world.users["inventor"].id}


def interest_id(world: World) -> dict:
    return {"interest_id": world.interest.id}


#: The two sides of the world's interest: the interested company and university A's tto.
PARTIES = frozenset({"company", "tto"})


def list_id(world: World) -> dict:
    return {"list_id": world.plist.id}


def list_version(world: World) -> dict:
    return {"list_id": world.plist.id, "number": world.version.number}


def action_batch(world: World) -> dict:
    return {"batch_id": world.action["batch"].id}


def action_plan(world: World) -> dict:
    return {"plan_id": world.action["plan"].id}


def action_project(world: World) -> dict:
    return {"plan_id": world.action["plan"].id, "project_id": world.action["project"].id}


def action_plan_version(world: World) -> dict:
    return {"plan_id": world.action["plan"].id, "number": 1}


def action_report(world: World) -> dict:
    return {"report_id": world.action["report"].id}
def payment_id(world: World) -> dict:
    return {"public_id": world.payment.public_id}


#: Who sees university A's payment from the company: payer, payee's tto, admins.
PAYMENT_VIEWERS = frozenset({"tto", "company", "admin"})
PAYMENT_STRANGERS = LOGGED_IN - PAYMENT_VIEWERS

def roadshow_id(world: World) -> dict:
    return {"roadshow_id": world.roadshow.id}


def agenda_item(world: World) -> dict:
    return {"roadshow_id": world.roadshow.id, "item_id": world.agenda_item.id}


#: Who reads a roadshow's transcript and reports: the host's tto, its moderator, admins.
ROADSHOW_STAFF = frozenset({"tto", "company", "admin"})
NOT_ROADSHOW_STAFF = LOGGED_IN - ROADSHOW_STAFF

_LOGGED_IN_TO_DASHBOARD = {persona: "/dashboard" for persona in LOGGED_IN}


def licence_id(world: World) -> dict:
    return {"licence_id": world.licensing["licence"].id}


#: A licence is seen by its two parties (the company, university A's members) and admins.
LICENCE_PARTIES = frozenset({"tto", "inventor", "company", "admin"})
NOT_PARTIES = frozenset({"investor", "unverified_tto"})

def disclosure_id(world: World) -> dict:
    return {"disclosure_id": world.disclosures["submitted"].id}


#: A disclosure is confidential before filing: its inventor and its university's tto see it;
#: everyone else (admins too) must not learn it exists.
DISCLOSURE_PARTIES = frozenset({"tto", "inventor"})
NOT_DISCLOSURE_PARTIES = LOGGED_IN - DISCLOSURE_PARTIES

ACCESS: dict[str, Access] = {
    # main: public pages, and the workbench for everyone logged in (admins too).
    "main.index": Access("GET", no_args, EVERYONE, login=False, status=200),
    "main.healthz": Access("GET", no_args, EVERYONE, login=False, status=200),
    "main.readyz": Access("GET", no_args, EVERYONE, login=False, status=200),
    # Guarded by a bearer token, not by a login: without METRICS_TOKEN (as here) it does not
    # exist for anyone (test_health_metrics.py tests the token).
    "main.metrics_page": Access("GET", no_args, EVERYONE, login=False, status=404),
    "main.set_language": Access("POST", no_args, EVERYONE, login=False, status=302, data={"lang": "en"}),
    "main.dashboard": Access("GET", no_args, LOGGED_IN, status=200),
    "main.interests_seen": Access("POST", no_args, frozenset({"inventor"}), status=302),
    # auth: public forms (logged-in users are sent to their dashboard), and one's own account.
    "accounts.register": Access("GET", no_args, EVERYONE, login=False, status=200,
                            redirect=_LOGGED_IN_TO_DASHBOARD),
    "accounts.login": Access("GET", no_args, EVERYONE, login=False, status=200,
                         redirect=_LOGGED_IN_TO_DASHBOARD),
    "accounts.logout": Access("POST", no_args, LOGGED_IN, status=302),
    "accounts.logout_everywhere": Access("POST", no_args, LOGGED_IN, status=302),
    "accounts.reset_request": Access("GET", no_args, EVERYONE, login=False, status=200),
    "accounts.reset_password": Access("GET", lambda w: {"token": w.reset_token}, EVERYONE,
                                  login=False, status=200),
    "accounts.profile": Access("GET", no_args, LOGGED_IN, status=200),
    "accounts.change_password": Access("GET", no_args, LOGGED_IN, status=200),
    # e-mail confirmation: every persona has confirmed, so the pages send them on.
    "accounts.confirm_notice": Access("GET", no_args, LOGGED_IN, status=302,
                                  redirect=_LOGGED_IN_TO_DASHBOARD),
    "accounts.confirm_email": Access("GET", lambda w: {"token": w.confirm_token}, EVERYONE, login=False,
                                 status=302,
                                 redirect={**_LOGGED_IN_TO_DASHBOARD, ANONYMOUS: "/auth/login"}),
    "accounts.resend_confirmation": Access("POST", no_args, LOGGED_IN, status=302,
                                       redirect=_LOGGED_IN_TO_DASHBOARD),
    # orgs: one's own organisation; editing and member management for its administrators.
    "orgs.mine": Access("GET", no_args, LOGGED_IN, status=200),
    "orgs.edit": Access("GET", no_args, ORG_ADMINS, status=200),
    # An empty invitation form: past the permission checks it is refused as invalid (422).
    "orgs.invite": Access("POST", no_args, VERIFIED_ORG_ADMINS, status=422),
    # University A's invitation and member: other organisations' admins must not learn they exist.
    "orgs.revoke": Access("POST", lambda w: {"invitation_id": w.invitation.id}, frozenset({"tto"}),
                          hidden=OTHER_ORG_ADMINS, status=302),
    "orgs.remove_member": Access("POST", inventor_id, frozenset({"tto"}), hidden=OTHER_ORG_ADMINS,
                                 status=302),
    "orgs.toggle_admin": Access("POST", inventor_id, frozenset({"tto"}), hidden=OTHER_ORG_ADMINS,
                                status=302, data={"value": "1"}),
    # Claim documents: an empty upload is refused (422) past the checks; a document is for its
    # organisation's members and platform admins, hidden from everyone else.
    "orgs.upload_document": Access("POST", no_args, ORG_ADMINS, status=422),
    "orgs.document": Access("GET", lambda w: {"document_id": w.org_document.id},
                            frozenset({"unverified_tto", "admin"}),
                            hidden=LOGGED_IN - {"unverified_tto", "admin"}, status=200),
    "orgs.public": Access("GET", lambda w: {"org_id": w.org_a.id}, EVERYONE, login=False,
                          status=200),
    "orgs.accept": Access("GET", lambda w: {"token": w.invitation_token}, EVERYONE, login=False,
                          status=200),
    # admin: platform administrators only.
    "admin.dashboard": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "admin.organisations": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "admin.organisation": Access("GET", pending_org_id, PLATFORM_ADMIN, status=200),
    "admin.verify": Access("POST", pending_org_id, PLATFORM_ADMIN, status=302),
    "admin.reject": Access("POST", pending_org_id, PLATFORM_ADMIN, status=302,
                           data={"reason": "请补充营业执照扫描件。"}),
    "admin.users": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "admin.change_role": Access("POST", inventor_id, PLATFORM_ADMIN, status=302, data={"role": "tto"}),
    "admin.set_active": Access("POST", inventor_id, PLATFORM_ADMIN, status=302, data={"value": "0"}),
    "admin.audit": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "admin.failed_jobs": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "admin.retry_job": Access("POST", lambda w: {"job_id": w.failed_job.id}, PLATFORM_ADMIN,
                              status=302),
    # listings: public search and pages; management for the owning university's verified tto.
    "listings.search": Access("GET", no_args, EVERYONE, login=False, status=200),
    "listings.detail": Access("GET", listing_id, EVERYONE, login=False, status=200),
    "listings.suggestions": Access("GET", no_args, EVERYONE, login=False, status=200),
    "listings.attachment": Access("GET", lambda w: {"listing_id": w.listing.id,
                                                    "attachment_id": w.attachment.id},
                                  EVERYONE, login=False, status=200),
    "listings.manage": Access("GET", no_args, TTO, status=200),
    "listings.mine": Access("GET", no_args, frozenset({"inventor"}), status=200),
    "listings.create": Access("GET", no_args, TTO, status=200),
    "listings.edit": Access("GET", listing_id, TTO, status=200),
    "listings.change_state": Access("POST", lambda w: {"listing_id": w.draft.id, "action": "publish"},
                                    TTO, status=302),
    "listings.upload": Access("POST", listing_id, TTO, status=302),
    "listings.delete_attachment": Access("POST", lambda w: {"listing_id": w.listing.id,
                                                            "attachment_id": w.attachment.id},
                                         TTO, status=302),
    # imports: university A's verified tto only; the world's batch is validated with no valid
    # rows, so importing it is refused with a message (302 back to the report).
    "imports.index": Access("GET", no_args, TTO, status=200),
    "imports.upload": Access("GET", no_args, TTO, status=200),
    "imports.template": Access("GET", no_args, TTO, status=200),
    "imports.report": Access("GET", lambda w: {"batch_id": w.batch.id}, TTO, status=200),
    "imports.status": Access("GET", lambda w: {"batch_id": w.batch.id}, TTO, status=200),
    "imports.run_import": Access("POST", lambda w: {"batch_id": w.batch.id}, TTO, status=302),
    "imports.discard": Access("POST", lambda w: {"batch_id": w.batch.id}, TTO, status=302),
    # api: the public, read-only JSON API (search, a published listing, the OpenAPI document).
    "api.listings": Access("GET", no_args, EVERYONE, login=False, status=200),
    "api.listing": Access("GET", listing_id, EVERYONE, login=False, status=200),
    "api.openapi": Access("GET", no_args, EVERYONE, login=False, status=200),
    # lists: public pages and downloads of published versions; university A's list is managed by
    # its verified tto only (admins manage the action's own lists, not a university's).
    "lists.index": Access("GET", no_args, EVERYONE, login=False, status=200),
    "lists.detail": Access("GET", list_id, EVERYONE, login=False, status=200),
    "lists.version": Access("GET", list_version, EVERYONE, login=False, status=200),
    "lists.xlsx": Access("GET", list_version, EVERYONE, login=False, status=200),
    "lists.pdf": Access("GET", list_version, EVERYONE, login=False, status=200),
    "lists.manage": Access("GET", no_args, TTO | PLATFORM_ADMIN, status=200),
    "lists.create": Access("GET", no_args, TTO | PLATFORM_ADMIN, status=200),
    "lists.edit": Access("GET", list_id, TTO, status=200),
    "lists.add_item": Access("POST", list_id, TTO, status=302),
    "lists.remove_item": Access("POST", lambda w: {"list_id": w.plist.id, "listing_id": w.listing.id},
                                TTO, status=302),
    "lists.move_item": Access("POST", lambda w: {"list_id": w.plist.id, "listing_id": w.listing.id},
                              TTO, status=302, data={"direction": "up"}),
    "lists.publish": Access("POST", list_id, TTO, status=302),
    # action: university A's verified tto and the platform admins; reviews and settings for
    # admins only; the typical cases are public. University A's plan and report are submitted, so
    # editing them is refused with a message (302) or the empty form is invalid (422).
    "action.index": Access("GET", no_args, TTO | PLATFORM_ADMIN, status=200),
    "action.cases": Access("GET", no_args, EVERYONE, login=False, status=200),
    "action.seed_batches": Access("POST", no_args, PLATFORM_ADMIN, status=302),
    "action.batch": Access("GET", action_batch, PLATFORM_ADMIN, status=200),
    "action.enrol": Access("POST", action_batch, TTO, status=302),
    "action.universities": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "action.set_category": Access("POST", lambda w: {"org_id": w.org_a.id}, PLATFORM_ADMIN, status=302,
                                  data={"category": "pilot"}),
    "action.review_queue": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "action.plan": Access("GET", action_plan, TTO | PLATFORM_ADMIN, status=200),
    "action.add_project": Access("POST", action_plan, TTO, status=422),
    "action.edit_project": Access("GET", action_project, TTO, status=200),
    "action.remove_project": Access("POST", action_project, TTO, status=302),
    "action.submit_plan": Access("POST", action_plan, TTO, status=302),
    "action.review_plan": Access("POST", action_plan, PLATFORM_ADMIN, status=422),
    "action.plan_version": Access("GET", action_plan_version, TTO | PLATFORM_ADMIN, status=200),
    "action.plan_pdf": Access("GET", action_plan_version, TTO | PLATFORM_ADMIN, status=200),
    "action.start_report": Access("POST", no_args, TTO, status=302),
    "action.report": Access("GET", action_report, TTO | PLATFORM_ADMIN, status=200),
    "action.submit_report": Access("POST", action_report, TTO, status=302),
    "action.review_report": Access("POST", action_report, PLATFORM_ADMIN, status=422),
    "action.add_case": Access("POST", action_report, TTO, status=422),
    "action.remove_case": Access("POST", lambda w: {"report_id": w.action["report"].id,
                                                    "case_id": w.action["case"].id}, TTO, status=302),
    "action.unit_list": Access("GET", no_args, TTO, status=200),
    "action.remove_unit": Access("POST", lambda w: {"unit_id": w.action["unit"].id}, TTO, status=302),
    "action.assign_units": Access("POST", no_args, TTO, status=302),
    "action.national_dashboard": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "action.national_export": Access("GET", lambda w: {"table_key": "universities", "fmt": "csv"},
                                     PLATFORM_ADMIN, status=200),
    "action.university_dashboard": Access("GET", no_args, TTO, status=200),
    "action.university_export": Access("GET", lambda w: {"table_key": "units", "fmt": "xlsx"}, TTO,
                                       status=200),
    # portfolio: a verified university's tto sees its fees due and its map, and grades and decides
    # on its own patents (for anyone else a patent's portfolio page does not exist); the national
    # map is the action's administrators'.
    "portfolio.fees_due": Access("GET", no_args, TTO, status=200),
    "portfolio.fees_due_export": Access("GET", lambda w: {"fmt": "xlsx"}, TTO, status=200),
    "portfolio.patent": Access("GET", listing_id, TTO, hidden=LOGGED_IN - TTO, status=200),
    "portfolio.regrade": Access("POST", listing_id, TTO, hidden=LOGGED_IN - TTO, status=302,
                                data={"regrade-grade": "C", "regrade-reason": "三年无企业问询"}),
    "portfolio.maintenance": Access("POST", listing_id, TTO, hidden=LOGGED_IN - TTO, status=302,
                                    data={"decision-choice": "keep", "decision-reason": "正在洽谈许可",
                                          "decision-fee_due_on": "2027-07-20"}),
    "portfolio.fee_due": Access("POST", listing_id, TTO, hidden=LOGGED_IN - TTO, status=302,
                                data={"fee-fee_due_on": "2027-07-20"}),
    "portfolio.university_map": Access("GET", no_args, TTO, status=200),
    "portfolio.university_map_export": Access("GET", lambda w: {"table_key": "fields", "fmt": "csv"},
                                              TTO, status=200),
    "portfolio.national_map": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    "portfolio.national_map_export": Access("GET", lambda w: {"table_key": "gaps", "fmt": "xlsx"},
                                            PLATFORM_ADMIN, status=200),
    # payments: the payer's organisation, the payee university's tto and admins see a payment;
    # everyone else gets 404 (no existence leak). Only the payee's verified tto confirms a
    # transfer; refunds by that tto or an admin. The webhook is public but needs Stripe's
    # signature (the test sends none: 400).
    "payments.status": Access("GET", payment_id, PAYMENT_VIEWERS, hidden=PAYMENT_STRANGERS,
                              status=200),
    "payments.stripe_return": Access("GET", payment_id, PAYMENT_VIEWERS,
                                     hidden=PAYMENT_STRANGERS, status=302),
    "payments.stripe_webhook": Access("POST", no_args, EVERYONE, login=False, status=400),
    "payments.confirm": Access("POST", payment_id, TTO, status=302),
    "payments.cancel": Access("POST", payment_id, PAYMENT_VIEWERS, hidden=PAYMENT_STRANGERS,
                              status=302, data={"reason": "改用线上支付"}),
    "payments.refund": Access("GET", payment_id, TTO | PLATFORM_ADMIN,
                              hidden=frozenset({"unverified_tto"}), status=200),
    "payments.mine": Access("GET", no_args, frozenset({"company", "investor"}), status=200),
    "payments.manage": Access("GET", no_args, TTO, status=200),
    "payments.admin_overview": Access("GET", no_args, PLATFORM_ADMIN, status=200),
    # ledger: a university's split, shares and statement for its verified tto; inventors' own.
    "ledger.settings": Access("GET", no_args, TTO, status=200),
    "ledger.shares": Access("GET", listing_id, TTO, status=200),
    "ledger.university_statement": Access("GET", no_args, TTO, status=200),
    "ledger.university_csv": Access("GET", no_args, TTO, status=200),
    "ledger.my_statement": Access("GET", no_args, frozenset({"inventor"}), status=200),
    "ledger.my_csv": Access("GET", no_args, frozenset({"inventor"}), status=200),
    # licences: public catalogue and verification; university A's tto manages its declarations and
    # recorded agreements (admins record announcements); the licence is seen by both parties
    # (the company and university A's members) and admins; others must not learn it exists.
    "licences.index": Access("GET", no_args, EVERYONE, login=False, status=200),
    "licences.declaration": Access("GET", lambda w: {"declaration_id": w.licensing["declaration"].id},
                                   EVERYONE, login=False, status=200),
    "licences.listing_offer": Access("GET", lambda w: {"listing_id": w.licensing["declaration"].listing_id},
                                     EVERYONE, login=False, status=302),
    "licences.verify_upload": Access("GET", no_args, EVERYONE, login=False, status=200),
    "licences.verify": Access("GET", lambda w: {"sha256": w.licensing["licence"].sha256}, EVERYONE,
                              login=False, status=200),
    "licences.manage": Access("GET", no_args, TTO | PLATFORM_ADMIN, status=200),
    "licences.listing": Access("GET", listing_id, TTO, status=200),
    "licences.create": Access("GET", listing_id, TTO, status=200),
    "licences.edit": Access("GET", lambda w: {"declaration_id": w.licensing["draft_declaration"].id},
                            TTO, status=200),
    # Submitting the draft: the tto gets the eligibility refusal as a message; an admin may only
    # record announcements and is refused with a message too; another university sees nothing.
    "licences.change_state": Access("POST", lambda w: {
        "declaration_id": w.licensing["draft_declaration"].id, "action": "submit"},
        TTO | PLATFORM_ADMIN, hidden=frozenset({"unverified_tto"}), status=302),
    "licences.record_agreement": Access("POST", listing_id, TTO, status=422),
    "licences.agreement_document": Access("GET", lambda w: {"agreement_id": w.licensing["recorded"].id},
                                          TTO, status=200),
    "licences.terminate_agreement": Access("POST", lambda w: {
        "agreement_id": w.licensing["recorded"].id}, TTO, status=302),
    "licences.accept": Access("GET", lambda w: {"declaration_id": w.licensing["declaration"].id},
                              frozenset({"company"}), status=302),
    "licences.mine": Access("GET", no_args, LOGGED_IN, status=200),
    "licences.licence": Access("GET", licence_id, LICENCE_PARTIES, hidden=NOT_PARTIES, status=200),
    # The frozen agreement holds the signer's IP address and browser: not for plain members
    # (the inventor), who see the licence page without them.
    "licences.agreement_file": Access("GET", licence_id, LICENCE_PARTIES - {"inventor"},
                                      hidden=NOT_PARTIES, status=200),
    "licences.agreement_pdf": Access("GET", licence_id, LICENCE_PARTIES, hidden=NOT_PARTIES, status=200),
    "licences.certificate": Access("GET", licence_id, LICENCE_PARTIES, hidden=NOT_PARTIES, status=200),
    "licences.pay": Access("POST", licence_id, frozenset({"company"}), status=302),
    "licences.dated": Access("POST", lambda w: {"licence_id": w.licensing["licence"].id,
                                                "action": "record"},
                             LICENCE_PARTIES, hidden=NOT_PARTIES, status=302),
    "licences.end": Access("POST", lambda w: {"licence_id": w.licensing["licence"].id,
                                              "action": "cancel"},
                           LICENCE_PARTIES, hidden=NOT_PARTIES, status=302),
    "licences.report": Access("POST", licence_id, frozenset({"company"}), status=422),
    "licences.pay_report": Access("POST", lambda w: {"licence_id": w.licensing["licence"].id,
                                                     "report_id": w.licensing["report"].id},
                                  frozenset({"company"}), status=302),
    # interests: companies and investors of verified organisations express interest; an interest,
    # its thread and files exist only for its two sides (company and university A's tto).
    # (``company`` already has a live interest in the listing: the form sends it to its thread.)
    "interests.express": Access("GET", listing_id, frozenset({"investor", "company"})),
    "interests.index": Access("GET", no_args, frozenset({"tto", "investor", "company",
                                                        "unverified_tto"}), status=200),
    "interests.thread": Access("GET", interest_id, PARTIES, hidden=LOGGED_IN - PARTIES, status=200),
    "interests.message_file": Access("GET", lambda w: {"interest_id": w.interest.id,
                                                       "file_id": w.message_file.id},
                                     PARTIES, hidden=LOGGED_IN - PARTIES, status=200),
    "interests.post_message": Access("POST", interest_id, PARTIES, hidden=frozenset({"investor"}),
                                     status=302, data={"body": "你好"}),
    "interests.change": Access("POST", lambda w: {"interest_id": w.interest.id,
                                                  "action": "negotiate"},
                               PARTIES, hidden=frozenset({"investor"}), status=302),
    "interests.decline": Access("POST", interest_id, TTO, status=302, data={"reason": "price"}),
    "interests.share_contacts": Access("POST", interest_id, frozenset({"company"}),
                                       hidden=frozenset({"investor"}), status=302),
    # confidential: the NDA page for the two sides; files for the university and an organisation
    # that accepted the NDA with an accepted interest; management by university A's tto.
    "interests.nda": Access("GET", listing_id, PARTIES, status=200),
    "interests.download_confidential": Access("GET", lambda w: {"listing_id": w.listing.id,
                                                      "file_id": w.confidential_file.id},
                                    PARTIES, hidden=LOGGED_IN - PARTIES, status=200),
    "interests.manage_confidential": Access("GET", listing_id, TTO, status=200),
    "interests.upload_confidential": Access("POST", listing_id, TTO, status=302),
    "interests.delete_confidential": Access("POST", lambda w: {"listing_id": w.listing.id,
                                                     "file_id": w.confidential_file.id},
                                  TTO, status=302),
    "interests.pipeline_page": Access("GET", no_args, TTO, status=200),
    # disclosures: confidential before filing. The inventor files and edits drafts (a draft is
    # not even the tto's); the tto assesses, invites reviewers, records the filing and makes the
    # listing (empty forms and refused steps flash and redirect); ``investor`` reviews the one
    # disclosure it was invited to and sees no other.
    "disclosures.index": Access("GET", no_args, DISCLOSURE_PARTIES | {"investor"}, status=200),
    "disclosures.create": Access("GET", no_args, frozenset({"inventor"}), status=200),
    "disclosures.edit": Access("GET", lambda w: {"disclosure_id": w.disclosures["draft"].id},
                               frozenset({"inventor"}), hidden=LOGGED_IN - {"inventor"},
                               status=200),
    "disclosures.submit": Access("POST", lambda w: {"disclosure_id": w.disclosures["draft"].id},
                                 frozenset({"inventor"}), hidden=LOGGED_IN - {"inventor"},
                                 status=302),
    "disclosures.detail": Access("GET", disclosure_id, DISCLOSURE_PARTIES,
                                 hidden=NOT_DISCLOSURE_PARTIES, status=200),
    "disclosures.chain": Access("GET", disclosure_id, DISCLOSURE_PARTIES,
                                hidden=NOT_DISCLOSURE_PARTIES, status=200),
    "disclosures.confirm": Access("POST", disclosure_id, frozenset({"inventor"}),
                                  hidden=NOT_DISCLOSURE_PARTIES, status=302),
    "disclosures.upload": Access("POST", disclosure_id, DISCLOSURE_PARTIES,
                                 hidden=NOT_DISCLOSURE_PARTIES, status=302),
    "disclosures.download": Access("GET", lambda w: {"disclosure_id": w.disclosures["submitted"].id,
                                                     "file_id": w.disclosures["file"].id},
                                   DISCLOSURE_PARTIES, hidden=NOT_DISCLOSURE_PARTIES, status=200),
    "disclosures.assess": Access("GET", disclosure_id, TTO, hidden=NOT_DISCLOSURE_PARTIES,
                                 status=200),
    "disclosures.invite": Access("POST", disclosure_id, TTO, hidden=NOT_DISCLOSURE_PARTIES,
                                 status=302),
    "disclosures.file_application": Access("POST", disclosure_id, TTO,
                                           hidden=NOT_DISCLOSURE_PARTIES, status=302),
    "disclosures.outcome": Access("POST", disclosure_id, TTO, hidden=NOT_DISCLOSURE_PARTIES,
                                  status=302),
    "disclosures.make_listing": Access("POST", disclosure_id, TTO, hidden=NOT_DISCLOSURE_PARTIES,
                                       status=302),
    "disclosures.review": Access("GET", lambda w: {"disclosure_id": w.disclosures["reviewed"].id},
                                 frozenset({"investor"}),
                                 hidden=LOGGED_IN - {"investor", "tto", "inventor"}, status=200),
    # alerts: anyone logged in follows listings and saves searches; a saved search is its owner's.
    "alerts.index": Access("GET", no_args, LOGGED_IN, status=200),
    "alerts.follow": Access("POST", listing_id, LOGGED_IN, status=302),
    "alerts.unfollow": Access("POST", listing_id, LOGGED_IN, status=302),
    "alerts.save_search": Access("POST", no_args, LOGGED_IN, status=302, data={"q": "电池"}),
    "alerts.delete_search": Access("POST", lambda w: {"search_id": w.saved_search.id},
                                   frozenset({"company"}), hidden=LOGGED_IN - {"company"},
                                   status=302),
    # notifications: one's own; another user's notification does not exist for you.
    "notifications.index": Access("GET", no_args, LOGGED_IN, status=200),
    "notifications.mark_all_read": Access("POST", no_args, LOGGED_IN, status=302),
    "notifications.open_": Access("POST", lambda w: {"notification_id": w.notification.id},
                                  frozenset({"company"}), hidden=LOGGED_IN - {"company"},
                                  status=302),
    "notifications.mark_read": Access("POST", lambda w: {"notification_id": w.notification.id},
                                      frozenset({"company"}), hidden=LOGGED_IN - {"company"},
                                      status=302),
    # needs: public list and public needs for everyone; a company's needs are managed by its
    # verified company users; a verified tto proposes and sees its matches; "为您推荐" for
    # investors and companies. The propose and invite forms are posted empty (flash, redirect).
    "needs.index": Access("GET", no_args, EVERYONE, login=False, status=200),
    "needs.detail": Access("GET", lambda w: {"need_id": w.need.id}, EVERYONE, login=False,
                           status=200),
    "needs.manage": Access("GET", no_args, frozenset({"company"}), status=200),
    "needs.create": Access("GET", no_args, frozenset({"company"}), status=200),
    "needs.edit": Access("GET", lambda w: {"need_id": w.need.id}, frozenset({"company"}),
                         status=200),
    "needs.change_state": Access("POST", lambda w: {"need_id": w.draft_need.id, "action": "publish"},
                                 frozenset({"company"}), status=302),
    "needs.invite": Access("POST", lambda w: {"need_id": w.need.id}, frozenset({"company"}),
                           status=302),
    "needs.propose": Access("POST", lambda w: {"need_id": w.need.id}, TTO, status=302),
    "needs.decide": Access("POST", lambda w: {"proposal_id": w.proposal.id, "action": "accept"},
                           frozenset({"company"}), status=302),
    "needs.withdraw": Access("POST", lambda w: {"proposal_id": w.proposal.id}, TTO, status=302),
    "needs.matched": Access("GET", no_args, TTO, status=200),
    "needs.listing_needs": Access("GET", listing_id, TTO, status=200),
    "needs.recommendations": Access("GET", no_args, frozenset({"investor", "company"}), status=200),
    "needs.preferences": Access("GET", no_args, frozenset({"investor", "company"}), status=200),
    # roadshows: public list, page and calendar file; registering for everyone logged in (only
    # ``investor`` has a registration to cancel); the host's pages for university A's verified
    # tto; the after-event pages for the host, the moderator (``company``) and admins.
    "events.index": Access("GET", no_args, EVERYONE, login=False, status=200),
    "events.detail": Access("GET", roadshow_id, EVERYONE, login=False, status=200),
    "events.calendar": Access("GET", roadshow_id, EVERYONE, login=False, status=200),
    "events.register": Access("POST", roadshow_id, LOGGED_IN, status=302),
    "events.cancel_registration": Access("POST", roadshow_id, frozenset({"investor"}),
                                         hidden=LOGGED_IN - {"investor"}, status=302),
    "events.mine": Access("GET", no_args, LOGGED_IN, status=200),
    "events.manage": Access("GET", no_args, TTO, status=200),
    "events.create": Access("GET", no_args, TTO, status=200),
    "events.edit": Access("GET", roadshow_id, TTO, status=200),
    "events.agenda": Access("GET", roadshow_id, TTO, status=200),
    "events.agenda_edit": Access("GET", agenda_item, TTO, status=200),
    # The only slot of a published roadshow: removing it is refused with a message (302).
    "events.agenda_remove": Access("POST", agenda_item, TTO, status=302),
    "events.publish": Access("POST", roadshow_id, TTO, status=302),
    "events.cancel": Access("GET", roadshow_id, TTO, status=200),
    "events.registrations": Access("GET", roadshow_id, TTO, status=200),
    "events.decide": Access("POST", lambda w: {"roadshow_id": w.roadshow.id, "action": "approve",
                                               "registration_id": w.registration.id},
                            TTO, status=302),
    "events.moderators": Access("GET", roadshow_id, TTO, status=200),
    "events.remove_moderator": Access("POST", lambda w: {"roadshow_id": w.roadshow.id,
                                                         "moderator_id": w.moderator.id},
                                      TTO, status=302),
    "events.transcript": Access("GET", roadshow_id, ROADSHOW_STAFF, hidden=NOT_ROADSHOW_STAFF,
                                status=200),
    "events.report": Access("GET", roadshow_id, ROADSHOW_STAFF, hidden=NOT_ROADSHOW_STAFF,
                            status=200),
    "events.report_xlsx": Access("GET", roadshow_id, ROADSHOW_STAFF, hidden=NOT_ROADSHOW_STAFF,
                                 status=200),
    "events.moderation_log": Access("GET", roadshow_id, ROADSHOW_STAFF, hidden=NOT_ROADSHOW_STAFF,
                                    status=200),
    # The live room's page: confirmed registrants and roadshow staff (the investor's registration
    # is still pending, so it is refused like everyone else outside the staff).
    "live.room": Access("GET", roadshow_id, ROADSHOW_STAFF, status=200),
    # Going live from a page: the roadshow starts in a week, so staff get the confirmation page.
    "live.go_live": Access("POST", roadshow_id, ROADSHOW_STAFF, status=200),
    # The roadshow's own video. nginx-rtmp's callbacks (from loopback only; a request without
    # nginx's fields is refused with 400, a wrong key with 403: tests/test_video.py); the end and
    # recording notices change nothing here.
    "video.on_publish": Access("POST", no_args, EVERYONE, login=False, status=400),
    "video.on_publish_done": Access("POST", no_args, EVERYONE, login=False, status=204,
                                    data={"name": "rs1"}),
    "video.on_record_done": Access("POST", no_args, EVERYONE, login=False, status=204,
                                   data={"name": "rs1", "path": "/etc/passwd"}),
    # nginx's auth_request for the HLS files (without its header: 400; tests/test_video.py).
    "video.auth": Access("GET", no_args, EVERYONE, login=False, status=400),
    "video.stream_status": Access("GET", roadshow_id, ROADSHOW_STAFF, status=200),
    "video.manage": Access("GET", roadshow_id, TTO, status=200),
    "video.enable": Access("POST", roadshow_id, TTO, status=302),
    "video.rotate": Access("POST", roadshow_id, TTO, status=302),
    "video.replay_settings": Access("POST", roadshow_id, TTO, status=302,
                                    data={"published": "0", "audience": "registrants"}),
}

#: Cases where the app is known to behave wrongly: (endpoint, persona) -> what is wrong.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _cases():
    for endpoint in ACCESS:
        for persona in PERSONAS:
            marks = ()
            if (endpoint, persona) in KNOWN_BUGS:
                marks = pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[endpoint, persona])
            yield pytest.param(endpoint, persona, marks=marks, id=f"{endpoint}-{persona}")


def _expectation(access: Access, persona: str) -> str:
    """'login', 'redirect', 'allowed', 'hidden' (404) or 'forbidden' (403)."""
    if persona == ANONYMOUS and access.login:
        return "login"
    if persona in access.redirect:
        return "redirect"
    if persona in access.allow:
        return "allowed"
    if persona in access.hidden:
        return "hidden"
    return "forbidden"


# --- The matrix -------------------------------------------------------------------------------


def test_access_table_is_complete(app):
    """Every route needs an access decision here, and every decision a route."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - ACCESS.keys())
    stale = sorted(ACCESS.keys() - endpoints)
    assert not missing, f"routes without an access decision in ACCESS: {missing}"
    assert not stale, f"ACCESS lists endpoints the app no longer has: {stale}"


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_access_entry_is_consistent(endpoint):
    access = ACCESS[endpoint]
    assert access.method in {"GET", "POST"}
    assert access.allow <= EVERYONE and access.hidden <= LOGGED_IN
    assert not access.allow & access.hidden
    assert set(access.redirect) <= access.allow
    # A public route is open to anonymous visitors; a protected one is not.
    assert (ANONYMOUS in access.allow) is (not access.login)


@pytest.mark.parametrize(("endpoint", "persona"), list(_cases()))
def test_access(app, client, auth, world, endpoint, persona):
    access = ACCESS[endpoint]
    args = access.args(world)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    assert rules, f"{endpoint} is not a route of the app"
    assert any(access.method in rule.methods and set(args) == rule.arguments for rule in rules), (
        f"no {access.method} rule of {endpoint} takes exactly {sorted(args)}")
    url = app.url_map.bind("localhost").build(endpoint, args, method=access.method)
    if persona != ANONYMOUS:
        _login(auth, world.users[persona])

    if access.method == "GET":
        response = client.get(url)
    else:
        response = post(client, url, dict(access.data))

    status, location = response.status_code, response.headers.get("Location", "")
    response.close()  # file downloads stream from an open file
    seen = f"{access.method} {url} as {persona}: {status} {location}".rstrip()
    expected = _expectation(access, persona)
    if expected == "login":
        assert status == 302 and location.startswith("/auth/login"), seen
    elif expected == "redirect":
        assert status == 302 and location == access.redirect[persona], seen
    elif expected == "allowed":
        assert not (300 <= status < 400 and location.startswith("/auth/login")), seen
        if access.status is not None:  # a definite status: exact (404 for a route switched off)
            assert status == access.status, seen
        else:
            assert status not in {401, 403, 404, 405} and status < 500, seen
    elif expected == "hidden":
        assert status == 404, seen
    else:
        assert status == 403, seen


# --- Object-level checks: another organisation's objects ----------------------------------------


@pytest.fixture
def org_b(make_user):
    """University B (verified): an org admin, a plain member and an open invitation."""
    admin_b = make_user(Role.TTO)
    member_b = make_user(Role.INVENTOR, org=admin_b.organisation, is_org_admin=False)
    invitation_b = _invitation(admin_b.organisation, admin_b, "invitee-b@example.com")
    return {"org": admin_b.organisation, "admin": admin_b, "member": member_b,
            "invitation": invitation_b}


@pytest.fixture
def tto_a(auth, make_user):
    """The logged-in org admin of university A."""
    user = make_user(Role.TTO)
    _login(auth, user)
    return user


def test_org_admin_cannot_revoke_another_orgs_invitation(client, tto_a, org_b):
    invitation = org_b["invitation"]
    response = post(client, f"/org/invitations/{invitation.id}/revoke")
    assert response.status_code == 404
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.PENDING


@pytest.mark.parametrize("who", ["member", "admin"])
def test_org_admin_cannot_remove_another_orgs_member(client, tto_a, org_b, who):
    target = org_b[who]
    before = (target.organisation_id, target.is_org_admin, target.session_nonce)
    response = post(client, f"/org/members/{target.id}/remove")
    assert response.status_code == 404
    db.session.refresh(target)
    assert (target.organisation_id, target.is_org_admin, target.session_nonce) == before
    assert target.organisation_id == org_b["org"].id


@pytest.mark.parametrize(("who", "value"), [("member", "1"), ("admin", "0")])
def test_org_admin_cannot_change_another_orgs_admin_rights(client, tto_a, org_b, who, value):
    target = org_b[who]
    before = (target.organisation_id, target.is_org_admin)
    response = post(client, f"/org/members/{target.id}/admin", {"value": value})
    assert response.status_code == 404
    db.session.refresh(target)
    assert (target.organisation_id, target.is_org_admin) == before
    assert target.organisation_id == org_b["org"].id


@pytest.mark.parametrize("path", ["/org/invitations/{}/revoke", "/org/members/{}/remove",
                                  "/org/members/{}/admin"])
def test_org_admin_gets_404_for_objects_that_do_not_exist(client, tto_a, path):
    assert post(client, path.format(987654)).status_code == 404


@pytest.mark.parametrize(("viewer", "visible"), [
    ("anonymous", False),
    ("tto", False),             # org admin of another university
    ("inventor", False),        # plain member of another university
    ("investor", False),
    ("company", False),
    ("unverified_tto", True),   # the organisation's own admin
    ("own_member", True),       # a plain member of the organisation
    ("admin", True),
])
def test_unverified_organisation_page_is_visible_only_to_members_and_admins(
        client, auth, world, viewer, visible):
    org = world.pending_org
    if viewer == "own_member":
        member = User(email="member@example.edu.cn", name="成员", role=Role.INVENTOR, organisation=org,
                      is_org_admin=False, password_hash=world.users["tto"].password_hash,
                      email_confirmed_at=utcnow())
        db.session.add(member)
        db.session.commit()
        _login(auth, member)
    elif viewer != ANONYMOUS:
        _login(auth, world.users[viewer])
    for status in (OrgStatus.PENDING, OrgStatus.REJECTED):
        org.status = status
        db.session.commit()
        response = client.get(f"/orgs/{org.id}")
        assert response.status_code == (200 if visible else 404), f"{status.value} organisation"
        if visible:
            assert org.name in response.get_data(as_text=True)


# --- Object-level checks: payments and the revenue ledger ----------------------------------------


def _payment_requests(public_id: str):
    base = f"/payments/{public_id}"
    return [("GET", base, None), ("GET", base + "/return?session_id=cs_test_x", None),
            ("POST", base + "/confirm", {}), ("POST", base + "/cancel", {"reason": "不付了"}),
            ("GET", base + "/refund", None), ("POST", base + "/refund", {"reason": "退款"})]


@pytest.mark.parametrize("outsider", ["other_tto", "other_company", "other_inventor"])
def test_other_organisations_cannot_see_or_change_a_payment(client, auth, world, make_user,
                                                            outsider):
    role = {"other_tto": Role.TTO, "other_company": Role.COMPANY,
            "other_inventor": Role.INVENTOR}[outsider]
    _login(auth, make_user(role))
    for method, url, data in _payment_requests(world.payment.public_id):
        response = client.get(url) if method == "GET" else post(client, url, data)
        assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
        if response.status_code == 403:  # refused by role before the object is looked up
            assert role is not Role.TTO
    db.session.refresh(world.payment)
    assert world.payment.state is PaymentState.PENDING and world.payment.refund_reason is None
    assert world.payment.bank_reference not in client.get("/").get_data(as_text=True)


def test_payments_are_addressed_by_public_id_only(client, auth, world):
    _login(auth, world.users["company"])
    assert client.get(f"/payments/{world.payment.id}").status_code == 404
    assert client.get(f"/payments/{world.payment.public_id}").status_code == 200


def test_another_universitys_ledger_shows_none_of_ours(client, auth, world, make_user):
    from marketplace.payments import services as payments

    payments.confirm_bank_transfer(world.payment, world.users["tto"])
    other_tto = make_user(Role.TTO)
    _login(auth, other_tto)
    assert world.listing.title not in client.get("/manage/revenue").get_data(as_text=True)
    assert world.listing.title not in client.get("/manage/revenue.csv").get_data(as_text=True)
    assert world.listing.title not in client.get("/manage/payments").get_data(as_text=True)
    assert client.get(f"/manage/listings/{world.listing.id}/shares").status_code == 404
    auth.logout()
    _login(auth, make_user(Role.INVENTOR, org=other_tto.organisation, is_org_admin=False))
    assert world.listing.title not in client.get("/my/revenue").get_data(as_text=True)
    assert world.listing.title not in client.get("/my/revenue.csv").get_data(as_text=True)


def test_another_universitys_tto_sees_none_of_our_grading_or_maintenance(client, auth, world, make_user):
    """University A regraded its patent and decided on its fee: university B's tto finds neither
    the patent's portfolio page nor the patent on its own fees-due list and map."""
    from marketplace.portfolio import services as portfolio
    from marketplace.portfolio.models import MaintenanceChoice

    tto = world.users["tto"]
    listing = world.listing
    listing.legal_status = LegalStatus.GRANTED
    listing.application_date = date(2019, 3, 1)
    portfolio.regrade(tto, listing, Grade.C, "保密的分级理由")
    portfolio.decide_maintenance(tto, listing, MaintenanceChoice.ABANDON, "保密的维持理由",
                                 date(2027, 3, 1))
    _login(auth, make_user(Role.TTO))
    assert client.get(f"/manage/portfolio/patents/{listing.id}").status_code == 404
    for path in ("/manage/portfolio/fees-due", "/manage/portfolio/map",
                 "/manage/portfolio/fees-due.csv", "/manage/portfolio/map/gaps.csv"):
        page = client.get(path)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert listing.title not in text and "保密" not in text
