"""How well a listing fits a demand (a need or a preference profile): a 0–100 score and its reasons.

Pure functions, no database: ``matching.py`` feeds them the demand's weighted terms and the
candidates the search index found. The score is a weighted mean of the parts that apply:

- text: the share of the demand's key terms (weighted by inverse document frequency in the search
  index, title and keyword terms twice) that the listing contains, a term in its title twice;
- field: the same industry field, a related one, or another;
- TRL: inside the wanted range, or how many levels outside;
- mode: the preferred conversion mode offered, a close one, or none;
- budget: asking price within the budget, negotiable, or above it (by how much).

A part the demand leaves open (no TRL range, no mode, no budget) is left out of the mean. The
reasons are codes and values (JSON), turned into sentences in the reader's language by
``explain.py``.
"""

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

import rjieba

from marketplace.listings import search
from marketplace.listings.models import ConversionMode

#: Weights of the parts of the score.
WEIGHTS = {"text": 0.60, "field": 0.20, "trl": 0.08, "mode": 0.06, "budget": 0.06}
#: A term found in the listing's title counts this much more than one found only in its abstract
#: or keywords. The title names what the listing is: a listing that shares only the words of the
#: field (循环稳定性, 材料, 电池) in its abstract must not outrank one whose title names the need's
#: subject (a felt holder proposed for a cathode-coating need, issue 15).
TITLE_BONUS = 1.0
#: Coverage (weighted share of terms found) that earns the whole text part.
FULL_COVERAGE = 0.55
#: Below this coverage a listing is not a match at all, whatever else fits.
MIN_COVERAGE = 0.08
FIELD_FIT = {"same": 1.0, "related": 0.4, "other": 0.0}
#: Fields close enough that a need in one is often met by a listing in the other.
RELATED_FIELDS = {
    "energy": {"vehicles", "materials", "environment"},
    "vehicles": {"energy", "equipment", "it"},
    "materials": {"energy", "equipment", "environment", "biomedicine"},
    "it": {"digital", "equipment", "vehicles"},
    "digital": {"it"},
    "equipment": {"vehicles", "it", "materials"},
    "environment": {"energy", "agriculture", "materials"},
    "agriculture": {"biomedicine", "environment"},
    "biomedicine": {"agriculture", "materials"},
    "other": set(),
}
M = ConversionMode
#: (wanted, offered) -> partial fit for modes that can stand in for each other.
SIMILAR_MODES = {
    (M.EXCLUSIVE_LICENCE, M.SOLE_LICENCE): 0.6, (M.SOLE_LICENCE, M.EXCLUSIVE_LICENCE): 0.8,
    (M.EXCLUSIVE_LICENCE, M.TRANSFER): 0.6, (M.TRANSFER, M.EXCLUSIVE_LICENCE): 0.5,
    (M.ORDINARY_LICENCE, M.OPEN_LICENCE): 0.8, (M.OPEN_LICENCE, M.ORDINARY_LICENCE): 0.6,
    (M.ORDINARY_LICENCE, M.TRY_FIRST): 0.6, (M.TRY_FIRST, M.OPEN_LICENCE): 0.5,
    (M.TRY_FIRST, M.ORDINARY_LICENCE): 0.5, (M.ORDINARY_LICENCE, M.SOLE_LICENCE): 0.5,
    (M.ORDINARY_LICENCE, M.EXCLUSIVE_LICENCE): 0.4, (M.SOLE_LICENCE, M.ORDINARY_LICENCE): 0.3,
}
#: Words that say what a need is, not what it is about.
NEED_WORDS = frozenset("""
需求 需要 寻求 寻找 希望 征集 求购 合作 合作方 我司 公司 企业 本公司 单位 技术 项目 方案 解决 解决方案
问题 研发 开发 要求 实现 能够 可以 具有 进行 采用 包括 目前 现有 现阶段 拟 计划 引进 购买 获得 提供
相关 主要 以及 并且 同时 通过 达到 满足 产品 领域 方面 一套 一项 其中 已经 如何 等 较 高 低 好 新
""".split())
#: Markers of demo and sample data (【演示】 in demo titles and organisation names): they say what
#: the record is, not what it is about, so two demo records never "share" them.
MARKER_WORDS = frozenset({"演示", "示例", "demo"})
MAX_SHOWN_TERMS = 5


