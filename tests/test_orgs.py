"""Organisation verification, resubmission, invitations and members."""

import re

from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.orgs.models import Invitation, InvitationStatus, OrgKind, OrgStatus
from tests.conftest import PASSWORD, csrf_token, post, zh
from tests.mail_support import plain


def events(name):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)).all()


def test_admin_verifies_a_pending_organisation(client, auth, make_user, outbox):
    founder = make_user(Role.COMPANY, org_status=OrgStatus.PENDING)
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    queue = client.get("/admin/organisations").get_data(as_text=True)
    assert founder.organisation.name in queue
    response = post(client, f"/admin/organisations/{founder.organisation_id}/verify")
    assert response.status_code == 302
    org = founder.organisation
    assert org.status is OrgStatus.VERIFIED and org.decided_by_id == admin.id
    pending_page = client.get("/admin/organisations").get_data(as_text=True)
    assert f'href="/admin/organisations/{org.id}"' not in pending_page
    assert f'href="/admin/organisations/{org.id}"' in \
        client.get("/admin/organisations?status=verified").get_data(as_text=True)
    assert events("org.verified")[0].actor_id == admin.id
    (mail,) = outbox()
    assert mail["To"] == founder.email
    assert zh("Your organisation has been verified") == mail["Subject"]


def test_verifying_twice_is_refused(client, auth, make_user):
    founder = make_user(Role.COMPANY)
    auth.login(make_user(Role.ADMIN).email)
    response = post(client, f"/admin/organisations/{founder.organisation_id}/verify",
                    follow_redirects=True)
    assert zh("This organisation cannot be changed that way in its current state.") in \
        response.get_data(as_text=True)
    assert events("org.verified") == []


def test_rejection_needs_a_reason_and_is_resubmitted_after_correction(client, auth, make_user,
                                                                       app, outbox):
    founder = make_user(Role.TTO, org_status=OrgStatus.PENDING)
    org_id = founder.organisation_id
    auth.login(make_user(Role.ADMIN).email)
    response = post(client, f"/admin/organisations/{org_id}/reject", {"reason": ""})
    assert response.status_code == 422
    assert founder.organisation.status is OrgStatus.PENDING
    reason = "营业执照名称与填写名称不一致，请核对。"
    assert post(client, f"/admin/organisations/{org_id}/reject",
                {"reason": reason}).status_code == 302
    assert founder.organisation.status is OrgStatus.REJECTED
    assert reason in plain(outbox()[0])

    founder_client = app.test_client()
    post(founder_client, "/auth/login", {"email": founder.email, "password": PASSWORD})
    assert reason in founder_client.get("/dashboard").get_data(as_text=True)
    response = post(founder_client, "/org/edit", {
        "name": "修正后的大学名称", "credit_code": founder.organisation.credit_code})
    assert response.status_code == 302
    assert founder.organisation.status is OrgStatus.PENDING
    assert founder.organisation.name == "修正后的大学名称"
    assert events("org.resubmitted")


def test_unverified_organisation_cannot_invite(client, auth, make_user, outbox):
    founder = make_user(Role.TTO, org_status=OrgStatus.PENDING)
    auth.login(founder.email)
    page = client.get("/org").get_data(as_text=True)
    assert 'action="/org/invitations"' not in page
    response = post(client, "/org/invitations", {"email": "new@example.edu.cn", "role": "inventor"})
    assert response.status_code == 403
    assert db.session.scalars(select(Invitation)).all() == []
    assert outbox() == []


def _accept_path(outbox):
    body = plain(outbox()[-1])
    return re.search(r"http://[^/\s]+(/invite/\S+)", body).group(1)


def test_invited_newcomer_creates_an_account_and_joins(client, auth, make_user, app, outbox):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    response = post(client, "/org/invitations", {"email": "Li.Ming@example.edu.cn",
                                                  "role": "inventor"})
    assert response.status_code == 302
    path = _accept_path(outbox)
    newcomer = app.test_client()
    token = csrf_token(newcomer, path)
    response = newcomer.post(path, data={"csrf_token": token, "name": "李明",
                                         "password": "Inventor-Pass-42",
                                         "confirm": "Inventor-Pass-42"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "li.ming@example.edu.cn"))
    assert user.organisation_id == tto.organisation_id and user.role is Role.INVENTOR
    assert not user.is_org_admin
    assert newcomer.get(path).status_code == 400  # used invitations stop working


