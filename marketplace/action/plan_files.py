"""A submitted plan version's PDF, built once and kept (marketplace/kept_files.py).

A version is frozen when submitted: the worker builds its PDF then (``submitted``). Its content
depends on the snapshot, the submission time and lateness, and the layout (``FORMAT``); it has no
links, so ``PUBLIC_URL`` is not part of it.
"""

import hashlib
import json

from marketplace.action import exports
from marketplace.action.models import PlanVersion
from marketplace.kept_files import KeptFiles

#: Raised when the PDF's layout changes: files built before are then built again.
FORMAT = 1


def _key(version: PlanVersion) -> str:
    snapshot = json.dumps(version.snapshot, sort_keys=True, ensure_ascii=False)
    return (f"{hashlib.sha256(snapshot.encode()).hexdigest()}|{version.submitted_at.isoformat()}"
            f"|{version.late}")


FILES = KeptFiles(job="action.build_plan_pdf", folder="plans", model=PlanVersion, format=FORMAT,
                  builders={"pdf": exports.plan_pdf}, key=_key,
                  stem=lambda version: f"plan-{version.plan_id}-v{version.number}")


def submitted(version: PlanVersion) -> None:
    """After a version is submitted and committed: with a worker, have it build the PDF now."""
    FILES.prepare(version)
