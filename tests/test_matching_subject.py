"""What a listing is about is its title: a listing that shares only the field's words with a need
(in its abstract and keywords) does not outrank one whose title names the need's subject (issue 15:
a thermal-felt holder was proposed for a cathode-coating need), and demo markers are no terms."""

from collections import Counter

from marketplace.listings import search
from marketplace.listings.models import ConversionMode
from marketplace.listings.synthetic import ListingFactory
from marketplace.needs import scoring

NEED_TITLE = "【演示】高镍三元正极材料包覆改性技术"
NEED_BODY = ("我司年产5000吨高镍三元正极材料，客户反映材料在高温循环中容量衰减较快、电池产气偏多。"
             "希望引进表面包覆、体相掺杂或单晶化等改性技术，提高高镍正极材料的循环稳定性和热稳定性，并可在现有烧结产线上放大生产。")
NEED_KEYWORDS = "高镍三元正极材料, 包覆, 掺杂改性, 循环稳定性"
#: The demo's thermal-felt utility model as the generator used to write it: keywords and abstract
#: about another subject than its title.
FELT = ("一种隔热毡固定结构",
        "本实用新型公开了一种隔热毡固定结构，属于新材料技术领域。所述装置包括主体、检测单元和控制单元，控制单元根据"
        "检测单元的信号完成烧结。该方案已在中试线上完成验证，并形成了完整的工艺规范。本发明提高了材料的力学强度，"
        "并且改善了循环稳定性，在柔性电子中具有良好的应用前景。 锂离子电池正极材料, 静电纺丝, 柔性电子")
CATHODE = ("一种基于熔融共混的高镍三元正极材料热处理方法",
           "本发明公开了一种基于熔融共混的高镍三元正极材料热处理方法，属于新材料技术领域。本发明首先对高镍三元正极"
           "材料进行预处理，然后基于熔融共混构建热处理模型，最后进行验证与校正。与现有技术相比，本发明增强了耐腐蚀"
           "性能，提高了材料的力学强度，可应用于电子封装等领域。 高镍三元正极材料, 熔融共混, 电子封装")


def _demand() -> scoring.Demand:
    return scoring.Demand(terms=scoring.demand_terms(NEED_TITLE, NEED_BODY, NEED_KEYWORDS),
                          text=f"{NEED_TITLE} {NEED_KEYWORDS} {NEED_BODY}", fields=("materials",),
                          modes=(ConversionMode.EXCLUSIVE_LICENCE,), trl_min=4, trl_max=8)


def _candidate(id_: int, title: str, text: str, trl: int, modes) -> scoring.Candidate:
    return scoring.Candidate(id=id_, title=title, text=text, field="materials", trl=trl,
                             modes=frozenset(modes), price=None)


def test_a_title_naming_the_subject_beats_field_words_in_the_abstract():
    demand = _demand()
    factory = ListingFactory(2026)  # the demo's own listings
    corpus = [factory.data("王", "tto@example.edu.cn") for _ in range(300)]
    frequencies = Counter(term for item in corpus for term in set(search.tokens_for_index(
        " ".join([item["title"], item["abstract"], item["keywords"]]))))  # as the index counts them
    weights = scoring.weighted_terms(demand, frequencies, len(corpus))
    # the felt even fits better on everything but the text: TRL inside the range, a close mode
    felt = scoring.score(demand, weights, _candidate(1, *FELT, 6, [ConversionMode.TRANSFER]))
    cathode = scoring.score(demand, weights, _candidate(2, *CATHODE, 3, [ConversionMode.TRANSFER]))
    assert cathode[0] > felt[0], (cathode, felt)


def test_demo_markers_are_not_terms():
    terms = scoring.demand_terms(NEED_TITLE, "演示数据：示例需求", "演示, demo")
    assert not terms.keys() & {"演示", "示例", "demo"}
    assert "正极材料" in terms
