"""Search queries as users type them, each with the pool listings relevant to it.

Each query is ``(kind, text, relevant keys)`` over the pool of ``pool.tsv``. A listing is
relevant when someone who typed the query would want it among the first results: it is about
what the query asks, in the sense the query means (a fault-diagnosis method for batteries is not
relevant to 轴承故障诊断 though it shares a word). The judgements were made by reading the
listings' titles and abstracts, never from what a search returned; every relevant set has at most
ten listings, so recall@10 can reach 1.

Kinds:
- ``phrase``: short noun phrases, the commonest way to search;
- ``problem``: what a company writes about its problem, in its own words, often with none of the
  listings' technical terms;
- ``abbreviation``: the short forms and Latin acronyms of the fields (锂电, AI, 光伏, 新冠, BMS);
- ``traditional``: traditional characters, as users in Hong Kong, Macao and Taiwan write;
- ``fullwidth``: full-width Latin letters, digits and signs (and the ideographic space), as
  Chinese input methods produce them;
- ``need``: the titles of the evaluation set's needs (``needs.py``), judged there.
"""

import unicodedata

from tests.eval.needs import DEV_NEEDS

TR = ["tr1", "tr2", "tr3", "tr4", "tr5", "tr6"]
CAT = ["cat1", "cat2", "cat3", "cat4", "cat5"]
VIS = ["vis1", "vis2", "vis3", "vis4", "vis5"]
WW = ["ww1", "ww2", "ww3", "ww4", "ww5"]
FR = ["fr1", "fr2", "fr3", "fr4", "fr5"]
CF = ["cf1", "cf2", "cf3", "cf4", "cf5"]
MC = ["mc1", "mc2", "mc3", "mc4", "mc5"]
SR = ["sr1", "sr2", "sr3", "sr4", "sr5"]
PM = ["pm1", "pm2", "pm3", "pm4", "pm5"]
NA = ["na1", "na2", "na3", "na4", "na5"]
PV = ["pv1", "pv2", "pv3", "pv4", "pv5"]
AG = ["ag1", "ag2", "ag3", "ag4", "ag5"]
PC = ["pc1", "pc2", "pc3", "pc4", "pc5"]
VOC = ["voc1", "voc2", "voc3", "voc4", "voc5"]
LNP = ["lnp1", "lnp2", "lnp3", "lnp4", "lnp5"]
ZLD = ["zld1", "zld2", "zld3", "zld4", "zld5"]

PHRASES = [
    ("热失控预警", TR),
    ("高镍正极材料", CAT),
    ("表面缺陷检测", VIS),
    ("污水脱氮除磷", WW),
    ("液体活检", ["lb1", "lb3", "lb4", "lb5"]),
    ("协作机器人", ["rb1", "rb2", "rb4"]),
    ("燃料电池膜电极", ["fc1", "fc2"]),
    ("水果保鲜", FR),
    ("碳纤维复合材料轻量化", CF),
    ("永磁同步电机控制", MC),
    ("重金属土壤修复", SR),
    ("轴承故障诊断", ["pm1", "pm2", "pm3"]),
    ("钠离子电池负极", NA),
    ("光伏组件清洗", ["pv2", "pv5"]),
    ("可降解镁合金", ["mg1", "mg2", "mg4", "mg5"]),
    ("植保无人机", AG),
    ("联邦学习", ["pc1", "pc3"]),
    ("有机废气治理", VOC),
    ("毫米波雷达", ["v2x1", "v2x2", "v2x3", "v2x5"]),
    ("金属3D打印", ["am1", "am2", "am3", "am4", "am5", "mg5"]),
    ("mRNA递送", LNP),
    ("储能电站调度", ["es1", "es2", "es3", "es5"]),
    ("脱硫废水", ["zld5"]),
]

PROBLEMS = [
    ("设备预测性维护", PM),
    ("高盐废水零排放处理", ZLD),
    ("电池舱着火前能提前报警", TR),
    ("产线上靠人工目检，想换成自动检测", VIS),
    ("污水厂出水总氮超标怎么办", ["ww1", "ww2", "ww3", "ww4"]),
    ("降低燃料电池铂用量", ["fc1"]),
    ("草莓运输过程中烂得太快", ["fr1", "fr2"]),
    ("手机装配时易碎零件容易夹坏", ["rb2", "rb3"]),
    ("稻米镉含量超标", ["sr1", "foodhm"]),
    ("电动车冬天电池需要加热", ["evthermal"]),
    ("电动汽车高速时动力不足", ["mc3"]),
    ("电驱系统振动噪声大", ["mc5"]),
    ("光伏电站发电量下降，要找出故障组件", ["pv1", "pv3", "pv4", "pv5"]),
    ("医院之间共享数据又不泄露患者隐私", PC),
    ("喷漆车间废气排放不达标", VOC),
    ("钢板表面划伤检测", ["vis2", "vis3"]),
    ("自动驾驶在雨雾天气看不清行人", ["v2x1"]),
    ("储能项目如何提高收益", ["es1", "es3", "es5"]),
    ("想尽早发现肺癌", ["lb4", "lb5", "medseg"]),
]