def test_existing_user_without_organisation_joins_by_invitation(client, auth, make_user, app,
                                                                outbox):
    tto = make_user(Role.TTO)
    loner = make_user(Role.INVENTOR)
    loner.organisation_id = None
    db.session.commit()
    auth.login(tto.email)
    post(client, "/org/invitations", {"email": loner.email, "role": "inventor"})
    path = _accept_path(outbox)
    other = app.test_client()
    post(other, "/auth/login", {"email": loner.email, "password": PASSWORD})
    assert post(other, path).status_code == 302
    db.session.refresh(loner)
    assert loner.organisation_id == tto.organisation_id


def test_invitation_for_someone_else_cannot_be_taken(client, auth, make_user, app, outbox):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    post(client, "/org/invitations", {"email": "intended@example.edu.cn", "role": "inventor"})
    path = _accept_path(outbox)
    intruder = make_user(Role.INVENTOR)
    intruder.organisation_id = None
    db.session.commit()
    other = app.test_client()
    post(other, "/auth/login", {"email": intruder.email, "password": PASSWORD})
    assert post(other, path).status_code == 403
    db.session.refresh(intruder)
    assert intruder.organisation_id is None


def test_role_must_fit_the_organisation(client, auth, make_user):
    founder = make_user(Role.COMPANY)
    auth.login(founder.email)
    response = post(client, "/org/invitations", {"email": "x@example.com", "role": "inventor"})
    assert response.status_code == 422
    assert db.session.scalars(select(Invitation)).all() == []


def test_duplicate_open_invitation_is_refused(client, auth, make_user):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    post(client, "/org/invitations", {"email": "dup@example.edu.cn", "role": "inventor"})
    response = post(client, "/org/invitations", {"email": "dup@example.edu.cn", "role": "tto"})
    assert response.status_code == 422
    assert zh("An open invitation for this address already exists.") in response.get_data(as_text=True)


def test_revoked_invitation_no_longer_works(client, auth, make_user, app, outbox):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    post(client, "/org/invitations", {"email": "gone@example.edu.cn", "role": "inventor"})
    invitation = db.session.scalar(select(Invitation))
    assert post(client, f"/org/invitations/{invitation.id}/revoke").status_code == 302
    assert invitation.status is InvitationStatus.REVOKED
    assert app.test_client().get(_accept_path(outbox)).status_code == 400


def test_removed_member_is_signed_out_and_leaves(client, auth, make_user, make_org, app):
    org = make_org(OrgKind.UNIVERSITY)
    tto = make_user(Role.TTO, org=org)
    inventor = make_user(Role.INVENTOR, org=org, is_org_admin=False)
    theirs = app.test_client()
    post(theirs, "/auth/login", {"email": inventor.email, "password": PASSWORD})
    auth.login(tto.email)
    assert post(client, f"/org/members/{inventor.id}/remove").status_code == 302
    assert inventor.organisation_id is None
    assert theirs.get("/org").status_code == 302


def test_org_admin_cannot_remove_themselves(client, auth, make_user):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    post(client, f"/org/members/{tto.id}/remove")
    assert tto.organisation_id is not None


def test_admin_changes_a_role_and_it_is_audited(client, auth, make_user, make_org):
    org = make_org(OrgKind.UNIVERSITY)
    inventor = make_user(Role.INVENTOR, org=org)
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    response = post(client, f"/admin/users/{inventor.id}/role", {"role": "tto"})
    assert response.status_code == 302
    assert inventor.role is Role.TTO
    (event,) = events("user.role_changed")
    assert event.details == {"old": "inventor", "new": "tto", "email": inventor.email}
    # A role that does not fit the organisation is refused.
    post(client, f"/admin/users/{inventor.id}/role", {"role": "investor"})
    assert inventor.role is Role.TTO
    assert client.get("/admin/audit?event=user.role_changed").status_code == 200


def test_admin_audit_page_lists_failed_logins(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    auth.login("victim@example.com", "guess-1234")
    auth.login(admin.email)
    page = client.get("/admin/audit?event=auth.login_failed").get_data(as_text=True)
    assert "victim@example.com" in page
    assert zh("Failed login") in page


def test_public_profile_of_verified_organisation(client, make_org):
    org = make_org(OrgKind.COMPANY, description="做电池的公司")
    assert "做电池的公司" in client.get(f"/orgs/{org.id}").get_data(as_text=True)