@dataclass
class Demand:
    """What a need or a profile asks for, in the terms the scorer uses."""

    #: term -> weight in the demand (before the inverse document frequency).
    terms: dict[str, float]
    #: The demand's own words, to show a shared term as the whole phrase both texts contain.
    text: str = ""
    fields: tuple[str, ...] = ()
    #: The need's own field (for the sentence "same field as the need"); profiles have several.
    modes: tuple[ConversionMode, ...] = ()
    trl_min: int | None = None
    trl_max: int | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None


@dataclass
class Candidate:
    """A listing as the scorer sees it."""

    id: int
    title: str
    text: str
    field: str
    trl: int
    modes: frozenset[ConversionMode]
    price: Decimal | None
    _title_tokens: set[str] | None = field(default=None, repr=False)
    _tokens: set[str] | None = field(default=None, repr=False)

    @property
    def title_tokens(self) -> set[str]:
        if self._title_tokens is None:
            self._title_tokens = set(search.tokens_for_index(self.title))
        return self._title_tokens

    @property
    def tokens(self) -> set[str]:
        if self._tokens is None:
            self._tokens = self.title_tokens | set(search.tokens_for_index(self.text))
        return self._tokens


def demand_terms(title: str, body: str, keywords: str | None = None) -> dict[str, float]:
    """The key terms of a demand's text: title and keyword terms weigh twice the body's."""
    terms: dict[str, float] = {}
    for text, weight in ((title, 2.0), (keywords or "", 2.0), (body, 1.0)):
        for token in search.tokens_for_index(text):
            if len(token) < 2 or token in NEED_WORDS or token in MARKER_WORDS or token.isdigit():
                continue
            terms[token] = max(terms.get(token, 0.0), weight)
    return terms


def idf(document_frequency: int, total: int) -> float:
    """Inverse document frequency; 0 for a term no listing has (it cannot match)."""
    if document_frequency <= 0:
        return 0.0
    total = max(total, document_frequency)  # the index may briefly count a listing just withdrawn
    return math.log((total + 1) / (document_frequency + 0.5)) + 0.1


def weighted_terms(demand: Demand, frequencies: dict[str, int], total: int) -> dict[str, float]:
    """term -> weight in the demand × its idf, for terms some listing has."""
    weights = {}
    for term, weight in demand.terms.items():
        value = weight * idf(frequencies.get(term, 0), total)
        if value > 0:
            weights[term] = value
    return weights


_CJK = re.compile(r"[\u4e00-\u9fff]")


#: Single characters that are words of their own, never part of a term shown to the reader.
_FUNCTION_CHARS = frozenset("的了和与及或其在对是等中为将被把从向于以由到也并而且就都可")
#: At most this many split-off characters are joined on each side.
_JOIN = 2


def _phrase(term: str, ours: str, theirs: str) -> str:
    """A shared term with the single characters the segmenter split off it, when both texts have them.

    The dictionary does not know every word (热失控 is cut 热 / 失控, 高镍三元 高 / 镍 / 三元);
    the reader should see the phrase, not the fragment. Only the one-character pieces just before
    the term that are not function words are joined (Chinese modifiers come first).
    """
    pieces = list(rjieba.cut(ours))
    for index, piece in enumerate(pieces):
        if piece != term:
            continue
        low, grown = index, term
        while low > 0 and index - low < _JOIN and _joinable(pieces[low - 1]) \
                and pieces[low - 1] + grown in theirs:
            low -= 1
            grown = pieces[low] + grown
        if grown != term:
            return grown
    return term


def _joinable(piece: str) -> bool:
    return len(piece) == 1 and bool(_CJK.match(piece)) and piece not in _FUNCTION_CHARS


def _shown_terms(found: list[tuple[str, float]], ours: str = "", theirs: str = "") -> list[str]:
    """The shared terms worth naming: heaviest first, without those inside a longer one shown."""
    shown: list[str] = []
    ranked = sorted(found, key=lambda item: (-item[1], -len(item[0]), item[0]))
    if ours and theirs:
        ranked = [(_phrase(term, ours, theirs), weight) for term, weight in ranked]
    for term, _ in ranked:
        if any(term in other for other in shown):
            continue
        shown = [other for other in shown if other not in term]
        shown.append(term)
        if len(shown) >= MAX_SHOWN_TERMS:
            break
    return _joined(shown, ours, theirs) if ours and theirs else shown