ABBREVIATIONS = [
    ("锂电 热失控", TR),
    ("锂电正极", [*CAT, "lfp1"]),
    ("AI 缺陷检测", ["vis1", "vis3", "vis5", "am4", "crack", "pv1"]),
    ("光伏电池", ["perov", "pv3"]),
    ("新冠 检测", ["pcr"]),
    ("新冠疫苗", ["lnp1", "lnp2", "adjuv"]),
    ("VOCs 催化燃烧", VOC),
    ("BMS", ["soc1", "soh1", "batfd", "bmschip", "tr5"]),
    ("SOC估计", ["soc1"]),
    ("PCB缺陷检测", ["vis1"]),
    ("V2X 路侧感知", ["v2x2"]),
    ("新能源车 电机控制器", MC),
    ("MVR蒸发结晶", ["zld1"]),
    ("DTRO 浓缩", ["zld2"]),
    ("LNP", LNP),
    ("CTC 捕获芯片", ["lb3"]),
    ("cfDNA 甲基化", ["lb1"]),
    ("钠电负极", NA),
    ("风电 故障预警", ["pm3"]),
]

TRADITIONAL = [
    ("鋰電池熱失控預警", TR),
    ("污水處理廠脫氮除磷", ["ww1", "ww2", "ww3", "ww4"]),
    ("碳纖維複合材料", [*CF, "cfrec"]),
    ("聯邦學習 隱私保護", PC),
    ("機器視覺 檢測", [*VIS, "fruitsort"]),
    ("協作機器人 柔順裝配", ["rb1", "rb2"]),
    ("植保無人機 噴灑", AG),
    ("燃料電池 雙極板", ["fc3"]),
    ("鈉離子電池 硬碳", NA),
    ("鎂合金 血管支架", ["mg1", "mg4"]),
    ("荔枝保鮮", ["fr5"]),
    ("預測性維護 振動監測", PM),
    ("激光雷達 標定", ["v2x5"]),
    ("高鹽廢水 零排放", ZLD),
]

FULLWIDTH = [
    ("ＹＯＬＯ 瑕疵检测", ["vis5"]),
    ("４Ｄ毫米波雷达", ["v2x3"]),
    ("ｍＲＮＡ疫苗", ["lnp1", "lnp2"]),
    ("ＣＴ图像 肺结节", ["medseg"]),
    ("ＳＣＲ脱硝催化剂", ["scr"]),
    ("８００Ｖ 电机控制器", ["mc2"]),
    ("１－甲基环丙烯 保鲜", ["fr3"]),
    ("ＩＶ曲线 光伏故障", ["pv4"]),
    ("Ｃ－Ｖ２Ｘ", ["v2x2"]),
    ("３Ｄ打印", ["am1", "am2", "am3", "am4", "am5", "mg5", "ceram3d"]),
    ("３Ｃ产品 装配", ["rb2"]),
    ("ＤＮＡ甲基化 早筛", ["lb1", "lb2"]),
    ("ｐＨ 溶解氧 在线监测", ["aqua1"]),
    ("高镍正极　包覆", ["cat2"]),
]

#: The simplified form of each traditional query: the query a user of simplified characters types.
SIMPLIFIED = {
    "鋰電池熱失控預警": "锂电池热失控预警", "污水處理廠脫氮除磷": "污水处理厂脱氮除磷",
    "碳纖維複合材料": "碳纤维复合材料", "聯邦學習 隱私保護": "联邦学习 隐私保护",
    "機器視覺 檢測": "机器视觉 检测", "協作機器人 柔順裝配": "协作机器人 柔顺装配",
    "植保無人機 噴灑": "植保无人机 喷洒", "燃料電池 雙極板": "燃料电池 双极板",
    "鈉離子電池 硬碳": "钠离子电池 硬碳", "鎂合金 血管支架": "镁合金 血管支架",
    "荔枝保鮮": "荔枝保鲜", "預測性維護 振動監測": "预测性维护 振动监测",
    "激光雷達 標定": "激光雷达 标定", "高鹽廢水 零排放": "高盐废水 零排放",
}


def normal_form(kind: str, text: str) -> str | None:
    """What a traditional or full-width query means in simplified characters and half width
    (NFKC); None for the other kinds."""
    if kind == "traditional":
        return SIMPLIFIED[text]
    if kind == "fullwidth":
        return unicodedata.normalize("NFKC", text)
    return None


KINDS = {"phrase": PHRASES, "problem": PROBLEMS, "abbreviation": ABBREVIATIONS,
         "traditional": TRADITIONAL, "fullwidth": FULLWIDTH,
         "need": [(need[0], need[-1]) for need in DEV_NEEDS]}

#: ``(kind, text, relevant keys)``, every kind in turn.
QUERIES = [(kind, text, relevant) for kind, rows in KINDS.items() for text, relevant in rows]
