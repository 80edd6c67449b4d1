"""The one home of the platform's PDFs: the embedded Chinese font and the document template.

Every PDF the platform writes (list versions, implementation plans, agreements, licence
certificates) is in Chinese and is read outside the platform, by readers that may have no Chinese
font of their own. So each embeds a subset of one TrueType font, WenQuanYi Zen Hei (Debian's
``fonts-wqy-zenhei``; GPL-2 with a font-embedding exception, so embedded documents carry no
licence obligation). It covers GB 2312 and GBK, full-width punctuation, Latin, digits and ¥, and
its collection holds a monospaced face of the same design for SHA-256 digests and links: one font
file, two faces, nothing left to the reader's substitutes (``pdffonts``: every font ``emb`` and
``sub``). reportlab can embed only TrueType (``glyf``) outlines, which rules out the CFF-based Noto
CJK ``.otf``/``.ttc`` files.

``PDF_FONT_FILE`` names the collection (a ``.ttf`` works too, with ``PDF_MONO_INDEX`` ignored).
Documents are tagged with their language (``/Lang zh-CN``), title, author and subject; reportlab
writes no structure tree (no tagged-PDF ``/StructTreeRoot``), so the text stays extractable
through each font's ``ToUnicode`` map rather than through tags.
"""

import threading

from flask import current_app, has_app_context
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont, TTFontFile
from reportlab.platypus import SimpleDocTemplate

#: Names under which the faces are registered with reportlab (used in styles and on canvases).
FONT = "BxqxSans"
MONO = "BxqxMono"
DEFAULT_FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
#: Who makes the documents (the PDF's /Creator).
CREATOR = "百校千项高价值专利培育转化平台"
LANG = "zh-CN"
#: A table sets its cells' font even when they hold paragraphs (Helvetica unless told): every
#: TableStyle of a document starts with this command.
TABLE_FONT = ("FONTNAME", (0, 0), (-1, -1), FONT)

_lock = threading.Lock()
_registered: tuple | None = None


class PdfFontMissing(RuntimeError):
    """The configured font file is missing or is not a TrueType font reportlab can embed."""


def _settings() -> tuple[str, int, int]:
    config = current_app.config if has_app_context() else {}
    return (config.get("PDF_FONT_FILE") or DEFAULT_FONT_FILE,
            int(config.get("PDF_FONT_INDEX", 0)), int(config.get("PDF_MONO_INDEX", 1)))


def fonts() -> tuple[str, str]:
    """Register the configured font's faces (once per process and setting); return their names."""
    global _registered
    settings = _settings()
    if _registered == settings:
        return FONT, MONO
    path, index, mono_index = settings
    with _lock:
        if _registered != settings:
            try:
                faces = TTFontFile(path, subfontIndex=0).numSubfonts if path.endswith(".ttc") else 1
                pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
                pdfmetrics.registerFont(TTFont(MONO, path, subfontIndex=mono_index
                                               if mono_index < faces else index))
            except (OSError, TTFError) as error:
                raise PdfFontMissing(
                    f"The PDF font {path!r} cannot be embedded ({error}). Install Debian's "
                    "fonts-wqy-zenhei (apt-get install fonts-wqy-zenhei), or set PDF_FONT_FILE to "
                    "a TrueType (glyf) font with GB 2312 coverage.") from error
            _registered = settings
    return FONT, MONO


def document(out, *, title: str, author: str, subject: str = "", **options) -> SimpleDocTemplate:
    """A reportlab document in Chinese with the embedded font as its initial font, the document's
    language, title, author and subject, and no time stamps of its own (same input, same bytes)."""
    fonts()
    return SimpleDocTemplate(out, title=title, author=author, subject=subject, creator=CREATOR,
                             lang=LANG, invariant=1, initialFontName=FONT, displayDocTitle=1,
                             **options)
