"""The platform's PDFs read with the tools people outside use: ``pdffonts`` (every font embedded
as a subset), ``pdftotext`` (the Chinese text extracts), ``qpdf --check``, and pyHanko (the
platform's signature on agreements and certificates, and a copy changed by one byte)."""

import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import (
    load_cert_from_pemder,
    load_certs_from_pemder_data,
    load_private_key_from_pemder_data,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from marketplace import pdf, pki, signing
from marketplace.action import exports as action_exports
from marketplace.action.models import PlanVersion
from marketplace.licences import agreement_pdf
from marketplace.licences.models import PaymentMethod
from marketplace.lists import exports as list_exports
from marketplace.lists import services as lists
from marketplace.lists.models import ListKind
from tests import factories
from tests.conftest import login, post, zh
from tests.licences_support import world  # noqa: F401

TOOLS = ("pdffonts", "pdftotext", "qpdf")
pytestmark = pytest.mark.skipif(any(shutil.which(tool) is None for tool in TOOLS),
                                reason="needs poppler-utils and qpdf (.ci/run installs them)")


def _tool(*args: str, data: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    return subprocess.run([*args, str(path)],  # noqa: S603 (our own arguments)
                          capture_output=True, text=True, timeout=60, check=False)


def fonts(data: bytes, tmp_path: Path) -> list[dict]:
    """``pdffonts``' table: name, type, emb, sub and uni of every font."""
    output = _tool("pdffonts", data=data, tmp_path=tmp_path).stdout.splitlines()
    rows = []
    for line in output[2:]:
        parts = line.split()
        rows.append({"name": parts[0], "type": " ".join(parts[1:-6]), "emb": parts[-5],
                     "sub": parts[-4], "uni": parts[-3]})
    return rows


def text(data: bytes, tmp_path: Path) -> str:
    """``pdftotext``'s UTF-8 text of the document."""
    path = tmp_path / "extract.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603, S607
                          capture_output=True, text=True, timeout=60, check=True).stdout


def assert_well_formed(data: bytes, tmp_path: Path, *, title: str) -> None:
    """Every font an embedded subset of the configured font, qpdf clean, language and title set."""
    found = fonts(data, tmp_path)
    assert found, "no fonts"
    for row in found:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), (title, row)
        assert re.fullmatch(r"[A-Z]{6}\+WenQuanYiZenHei(Mono)?-\d", row["name"]), row
    checked = _tool("qpdf", "--check", data=data, tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout
    reader = PdfFileReader(io.BytesIO(data))
    assert reader.root["/Lang"] == "zh-CN"
    assert reader.root["/ViewerPreferences"]["/DisplayDocTitle"]  # readers show the title
    meta = reader.document_meta_view
    assert meta.title == title and meta.author and meta.creator == pdf.CREATOR


def small_pdf() -> bytes:
    font, _mono = pdf.fonts()
    out = io.BytesIO()
    pdf.document(out, title="测试文件", author="某公司").build(
        [Paragraph("一页中文测试文本。", ParagraphStyle("p", fontName=font))])
    return out.getvalue()


def free_licence(world):  # noqa: F811
    declared = factories.declaration(world.tto, world.listing, payment_method=PaymentMethod.FREE,
                                     fee_amount=None)
    return factories.licence(world.buyer, declared)


def plan_version(university: str) -> PlanVersion:
    sections = {"basis": "学校已建立知识产权管理体系。", "goals": "三年内转化高价值专利五十项。",
                "organisation": "成立由分管校领导牵头的工作专班。",
                "mechanisms": "实行专利转化收益分配激励。",
                "measures": "将成果转化纳入二级单位绩效考核。", "expected_results": "形成可推广的转化模式。"}
    snapshot = {"university": university, "batch": {"name": "第二批次"}, "sections": sections,
                "targets": {}, "projects": [{
                    "title": "钠电池材料专利组合", "platform": "全国重点实验室",
                    "description": "面向储能产业。",
                    "listings": [{"title": "一种钠离子电池负极材料", "patent_number": "ZL201910700011.3",
                                  "application_number": "201910700011.3", "grade": "A"}]}]}
    return PlanVersion(number=1, snapshot=snapshot, late=False,
                       submitted_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))


