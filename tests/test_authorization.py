"""The authorization matrix: every route of the app, requested by every kind of visitor.

``ACCESS`` records the access decision for each endpoint. A route added to the app without an
entry here (or an entry left behind after a route is removed) fails ``test_access_table_is_complete``,
so no route ships without somebody deciding who may use it. The object-level checks (another
organisation's invitations, members and unpublished profile) are separate tests at the end.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
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
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.accounts.services import _reset_serializer
from marketplace.config import TestConfig
from marketplace.db_types import utcnow
from marketplace.extensions import db, limiter
from marketplace.listings.import_models import ImportBatch, ImportState
from marketplace.listings.models import (
    Attachment,
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingMode,
    ListingState,
)
from marketplace.lists.models import ListItem, ListKind, ListVersion, PublishedList
from marketplace.orgs.models import Invitation, InvitationStatus, Organisation, OrgKind, OrgStatus
from marketplace.orgs.services import invitation_token
from tests.conftest import PASSWORD, IsolatedClient, _empty_all_tables, post, valid_credit_code

# --- Personas ---------------------------------------------------------------------------------

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
    #: University A's published listing (with one attachment) and its draft.
    listing: Listing
    draft: Listing
    attachment: Attachment
    #: University A's list with one published version; a validated import of university A.
    plist: PublishedList
    version: ListVersion
    batch: ImportBatch
    #: University A's published roadshow presenting ``listing``: ``investor`` has a pending
    #: registration, ``company`` is a moderator.
    roadshow: Roadshow | None = None
    agenda_item: AgendaItem | None = None
    registration: Registration | None = None
    moderator: RoadshowModerator | None = None


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
                                    credit_code=valid_credit_code())
        db.session.add(organisation)
        return organisation

    def user(persona: str, role: Role, organisation: Organisation | None, is_org_admin: bool) -> User:
        person = User(email=f"{persona}@example.edu.cn", name=f"用户 {persona}", role=role,
                      organisation=organisation, is_org_admin=is_org_admin,
                      password_hash=password_hash)
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
    db.session.add_all([attachment, plist, version, batch])
    roadshow, item, registration, moderator = _roadshow(org_a, users, listing)
    db.session.commit()
    (Path(app.config["UPLOAD_DIR"]) / attachment.stored_name).write_bytes(b"%PDF-1.4\n")
    return World(
        listing=listing, draft=draft, attachment=attachment, plist=plist, version=version,
        batch=batch, roadshow=roadshow, agenda_item=item, registration=registration,
        moderator=moderator,
        users=users,
        org_a=org_a,
        pending_org=pending,
        invitation=invitation,
        invitation_token=invitation_token(invitation),
        reset_token=_reset_serializer().dumps({"id": inventor.id, "h": inventor.password_hash[-16:]}),
    )


def _listing(org: Organisation, tto: User, state: ListingState, number: str | None) -> Listing:
    listing = Listing(
        organisation=org, created_by_id=tto.id, state=state, title="一种锂离子电池正极材料",
        abstract="一种高镍三元正极材料，通过表面包覆提高循环稳定性。", field="materials",
        inventors="李振华", kind=ListingKind.INVENTION if number else ListingKind.ACHIEVEMENT,
        application_number=number,
        legal_status=LegalStatus.PENDING if number else LegalStatus.NOT_APPLICABLE,
        grade=Grade.A, trl=5, contact_name="王", contact_email="tto@example.edu.cn",
        published_at=utcnow() if state is ListingState.PUBLISHED else None)
    listing.modes = [ListingMode(mode=ConversionMode.OPEN_LICENCE)]
    db.session.add(listing)
    return listing


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


def list_id(world: World) -> dict:
    return {"list_id": world.plist.id}


def list_version(world: World) -> dict:
    return {"list_id": world.plist.id, "number": world.version.number}


def roadshow_id(world: World) -> dict:
    return {"roadshow_id": world.roadshow.id}


def agenda_item(world: World) -> dict:
    return {"roadshow_id": world.roadshow.id, "item_id": world.agenda_item.id}


#: Who reads a roadshow's transcript and reports: the host's tto, its moderator, admins.
ROADSHOW_STAFF = frozenset({"tto", "company", "admin"})
NOT_ROADSHOW_STAFF = LOGGED_IN - ROADSHOW_STAFF

_LOGGED_IN_TO_DASHBOARD = {persona: "/dashboard" for persona in LOGGED_IN}

ACCESS: dict[str, Access] = {
    # main: public pages, and the dashboard for everyone logged in (admins go to theirs).
    "main.index": Access("GET", no_args, EVERYONE, login=False, status=200),
    "main.healthz": Access("GET", no_args, EVERYONE, login=False, status=200),
    "main.set_language": Access("POST", no_args, EVERYONE, login=False, status=302, data={"lang": "en"}),
    "main.dashboard": Access("GET", no_args, LOGGED_IN, status=200, redirect={"admin": "/admin/"}),
    # auth: public forms (logged-in users are sent to their dashboard), and one's own account.
    "auth.register": Access("GET", no_args, EVERYONE, login=False, status=200,
                            redirect=_LOGGED_IN_TO_DASHBOARD),
    "auth.login": Access("GET", no_args, EVERYONE, login=False, status=200,
                         redirect=_LOGGED_IN_TO_DASHBOARD),
    "auth.logout": Access("POST", no_args, LOGGED_IN, status=302),
    "auth.reset_request": Access("GET", no_args, EVERYONE, login=False, status=200),
    "auth.reset_password": Access("GET", lambda w: {"token": w.reset_token}, EVERYONE,
                                  login=False, status=200),
    "auth.profile": Access("GET", no_args, LOGGED_IN, status=200),
    "auth.change_password": Access("GET", no_args, LOGGED_IN, status=200),
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
    # listings: public search and pages; management for the owning university's verified tto.
    "listings.search": Access("GET", no_args, EVERYONE, login=False, status=200),
    "listings.detail": Access("GET", listing_id, EVERYONE, login=False, status=200),
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
        assert status not in {401, 403, 404, 405} and status < 500, seen
        assert not (300 <= status < 400 and location.startswith("/auth/login")), seen
        if access.status is not None:
            assert status == access.status, seen
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
                      is_org_admin=False, password_hash=world.users["tto"].password_hash)
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
