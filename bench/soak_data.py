"""What bench/soak.py needs in its database besides the listings of bench/build.py, and the XLSX
files its tto uploads.

- the investor of bench/pages.py (visitors.create_investor: verified, with a password);
- a tto of a verified university (the first of bench/build.py's), with a password, who imports;
- bench/roadshow_db.py's live roadshow, its questions waiting for the host's approval, with the
  attendees, the askers (attendees too) and the host (a moderator), each with a session cookie;
- the application numbers already taken, so that the imported rows never repeat one.

Import files are the template the tto downloads from the import page (``/manage/imports/template.
xlsx``), filled in as tests/test_import.py fills it: one row per listing of
``marketplace/listings/synthetic.py``'s ``ListingFactory``, with codes for the choices (the
importer takes codes as well as the labels in either language).
"""

import enum
import io
import secrets
from datetime import date

from build import bench_config
from roadshow_db import SECRET, build_database
from visitors import create_investor

TTO_EMAIL = "tto@soak.example"
#: bench/build.py's universities have ids 1 to 90, all verified.
TTO_UNIVERSITY = 1


def create_tto(url: str) -> tuple[str, str]:
    """A tto of university 1 with a password (accounts.new_user); returns its e-mail and password."""
    from marketplace import create_app
    from marketplace.accounts import services as accounts
    from marketplace.accounts.models import Role
    from marketplace.db_types import utcnow
    from marketplace.extensions import db
    from marketplace.orgs.models import Organisation

    password = secrets.token_urlsafe(16)
    app = create_app(bench_config(url))
    with app.app_context():
        university = db.session.get(Organisation, TTO_UNIVERSITY)
        accounts.new_user(TTO_EMAIL, password, "压测技术转移专员", Role.TTO, organisation=university,
                          is_org_admin=True, email_confirmed_at=utcnow())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return TTO_EMAIL, password


def taken_numbers(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        numbers = set(connection.scalars(sa.text(
            "SELECT application_number FROM listings WHERE application_number IS NOT NULL")))
    engine.dispose()
    return numbers


def prepare(url: str, attendees: int, askers: int) -> dict:
    """Everything above in the benchmark database; returns the logins, cookies and ids."""
    room = build_database(url, attendees + askers - 1, moderated=True)
    cookies = [room["asker"], *room["cookies"]]
    return {"investor": create_investor(url), "tto": create_tto(url), "roadshow": room["roadshow"],
            "askers": cookies[:askers], "attendees": cookies[askers:], "host": room["host"],
            "asker": room["asker"], "secret": SECRET, "taken": taken_numbers(url)}


def scalar(url: str, sql: str, **params):
    """One value from the benchmark database (the room's counter, the import totals)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(sa.text(sql), params).one()
    engine.dispose()
    return value


class ImportFiles:
    """XLSX files of new listings: the downloaded template with ``count`` rows, never an
    application number used before (in the database or an earlier file)."""

    def __init__(self, template: bytes, taken: set[str], contact: tuple[str, str], seed: int = 12):
        from marketplace.listings.imports.validation import COLUMNS
        from marketplace.listings.synthetic import ListingFactory

        self.template, self.contact = template, contact
        self.names = [name for name, _required in COLUMNS]
        self.factory = ListingFactory(seed, taken)

    def row(self) -> list:
        data = self.factory.data(*self.contact)
        data["modes"] = ", ".join(mode.value for mode in data["modes"])
        return [_cell(data.get(name)) for name in self.names]

    def make(self, count: int) -> bytes:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(self.template))
        sheet = workbook.worksheets[0]
        for _ in range(count):
            sheet.append(self.row())
        buffer = io.BytesIO()
        workbook.save(buffer)
        workbook.close()
        return buffer.getvalue()


def _cell(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, int | str):
        return str(value)  # Decimal prices
    return value
