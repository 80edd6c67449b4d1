"""``flask search reindex``: rebuild the search index from the published listings.

The index is made as listings change (``search._follow_listings``). When the way text is indexed
changes (the normal form of ``marketplace.text.normalise``, the segmenter's dictionaries
``patent_terms.txt`` and ``synonyms.txt``, or ``search.document``), the rows of listings that did
not change since are rebuilt by this command, once, after the upgrade. It
runs in one transaction: searches see the old index until the new one is committed. Serving
processes drop their cached results within ``SEARCH_CACHE_SECONDS``.
"""

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.listings import cache, facet_bitmaps, search, suggest_index
from marketplace.listings.models import Listing, ListingState

search_cli = AppGroup("search", help="The listings' search index.")


def rebuild(batch: int = 500, progress=None) -> int:
    """Index every published listing anew (and nothing else); return how many were indexed."""
    session = db.session
    dialect = session.get_bind().dialect.name
    ids = session.scalars(sa.select(Listing.id).where(Listing.state == ListingState.PUBLISHED)
                          .order_by(Listing.id)).all()
    session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    statement = search.insert_statement(dialect)
    for start in range(0, len(ids), batch):
        chunk = session.scalars(sa.select(Listing).where(Listing.id.in_(ids[start:start + batch]))
                                .options(selectinload(Listing.organisation),
                                         selectinload(Listing.modes))).all()
        session.execute(statement, [search.document(listing, dialect) for listing in chunk])
        session.expunge_all()
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    facet_bitmaps.changed(session, facet_bitmaps.EVERYTHING)  # every process reads them anew
    suggest_index.rebuild(session.connection())  # the suggestions' title index, in the same form
    cache.invalidate(session)
    session.commit()
    return len(ids)


@search_cli.command("reindex")
@click.option("--batch", default=500, show_default=True, help="Listings read and indexed at a time.")
def reindex_command(batch: int) -> None:
    """Rebuild the search index of every published listing (after an upgrade that says so)."""
    started = time.perf_counter()
    count = rebuild(batch, progress=lambda done, total: click.echo(f"{done}/{total}", err=True))
    click.echo(f"indexed {count} published listings in {time.perf_counter() - started:.1f} s")
