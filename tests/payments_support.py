"""Shared set-up of the payment and ledger tests: the parties, a listing, a recording purpose."""

import threading
from dataclasses import dataclass

import pytest

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.listings.models import (
    ConversionMode,
    Listing,
)
from marketplace.orgs.models import Organisation, OrgKind
from marketplace.payments import registry
from tests import factories

PURPOSE = "test_fee"


class Hooks:
    """Records every hook call of the test purpose (thread-safe: the race test uses threads)."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def _record(self, kind: str, payment) -> None:
        with self._lock:
            self.calls.append((kind, payment.public_id))

    def count(self, kind: str, payment=None) -> int:
        return sum(1 for k, public_id in self.calls
                   if k == kind and (payment is None or public_id == payment.public_id))

    def register(self) -> None:
        registry.register_purpose(
            PURPOSE, on_paid=lambda p: self._record("paid", p),
            on_failed=lambda p: self._record("failed", p),
            on_refunded=lambda p: self._record("refunded", p),
            describe=lambda p: ("测试许可费", f"/listings/{p.listing_id}"))


@dataclass
class Parties:
    university: Organisation
    tto: User
    inventor: User
    company_org: Organisation
    buyer: User
    listing: Listing


@pytest.fixture
def hooks(app):
    recorder = Hooks()
    recorder.register()
    return recorder


@pytest.fixture
def parties(app, make_user, make_org) -> Parties:
    university = make_org(OrgKind.UNIVERSITY, name="华东理工科技大学")
    tto = make_user(Role.TTO, org=university, name="王老师")
    inventor = make_user(Role.INVENTOR, org=university, name="李振华", is_org_admin=False)
    company_org = make_org(OrgKind.COMPANY, name="青禾新材料科技股份有限公司")
    buyer = make_user(Role.COMPANY, org=company_org, name="赵经理")
    listing = factories.listing(
        university, created_by=tto, title="一种锂离子电池正极材料", abstract="一种高镍三元正极材料。",
        field="materials", inventors="李振华, 王芳, 陈明", application_number="201710601862.3", trl=5,
        modes=(ConversionMode.OPEN_LICENCE,))
    listing.inventor_users = [inventor]
    db.session.commit()
    return Parties(university, tto, inventor, company_org, buyer, listing)


def start(parties: Parties, method: str, amount: str = "100.01", subject_id: int = 1):
    """The buyer's payment of the test purpose for the parties' listing."""
    return factories.payment(PURPOSE, parties.listing, parties.buyer, method, amount, subject_id)
