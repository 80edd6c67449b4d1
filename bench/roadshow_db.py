"""The database of bench/roadshow.py (and bench/soak.py): a live roadshow whose questions need no
approval (or, with ``moderated``, wait for the host's), its host, N confirmed attendees and one
asker (session cookies signed with the server's secret), and the check of what the churn mode
stored."""

import secrets
from datetime import timedelta

from build import bench_config
from live_client import USER_AGENT

#: The servers' SECRET_KEY: the cookies made here are the sessions the clients present.
SECRET = "bench-secret-" + secrets.token_hex(16)


def add_people(clients: int, kinds, org_name: str, domain: str):
    """Verified organisations of ``kinds`` named ``org_name`` and a number, the first the host's
    university; ``clients`` + 1 attendees (companies' staff, members of the others in turn) and the
    host, ``attendee<n>@`` and ``host@`` ``domain``. Returns the organisations and the host."""
    import sqlalchemy as sa

    from marketplace.accounts.models import Role, User, new_session_nonce
    from marketplace.db_types import utcnow
    from marketplace.extensions import db
    from marketplace.orgs import creditcode
    from marketplace.orgs.models import Organisation, OrgStatus

    orgs = []
    for n, kind in enumerate(kinds, 1):
        body = f"91310000MA{n:07d}"
        orgs.append(Organisation(name=f"{org_name}{n}", kind=kind, status=OrgStatus.VERIFIED,
                                 credit_code=body + creditcode.check_character(body)))
    db.session.add_all(orgs)
    db.session.flush()
    now, members = utcnow(), orgs[1:]
    rows = [{"email": f"attendee{n}@{domain}", "password_hash": "!", "name": f"听众{n}",
             "role": Role.COMPANY, "organisation_id": members[n % len(members)].id,
             "session_nonce": new_session_nonce(), "email_confirmed_at": now, "created_at": now}
            for n in range(clients + 1)]
    rows.append({"email": f"host@{domain}", "password_hash": "!", "name": "主持人", "role": Role.TTO,
                 "organisation_id": orgs[0].id, "session_nonce": new_session_nonce(),
                 "email_confirmed_at": now, "created_at": now})
    db.session.execute(sa.insert(User), rows)
    host = db.session.execute(sa.select(User).filter_by(email=f"host@{domain}")).scalar_one()
    return orgs, host


def build_database(url: str, clients: int, moderated: bool = False) -> dict:
    """Migrate, then add a live roadshow, its host, an asker and ``clients`` attendees; return the
    roadshow's id and the session cookies of the asker, the attendees and the host (a moderator)."""
    import sqlalchemy as sa
    from flask_login.utils import _create_identifier
    from flask_migrate import upgrade

    from events.live.models import LiveRoom
    from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
    from marketplace import create_app
    from marketplace.accounts.models import User
    from marketplace.db_types import utcnow
    from marketplace.extensions import db
    from marketplace.listings.models import Grade, LegalStatus, Listing, ListingKind, ListingState
    from marketplace.orgs.models import OrgKind

    app = create_app(bench_config(url, SECRET_KEY=SECRET))
    with app.app_context():
        upgrade()
        orgs, host = add_people(clients, (OrgKind.UNIVERSITY, OrgKind.COMPANY), "基准机构", "bench.example")
        now = utcnow()
        listing = Listing(organisation=orgs[0], state=ListingState.PUBLISHED, title="基准测试成果",
                          abstract="用于基准测试。", field="materials", inventors="张三",
                          kind=ListingKind.ACHIEVEMENT, legal_status=LegalStatus.NOT_APPLICABLE,
                          grade=Grade.A,
                          trl=5, contact_name="王", contact_email="tto@bench.example", published_at=now)
        roadshow = Roadshow(organisation=orgs[0], title="基准路演", starts_at=now,
                            ends_at=now + timedelta(hours=3), state=RoadshowState.LIVE, published_at=now,
                            went_live_at=now, created_by=host)
        roadshow.agenda = [AgendaItem(listing=listing, position=1, presenter="李教授", starts_at=now,
                                      ends_at=now + timedelta(hours=1))]
        db.session.add(roadshow)
        db.session.flush()
        db.session.add(LiveRoom(roadshow_id=roadshow.id, qa_open=True, moderated=moderated,
                                presented_listing_id=listing.id))
        users = db.session.execute(sa.select(User.id, User.session_nonce).where(
            User.email.like("attendee%")).order_by(User.id)).all()
        db.session.execute(sa.insert(Registration), [
            {"roadshow_id": roadshow.id, "user_id": user_id, "status": RegistrationStatus.CONFIRMED,
             "created_at": now, "queued_at": now} for user_id, _ in users])
        db.session.commit()
        # The session a login through the form makes, with Flask-Login's session-protection
        # identifier for this address and the clients' User-Agent.
        serializer = app.session_interface.get_signing_serializer(app)
        with app.test_request_context(headers={"User-Agent": USER_AGENT},
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            identifier = _create_identifier()
        sessions = [{"_user_id": f"{uid}:{nonce}", "_fresh": True, "_id": identifier}
                    for uid, nonce in [*users, (host.id, host.session_nonce)]]
        cookies = [f"session={serializer.dumps(session)}" for session in sessions]
        roadshow_id = roadshow.id
        db.session.remove()
        db.engine.dispose()
    return {"roadshow": roadshow_id, "asker": cookies[0], "cookies": cookies[1:-1], "host": cookies[-1]}


def check_database(url: str, roadshow_id: int, acked: set[str]) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, client_uuid FROM live_questions WHERE roadshow_id = :r"), {"r": roadshow_id}).all()
    engine.dispose()
    stored = {}
    for question_id, client_uuid in rows:
        stored.setdefault(client_uuid, []).append(question_id)
    return {"ids": {question_id for question_id, _ in rows},
            "acked_once": sum(1 for u in acked if len(stored.get(u, [])) == 1),
            "duplicates": sum(1 for ids in stored.values() if len(ids) > 1),
            "unacked_stored": len(set(stored) - acked)}
