"""The signed agreement as a PDF: the frozen text (always Chinese), signed by the platform.

The agreement itself is the canonical JSON frozen at signing (licences/agreement.py); its SHA-256
is the key of the public verification page. This PDF is a readable copy of exactly that text for
lawyers and CNIPA clerks: both parties, the written notice, the clauses, who signed and when, and
the agreement's SHA-256 with its verification link (on PUBLIC_URL). It leaves out the signer's
IP address and browser, which only the organisations' officers may see (agreement.json).

It carries the platform's PAdES signature (marketplace/signing.py), so a reader shows it
unchanged since signing, and /verify finds the licence through the SHA-256 in the signed file's
subject. It is signed once and kept (marketplace/kept_files.py): by the worker as soon as the
licence is accepted, or by the first download without one. Every download is then the same file,
and none waits for a signature (which, with ``TIMESTAMP_URL``, asks a time-stamping authority over
the network). A new signing certificate, time-stamping set-up or ``PUBLIC_URL`` makes a new file.
"""

import io
import json
from datetime import datetime
from xml.sax.saxutils import escape

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from marketplace import pdf, signing, timezones
from marketplace.kept_files import KeptFiles
from marketplace.licences.agreement import KIND_ZH
from marketplace.licences.models import OpenLicence
from marketplace.public_urls import public_url_for

MARGIN = 56
SIGNING_REASON = "百校千项平台出具开放许可协议文本"


def _signed_at(text: str) -> str:
    moment = datetime.fromisoformat(text).astimezone(timezones.BEIJING)
    return moment.strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def render(licence: OpenLicence) -> bytes:
    """The agreement's text as an A4 document (unsigned; the same licence gives the same bytes)."""
    font, mono_font = pdf.fonts()
    document = json.loads(licence.document)
    base = ParagraphStyle("agreement", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=1, spaceAfter=10)
    heading = ParagraphStyle("heading", parent=base, fontSize=12.5, leading=20, spaceBefore=10,
                             spaceAfter=4)
    clause = ParagraphStyle("clause", parent=base, spaceAfter=5)
    mono = ParagraphStyle("mono", parent=base, fontName=mono_font, fontSize=8.6, leading=12)

    def para(text, style=base) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    patent, licensor, licensee = document["patent"], document["licensor"], document["licensee"]
    parties = [
        ("许可人（专利权人）", f"{licensor['name']}（{licensor['credit_code']}）"),
        ("被许可人", f"{licensee['name']}（{licensee['credit_code']}）"),
        ("专利", f"{KIND_ZH.get(patent['kind'], patent['kind'])}“{patent['title']}”"
                 f"（专利号 {patent['patent_number'] or patent['application_number']}）"),
    ]
    table = Table([[para(k), para(v)] for k, v in parties], colWidths=[110, A4[0] - 2 * MARGIN - 110])
    table.setStyle(TableStyle([
        pdf.TABLE_FONT,
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#c9d2dc")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f3f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story = [para("专利开放许可协议", title), table, para("书面通知", heading),
             para(document["notice"], clause), para("条款", heading)]
    story += [para(text, clause) for text in document["clauses"]]
    signature = document.get("signature") or {}
    story += [para("签署", heading),
              para(f"被许可人签署人：{signature.get('name', '')}（{signature.get('title', '')}），"
                   f"{_signed_at(signature['signed_at']) if signature.get('signed_at') else ''}"),
              Spacer(1, 14),
              para("协议 SHA-256（对签署时冻结的协议全文计算）：", base), para(licence.sha256, mono),
              para("在线核验：", base),
              para(public_url_for("licences.verify", sha256=licence.sha256), mono)]
    out = io.BytesIO()
    pdf.document(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                 bottomMargin=MARGIN, title="专利开放许可协议", author=licensor["name"],
                 subject=licence.sha256).build(story)
    return out.getvalue()


def signed(licence: OpenLicence) -> bytes:
    """The agreement's PDF with the platform's signature."""
    return signing.sign(render(licence), reason=SIGNING_REASON)


#: Raised when the PDF's layout changes: files signed before are then made and signed again.
FORMAT = 1


def _key(licence: OpenLicence) -> str:
    config = current_app.config
    return (f"{licence.sha256}|{config['PUBLIC_URL']}|{signing.certificate_fingerprint()}"
            f"|{config.get('TIMESTAMP_URL') or ''}")


FILES = KeptFiles(job="licences.sign_agreement_pdf", folder="agreements", model=OpenLicence,
                  format=FORMAT, builders={"pdf": signed}, key=_key,
                  stem=lambda licence: f"agreement-{licence.id}")


def accepted(licence: OpenLicence) -> None:
    """After a licence is accepted and committed: with a worker and a signing key, have the worker
    sign its agreement's PDF now."""
    if signing.configured():
        FILES.prepare(licence)
