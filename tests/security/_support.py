"""Helpers of the security tests on accounts and organisations: the registration form with its
documents, and reading mailed links."""

import io
import re
from itertools import count

from marketplace.orgs import creditcode
from tests.conftest import PASSWORD
from tests.mail_support import plain

#: The smallest files the content check accepts as a PDF and as a PNG.
PDF = b"%PDF-1.4\n% business licence scan\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_serial = count(1)


def new_code() -> str:
    body = f"91440300MA{next(_serial) + 5000000:07d}"
    return body + creditcode.check_character(body)


def registration(**overrides) -> dict:
    """The registration (claim) form of a new company, with both documents attached."""
    n = next(_serial)
    data = {
        "name": f"申请人{n}", "email": f"applicant{n}@example.com", "password": PASSWORD,
        "confirm": PASSWORD, "org_kind": "company", "org_name": f"深圳测试科技有限公司{n}",
        "credit_code": new_code(), "province": "广东省", "city": "深圳市", "accept": "y",
        "business_licence": (io.BytesIO(PDF), "营业执照.pdf"),
        "authorisation_letter": (io.BytesIO(PNG), "授权委托书.png"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def mailed_path(message, prefix: str) -> str:
    """The path of the first link in ``message`` whose path starts with ``prefix``."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", plain(message))
    assert match, f"no {prefix} link in: {plain(message)}"
    return match.group(1)