def test_every_pdf_embeds_its_font_extracts_as_chinese_and_passes_qpdf(app, world, tmp_path):  # noqa: F811
    plist = lists.create_list(world.tto, ListKind.HIGH_VALUE_PATENTS, "2026年度高价值专利清单")
    lists.add_listing(world.tto, plist, world.listing)
    version = lists.publish_version(world.tto, plist)
    licence = free_licence(world)
    documents = {
        "list": (list_exports.version_pdf(version, app.config["PUBLIC_URL"]), "2026年度高价值专利清单",
                 [world.listing.title, "华东理工科技大学", "SHA-256: " + version.sha256]),
        "plan": (action_exports.plan_pdf(plan_version("华东理工科技大学")), None,
                 ["将成果转化纳入二级单位绩效考核。", "一种钠离子电池负极材料", "ZL201910700011.3"]),
        "certificate": (licence.certificate_pdf, "专利开放许可证书",
                        ["专利开放许可证书", world.company.name, licence.sha256]),
        "agreement": (agreement_pdf.signed(licence), "专利开放许可协议",
                      ["专利开放许可协议", "第一条 许可方式", "赵敏", licence.sha256]),
    }
    for name, (data, title, expected) in documents.items():
        reader_title = title or PdfFileReader(io.BytesIO(data)).document_meta_view.title
        assert_well_formed(data, tmp_path, title=reader_title)
        extracted = text(data, tmp_path).replace("\n", "")
        for phrase in expected:
            assert phrase in extracted, (name, phrase)
    assert "高价值专利" in PdfFileReader(io.BytesIO(documents["plan"][0])).document_meta_view.title


def test_the_certificate_links_to_the_verification_page_on_public_url(app, world, tmp_path):  # noqa: F811
    app.config["PUBLIC_URL"] = "https://bxqx.example.gov.cn"
    licence = free_licence(world)
    extracted = text(licence.certificate_pdf, tmp_path)
    assert f"https://bxqx.example.gov.cn/verify/{licence.sha256}" in extracted.replace("\n", "")
    assert "127.0.0.1" not in extracted
    assert f"https://bxqx.example.gov.cn/verify/{licence.sha256}" in text(
        agreement_pdf.signed(licence), tmp_path).replace("\n", "")


def _pyhanko(data: bytes, ca_path: str):
    reader = PdfFileReader(io.BytesIO(data))
    (embedded,) = reader.embedded_signatures
    # Through the app's runner: pyHanko starts an event loop, refused where one runs (Playwright's).
    return signing._pyhanko(validate_pdf_signature, embedded,
                            ValidationContext(trust_roots=[load_cert_from_pemder(ca_path)]))


def tamper(data: bytes) -> bytes:
    """One byte changed inside the first page's content stream (within the signed range)."""
    start = data.index(b"stream\n", data.index(b"/Length")) + len(b"stream\n")
    changed = bytearray(data)
    changed[start + 20] ^= 0x01
    return bytes(changed)


