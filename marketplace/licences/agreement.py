"""The open-licence agreement: generated from an announced declaration, frozen at signing.

The agreement is an official document between a Chinese patentee and a Chinese licensee, so its
text is always Chinese, whatever language the signer reads the site in (the pages around it are
translated). It is serialised canonically — JSON with sorted keys, no insignificant whitespace,
UTF-8, amounts as strings with two decimals, dates as ISO 8601 — and its SHA-256 is taken over
exactly those bytes. Anyone holding the JSON can recompute the digest and check it at /verify.
"""

import hashlib
import json
from datetime import date, datetime

from marketplace import amounts
from marketplace.licences.eligibility import patent_expiry
from marketplace.licences.models import OpenLicenceDeclaration, PaymentMethod, RoyaltyBase, TrialTrigger
from marketplace.orgs.models import Organisation

FORMAT = "bxqx-open-licence-agreement/1"
KIND_ZH = {"invention": "发明专利", "utility_model": "实用新型专利", "design": "外观设计专利"}
METHOD_ZH = {PaymentMethod.LUMP_SUM: "一次性支付", PaymentMethod.ROYALTY: "提成支付",
             PaymentMethod.ENTRY_PLUS_ROYALTY: "入门费加提成", PaymentMethod.FREE: "免费许可"}
BASE_ZH = {RoyaltyBase.NET_SALES: "净销售额", RoyaltyBase.PROFIT: "利润"}
TRIGGER_ZH = {TrialTrigger.TRIAL_END: "试用期届满之日",
              TrialTrigger.FIRST_REVENUE: "被许可人首次报告实施收入后30日内（最迟为试用期届满之日）"}


