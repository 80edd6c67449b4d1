"""Published lists: assembling, publishing versions, public pages and exports."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import kept_files
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import (
    file_name,
    flash_service_error,
    flash_service_errors,
    load_or_404,
    me,
    render_form,
    send_download,
)
from marketplace.listings.models import Listing
from marketplace.lists import export_files, exports
from marketplace.lists import services as lists
from marketplace.lists.forms import (
    AddListingForm,
    EmptyForm,
    ListForm,
    MoveForm,
    PublishForm,
)
from marketplace.lists.models import ListItem, ListVersion, PublishedList
from marketplace.permissions import permission_required, require

bp = Blueprint("lists", __name__)


# --- Public pages --------------------------------------------------------------------------------

def _visible(list_id: int) -> PublishedList:
    """A list with a published version whose university is verified (its own people see it anyway)."""
    plist = load_or_404(PublishedList, list_id)
    if not plist.versions:
        abort(404)
    require("lists.view", plist, missing=404)
    return plist


def _version_of(plist: PublishedList, number: int) -> ListVersion:
    version = next((v for v in plist.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def _render_version(plist: PublishedList, version: ListVersion):
    rows = [exports.display_row(item) for item in version.snapshot or []]
    return render_template("lists/detail.html", plist=plist, version=version, rows=rows,
                           current=plist.latest)


@bp.route("/lists")
def index():
    """Every published list, the most recently published first."""
    return render_template("lists/index.html", lists=lists.public_lists())


@bp.route("/lists/<int:list_id>")
def detail(list_id):
    """A list's current version, with its version history."""
    plist = _visible(list_id)
    return _render_version(plist, plist.latest)


@bp.route("/lists/<int:list_id>/versions/<int:number>")
def version(list_id, number):
    """One version of a list, marked when a later version supersedes it."""
    plist = _visible(list_id)
    return _render_version(plist, _version_of(plist, number))


def _download(version: ListVersion, content: bytes, mimetype: str, extension: str):
    org = version.list.organisation  # an unverified university's list is seen only by its people
    return send_download(content, mimetype=mimetype,
                         name=f"{file_name(version.title) or 'list'}-v{version.number}.{extension}",
                         ascii_name=f"bxqx-list-{version.list_id}-v{version.number}.{extension}",
                         public=org is None or org.status.is_verified)


def _file(list_id: int, number: int, kind: str, mimetype: str):
    """A version's file, built once (``export_files``); 503 while the worker is still on it."""
    version = _version_of(_visible(list_id), number)
    content = export_files.FILES.content(version, kind)
    if content is None:
        return kept_files.pending(
            _("The file of “%(title)s”, version %(number)d, is being made. It takes a moment for "
              "a long list: try again in a minute.", title=version.title, number=version.number),
            url_for("lists.version", list_id=version.list_id, number=version.number),
            _("Back to the list"))
    return _download(version, content, mimetype, kind)


@bp.route("/lists/<int:list_id>/versions/<int:number>.xlsx")
def xlsx(list_id, number):
    """Download a version as an Excel workbook."""
    return _file(list_id, number, "xlsx", exports.XLSX_TYPE)


@bp.route("/lists/<int:list_id>/versions/<int:number>.pdf")
def pdf(list_id, number):
    """Download a version as a PDF."""
    return _file(list_id, number, "pdf", "application/pdf")


# --- Management ----------------------------------------------------------------------------------

#: The management pages: a tto of a verified university, or a platform admin.
manager_required = permission_required("lists.open_management")


def _managed(list_id: int) -> PublishedList:
    plist = db.first_or_404(select(PublishedList).where(PublishedList.id == list_id).options(
        selectinload(PublishedList.items).selectinload(ListItem.listing)
        .selectinload(Listing.organisation)))
    require("lists.manage", plist)
    return plist


def _to_edit(plist: PublishedList):
    return redirect(url_for("lists.edit", list_id=plist.id, q=request.form.get("q") or None))


@bp.route("/manage/lists")
@manager_required
def manage():
    """Your university's lists (for admins: the action's lists), drafts included."""
    owner = (PublishedList.organisation_id.is_(None) if current_user.is_admin
             else PublishedList.organisation_id == current_user.organisation_id)
    items = db.session.scalars(
        select(PublishedList).where(owner).order_by(PublishedList.created_at.desc())
        .options(selectinload(PublishedList.versions), selectinload(PublishedList.items))).all()
    return render_template("lists/manage.html", lists=items)


@bp.route("/manage/lists/new", methods=["GET", "POST"])
@manager_required
def create():
    """Start a new list."""
    form = ListForm()
    if form.validate_on_submit():
        data = form.cleaned()
        try:
            plist = lists.create_list(me(), data["kind"], data["title"], data["description"])
        except ServiceError as error:
            flash_service_error(error)
            return render_form("lists/new.html", form, status=error.status_code)
        flash(_("The list is created. Now add listings to it."), "success")
        return redirect(url_for("lists.edit", list_id=plist.id))
    return render_form("lists/new.html", form)


@bp.route("/manage/lists/<int:list_id>", methods=["GET", "POST"])
@manager_required
def edit(list_id):
    """Edit a list: its title and description, its listings and their order; publish it."""
    plist = _managed(list_id)
    form = ListForm(obj=plist)
    if request.method == "GET":
        form.kind.data = plist.kind.value
    if form.validate_on_submit():
        with flash_service_errors():
            changed = lists.update_list(me(), plist, **form.cleaned())
            flash(_("Saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("lists.edit", list_id=plist.id))
    query = request.args.get("q", "")[:100]
    return render_form("lists/edit.html", form, plist=plist, query=query,
                       candidates=lists.candidates(plist, query), publish_form=PublishForm())


@bp.route("/manage/lists/<int:list_id>/items", methods=["POST"])
@manager_required
def add_item(list_id):
    """Add a published listing to the end of the list."""
    plist = _managed(list_id)
    form = AddListingForm()
    listing = db.session.get(Listing, form.listing_id.data) if form.validate_on_submit() else None
    if listing is None:
        flash(_("Choose a listing to add."), "error")
        return _to_edit(plist)
    with flash_service_errors():
        lists.add_listing(me(), plist, listing)
        flash(_("Added “%(title)s”.", title=listing.title), "success")
    return _to_edit(plist)


@bp.route("/manage/lists/<int:list_id>/items/<int:listing_id>/remove", methods=["POST"])
@manager_required
def remove_item(list_id, listing_id):
    """Take a listing off the list (published versions keep it)."""
    plist = _managed(list_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        lists.remove_listing(me(), plist, listing_id)
        flash(_("The listing is removed from the list."), "info")
    return _to_edit(plist)


@bp.route("/manage/lists/<int:list_id>/items/<int:listing_id>/move", methods=["POST"])
@manager_required
def move_item(list_id, listing_id):
    """Move a listing one place up or down."""
    plist = _managed(list_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        lists.move(me(), plist, listing_id, -1 if form.direction.data == "up" else 1)
    except ServiceError as error:
        flash_service_error(error)
    return _to_edit(plist)


@bp.route("/manage/lists/<int:list_id>/publish", methods=["POST"])
@manager_required
def publish(list_id):
    """Publish the list as it is now as its next version."""
    plist = _managed(list_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("The note may be at most 2,000 characters."), "error")
        return _to_edit(plist)
    try:
        version = lists.publish_version(me(), plist, form.note.data)
    except ServiceError as error:
        flash_service_error(error)
        return _to_edit(plist)
    flash(_("Version %(n)d is published.", n=version.number), "success")
    return redirect(url_for("lists.detail", list_id=plist.id))

