"""A published version as an XLSX workbook and as a PDF with a Chinese font; both return bytes.

The files are official copies of the action's lists, so they are always written in Chinese and in
China Standard Time, whatever language the person downloading them reads the site in.
"""

import io
from xml.sax.saxutils import escape

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from marketplace import pdf, spreadsheets, timezones
from marketplace.listings.forms import GRADE_LABELS, KIND_LABELS, LEGAL_LABELS, MODE_LABELS
from marketplace.listings.models import FIELDS, ConversionMode, Grade, LegalStatus, ListingKind
from marketplace.lists.models import ListVersion

EXPORT_LOCALE = "zh_CN"
#: The embedded Chinese font of every PDF (marketplace/pdf.py).
PDF_FONT = pdf.FONT
XLSX_TYPE = spreadsheets.XLSX_TYPE


def _label(labels: dict, enum_cls, value) -> str:
    """The label of a stored enum value; an unknown value (an older snapshot) is shown as is."""
    try:
        return str(labels[enum_cls(value)])
    except (ValueError, KeyError):
        return str(value or "")


def display_row(item: dict) -> dict:
    """A snapshot entry with its codes turned into labels of the current language."""
    return {
        **item,
        "kind_label": _label(KIND_LABELS, ListingKind, item.get("kind")),
        "legal_label": _label(LEGAL_LABELS, LegalStatus, item.get("legal_status")),
        "grade_label": _label(GRADE_LABELS, Grade, item.get("grade")),
        "field_label": str(FIELDS.get(item.get("field"), item.get("field") or "")),
        "mode_labels": [_label(MODE_LABELS, ConversionMode, mode) for mode in item.get("modes", [])],
    }


def published_local(version: ListVersion) -> str:
    return version.published_at.astimezone(timezones.BEIJING).strftime("%Y-%m-%d %H:%M")


def owner_name(version: ListVersion) -> str:
    org = version.list.organisation
    return org.name if org is not None else _("The Hundred Schools, Thousand Projects action")


def version_line(version: ListVersion) -> str:
    """Owner, version number and publication time (the CJK font has no middle dot: use a bar)."""
    return "  |  ".join([owner_name(version), _("Version %(n)d", n=version.number),
                         _("Published %(date)s (China Standard Time)", date=published_local(version))])


def _columns() -> list[tuple[str, str, int]]:
    """(key, header, XLSX width in characters) of every exported column."""
    return [("no", _("No."), 6), ("title", _("Title"), 44), ("kind_label", _("Type"), 14),
            ("application_number", _("Application number"), 18),
            ("patent_number", _("Patent number"), 18), ("legal_label", _("Legal status"), 14),
            ("grade_label", _("Grade"), 10), ("trl", "TRL", 6), ("field_label", _("Field"), 20),
            ("modes_text", _("Conversion modes"), 30), ("university", _("University"), 24),
            ("inventors", _("Inventors"), 24), ("link", _("Link"), 40)]


def _rows(version: ListVersion, base_url: str) -> list[dict]:
    rows = []
    for number, item in enumerate(version.snapshot or [], start=1):
        row = display_row(item)
        row.update(no=number, modes_text="、".join(row["mode_labels"]),
                   link=base_url.rstrip("/") + item.get("url", "") if item.get("url") else "")
        rows.append(row)
    return rows


#: XLSX column kinds; the others are text.
_KINDS = {"no": spreadsheets.INT, "trl": spreadsheets.INT,
          "application_number": spreadsheets.ID, "patent_number": spreadsheets.ID}


def version_xlsx(version: ListVersion, base_url: str = "") -> bytes:
    """The version as a workbook: the header in row 1 and one row per listing; its title, owner,
    version, publication time, SHA-256 and note on the About sheet and in the file's properties."""
    with force_locale(EXPORT_LOCALE):
        columns = [spreadsheets.Column(key, header, _KINDS.get(key, spreadsheets.TEXT), width)
                   for key, header, width in _columns()]
        rows = _rows(version, base_url)
        for row in rows:
            row["application_number"] = spreadsheets.application_number(row.get("application_number"))
        about = [(pgettext("about this file", "Published by"), owner_name(version)),
                 (_("Version"), version.number),
                 (pgettext("about this file", "Published (China Standard Time)"),
                  version.published_at.astimezone(timezones.BEIJING)),
                 (pgettext("about this file", "Listings"), len(rows)),
                 ("SHA-256", version.sha256)]
        if version.note:
            about.append((_("Note"), version.note))
        if base_url:
            about.append((_("Link"), base_url.rstrip("/") + f"/lists/{version.list_id}/versions/"
                                                          f"{version.number}"))
        return spreadsheets.workbook([spreadsheets.Sheet(_("List"), columns, rows)],
                                     title=version.title, subject=version_line(version), about=about)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=8, leading=10.5, wordWrap="CJK")
    return {
        "cell": base,
        "head": ParagraphStyle("head", parent=base, textColor=colors.HexColor("#1f2933")),
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=22, spaceAfter=4),
        "meta": ParagraphStyle("meta", parent=base, fontSize=9.5, leading=13,
                               textColor=colors.HexColor("#52606d")),
    }


#: PDF columns: (key, width in points); 770 points fit landscape A4 within the margins.
PDF_COLUMNS = (("no", 24), ("title", 150), ("kind_label", 50), ("numbers", 85), ("legal_label", 52),
               ("grade_label", 34), ("trl", 30), ("field_label", 70), ("modes_text", 90),
               ("university", 85), ("inventors", 100))
MARGIN = 36


def version_pdf(version: ListVersion, base_url: str = "") -> bytes:
    """The version as a landscape A4 document; SHA-256 and page number in every footer."""
    pdf.fonts()
    styles = _styles()
    with force_locale(EXPORT_LOCALE):
        headers = {key: header for key, header, _width in _columns()}
        headers["numbers"] = _("Application / patent number")
        rows = _rows(version, base_url)
        owner = owner_name(version)
        meta = [version_line(version)]
        if version.note:
            meta.append(_("Note: %(note)s", note=version.note))
        if not rows:
            meta.append(_("This version contains no listings."))
        page_label = _("Page %(n)d")

    def cell(text, style="cell") -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"),
                         styles[style])

    table_rows = [[cell(headers[key], "head") for key, _width in PDF_COLUMNS]]
    for row in rows:
        row["numbers"] = "\n".join(n for n in (row.get("application_number"),
                                               row.get("patent_number")) if n)
        table_rows.append([cell(row.get(key)) for key, _width in PDF_COLUMNS])
    table = Table(table_rows, colWidths=[width for _key, width in PDF_COLUMNS], repeatRows=1)
    table.setStyle(TableStyle([
        pdf.TABLE_FONT,
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f6")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d2dc")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#fafbfc")]),
    ]))

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(PDF_FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#52606d"))
        canvas.drawString(MARGIN, MARGIN / 2, "SHA-256: " + version.sha256)
        canvas.drawRightString(doc.pagesize[0] - MARGIN, MARGIN / 2, page_label % {"n": doc.page})
        canvas.restoreState()

    out = io.BytesIO()
    document = pdf.document(
        out, pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=version.title, author=owner,
        subject=f"v{version.number} {version.sha256}")
    story = [cell(version.title, "title")] + [cell(line, "meta") for line in meta]
    story += [Spacer(1, 10), table]
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
