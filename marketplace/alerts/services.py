"""Following listings and saved searches; the periodic run that tells followers about changes and
e-mails digests of new matching listings (``flask alerts run``, idempotent)."""

import hashlib
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import current_app, url_for
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import mail
from marketplace.accounts import mailings
from marketplace.accounts.models import User
from marketplace.alerts import hooks  # noqa: F401  (listing changes reach followers at once)
from marketplace.alerts.models import Frequency, ListingFollow, SavedSearch, SavedSearchHit
from marketplace.db_types import utcnow
from marketplace.errors import NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.jobs import scheduler
from marketplace.jobs import services as jobs
from marketplace.listings import identifiers, search_sql
from marketplace.listings.models import Listing
from marketplace.listings.queries import SearchQuery
from marketplace.notifications import Kind, notify, register_kind
from marketplace.permissions import check

STATE_LABELS = {
    "draft": _l("Draft"), "published": _l("Published"), "suspended": _l("Suspended"),
    "converted": _l("Converted"), "withdrawn": _l("Withdrawn"),
}
register_kind(Kind("alerts.listing_state", title=_l("%(listing)s is now %(state)s"),
                   text=_l("A listing you follow changed its state to “%(state)s”."),
                   labels={"state": STATE_LABELS}, mailing="follows"))
register_kind(Kind("alerts.listing_terms", title=_l("New terms for %(listing)s"),
                   text=_l("A listing you follow changed its price, conversion modes or terms."),
                   mailing="follows"))
register_kind(Kind("alerts.digest", title=_l("%(count)s new listings for “%(search)s”"),
                   text=_l("Your saved search “%(search)s” has %(count)s new matching listings."),
                   email=False, mailing="digests"))
#: The most listings one digest e-mail lists.
DIGEST_MAX = 20
MAX_SAVED_SEARCHES = 20
PERIOD = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
#: A run a little early (cron jitter) still counts as the next period.
SLACK = timedelta(minutes=30)


def terms_fingerprint(listing: Listing) -> str:
    modes = ",".join(sorted(m.mode.value for m in listing.modes))
    raw = f"{listing.asking_price}|{modes}|{listing.terms or ''}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def is_following(user: User, listing: Listing) -> bool:
    return db.session.scalar(select(ListingFollow.id).where(
        ListingFollow.user_id == user.id, ListingFollow.listing_id == listing.id)) is not None


def follow(user: User, listing: Listing) -> ListingFollow:
    """Follow a listing (idempotent)."""
    if not listing.is_public:
        raise NotAllowed(_("Only published listings can be followed."))
    existing = db.session.scalar(select(ListingFollow).where(
        ListingFollow.user_id == user.id, ListingFollow.listing_id == listing.id))
    if existing is not None:
        return existing
    row = ListingFollow(user_id=user.id, listing_id=listing.id, seen_state=listing.state.value,
                        seen_terms=terms_fingerprint(listing))
    db.session.add(row)
    db.session.commit()
    return row


def unfollow(user: User, listing: Listing) -> None:
    db.session.execute(sa.delete(ListingFollow).where(
        ListingFollow.user_id == user.id, ListingFollow.listing_id == listing.id))
    db.session.commit()


def save_search(user: User, query: SearchQuery, name: str, frequency: Frequency) -> SavedSearch:
    """Save the search page's query and filters for a digest."""
    args = query.args()
    if not args.get("q") and not query.active_filters:
        raise ServiceError(_("Search for something or choose a filter before saving the search."))
    count = db.session.scalar(select(sa.func.count()).select_from(SavedSearch).where(
        SavedSearch.user_id == user.id))
    if count >= MAX_SAVED_SEARCHES:
        raise ServiceError(_("You can keep at most %(n)d saved searches.", n=MAX_SAVED_SEARCHES))
    saved = SavedSearch(user_id=user.id, name=(name or "").strip()[:120] or args.get("q") or _("My search"),
                        query_args=args, frequency=frequency, created_at=utcnow())
    db.session.add(saved)
    db.session.commit()
    return saved


def delete_search(user: User, saved: SavedSearch) -> None:
    check("alerts.own_search", saved, actor=user)
    db.session.delete(saved)
    db.session.commit()


