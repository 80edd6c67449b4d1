"""The zh-CN catalogue reads as a native speaker writes: full-width punctuation, the glossary's
terms, one meaning per message id."""

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "marketplace/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
GLOSSARY = ROOT / "docs/glossary.md"

CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’…—]"
#: An ASCII colon, semicolon, comma, question or exclamation mark or bracket next to Chinese text.
ASCII_NEXT_TO_CJK = re.compile(rf"{CJK} ?[:;,?!()]|[:;,?!()] ?{CJK}")
#: Placeholders and links keep their ASCII characters.
EXEMPT = re.compile(r"%\([a-z_]+\)[sdf]|%[sd]|https?://\S+")


@cache
def catalogue():
    with PO.open("rb") as handle:
        return tuple(m for m in read_po(handle) if m.id)


def strings(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def ids(message) -> str:
    return " ".join([message.id] if isinstance(message.id, str) else message.id)


def punctuation_errors(text: str) -> list[str]:
    return ASCII_NEXT_TO_CJK.findall(EXEMPT.sub("X", text))


def test_the_punctuation_check_catches_what_the_issue_reported():
    for text in ("开放许可: 某专利", "回答:", "版本说明: 首版", "（见附件)", "是否同意?"):
        assert punctuation_errors(text), text
    for text in ("开放许可：某专利", "%(name)s，您好：", "文件（PDF、PNG 或 JPEG 格式）",
                 "访问 https://bxqx.cn/a?b=1 查看", "第%(n)d版"):
        assert not punctuation_errors(text), text


def test_chinese_translations_use_full_width_punctuation():
    wrong = {ids(m): s for m in catalogue() for s in strings(m) if punctuation_errors(s)}
    assert wrong == {}


#: A translated string in a template followed by ASCII punctuation, or ASCII brackets around one:
#: the label and its punctuation belong in one message (``%(label)s: %(value)s``).
TEMPLATE_PATTERNS = [
    re.compile(r"\}\}(?:</\w+>)?[:;!?]"),
    re.compile(r"%\}[:;!?](?: |\{|<|$)"),
    re.compile(r"\(\{\{ *(?:_|gettext|pgettext|ngettext)\("),
    re.compile(r"(?:_|gettext|pgettext|ngettext)\([^{}]*\) *\}\}\)"),
]


def test_templates_do_not_glue_ascii_punctuation_to_translated_text():
    found = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in TEMPLATE_PATTERNS):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def glossary_rows():
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not line.startswith("|") or cells[0] in ("术语", "---"):
            continue
        term, english, never, _note = cells
        phrases = [p.strip() for p in english.split(";") if p.strip()]
        checked = [p.strip("`") for p in phrases if p.startswith("`")]
        forbidden = []
        for variant in filter(None, (v.strip() for v in never.split(";"))):
            match = re.fullmatch(r'(.+?) \(except with "(.+)"\)', variant)
            forbidden.append((match.group(1), match.group(2)) if match else (variant, None))
        rows.append((term, [p.strip("`") for p in phrases], checked, forbidden))
    return rows


def mentions(message, phrase: str, in_context: bool = False) -> bool:
    """Whether the message id (placeholders aside), or its context, names ``phrase``."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", re.I)
    context = in_context and message.context and pattern.search(message.context)
    return bool(pattern.search(EXEMPT.sub("X", ids(message))) or context)


def test_the_glossary_has_the_platform_terms():
    terms = {row[0] for row in glossary_rows()}
    assert {"报名", "开放许可", "技术转移专员", "合作意向", "路演", "工作台", "清单", "高价值专利", "成果",
            "许可使用费", "先试用后付费", "备案", "申请号", "统一社会信用代码"} <= terms
    assert all(row[2] for row in glossary_rows() if row[0] not in ("清单", "审核"))


@pytest.mark.parametrize("row", glossary_rows(), ids=lambda row: row[0])
def test_the_catalogue_follows_the_glossary(row):
    term, phrases, checked, forbidden = row
    messages = catalogue()
    untranslated = sorted({ids(m) for m in messages for p in checked
                           if mentions(m, p) and not all(term in s for s in strings(m))})
    assert untranslated == [], f"should say {term}"
    wrong = sorted({f"{ids(m)} → {s}" for m in messages for p in phrases if mentions(m, p, in_context=True)
                    for s in strings(m) for variant, unless in forbidden
                    if variant in s and not (unless and re.search(unless, ids(m), re.I))})
    assert wrong == [], f"forbidden variant for {term}"


def test_one_message_id_one_meaning():
    """The reused ids the issue found are split by context, each read as its sense."""
    by_key = {(m.context, ids(m)): strings(m)[0] for m in catalogue()}
    assert by_key[("saved search", "Name")] == "名称"
    assert by_key[("need status", "Open")] == "征集中"
    assert by_key[("roadshow", "Register")] == "报名"
    assert by_key[(None, "Register")] == "注册"
    assert "注册" not in by_key[("roadshow", "Registration")]
    assert by_key[("roadshow registration time", "Registered")] == "报名时间"
    assert by_key[("roadshow", "Ended")] != by_key[(None, "Ended")]
    assert by_key[(None, "Reason:")] == "原因："  # a listing suspended, a licence ended, …
    assert by_key[("organisation returned", "Reason:")] == "退回原因："
