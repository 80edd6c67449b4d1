"""The licence certificate: an A4 PDF in Chinese (the embedded font of marketplace/pdf.py) with
the agreement's SHA-256 and a link and QR code to the public verification page (on PUBLIC_URL).

It is issued once, when the licence takes effect, signed by the platform (marketplace/signing.py)
and stored with the digest of the signed file, so the very file a licensee holds can be checked on
the verification page both ways: by its SHA-256 and by its signature.
"""

import hashlib
import io
import json
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from marketplace import amounts, pdf, signing, timezones
from marketplace.licences.agreement import BASE_ZH, KIND_ZH, METHOD_ZH
from marketplace.licences.models import OpenLicence, PaymentMethod, RoyaltyBase
from marketplace.public_urls import public_url_for

MARGIN = 48
#: The signature's stated reason (shown by PDF readers).
SIGNING_REASON = "百校千项平台出具专利开放许可证书"


def number(licence: OpenLicence) -> str:
    """The certificate number printed on it: year of signing and the licence id."""
    return f"KF-{licence.signed_at.year}-{licence.id:06d}"


def verify_url(sha256: str) -> str:
    """The public page that proves the licence (printed on the certificate and its QR code)."""
    return public_url_for("licences.verify", sha256=sha256)


def _fee_text(document: dict) -> str:
    terms = document["declaration"]
    method = PaymentMethod(terms["payment_method"])
    parts = [METHOD_ZH[method]]
    if terms["fee_amount"]:
        parts.append(("入门费" if method is PaymentMethod.ENTRY_PLUS_ROYALTY else "许可使用费")
                     + amounts.in_yuan(terms["fee_amount"]))
    if terms["royalty_rate"]:
        parts.append(f"提成：{BASE_ZH[RoyaltyBase(terms['royalty_base'])]}的{terms['royalty_rate']}%")
    return "；".join(parts)


def render(licence: OpenLicence) -> bytes:
    """The certificate's bytes (the same licence always gives the same bytes)."""
    document = json.loads(licence.document)
    patent, terms = document["patent"], document["declaration"]
    font, mono_font = pdf.fonts()
    base = ParagraphStyle("cert", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=22, leading=30, alignment=1, spaceAfter=4)
    sub = ParagraphStyle("sub", parent=base, fontSize=10, alignment=1,
                         textColor=colors.HexColor("#52606d"))
    mono = ParagraphStyle("mono", parent=base, fontName=mono_font, fontSize=8.6, leading=12)

    def para(text, style=base) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    effective = timezones.local_date(licence.effective_at).isoformat()
    signed = licence.signed_at.astimezone(timezones.BEIJING)
    rows = [
        ("证书编号", number(licence)),
        ("专利名称", patent["title"]),
        ("专利号", patent["patent_number"] or patent["application_number"]),
        ("专利类型", KIND_ZH.get(patent["kind"], patent["kind"])),
        ("许可人（专利权人）", f"{document['licensor']['name']}（{document['licensor']['credit_code']}）"),
        ("被许可人", f"{document['licensee']['name']}（{document['licensee']['credit_code']}）"),
        ("许可类型", "开放许可（普通许可），中华人民共和国境内"),
        ("开放许可声明", f"公告号 {terms['announcement_number']}，公告日 {terms['announced_on']}"),
        ("许可使用费", _fee_text(document)),
        ("生效日期", effective),
        ("许可期限至", licence.ends_on.isoformat()),
    ]
    if licence.is_trial:
        rows.append(("先试用后付费", f"试用期至 {licence.trial_ends_on.isoformat()}"))
    rows.append(("备案期限", f"{licence.record_due_on.isoformat()} 前向国家知识产权局备案"))
    rows.append(("签署", f"{licence.signer_name}（{licence.signer_title}），"
                          f"{signed.strftime('%Y-%m-%d %H:%M')}（北京时间）"))
    table = Table([[para(k), para(v)] for k, v in rows], colWidths=[120, A4[0] - 2 * MARGIN - 120])
    table.setStyle(TableStyle([
        pdf.TABLE_FONT,
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#c9d2dc")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f3f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    url = verify_url(licence.sha256)
    qr = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    size = 96
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.initialFontName = font  # a drawing starts in Helvetica unless told (not embedded)
    drawing.add(qr)
    check = Table([[[para("协议 SHA-256（对签署时冻结的协议全文计算）："), para(licence.sha256, mono),
                     Spacer(1, 6), para("在线核验："), para(url, mono)], drawing]],
                  colWidths=[A4[0] - 2 * MARGIN - size - 12, size + 12])
    check.setStyle(TableStyle([pdf.TABLE_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#1f6f8b"))]))
    out = io.BytesIO()
    pdf.document(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                 bottomMargin=MARGIN, title="专利开放许可证书", author=document["licensor"]["name"],
                 subject=licence.sha256).build([
        para("专利开放许可证书", title),
        para("依据《中华人民共和国专利法》第五十条至第五十二条", sub), Spacer(1, 18), table,
        Spacer(1, 18), check, Spacer(1, 14),
        para("本证书由“百校千项”高价值专利培育转化平台依据被许可人签署的开放许可协议出具。"
             "协议自书面通知送达许可人并依约支付许可使用费之日起生效；开放许可声明撤回不影响本许可。"
             "扫描二维码或访问上述地址，可核验协议是否真实、未被改动及其当前状态。", sub),
    ])
    return out.getvalue()


def issue(licence: OpenLicence) -> None:
    """Render, sign and keep the certificate (once; the caller's transaction stores it). Its
    digest is of the signed file: the one the licensee downloads and may upload to /verify."""
    signed = signing.sign(render(licence), reason=SIGNING_REASON)
    licence.certificate_pdf = signed
    licence.certificate_sha256 = hashlib.sha256(signed).hexdigest()
