"""A listing page's related listings: its field's published listings, its own university's first,
grade A before B and the newest first within a grade, four at most."""

import re
from datetime import timedelta

from marketplace.db_types import utcnow
from marketplace.listings.models import Grade, ListingState
from tests import factories


def related_titles(client, listing_id: int) -> list[str]:
    html = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    block = html[html.index('<div class="related">'):]
    return re.findall(r'<h3><a href="/listings/\d+">([^<]+)</a>', block[:block.index("</section>")])


def test_related_listings_are_the_fields_own_university_first_best_and_newest(client):
    own, other = factories.organisation(), factories.organisation()
    now = utcnow()

    def make(org, title, grade=Grade.A, days=0):
        return factories.listing(org, title=title, grade=grade, field="materials",
                                 published_at=now - timedelta(days=days))

    shown = make(own, "本页成果")
    make(own, "本校乙级新成果", Grade.B, days=1)
    make(own, "本校甲级旧成果", days=9)
    make(other, "外校甲级新成果", days=2)
    make(other, "外校甲级旧成果", days=8)
    make(other, "外校乙级成果", Grade.B, days=3)
    factories.listing(own, title="本校能源成果", field="energy")
    factories.listing(own, title="本校草稿", field="materials", state=ListingState.DRAFT)
    assert related_titles(client, shown.id) == [
        "本校甲级旧成果", "本校乙级新成果", "外校甲级新成果", "外校甲级旧成果"]


def test_related_listings_of_a_university_alone_in_its_field(client):
    own, other = factories.organisation(), factories.organisation()
    shown = factories.listing(own, title="本页成果", field="materials")
    factories.listing(other, title="外校乙级成果", field="materials", grade=Grade.B)
    factories.listing(other, title="外校甲级成果", field="materials")
    assert related_titles(client, shown.id) == ["外校甲级成果", "外校乙级成果"]
