"""A published version's downloads (PDF and XLSX), built once and kept (marketplace/kept_files.py).

The worker builds them when the list is published (``published``); their content depends on the
version (its fingerprint), the layout (``FORMAT``) and ``PUBLIC_URL`` (every link in the files is
built on it).
"""

from flask import current_app

from marketplace.kept_files import KeptFiles
from marketplace.lists import exports
from marketplace.lists.models import ListVersion

#: Raised when the files' layout changes: files built before are then built again.
FORMAT = 1


def _public_url() -> str:
    return current_app.config["PUBLIC_URL"]


FILES = KeptFiles(
    job="lists.build_exports", folder="lists", model=ListVersion, format=FORMAT,
    builders={"pdf": lambda version: exports.version_pdf(version, _public_url()),
              "xlsx": lambda version: exports.version_xlsx(version, _public_url())},
    key=lambda version: f"{version.sha256}|{_public_url()}",
    stem=lambda version: f"list-{version.list_id}-v{version.number}")


def published(version: ListVersion) -> None:
    """After a version is published and committed: with a worker, have it build the files now."""
    FILES.prepare(version)
