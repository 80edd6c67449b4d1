"""Where the platform takes numbers from users: every form with a numeric field (with the page that
receives it, the role that may send it and valid values for the rest of the form) and every
paginated page. The tests check these lists against the code, so a new form or paginated page
without an entry here fails them."""

import dataclasses
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from wtforms import DecimalField, FloatField, Form, IntegerField
from wtforms.fields.core import UnboundField

from marketplace.accounts.models import Role
from marketplace.action import services as action
from marketplace.action.models import Batch
from marketplace.disclosures import services as disclosures
from marketplace.extensions import db
from marketplace.licences.models import PaymentMethod, RoyaltyBase
from marketplace.lists import services as lists
from marketplace.lists.models import ListKind
from tests import factories
from tests.conftest import PASSWORD, csrf_token
from tests.interests_support import INTEREST_FORM

NUMERIC_FIELDS = (IntegerField, DecimalField, FloatField)

#: Paginated pages (endpoint -> the role that can open it; None: anyone).
PAGINATED = {
    "listings.search": None, "needs.index": None, "events.index": None,
    "interests.index": Role.COMPANY, "notifications.index": Role.COMPANY,
    "payments.mine": Role.COMPANY, "payments.manage": Role.TTO, "payments.admin_overview": Role.ADMIN,
    "listings.manage": Role.TTO, "imports.index": Role.TTO, "ledger.settings": Role.TTO,
    "admin.organisations": Role.ADMIN, "admin.users": Role.ADMIN, "admin.audit": Role.ADMIN,
    "admin.failed_jobs": Role.ADMIN, "disclosures.index": Role.INVENTOR,
}

PLAN = {"basis": "学校现有有效发明专利一千余件。", "target_high_value_patents": "20",
        "target_conversions": "30", "target_amount": "5000000", "target_open_licences": "10",
        "target_roadshows": "4"}
LISTING = {
    "kind": "invention", "title": "一种高镍锂离子电池正极材料及其制备方法",
    "abstract": "本发明公开了一种高镍三元正极材料，通过表面包覆提高循环稳定性，适用于动力电池。",
    "field": "materials", "inventors": "李振华, 王芳", "application_number": "CN 201710601862.3",
    "application_date": "2017-07-20", "grant_date": "2019-03-01", "legal_status": "granted",
    "grade": "A", "trl": "6", "modes": ["ordinary_licence"], "asking_price": "200000",
    "contact_name": "王晓梅", "contact_email": "tto@example.edu.cn",
}
DECLARATION = {"payment_method": "entry_plus_royalty", "fee_amount": "50000", "royalty_base": "net_sales",
               "royalty_rate": "3.5", "trial_days": "30", "trial_trigger": "trial_end",
               "payment_standard": "30日内支付。", "term_end": "2030-12-31",
               "notice_email": "notice@example.edu.cn", "notice_address": "上海市徐汇区梅陇路130号",
               "fees_paid": "y"}
NEED = {"title": "动力电池热失控早期预警技术",
        "description": "需要在电芯层面提前五分钟发现热失控风险的技术。", "field": "energy",
        "budget_min": "100000", "budget_max": "500000", "trl_min": "3",
        "trl_max": "7", "mode": "", "visibility": "public"}


@dataclass(frozen=True)
class FormCase:
    """How to send one form: as whom, to which page, with which valid values."""

    role: Role
    url: str
    data: dict
    #: The form's numeric inputs as they are named in the request.
    fields: tuple[str, ...]


def numeric_form_classes() -> set[str]:
    """Every form class of the platform with a numeric field, as ``module.Class``."""
    import events
    import marketplace

    found = set()
    for package in (marketplace, events):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".translations" in info.name or info.name.endswith(".demo"):
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if not (issubclass(cls, Form) and cls.__module__ == module.__name__):
                    continue
                fields = [value for value in vars(cls).values() if isinstance(value, UnboundField)]
                if any(issubclass(field.field_class, NUMERIC_FIELDS) for field in fields):
                    found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


@dataclass
class Numbers:
    """People of every role and the objects the forms belong to; ``cases`` maps each form class
    with a numeric field to how it is sent."""

    users: dict
    cases: dict[str, FormCase]
    _clients: dict = dataclasses.field(default_factory=dict)

    def client(self, app, role: Role | None):
        """A client logged in as ``role`` (None: a visitor), made once per test; ``token`` is
        its session's CSRF token."""
        if role not in self._clients:
            client = app.test_client()
            client.token = csrf_token(client)
            if role is not None:
                response = client.post("/auth/login", data={
                    "email": self.users[role].email, "password": PASSWORD, "csrf_token": client.token})
                assert response.status_code == 302, role
                client.token = csrf_token(client)
            self._clients[role] = client
        return self._clients[role]

    def send(self, app, case: FormCase, data: dict):
        """POST ``data`` to the case's page as its role, with the session's CSRF token."""
        client = self.client(app, case.role)
        return client.post(case.url, data={**data, "csrf_token": client.token})

    def log_in_everyone(self, app) -> None:
        """Log every role in now (logging in writes rows, e.g. the login throttle's)."""
        for role in (None, *Role):
            self.client(app, role)

    def decimal_fields(self) -> list[tuple[str, FormCase, str]]:
        """(form, case, request name) of every decimal input of the covered forms."""
        found = []
        for name, case in self.cases.items():
            module, _dot, cls_name = name.rpartition(".")
            cls = getattr(importlib.import_module(module), cls_name)
            for field in case.fields:
                if issubclass(getattr(cls, field.rpartition("-")[2]).field_class, DecimalField):
                    found.append((name, case, field))
        return found


