"""Implementation plans as PDF (Chinese font), dashboard tables as CSV and XLSX; all return bytes.

A plan's PDF is an official copy for the ministries, so it is always in Chinese and Beijing time.
"""

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from marketplace import pdf, spreadsheets, timezones
from marketplace.action.dashboards.figures import Table as DataTable
from marketplace.action.forms import PROJECTS_LABEL, SECTION_LABELS, TARGET_LABELS
from marketplace.action.models import PLAN_TARGETS, PlanVersion
from marketplace.lists.exports import EXPORT_LOCALE, PDF_FONT
from marketplace.spreadsheets import XLSX_TYPE

__all__ = ["plan_pdf", "table_csv", "table_xlsx", "XLSX_TYPE"]
MARGIN = 50


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10.5, leading=17, wordWrap="CJK",
                          firstLineIndent=21)
    return {
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=12, firstLineIndent=0),
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1,
                                firstLineIndent=0, spaceAfter=6),
        "meta": ParagraphStyle("meta", parent=body, fontSize=9.5, leading=14, alignment=1,
                               firstLineIndent=0, textColor=colors.HexColor("#52606d")),
        "h2": ParagraphStyle("h2", parent=body, fontSize=13, leading=20, firstLineIndent=0,
                             spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=body, fontSize=11, leading=17, firstLineIndent=0,
                             spaceBefore=6),
    }


def _paragraphs(text: str, style) -> list[Paragraph]:
    return [Paragraph(escape(line.strip()), style) for line in (text or "").splitlines() if line.strip()]


def plan_pdf(version: PlanVersion) -> bytes:
    """One submitted version of a plan as an A4 document in the annex template's order."""
    snap = version.snapshot
    pdf.fonts()
    styles = _styles()
    with force_locale(EXPORT_LOCALE):
        title = _("Implementation plan of the Hundred Schools, Thousand Projects high-value patent "
                  "action")
        meta = _("%(university)s | %(batch)s | version %(n)d | submitted %(at)s (China Standard Time)",
                 university=snap["university"], batch=snap["batch"]["name"], n=version.number,
                 at=version.submitted_at.astimezone(timezones.BEIJING).strftime("%Y-%m-%d %H:%M"))
        headings = {name: str(label) for name, (label, _hint) in SECTION_LABELS.items()}
        projects_heading = str(PROJECTS_LABEL)
        target_labels = {name: str(label) for name, label in TARGET_LABELS.items()}
        targets_heading, empty = _("Numeric targets"), _("(not filled in)")
        platform_label, portfolio_label = _("Platform or programme"), _("Patent portfolio")
        late = _("Submitted after the deadline") if version.late else None
        page_label = _("Page %(n)d")
    story = [Paragraph(escape(title), styles["title"]), Paragraph(escape(meta), styles["meta"])]
    if late:
        story.append(Paragraph(escape(late), styles["meta"]))
    story.append(Spacer(1, 10))
    for name in ("basis", "goals", "organisation", "mechanisms"):
        story += [Paragraph(escape(headings[name]), styles["h2"])]
        story += _paragraphs(snap["sections"].get(name), styles["body"]) or [
            Paragraph(escape(empty), styles["plain"])]
    story.append(Paragraph(escape(projects_heading), styles["h2"]))
    for number, project in enumerate(snap["projects"], start=1):
        story.append(Paragraph(escape(f"（{number}）{project['title']}"), styles["h3"]))
        if project.get("platform"):
            story.append(Paragraph(escape(f"{platform_label}：{project['platform']}"), styles["plain"]))
        story += _paragraphs(project["description"], styles["body"])
        if project["listings"]:
            rows = [[Paragraph(escape(portfolio_label), styles["cell"]), "", ""]]
            for item in project["listings"]:
                number_text = item.get("patent_number") or item.get("application_number") or "—"
                rows.append([Paragraph(escape(item["title"]), styles["cell"]),
                             Paragraph(escape(number_text), styles["cell"]),
                             Paragraph(escape(item["grade"]), styles["cell"])])
            table = Table(rows, colWidths=[300, 140, 55])
            table.setStyle(TableStyle([pdf.TABLE_FONT, ("SPAN", (0, 0), (-1, 0)),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f6")),
                                       ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d2dc")),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [Spacer(1, 4), table]
    for name in ("measures", "expected_results"):
        story.append(Paragraph(escape(headings[name]), styles["h2"]))
        story += _paragraphs(snap["sections"].get(name), styles["body"]) or [
            Paragraph(escape(empty), styles["plain"])]
    story.append(Paragraph(escape(targets_heading), styles["h3"]))
    target_rows = [[Paragraph(escape(target_labels[name]), styles["cell"]),
                    Paragraph(escape(snap["targets"].get(name) or "—"), styles["cell"])]
                   for name in PLAN_TARGETS]
    targets = Table(target_rows, colWidths=[300, 195])
    targets.setStyle(TableStyle([pdf.TABLE_FONT,
                                 ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d2dc"))]))
    story.append(targets)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(PDF_FONT, 8)
        canvas.setFillColor(colors.HexColor("#52606d"))
        canvas.drawString(MARGIN, MARGIN / 2, snap["university"])
        canvas.drawRightString(doc.pagesize[0] - MARGIN, MARGIN / 2, page_label % {"n": doc.page})
        canvas.restoreState()

    out = io.BytesIO()
    pdf.document(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                 bottomMargin=MARGIN, title=title, author=snap["university"]).build(
        story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _kind(table: DataTable, key: str) -> str:
    """A dashboard column's kind, from its values: money (all amounts), whole numbers, numbers
    (counts and amounts mixed, as the figures of the year), dates, or text."""
    values = [row.get(key) for row in table.rows if row.get(key) not in (None, "")]
    if values and all(isinstance(v, Decimal) for v in values):
        return spreadsheets.MONEY
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return spreadsheets.INT
    if values and all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values):
        return spreadsheets.NUMBER
    if values and all(isinstance(v, date) for v in values):
        return spreadsheets.DATE
    return spreadsheets.TEXT


def _columns(table: DataTable) -> list[spreadsheets.Column]:
    return [spreadsheets.Column(key, header, _kind(table, key), 28 if index == 0 else 18)
            for index, (key, header) in enumerate(table.columns)]


def table_csv(table: DataTable) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the Chinese), the header in row 1, formulas
    neutralised."""
    return spreadsheets.csv_bytes(_columns(table), table.rows)


def table_xlsx(table: DataTable, *, title: str, about: list[tuple[str, object]]) -> bytes:
    """The table on one sheet (the header in row 1); ``title`` and ``about`` on the About sheet."""
    return spreadsheets.workbook([spreadsheets.Sheet(table.title, _columns(table), table.rows)],
                                 title=title, subject=table.title, about=about)
