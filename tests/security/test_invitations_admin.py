"""Issue 13 §9: an invitation never turns a platform administrator into an organisation member
(who would lose admin access); both the invitation and its acceptance are refused with a clear
message."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.orgs import services as orgs
from marketplace.orgs.models import Invitation, InvitationStatus
from tests.conftest import PASSWORD, post, zh

REFUSED_INVITE = "This address belongs to a platform administrator, who cannot join an organisation."
REFUSED_JOIN = ("Platform administrators cannot join an organisation. To work as a member of an "
                "organisation, use an account with another e-mail address.")


def test_inviting_a_platform_admin_is_refused(client, auth, make_user, outbox):
    admin = make_user(Role.ADMIN)
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    response = post(client, "/org/invitations", {"email": admin.email.upper(), "role": "tto"})
    assert response.status_code == 422
    assert zh(REFUSED_INVITE) in response.get_data(as_text=True)
    assert db.session.scalars(select(Invitation)).all() == []
    assert outbox() == []


def test_an_open_invitation_does_not_make_an_admin_a_member(app, make_user):
    """The invitation was sent before the address became an administrator's account."""
    tto = make_user(Role.TTO)
    invitation = Invitation(organisation_id=tto.organisation_id, email="chief@example.gov.cn",
                            role=Role.TTO, invited_by_id=tto.id,
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.commit()
    admin = make_user(Role.ADMIN, email="chief@example.gov.cn")
    path = f"/invite/{orgs.invitation_token(invitation)}"

    browser = app.test_client()
    assert post(browser, "/auth/login", {"email": admin.email, "password": PASSWORD}).status_code == 302
    page = browser.get(path).get_data(as_text=True)
    assert zh(REFUSED_JOIN) in page
    assert f'>{zh("Join the organisation")}</button>' not in page  # no button that cannot work
    response = post(browser, path)
    assert response.status_code == 403
    assert zh(REFUSED_JOIN) in response.get_data(as_text=True)

    db.session.refresh(admin)
    db.session.refresh(invitation)
    assert admin.role is Role.ADMIN and admin.organisation_id is None
    assert invitation.status is InvitationStatus.PENDING
    assert browser.get("/admin/").status_code == 200  # still an administrator