@pytest.fixture
def numbers(app, make_user, make_org) -> Numbers:
    admin = make_user(Role.ADMIN)
    tto = make_user(Role.TTO, name="王晓梅")
    university = tto.organisation
    users = {Role.ADMIN: admin, Role.TTO: tto, Role.COMPANY: make_user(Role.COMPANY, name="赵敏"),
             Role.INVESTOR: make_user(Role.INVESTOR), Role.INVENTOR: make_user(Role.INVENTOR, org=university)}
    listing = factories.patent(university, tto)
    royalty = factories.declaration(tto, factories.patent(university, tto, title="一种固态电解质膜"),
                        payment_method=PaymentMethod.ROYALTY, fee_amount=None,
                        royalty_base=RoyaltyBase.NET_SALES, royalty_rate=Decimal("3.50"))
    licence = factories.licence(users[Role.COMPANY], royalty)
    plist = lists.create_list(tto, ListKind.HIGH_VALUE_PATENTS, "2026年高价值专利清单")
    action.seed_batches(admin)
    batch = db.session.scalars(db.select(Batch).where(Batch.number == 2)).one()
    action.update_batch(admin, batch, {"ends_on": date(2030, 12, 31)})
    plan = action.enrol(tto, batch).plan
    today = date.today()
    starts = f"{today + timedelta(days=7)}T09:00"
    disclosure = disclosures.create(users[Role.INVENTOR], {
        "title": "一种固态电解质界面修饰方法", "field": "energy", "problem": "界面阻抗高。",
        "solution": "原子层沉积形成薄层。", "novelty": "厚度可控至 2 nm。", "funding": None,
        "publications": None, "public_dates": [],
        "inventors": [{"name": users[Role.INVENTOR].name, "email": users[Role.INVENTOR].email,
                       "share_pct": Decimal("100")}]})
    disclosures.submit(users[Role.INVENTOR], disclosure)
    cases = {
        "marketplace.interests.forms.InterestForm": FormCase(
            Role.COMPANY, f"/listings/{listing.id}/interest", INTEREST_FORM, ("budget_min", "budget_max")),
        "marketplace.ledger.forms.FinanceForm": FormCase(
            Role.TTO, "/manage/revenue/settings",
            {"inventors_pct": "50", "tto_pct": "20", "university_pct": "30"},
            ("inventors_pct", "tto_pct", "university_pct")),
        "marketplace.ledger.forms.ShareRow": FormCase(
            Role.TTO, f"/manage/listings/{listing.id}/shares",
            {"rows-0-name": "李振华", "rows-0-user_id": "0", "rows-0-share_pct": "100"},
            ("rows-0-share_pct",)),
        "marketplace.lists.forms.AddListingForm": FormCase(
            Role.TTO, f"/manage/lists/{plist.id}/items", {"listing_id": str(listing.id)}, ("listing_id",)),
        "marketplace.needs.forms.NeedForm": FormCase(
            Role.COMPANY, "/manage/needs/new", NEED, ("budget_min", "budget_max", "trl_min", "trl_max")),
        "marketplace.needs.forms.PreferenceForm": FormCase(
            Role.INVESTOR, "/recommendations/preferences",
            {"fields": "energy", "trl_min": "1", "trl_max": "9", "budget_max": "1000000"},
            ("trl_min", "trl_max", "budget_max")),
        "marketplace.action.forms.PlanForm": FormCase(
            Role.TTO, f"/action/plans/{plan.id}", PLAN,
            ("target_high_value_patents", "target_conversions", "target_amount",
             "target_open_licences", "target_roadshows")),
        "marketplace.listings.forms.ListingForm": FormCase(
            Role.TTO, "/manage/listings/new", LISTING, ("trl", "asking_price")),
        "marketplace.licences.forms.DeclarationForm": FormCase(
            Role.TTO, f"/manage/listings/{listing.id}/open-licence/new", DECLARATION,
            ("fee_amount", "royalty_rate", "trial_days")),
        "marketplace.licences.forms.AgreementForm": FormCase(
            Role.TTO, f"/manage/listings/{listing.id}/agreements",
            {"kind": "ordinary_licence", "counterparty": "青禾新材料科技股份有限公司",
             "signed_on": "2025-05-01", "amount": "120000"}, ("amount",)),
        "marketplace.licences.forms.ReportForm": FormCase(
            Role.COMPANY, f"/licences/{licence.id}/reports",
            {"period_start": str(today), "period_end": str(today), "base_amount": "12345.67"},
            ("base_amount",)),
        "marketplace.disclosures.forms.AssessmentForm": FormCase(
            Role.TTO, f"/disclosures/{disclosure.id}/assessment",
            {"novelty_score": "4", "inventiveness_score": "4", "practicality_score": "5",
             "market_field": "energy", "trl": "4", "recommendation": "file_invention",
             "grade": "A", "conclusion": "具备新颖性和创造性，建议申请发明专利。"},
            ("novelty_score", "inventiveness_score", "practicality_score", "trl")),
        "marketplace.disclosures.forms.InventorRow": FormCase(
            Role.INVENTOR, "/disclosures/new",
            {"title": "一种锂电池隔膜涂层", "field": "energy", "problem": "隔膜耐热性差。",
             "solution": "陶瓷涂层。", "novelty": "涂层厚度可控。",
             "inventors-0-name": users[Role.INVENTOR].name,
             "inventors-0-email": users[Role.INVENTOR].email, "inventors-0-share_pct": "100"},
            ("inventors-0-share_pct",)),
        "events.forms.RoadshowForm": FormCase(
            Role.TTO, "/manage/roadshows/new",
            {"title": "新材料专场路演", "description": "六项高镍正极材料专利的线上路演。",
             "starts_at": starts, "ends_at": starts.replace("T09", "T11"), "capacity": "200"},
            ("capacity",)),
    }
    return Numbers(users=users, cases=cases)