def canonical(document: dict) -> str:
    """The one serialisation the digest is taken over."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _payment_clause(declaration: OpenLicenceDeclaration) -> str:
    method = declaration.payment_method
    if method is PaymentMethod.FREE:
        return "本许可为免费许可，被许可人无需支付许可使用费。"
    parts = []
    if method is PaymentMethod.LUMP_SUM:
        parts.append(f"被许可人一次性支付许可使用费{amounts.in_yuan(declaration.fee_amount)}。")
    if method is PaymentMethod.ENTRY_PLUS_ROYALTY:
        parts.append(f"被许可人支付入门费{amounts.in_yuan(declaration.fee_amount)}。")
    if method.has_royalty:
        parts.append(f"被许可人按实施本专利所得{BASE_ZH[declaration.royalty_base]}的"
                     f"{declaration.royalty_rate}%支付提成费，按期报告计提基数；提成费按基数乘以费率"
                     "计算，四舍五入至分。")
    return "".join(parts)


def terms(declaration: OpenLicenceDeclaration, licensee: Organisation, *, trial: bool,
          accepted_on: date) -> dict:
    """The unsigned agreement the licensee reviews: notice, terms, both parties."""
    listing = declaration.listing
    licensor = declaration.organisation
    expiry = patent_expiry(listing)
    trial_end = None
    if trial:
        trial_end = date.fromordinal(accepted_on.toordinal() + declaration.trial_days)
    clauses = [
        f"第一条 许可方式：依据《中华人民共和国专利法》第五十条至第五十二条，许可人已就本专利作出开放许可"
        f"声明（公告号{declaration.announcement_number}，公告日{declaration.announced_on.isoformat()}）。"
        "被许可人以书面方式通知许可人并依照公告的许可使用费支付方式、标准支付许可使用费后，即获得本专利"
        "的普通实施许可。本许可为普通许可，不具有独占性或排他性，许可人可以许可他人实施。",
        "第二条 许可范围：中华人民共和国境内；被许可人可以制造、使用、许诺销售、销售、进口专利产品，"
        "或者使用专利方法以及使用、许诺销售、销售、进口依照该专利方法直接获得的产品。被许可人不得"
        "再许可他人实施。",
        f"第三条 许可使用费：支付方式为{METHOD_ZH[declaration.payment_method]}。"
        f"{_payment_clause(declaration)}支付标准：{declaration.payment_standard}",
        f"第四条 许可期限：自本许可生效之日起至{declaration.term_end.isoformat()}止，且不超过本专利"
        f"权期限届满之日（{expiry.isoformat() if expiry else '以专利登记簿为准'}）。本专利权提前终止的，"
        "本许可随之终止。",
        "第五条 生效：本许可自书面通知送达许可人且被许可人依约支付许可使用费之日起生效；免费许可、"
        "仅按提成支付或试用许可的，自书面通知送达之日起生效。开放许可声明被撤回的，不影响本许可的效力。",
        "第六条 备案：许可人或被许可人应当自本许可生效之日起三个月内向国务院专利行政部门办理备案。",
        "第七条 争议解决：因实施本许可发生纠纷的，当事人协商解决；不愿协商或者协商不成的，可以请求"
        "国务院专利行政部门进行调解，也可以向人民法院起诉。",
    ]
    if trial:
        clauses.insert(5, (
            f"第五条之一 先试用后付费：被许可人选择先行试用，试用期{declaration.trial_days}日，自书面通知"
            f"送达之日起至{trial_end.isoformat()}止。付费时点为{TRIGGER_ZH[declaration.trial_trigger]}；"
            "到期未付的，许可人可以终止本许可。被许可人可以在试用期内书面退出，退出后停止实施本专利。"))
    if declaration.other_terms:
        clauses.append(f"第八条 其他事项：{declaration.other_terms}")
    notice = (f"致{licensor.name}：我单位{licensee.name}（统一社会信用代码{licensee.credit_code}）"
              f"现书面通知贵单位，接受贵单位就{KIND_ZH.get(listing.kind.value, '专利')}"
              f"“{listing.title}”（专利号{listing.patent_number}）作出的开放许可声明"
              f"（公告号{declaration.announcement_number}），并同意按照声明的许可使用费支付方式和标准"
              "支付许可使用费。")
    return {
        "format": FORMAT,
        "declaration": {
            "id": declaration.id, "announcement_number": declaration.announcement_number,
            "announced_on": declaration.announced_on.isoformat(),
            "payment_method": declaration.payment_method.value,
            "fee_amount": amounts.canonical(declaration.fee_amount),
            "royalty_base": declaration.royalty_base.value if declaration.royalty_base else None,
            "royalty_rate": amounts.canonical(declaration.royalty_rate),
            "payment_standard": declaration.payment_standard,
            "term_end": declaration.term_end.isoformat(),
            "trial_days": declaration.trial_days,
            "trial_trigger": declaration.trial_trigger.value if declaration.trial_trigger else None,
            "other_terms": declaration.other_terms,
        },
        "patent": {
            "patent_number": listing.patent_number, "application_number": listing.application_number,
            "title": listing.title, "kind": listing.kind.value,
            "application_date": listing.application_date.isoformat() if listing.application_date else None,
            "grant_date": listing.grant_date.isoformat() if listing.grant_date else None,
            "expiry": expiry.isoformat() if expiry else None,
        },
        "licensor": {"name": licensor.name, "credit_code": licensor.credit_code,
                     "notice_address": declaration.notice_address,
                     "notice_email": declaration.notice_email},
        "licensee": {"name": licensee.name, "credit_code": licensee.credit_code},
        "licence": {"type": "ordinary", "territory": "中华人民共和国", "trial": trial,
                    "trial_ends_on": trial_end.isoformat() if trial_end else None,
                    "ends_on": declaration.term_end.isoformat(), "accepted_on": accepted_on.isoformat()},
        "notice": notice,
        "clauses": clauses,
    }


def sign(document: dict, *, name: str, title: str, signed_at: datetime, ip: str | None,
         user_agent: str | None) -> dict:
    """The document with the signature block; the terms' own digest records what was reviewed."""
    return {**document, "terms_sha256": digest(canonical(document)), "signature": {
        "name": name, "title": title, "consent": True,
        "signed_at": signed_at.isoformat(timespec="seconds"), "ip": ip, "user_agent": user_agent}}


def loads(text: str) -> dict:
    return json.loads(text)
