"""``flask search reindex``: rebuild the search index after the way text is indexed changed.

The segmentation dictionary (``patent_terms.txt``, ``synonyms.txt``) and the document
(``search.document``) decide which words a listing is found by; after a change to them, every
published listing is indexed again so old and new listings are found alike.
"""

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.listings import search
from marketplace.listings.models import Listing, ListingState

search_cli = AppGroup("search", help="The listings' search index.")
BATCH = 500


def reindex_all(batch: int = BATCH) -> int:
    """Index every published listing again, a batch per transaction; return how many."""
    done, last_id = 0, 0
    while True:
        listings = db.session.scalars(
            sa.select(Listing).where(Listing.state == ListingState.PUBLISHED, Listing.id > last_id)
            .order_by(Listing.id).limit(batch)
            .options(selectinload(Listing.organisation), selectinload(Listing.modes))).all()
        if not listings:
            return done
        for listing in listings:
            search.index(listing)
        db.session.commit()
        done += len(listings)
        last_id = listings[-1].id


@search_cli.command("reindex")
def reindex_command():
    """Index every published listing again (after a change to the dictionaries)."""
    click.echo(f"Indexed {reindex_all()} published listing(s).")