def test_signed_agreement_validates_and_a_tampered_copy_is_changed(client, auth, world, app,  # noqa: F811
                                                                   signing_settings):
    licence = free_licence(world)
    login(auth, world.buyer)
    response = client.get(f"/licences/{licence.id}/agreement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    signed = response.get_data()

    status = _pyhanko(signed, signing_settings["SIGNING_CHAIN"])
    assert (status.intact, status.valid, status.trusted, status.bottom_line) == (True, True, True, True)
    assert status.signing_cert.subject.native["common_name"] == "百校千项平台文件签章（开发演示）"
    assert status.coverage.name == "ENTIRE_FILE"
    assert abs(status.signer_reported_dt - datetime.now(UTC)) < timedelta(minutes=5)

    changed = tamper(signed)
    status = _pyhanko(changed, signing_settings["SIGNING_CHAIN"])
    assert (status.intact, status.bottom_line) == (False, False)

    auth.logout()
    page = post(client, "/verify", {"file": (io.BytesIO(signed), "agreement.pdf")},
                content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert zh("Signed by the platform and unchanged since signing.") in html
    assert "百校千项平台文件签章（开发演示）" in html and licence.sha256 in html
    assert world.company.name in html  # the licence the agreement proves
    page = post(client, "/verify", {"file": (io.BytesIO(changed), "agreement.pdf")},
                content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert zh("Changed since signing: this file is not the one the platform signed.") in html
    assert zh("Signed by the platform and unchanged since signing.") not in html
    assert licence.sha256 not in html

    # The certificate: the same, and its stored digest is of the signed file.
    status = _pyhanko(licence.certificate_pdf, signing_settings["SIGNING_CHAIN"])
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    page = post(client, "/verify", {"file": (io.BytesIO(tamper(licence.certificate_pdf)), "c.pdf")},
                content_type="multipart/form-data")
    assert page.status_code == 422 and zh("Changed since signing: this file is not the one the "
                                          "platform signed.") in page.get_data(as_text=True)


def test_verify_tells_a_foreign_signature_an_unsigned_pdf_and_a_broken_file(
        client, app, another_app, tmp_path):
    plain = small_pdf()
    folder = tmp_path / "other-ca"
    pki.create(folder, key_size=2048)
    other = another_app(SIGNING_CERT=str(folder / "signing-cert.pem"),
                        SIGNING_KEY=str(folder / "signing-key.pem"),
                        SIGNING_CHAIN=str(folder / "ca-cert.pem"))
    with other.app_context():
        foreign = signing.sign(plain, reason="另一家机构")
    cases = [(foreign, "Not signed by the platform: the signature is not made with the platform's "
                       "certificate."),
             (plain, "This PDF carries no signature."),
             (b"%PDF-1.7\n" + b"\x00garbage" * 50, "This file is not a PDF that can be read.")]
    for data, message in cases:
        page = post(client, "/verify", {"file": (io.BytesIO(data), "x.pdf")},
                    content_type="multipart/form-data")
        assert page.status_code == 422
        assert zh(message) in page.get_data(as_text=True)
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    page = post(client, "/verify", {"file": (io.BytesIO(foreign), "x.pdf")},
                content_type="multipart/form-data")
    assert page.status_code == 413


def test_pki_init_makes_the_key_the_platform_signs_with(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(signing, "pki_dir", lambda app=None: tmp_path / "pki")
    for key in ("SIGNING_CERT", "SIGNING_KEY", "SIGNING_CHAIN"):
        monkeypatch.setitem(app.config, key, "")
    signing.reset()
    with pytest.raises(signing.SigningUnavailable, match="pki init"):
        signing.sign(b"%PDF-1.4", reason="x")

    result = runner.invoke(args=["pki", "init"])
    assert result.exit_code == 0, result.output
    key = tmp_path / "pki" / "signing-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert "SHA-256 fingerprint" in result.output
    again = runner.invoke(args=["pki", "init"])
    assert again.exit_code != 0 and "--force" in again.output

    signed = signing.sign(small_pdf(), reason="测试")
    verdict = signing.validate(signed)
    assert verdict.state == "unchanged" and "开发演示" in verdict.signer
    assert _pyhanko(signed, str(tmp_path / "pki" / "ca-cert.pem")).bottom_line
    assert pki.ensure(app) is False  # a key exists: the demo loader leaves it alone


def test_a_missing_font_says_what_to_install(app, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_FONT_FILE", "/nonexistent/wqy-zenhei.ttc")
    with pytest.raises(pdf.PdfFontMissing, match="fonts-wqy-zenhei"):
        pdf.fonts()


class _TimeStampAuthority(BaseHTTPRequestHandler):
    stamper: DummyTimeStamper

    def do_POST(self):  # noqa: N802  (http.server's name)
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        body = asyncio.run(self.stamper.async_request_tsa_response(request)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _tsa_stamper() -> DummyTimeStamper:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试时间戳服务")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (tsa_cert,) = load_certs_from_pemder_data(cert.public_bytes(pem))
    tsa_key = load_private_key_from_pemder_data(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), passphrase=None)
    return DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)


def test_timestamp_url_adds_an_rfc3161_time_stamp(app):
    _TimeStampAuthority.stamper = _tsa_stamper()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TimeStampAuthority)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app.config["TIMESTAMP_URL"] = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        signed = signing.sign(small_pdf(), reason="测试")
    finally:
        server.shutdown()
        server.server_close()
    verdict = signing.validate(signed)
    assert verdict.state == "unchanged" and verdict.timestamped
    assert abs(verdict.signed_at - datetime.now(UTC)) < timedelta(minutes=5)


GEVENT_SCRIPT = """
from gevent import monkey; monkey.patch_all()
import io, sys, gevent
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
from marketplace import create_app, pdf, signing
app = create_app()
def download():
    with app.app_context():
        font, _mono = pdf.fonts()
        out = io.BytesIO()
        story = [Paragraph("协议", ParagraphStyle("p", fontName=font))]
        pdf.document(out, title="t", author="a").build(story)
        return signing.validate(signing.sign(out.getvalue(), reason="r")).state
jobs = [gevent.spawn(download) for _ in range(4)]
gevent.joinall(jobs)
print([job.value or repr(job.exception) for job in jobs])
"""


def test_signing_works_for_greenlets_at_the_same_time_under_gevent(signing_settings, tmp_path):
    """The production server runs requests as gevent greenlets in one thread: four agreement
    downloads at once are all signed (pyHanko's event loops must not overlap)."""
    environment = {**{k: v for k, v in os.environ.items() if k != "APP_ENV"},
                   **signing_settings, "INSTANCE_PATH": str(tmp_path),
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'gevent.db'}"}
    run = subprocess.run([sys.executable, "-c", GEVENT_SCRIPT],  # noqa: S603 (our own script)
                         capture_output=True, text=True, timeout=120, env=environment,
                         cwd=Path(__file__).resolve().parent.parent, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == str(["unchanged"] * 4), run.stdout + run.stderr[-2000:]


def test_production_keys_from_pkcs12_and_a_key_that_is_not_the_certificates(app, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.serialization import pkcs12

    folder = tmp_path / "org"
    pki.create(folder, key_size=2048)
    key = serialization.load_pem_private_key((folder / "signing-key.pem").read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate((folder / "signing-cert.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((folder / "ca-cert.pem").read_bytes())
    bundle = pkcs12.serialize_key_and_certificates(
        b"sign", key, cert, [ca], serialization.BestAvailableEncryption(b"secret"))
    (tmp_path / "org.p12").write_bytes(bundle)
    for name, value in {"SIGNING_CERT": "", "SIGNING_KEY": "", "SIGNING_CHAIN": "",
                        "SIGNING_PKCS12": str(tmp_path / "org.p12"),
                        "SIGNING_PKCS12_PASSWORD": "secret"}.items():
        monkeypatch.setitem(app.config, name, value)
    signing.reset()
    verdict = signing.validate(signing.sign(small_pdf(), reason="测试"))
    assert verdict.state == "unchanged"  # the chain inside the PKCS#12 file is the trust anchor

    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "wrong")
    signing.reset()
    with pytest.raises(signing.SigningUnavailable, match="cannot be loaded"):
        signing.sign(small_pdf(), reason="测试")

    other = tmp_path / "other"
    pki.create(other, key_size=2048)
    for name, value in {"SIGNING_PKCS12": "", "SIGNING_CERT": str(folder / "signing-cert.pem"),
                        "SIGNING_KEY": str(other / "signing-key.pem")}.items():
        monkeypatch.setitem(app.config, name, value)
    signing.reset()
    with pytest.raises(signing.SigningUnavailable, match="does not belong"):
        signing.sign(small_pdf(), reason="测试")
    signing.reset()


def test_signing_works_where_an_event_loop_already_runs(world, app, signing_settings):  # noqa: F811
    """pyHanko starts an event loop; where one already runs in the thread (Playwright's
    synchronous API in the browser tests does this), signing must still work, not raise
    'asyncio.run() cannot be called from a running event loop'."""
    licence = free_licence(world)
    loop, previous = asyncio.new_event_loop(), asyncio._get_running_loop()
    asyncio._set_running_loop(loop)  # as Playwright's is while a browser test runs
    try:
        signed = agreement_pdf.signed(licence)
    finally:
        asyncio._set_running_loop(previous)
        loop.close()
    assert _pyhanko(signed, signing_settings["SIGNING_CHAIN"]).bottom_line