def _joined(shown: list[str], ours: str, theirs: str) -> list[str]:
    """Join shown terms that stand side by side in both texts (剩余 + 寿命 -> 剩余寿命)."""
    changed = True
    while changed:
        changed = False
        for first in shown:
            for second in shown:
                pair = first + second
                if first != second and pair in ours and pair in theirs:
                    shown = [pair if term == first else term for term in shown if term != second]
                    changed = True
                    break
            if changed:
                break
    return shown


def _text_part(weights: dict[str, float], candidate: Candidate,
               ours: str | None = "") -> tuple[float, float, list[str]]:
    """(fit 0–1, raw coverage, shared terms to show)."""
    total = sum(weights.values()) * (1 + TITLE_BONUS)
    if not total:
        return 0.0, 0.0, []
    found = [(term, weight) for term, weight in weights.items() if term in candidate.tokens]
    credit = sum(weight * (1 + (TITLE_BONUS if term in candidate.title_tokens else 0))
                 for term, weight in found)
    coverage = credit / total
    if ours is None:  # ranking only: the terms are named for the matches kept
        return min(1.0, coverage / FULL_COVERAGE), coverage, []
    theirs = f"{candidate.title} {candidate.text}".lower()
    return min(1.0, coverage / FULL_COVERAGE), coverage, _shown_terms(found, ours.lower(), theirs)


def _field_part(demand: Demand, candidate: Candidate) -> str:
    if candidate.field in demand.fields:
        return "same"
    if any(candidate.field in RELATED_FIELDS.get(wanted, ()) for wanted in demand.fields):
        return "related"
    return "other"


def _trl_part(demand: Demand, trl: int) -> tuple[float, str]:
    if trl < demand.trl_min:
        distance, where = demand.trl_min - trl, "below"
    elif trl > demand.trl_max:
        distance, where = trl - demand.trl_max, "above"
    else:
        return 1.0, "inside"
    return max(0.0, 1 - 0.3 * distance), where


def _mode_part(demand: Demand, offered: frozenset[ConversionMode]) -> tuple[float, str, list[str]]:
    hits = [mode for mode in demand.modes if mode in offered]
    if hits:
        return 1.0, "offered", [mode.value for mode in hits]
    best, similar = 0.0, []
    for wanted in demand.modes:
        for mode in offered:
            fit = SIMILAR_MODES.get((wanted, mode), 0.0)
            if fit > best:
                best, similar = fit, [mode.value]
    return best, ("similar" if best else "missing"), similar


def _budget_part(demand: Demand, price: Decimal | None) -> tuple[float, str]:
    if price is None:
        return 0.6, "negotiable"
    if demand.budget_max is None or price <= demand.budget_max:
        return 1.0, "within"
    return float(demand.budget_max / price) if price else 1.0, "above"


def score(demand: Demand, weights: dict[str, float], candidate: Candidate,
          explain: bool = True) -> tuple[int, dict] | None:
    """(score 0–100, reasons) of a candidate for a demand, or None when it is no match.

    ``explain=False`` leaves the shared terms out of the reasons (cheaper, for ranking).
    """
    parts: dict[str, float] = {}
    reasons: dict = {}
    if weights:
        parts["text"], coverage, shown = _text_part(weights, candidate,
                                                    demand.text if explain else None)
        if coverage < MIN_COVERAGE:
            return None
        reasons["terms"] = shown
        reasons["coverage"] = round(coverage, 3)
    if demand.fields:
        fit = _field_part(demand, candidate)
        parts["field"] = FIELD_FIT[fit]
        reasons["field"] = {"fit": fit, "value": candidate.field}
    if demand.trl_min is not None and (demand.trl_min, demand.trl_max) != (1, 9):
        parts["trl"], where = _trl_part(demand, candidate.trl)
        reasons["trl"] = {"fit": where, "value": candidate.trl, "min": demand.trl_min,
                          "max": demand.trl_max}
    if demand.modes:
        parts["mode"], fit, modes = _mode_part(demand, candidate.modes)
        reasons["mode"] = {"fit": fit, "wanted": [m.value for m in demand.modes], "modes": modes}
    if demand.budget_max is not None or demand.budget_min is not None:
        parts["budget"], fit = _budget_part(demand, candidate.price)
        reasons["budget"] = {"fit": fit,
                             "price": None if candidate.price is None else str(candidate.price),
                             "max": None if demand.budget_max is None else str(demand.budget_max)}
    if not parts:
        return None
    total_weight = sum(WEIGHTS[name] for name in parts)
    value = sum(WEIGHTS[name] * fit for name, fit in parts.items()) / total_weight
    return max(0, min(100, round(100 * value))), reasons
