"""Application numbers and credit codes in their normal form.

Until now an application number typed with full-width digits (a Chinese input method in
full-width mode: ``２０１７1011708１.7``) passed the check digit and was stored as typed, so the
duplicate check (an equality on the stored number) let the same patent in twice; credit codes in
full width were refused outright. From now on both are read in their normal form
(``marketplace.text.identifier``: NFKC, upper case, no spaces) and stored canonically
(``patentno.normalise``, ``creditcode.normalise``). This revision brings stored values in line.

A listing whose canonical number another listing already has (the duplicate the old check let
through) keeps its number as it is and is named in the log: which of the two is the real one is
for the university to decide, and the unique constraint forbids storing both. The same goes for a
verified organisation whose code, normalised, is another verified organisation's.

The search index is rebuilt by ``flask search reindex`` (run it once after this upgrade): listings
written in traditional characters or full width are then indexed in the normal form too. The
revision does not import the application's indexing code, which later revisions may change.
Downgrading keeps the normalised values: the spellings typed are not known any more.

Revision ID: cb98ec816075
Revises: 7b3e9d21c4a8
Create Date: 2026-12-07 07:00:00

"""
import logging
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'cb98ec816075'
down_revision = '7b3e9d21c4a8'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')
#: ``patentno._SHAPE`` as of this revision.
SHAPE = re.compile(r"^(?:CN|ZL)?([0-9]{8}|[0-9]{12})\.?([0-9X])$", re.ASCII)

listings = sa.table('listings', sa.column('id', sa.Integer()),
                    sa.column('application_number', sa.String(20)))
organisations = sa.table('organisations', sa.column('id', sa.Integer()),
                         sa.column('credit_code', sa.String(18)), sa.column('status', sa.String(32)))


def identifier(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def application_number(number: str) -> str:
    compact = identifier(number.replace("\u3002", "."))
    match = SHAPE.match(compact)
    return f"{match.group(1)}.{match.group(2)}" if match else compact


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(listings.c.id, listings.c.application_number).where(
        listings.c.application_number.is_not(None)).order_by(listings.c.id)).all()
    taken = {number for _id, number in rows}
    for id_, number in rows:
        canonical = application_number(number)
        if canonical == number:
            continue
        if canonical in taken:
            log.warning("listing %s keeps its application number %r: listing with %s exists",
                        id_, number, canonical)
            continue
        connection.execute(listings.update().where(listings.c.id == id_)
                           .values(application_number=canonical))
        taken.discard(number)
        taken.add(canonical)
    rows = connection.execute(sa.select(organisations.c.id, organisations.c.credit_code,
                                        organisations.c.status).order_by(organisations.c.id)).all()
    verified = {code for _id, code, status in rows if status == 'verified'}
    for id_, code, status in rows:
        canonical = identifier(code or "")
        if not code or canonical == code or len(canonical) > 18:
            continue
        if status == 'verified' and canonical in verified:
            log.warning("organisation %s keeps its credit code %r: a verified organisation has %s",
                        id_, code, canonical)
            continue
        connection.execute(organisations.update().where(organisations.c.id == id_)
                           .values(credit_code=canonical))
        if status == 'verified':
            verified.discard(code)
            verified.add(canonical)


def downgrade():
    pass
