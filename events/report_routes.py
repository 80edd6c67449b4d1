"""After-event pages: transcript, per-listing report, moderation log and the XLSX export.

Host staff, the roadshow's moderators and platform admins may read them; for anyone else the
roadshow's reports do not exist (404).
"""

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from events import reports
from events.live.models import ModerationAction
from events.models import Roadshow
from events.routes import bp
from events.video import timeline
from marketplace.http import file_name, load_or_404, send_download
from marketplace.permissions import require

ACTION_LABELS = {
    ModerationAction.GO_LIVE: _l("Went live"),
    ModerationAction.END: _l("Ended the roadshow"),
    ModerationAction.PRESENT_LISTING: _l("Presented a listing"),
    ModerationAction.OPEN_QA: _l("Opened Q&A"),
    ModerationAction.CLOSE_QA: _l("Closed Q&A"),
    ModerationAction.MODERATION_ON: _l("Turned moderation on"),
    ModerationAction.MODERATION_OFF: _l("Turned moderation off"),
    ModerationAction.APPROVE: _l("Approved a question"),
    ModerationAction.HIDE: _l("Hid a question"),
    ModerationAction.RESTORE: _l("Restored a question"),
    ModerationAction.ANSWER: _l("Answered a question"),
    ModerationAction.EDIT_ANSWER: _l("Edited an answer"),
    ModerationAction.PIN: _l("Pinned a question"),
    ModerationAction.UNPIN: _l("Unpinned a question"),
    ModerationAction.OPEN_POLL: _l("Started a poll"),
    ModerationAction.CLOSE_POLL: _l("Closed a poll"),
}


def reported(roadshow_id: int) -> Roadshow:
    roadshow = load_or_404(Roadshow, roadshow_id)
    require("events.see_reports", roadshow, missing=404)
    return roadshow


@bp.route("/roadshows/<int:roadshow_id>/transcript")
@login_required
def transcript(roadshow_id):
    """The questions asked, with their answers, by listing."""
    roadshow = reported(roadshow_id)
    return render_template("events/transcript.html", roadshow=roadshow,
                           sections=reports.transcript(roadshow), author_name=reports.author_name,
                           replay_links=timeline.question_links(roadshow))


@bp.route("/roadshows/<int:roadshow_id>/report")
@login_required
def report(roadshow_id):
    """Per listing: questions, votes, polls, interests and attendance."""
    roadshow = reported(roadshow_id)
    return render_template("events/report.html", roadshow=roadshow,
                           summary=reports.summary(roadshow),
                           listing_reports=reports.listing_reports(roadshow))


@bp.route("/roadshows/<int:roadshow_id>/report.xlsx")
@login_required
def report_xlsx(roadshow_id):
    """The report, transcript, interests and moderation log as a workbook."""
    roadshow = reported(roadshow_id)
    return send_download(reports.report_xlsx(roadshow, ACTION_LABELS), mimetype=reports.XLSX_TYPE,
                         name=_("%(title)s: roadshow report", title=file_name(roadshow.title))
                         + ".xlsx", ascii_name=f"bxqx-roadshow-{roadshow.id}-report.xlsx")


@bp.route("/roadshows/<int:roadshow_id>/moderation-log")
@login_required
def moderation_log(roadshow_id):
    """Who approved, hid, answered or edited what in the room, and when."""
    roadshow = reported(roadshow_id)
    return render_template("events/moderation_log.html", roadshow=roadshow,
                           entries=reports.moderation_log(roadshow), labels=ACTION_LABELS)
