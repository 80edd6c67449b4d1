"""Real URL arguments for every GET page of the access matrix, taken from the demo data.

The demo data (``flask demo load``) is the world: university 0 (华东理工, ``tto@``) owns the
listings, the interests, the open licence, the roadshows and the action's plan and report. What
the demo does not hold (a pending bank transfer, an import batch, an open invitation, a draft
declaration) is added here for the pages that show one. The database is the phone test's own.
"""

from datetime import timedelta

import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.accounts.services import _reset_serializer, find_user_by_email
from marketplace.db_types import utcnow
from marketplace.disclosures import assessment as assessing
from marketplace.disclosures.models import Disclosure
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.licences import services as declarations
from marketplace.licences.royalties import FEE_PURPOSE
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.listings.models import Listing
from marketplace.orgs.models import Invitation, InvitationStatus
from marketplace.orgs.services import invitation_token
from marketplace.payments.models import Payment, PaymentMethod, PaymentState
from tests.factories import declaration_terms

#: Persona of the access matrix -> demo account (None: an anonymous visitor).
ACCOUNTS = {
    "anonymous": None,
    "tto": "tto@demo.bxqx.cn",
    "inventor": "inventor@demo.bxqx.cn",
    "investor": "investor@demo.bxqx.cn",
    "company": "company@demo.bxqx.cn",
    "admin": "admin@demo.bxqx.cn",
    "unverified_tto": "pending@demo.bxqx.cn",
}

#: GET routes that are not pages of their own, with the reason (each is still in ACCESS).
SKIPPED = {
    "main.healthz": "a health check for load balancers, plain text, not a page",
    "main.readyz": "a readiness check for load balancers, JSON, not a page",
    "main.metrics_page": "Prometheus metrics behind a bearer token, plain text, not a page",
    "api.listings": "JSON API", "api.listing": "JSON API", "api.openapi": "JSON document",
    "imports.status": "JSON progress polled by the import page",
    "listings.suggestions": "JSON for the search boxes (tests/browser/test_suggest.py opens the list)",
    "imports.template": "file download (XLSX)",
    "listings.attachment": "file download", "lists.xlsx": "file download (XLSX)",
    "lists.pdf": "file download (PDF)", "action.plan_pdf": "file download (PDF)",
    "action.national_export": "file download (CSV/XLSX)",
    "action.university_export": "file download (CSV/XLSX)",
    "portfolio.fees_due_export": "file download (CSV/XLSX)",
    "portfolio.university_map_export": "file download (CSV/XLSX)",
    "portfolio.national_map_export": "file download (CSV/XLSX)",
    "ledger.university_csv": "file download (CSV)", "ledger.my_csv": "file download (CSV)",
    "licences.agreement_document": "file download (PDF)",
    "licences.agreement_file": "file download (PDF)", "licences.certificate": "file download (PDF)",
    "licences.agreement_pdf": "file download (PDF)",
    "events.calendar": "file download (.ics)", "events.report_xlsx": "file download (XLSX)",
    "interests.message_file": "file download", "interests.download_confidential": "file download",
    "orgs.document": "file download (a claim document)",
    "accounts.confirm_notice": "only redirects a confirmed account to its dashboard",
    "accounts.confirm_email": "only redirects (the token confirms, then sends on)",
    "licences.accept": "only redirects (the demo company already holds the licence)",
    "licences.listing_offer": "only redirects a listing's open-licence chip to its announced declaration",
    "payments.stripe_return": "only redirects back from Stripe to the payment page",
    "video.auth": "nginx's auth_request for the HLS files (204, 401 or 403, no body)",
    "video.stream_status": "JSON polled by the host's stream panel in the room",
    "disclosures.download": "file download (a disclosure's file)",
}
#: Pages whose persona is not the first of PREFERENCE (the other one shows a page, not a redirect).
PERSONA = {"interests.express": "investor", "main.dashboard": "tto"}
#: Pages every role has: their header, navigation and workbench differ by role.
BY_ROLE = [(endpoint, persona) for endpoint in ("main.index", "main.dashboard")
           for persona in ("inventor", "investor", "company", "unverified_tto")]
BY_ROLE += [("main.index", "admin"), ("main.index", "tto"), ("notifications.index", "company"),
            ("licences.mine", "company"), ("events.mine", "investor"), ("orgs.mine", "inventor")]
#: URL arguments that are not simply the world's value of the same name.
ARGS = {
    "action.plan_version": lambda w: {"plan_id": w["plan_id"], "number": w["plan_number"]},
    "action.batch": lambda w: {"batch_id": w["action_batch_id"]},
    "admin.organisation": lambda w: {"org_id": w["pending_org_id"]},
    "accounts.reset_password": lambda w: {"token": w["reset_token"]},
    "orgs.accept": lambda w: {"token": w["invitation_token"]},
    "licences.edit": lambda w: {"declaration_id": w["draft_declaration_id"]},
    "licences.create": lambda w: {"listing_id": w["draft_listing_id"]},
    "events.transcript": lambda w: {"roadshow_id": w["ended_roadshow_id"]},
    "events.report": lambda w: {"roadshow_id": w["ended_roadshow_id"]},
    "events.moderation_log": lambda w: {"roadshow_id": w["ended_roadshow_id"]},
    "portfolio.patent": lambda w: {"listing_id": w["regraded_listing_id"]},
    "disclosures.edit": lambda w: {"disclosure_id": w["draft_disclosure_id"]},
    "disclosures.assess": lambda w: {"disclosure_id": w["open_disclosure_id"]},
    "disclosures.review": lambda w: {"disclosure_id": w["open_disclosure_id"]},
}


def _one(sql: str, **params):
    value = db.session.execute(sa.text(sql), params).scalar()
    assert value is not None, f"the demo data has nothing for: {sql} {params}"
    return value