def new_matches(saved: SavedSearch, limit: int = DIGEST_MAX) -> list[Listing]:
    """Published listings matching the search, published after it was saved, never sent before."""
    query = SearchQuery.from_args(saved.query_args or {})
    tokens = identifiers.query_tokens(query.q)
    # A digest sends what has every word (each as itself or a synonym): partial matches are for
    # browsing, not for mail.
    statement, _rank = search_sql.matched([Listing.id], query, tokens, every=True)
    sent = select(SavedSearchHit.listing_id).where(SavedSearchHit.saved_search_id == saved.id)
    statement = (statement.where(Listing.published_at > saved.created_at, Listing.id.not_in(sent))
                 .order_by(Listing.published_at.desc(), Listing.id.desc()).limit(limit))
    ids = list(db.session.scalars(statement))
    if not ids:
        return []
    found = {item.id: item for item in db.session.scalars(select(Listing).where(Listing.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def run_digests(now=None) -> int:
    """Send each due saved search its digest of new matches; return how many e-mails went out."""
    now = now or utcnow()
    sent = 0
    for saved in db.session.scalars(select(SavedSearch).order_by(SavedSearch.id)).all():
        if saved.last_run_at is not None and saved.last_run_at > now - PERIOD[saved.frequency] + SLACK:
            continue
        user = saved.user
        listings = new_matches(saved) if user.active else []
        saved.last_run_at = now
        for listing in listings:
            db.session.add(SavedSearchHit(saved_search_id=saved.id, listing_id=listing.id,
                                          sent_at=now))
        db.session.commit()  # the hits first: a listing is never sent twice, even on a crash
        if not listings:
            continue
        search_url = url_for("listings.search", **saved.query_args)
        if mailings.receives(user, "digests"):
            mail.send(user.email, _l("New listings for your saved search “%(name)s”",
                                     name=saved.name),
                      "alerts_digest", locale=user.locale, user=user, saved=saved,
                      listings=listings, search_url=search_url,
                      unsubscribe_url=mailings.unsubscribe_url(user, "digests"))
        notify([user], "alerts.digest", search_url, search=saved.name, count=len(listings))
        sent += 1
    return sent


def run_follow_alerts(listing_ids: list[int] | None = None) -> int:
    """Tell followers about listings whose state or terms changed since they were last told."""
    told = 0
    query = select(ListingFollow).order_by(ListingFollow.listing_id, ListingFollow.id)
    if listing_ids is not None:
        query = query.where(ListingFollow.listing_id.in_(listing_ids))
    follows = db.session.scalars(query).all()
    for row in follows:
        listing = row.listing
        state, terms = listing.state.value, terms_fingerprint(listing)
        if state == row.seen_state and terms == row.seen_terms:
            continue
        kind = "alerts.listing_state" if state != row.seen_state else "alerts.listing_terms"
        row.seen_state, row.seen_terms = state, terms
        db.session.commit()
        if row.user.active:
            notify([row.user], kind, url_for("listings.detail", listing_id=listing.id),
                   listing=listing.title, state=state)
            told += 1
    return told


@jobs.register("alerts.run")
def run_job(job, digests: bool = True, follows: bool = True) -> dict:
    """The periodic alerts run: follow changes and saved-search digests."""
    result = {}
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        if follows:
            result["follow_alerts"] = run_follow_alerts()
        if digests:
            result["digests"] = run_digests()
    return result


@jobs.register("alerts.follows")
def follows_job(job, listing_ids: list[int]) -> dict:
    """Tell the followers of these listings about changes (submitted when a listing changes)."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return {"follow_alerts": run_follow_alerts(listing_ids)}


@scheduler.periodic("alerts.run", timedelta(minutes=15))
def periodic_run(now) -> dict:
    """Follow alerts and saved-search digests (what ``flask alerts run`` does)."""
    return scheduler.as_job("alerts.run", {"digests": True, "follows": True})


alerts_cli = AppGroup("alerts", help="Follow alerts and saved-search digests.")


@alerts_cli.command("run")
@click.option("--digests/--no-digests", default=True, help="Send saved-search digests.")
@click.option("--follows/--no-follows", default=True, help="Tell followers about changes.")
def run_command(digests: bool, follows: bool) -> None:
    """Run the alerts once (idempotent: call it from cron, e.g. every 15 minutes)."""
    job = jobs.submit("alerts.run", {"digests": digests, "follows": follows}, run_inline=True)
    db.session.refresh(job)
    if job.error:
        raise click.ClickException(job.error)
    click.echo(f"follow alerts: {job.result.get('follow_alerts', 0)}, "
               f"digests e-mailed: {job.result.get('digests', 0)}")