class PhoneWorld:
    """Build with ``PhoneWorld.build()`` inside an app context; ``args`` maps names to values."""

    def __init__(self):
        self.args: dict[str, object] = {}

    @classmethod
    def build(cls) -> "PhoneWorld":
        world = cls()
        world._from_demo()
        world._add_missing()
        db.session.commit()
        return world

    def _from_demo(self) -> None:
        tto = find_user_by_email(ACCOUNTS["tto"])
        inventor = find_user_by_email(ACCOUNTS["inventor"])
        org = tto.organisation_id
        interest = _one("SELECT min(id) FROM interests WHERE listing_id IN "
                        "(SELECT id FROM listings WHERE organisation_id = :org)", org=org)
        listing = _one("SELECT listing_id FROM interests WHERE id = :id", id=interest)
        licence = _one("SELECT min(id) FROM open_licences WHERE licensor_id = :org", org=org)
        plan = _one("SELECT min(p.id) FROM action_plans p JOIN action_enrolments e "
                    "ON e.id = p.enrolment_id WHERE e.organisation_id = :org", org=org)
        plist = _one("SELECT min(id) FROM published_lists")
        roadshow = _one("SELECT min(id) FROM roadshows WHERE organisation_id = :org AND state = "
                        "'published'", org=org)
        self.args.update(
            listing_id=listing, interest_id=interest, need_id=_one("SELECT min(id) FROM needs"),
            licence_id=licence, plan_id=plan, list_id=plist, roadshow_id=roadshow,
            declaration_id=_one("SELECT declaration_id FROM open_licences WHERE id = :id", id=licence),
            sha256=_one("SELECT sha256 FROM open_licences WHERE id = :id", id=licence),
            number=_one("SELECT max(number) FROM list_versions WHERE list_id = :id", id=plist),
            plan_number=_one("SELECT max(number) FROM action_plan_versions WHERE plan_id = :id",
                             id=plan),
            project_id=_one("SELECT min(id) FROM action_plan_projects WHERE plan_id = :id", id=plan),
            report_id=_one("SELECT min(id) FROM action_reports WHERE organisation_id = :org", org=org),
            action_batch_id=_one("SELECT min(id) FROM action_batches"),
            item_id=_one("SELECT min(id) FROM roadshow_agenda_items WHERE roadshow_id = :id",
                         id=roadshow),
            ended_roadshow_id=_one("SELECT min(id) FROM roadshows WHERE organisation_id = :org "
                                   "AND state = 'ended'", org=org),
            regraded_listing_id=_one("SELECT min(listing_id) FROM grade_changes"),
            org_id=org,
            # The demo disclosures: the granted one shows the whole chain; a draft; one assessed.
            disclosure_id=_one("SELECT min(id) FROM disclosures WHERE organisation_id = :org "
                               "AND outcome = 'granted'", org=org),
            draft_disclosure_id=_one("SELECT min(id) FROM disclosures WHERE organisation_id = :org "
                                     "AND state = 'draft'", org=org),
            open_disclosure_id=_one("SELECT min(id) FROM disclosures WHERE organisation_id = :org "
                                    "AND state = 'under_assessment'", org=org),
            pending_org_id=find_user_by_email(ACCOUNTS["unverified_tto"]).organisation_id,
            user_id=inventor.id,
            reset_token=_reset_serializer().dumps({"id": inventor.id,
                                                   "h": inventor.password_hash[-16:]}),
        )

    def _add_missing(self) -> None:
        tto = find_user_by_email(ACCOUNTS["tto"])
        company = find_user_by_email(ACCOUNTS["company"])
        listing = db.session.get(Listing, self.args["listing_id"])
        payment = Payment(purpose=FEE_PURPOSE, subject_id=self.args["licence_id"], listing=listing,
                          payer_org=company.organisation, payee_org=listing.organisation,
                          amount=500, description="开放许可使用费",
                          method=PaymentMethod.BANK_TRANSFER, state=PaymentState.PENDING,
                          bank_reference="BXPHONE0001", created_by=company)
        batch = ImportBatch(organisation_id=tto.organisation_id, created_by_id=tto.id,
                            filename="2026年度专利清单.xlsx", state=ImportState.VALIDATED)
        invitation = Invitation(organisation_id=tto.organisation_id, email="phone-invitee@example.com",
                                role=Role.INVENTOR, status=InvitationStatus.PENDING,
                                invited_by_id=tto.id, expires_at=utcnow() + timedelta(days=7))
        failed_job = Job(name="mail.deliver", payload={"message": ""}, state=JobState.FAILED,
                         attempts=5, finished_at=utcnow(),
                         error="SMTPServerDisconnected: Connection unexpectedly closed while "
                               "delivering to a-very-long-recipient-address@university.example.edu.cn")
        db.session.add_all([payment, batch, invitation, failed_job])
        db.session.flush()
        draft_listing = _one(
            "SELECT min(id) FROM listings WHERE organisation_id = :org AND state = 'published' "
            "AND legal_status = 'granted' AND kind = 'invention' "
            "AND id NOT IN (SELECT listing_id FROM open_licence_declarations)",
            org=tto.organisation_id)
        # The demo investor reviews the disclosure under assessment (the review page's persona).
        assessing.invite_reviewer(tto, db.session.get(Disclosure, self.args["open_disclosure_id"]),
                                  ACCOUNTS["investor"])
        draft = declarations.create_declaration(
            tto, db.session.get(Listing, draft_listing), declaration_terms())
        self.args.update(public_id=payment.public_id, batch_id=batch.id,
                         invitation_token=invitation_token(invitation),
                         draft_declaration_id=draft.id, draft_listing_id=draft_listing)
