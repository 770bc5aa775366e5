"""Fixed inputs of the illustrative-data generator: names, anchors and shapes.

Anchors come from ``shared/data/published_history.csv`` (real published
figures); everything else here is a documented assumption used only to make the
illustrative panel look like Jiangxi in 2008-2013.
"""

from __future__ import annotations

YEARS = list(range(2008, 2014))

# Province above-scale industrial revenue (亿元). Only partial-year figures are
# published (Jan-Oct 2010 10,900 ≈ 82.5 % of the year; Jan-May 2013 8,844 ≈ 36 %);
# these annual levels reproduce them and the published growth rates (~40 % in
# 2010, 16-18 % in 2013).
PROVINCE_TOTAL = {2008: 7600.0, 2009: 9450.0, 2010: 13210.0, 2011: 17650.0, 2012: 20900.0, 2013: 24560.0}

# Share of provincial revenue by city in 2013 (assumption, shaped on the cities'
# industrial weight; Yingtan is large because of copper, 1818亿 in 2011).
CITIES = {
    "JX.NC": ("南昌市", 0.170), "JX.JJ": ("九江市", 0.120), "JX.GZ": ("赣州市", 0.100),
    "JX.YC": ("宜春市", 0.095), "JX.SR": ("上饶市", 0.085), "JX.JA": ("吉安市", 0.080),
    "JX.YT": ("鹰潭市", 0.100), "JX.XY": ("新余市", 0.075), "JX.PX": ("萍乡市", 0.070),
    "JX.FZ": ("抚州市", 0.055), "JX.JDZ": ("景德镇市", 0.050),
}

# Ganzhou: boards and counties (赣市府发〔2014〕26号, 二(四)).
GZ_BOARDS = {
    "JX.GZ.central": ("中部增长板块", ["章贡区", "南康区", "赣县", "上犹县", "崇义县"]),
    "JX.GZ.east": ("东部增长板块", ["瑞金市", "兴国县", "于都县", "会昌县", "宁都县", "石城县", "寻乌县"]),
    "JX.GZ.south": ("南部增长板块", ["龙南县", "定南县", "全南县", "信丰县", "大余县", "安远县"]),
}
GZ_COUNTY_CODES = {
    "章贡区": "ZG", "南康区": "NK", "赣县": "GX", "上犹县": "SY", "崇义县": "CY", "瑞金市": "RJ", "兴国县": "XG",
    "于都县": "YD", "会昌县": "HC", "宁都县": "ND", "石城县": "SC", "寻乌县": "XW", "龙南县": "LN", "定南县": "DN",
    "全南县": "QN", "信丰县": "XF", "大余县": "DY", "安远县": "AY",
}
# Ganzhou above-scale revenue: 2010 published (1271.18), 2009 and 2012 derived
# from published growth / shares; 2008, 2011, 2013 interpolated assumptions.
GZ_TOTAL = {2008: 720.0, 2009: 865.57, 2010: 1271.18, 2011: 1760.0, 2012: 2091.0, 2013: 2440.0}
GZ_TOTAL_PROVENANCE = {
    2009: ("derived", "1271.18/1.4686 (zhangzhimin.cn/dgweb_content-245746.html)"),
    2010: ("published", "http://www.zhangzhimin.cn/dgweb_content-245746.html"),
    2012: ("derived", "1027.87/0.4916 (cinic.org.cn/xy/gdcj/233893.html)"),
}

# Ganzhou "5+1" city industries and the three 200亿 clusters (city_industry), 亿元.
GZ_INDUSTRIES = {
    "GZ.C.REW": ("稀土钨新材料及应用产业集群", [200, 215, 333.71, 640.0, 705, 792.36]),
    "GZ.C.NEV": ("节能与新能源汽车及配套产业集群", [25, 30, 38, 50, 60, 74]),
    "GZ.C.ELEC": ("电子信息产业集群", [40, 48, 62, 85, 112, 150]),
    "GZ.C.CUAL": ("铜铝有色金属产业集群", [80, 95, 160, 215.0, 258, 296]),
    "GZ.C.TEXT": ("现代轻纺产业集群", [105, 125, 175, 235, 290, 352]),
    "GZ.C.TOBACCO": ("烟草产业", [30, 34, 47, 53, 58, 63]),
    "GZ.C.PHARMA": ("生物制药产业集群", [32, 38, 47, 58, 69, 82]),
    "GZ.C.FLUO": ("氟盐化工产业集群", [25, 29, 36, 45, 54, 63]),
    "GZ.C.BMAT": ("新型建材产业集群", [38, 46, 62, 80, 100, 122]),
}
GZ_INDUSTRY_PROVENANCE = {
    ("GZ.C.REW", 2010): ("derived", "稀土 149.59 + 钨 184.12 (zhangzhimin.cn/dgweb_content-245746.html)"),
    ("GZ.C.REW", 2011): ("derived", "稀土 374 (420.2/1.124) + 钨 266 (372.16/1.399) (cnmn.com.cn id=293108); 集群 >600 (bji5.cn 98513)"),
    ("GZ.C.REW", 2013): ("derived", "稀土 420.2 + 钨 372.16 (https://www.cnmn.com.cn/ShowNews1.aspx?id=293108)"),
    ("GZ.C.CUAL", 2011): ("published", "http://bji5.cn/Article/2012/98513.html"),
}

# County feature clusters of Ganzhou: (county, name, parent industry, 2013 size 亿元).
GZ_COUNTY_CLUSTERS = [
    ("NK", "南康家具产业集群", "GZ.C.TEXT", 150), ("LN", "龙南稀土新材料产业集群", "GZ.C.REW", 125),
    ("GX", "赣县稀土新材料产业集群", "GZ.C.REW", 110), ("CY", "崇义钨产业集群", "GZ.C.REW", 70),
    ("DY", "大余钨产业集群", "GZ.C.REW", 88), ("XF", "信丰电子信息产业集群", "GZ.C.ELEC", 62),
    ("YD", "于都服装产业集群", "GZ.C.TEXT", 75), ("XG", "兴国氟化工产业集群", "GZ.C.FLUO", 22),
    ("HC", "会昌氟盐化工产业集群", "GZ.C.FLUO", 18), ("RJ", "瑞金电气机械产业集群", "", 45),
    ("ZG", "章贡新能源汽车产业集群", "GZ.C.NEV", 40), ("ZG", "章贡生物医药产业集群", "GZ.C.PHARMA", 38),
    ("QN", "全南稀土及新材料产业集群", "GZ.C.REW", 45), ("DN", "定南稀土产业集群", "GZ.C.REW", 40),
    ("SY", "上犹玻纤新材料产业集群", "GZ.C.BMAT", 35), ("ND", "宁都食品产业集群", "", 30),
    ("AY", "安远电子信息产业集群", "GZ.C.ELEC", 22), ("SC", "石城鞋服产业集群", "GZ.C.TEXT", 20),
    ("XW", "寻乌稀土产业集群", "GZ.C.REW", 30), ("GX", "赣县铜铝加工产业集群", "GZ.C.CUAL", 60),
    ("LN", "龙南电子信息产业集群", "GZ.C.ELEC", 30), ("XG", "兴国新型建材产业集群", "GZ.C.BMAT", 25),
]

# Provincial key clusters outside Ganzhou: industries per city (assumption).
CITY_INDUSTRIES = {
    "JX.NC": ["汽车", "食品", "电子信息", "医药", "航空制造", "纺织服装", "新材料", "LED", "机电"],
    "JX.JJ": ["石化", "有色金属", "船舶", "纺织", "光伏", "建材", "电子电器"],
    "JX.YC": ["锂电", "医药", "建材", "陶瓷", "食品", "机电"],
    "JX.SR": ["光伏", "光学", "有色金属", "汽车", "机电", "建材"],
    "JX.JA": ["电子信息", "绿色食品", "生物医药", "精密机械", "新材料", "化工"],
    "JX.YT": ["铜冶炼", "铜精深加工", "水工", "眼镜"],
    "JX.XY": ["钢铁", "光伏", "锂电", "纺织", "机械"],
    "JX.PX": ["钢铁", "工业陶瓷", "烟花", "粉末冶金", "建材"],
    "JX.FZ": ["汽车零部件", "化工", "生物医药", "食品", "电子"],
    "JX.JDZ": ["陶瓷", "航空", "汽车", "医药", "电子"],
}

# Parks per city (count) with a few real names first; the rest are generic.
PARKS_PER_CITY = {"JX.NC": 12, "JX.JJ": 13, "JX.YC": 10, "JX.SR": 10, "JX.JA": 12, "JX.YT": 4, "JX.XY": 4, "JX.PX": 6, "JX.FZ": 9, "JX.JDZ": 4}
REAL_PARK_NAMES = {
    "JX.NC": ["南昌经济技术开发区", "南昌高新技术产业开发区", "南昌小蓝经济技术开发区", "桑海经济技术开发区"],
    "JX.JJ": ["九江经济技术开发区", "湖口金砂湾工业园", "瑞昌工业园区"],
    "JX.YT": ["鹰潭工业园区", "贵溪工业园区"],
    "JX.XY": ["新余高新技术产业开发区", "新余经济开发区"],
    "JX.PX": ["萍乡经济技术开发区", "安源工业园区"],
    "JX.YC": ["宜春经济技术开发区", "樟树工业园区"],
    "JX.SR": ["上饶经济技术开发区"],
    "JX.JA": ["井冈山经济技术开发区", "吉安高新区"],
    "JX.FZ": ["抚州高新技术产业开发区"],
    "JX.JDZ": ["景德镇高新技术产业开发区"],
}
GZ_NATIONAL_PARKS = {"ZG": "赣州经济技术开发区", "LN": "龙南经济技术开发区", "RJ": "瑞金经济技术开发区"}

# Published enterprise figures (亿元): (id, name, city, park index, cluster industry, {year: (value, provenance, source)}).
_TOP500 = "江西8企业入围2014中国企业500强 江铜以1945亿元居74位 (江西网络广播电视台, 2014-09)"
PUBLISHED_FIRMS = [
    ("E.JCC", "江西铜业集团", "JX.YT", 1, "铜冶炼", {2013: (1945.2404, "published", _TOP500), 2012: (1759.2, "derived", "278.796亿美元 × 6.31 (cinic.org.cn/xy/gdcj/211219.html)")}),
    ("E.JMC", "江铃汽车集团", "JX.NC", 2, "汽车", {2013: (404.871, "published", _TOP500)}),
    ("E.SBT", "双胞胎集团", "JX.NC", 0, "食品", {2013: (373.308, "published", _TOP500)}),
    ("E.XYS", "新余钢铁集团", "JX.XY", 0, "钢铁", {2013: (362.0791, "published", _TOP500)}),
    ("E.ZB", "正邦集团", "JX.NC", 1, "食品", {2013: (360.4589, "published", _TOP500)}),
    ("E.PXS", "江西萍钢实业", "JX.PX", 0, "钢铁", {2013: (332.1783, "published", _TOP500)}),
    ("E.JXC", "江西省煤炭集团", "JX.NC", -1, "", {2013: (264.9384, "published", _TOP500)}),
    ("E.JXW", "江西钨业集团", "JX.NC", -1, "", {2010: (115.0, "published", "http://page.lgmi.com/html/201103/07/4321.htm")}),
]

# Anchors the panel must reproduce (asserted in tests).
ANCHORS = {
    "enterprises_over_100_in_2010": 7,
    "parks_over_100_in_2009": 20,
    "parks_over_100_in_2010": 28,
}

# Growth of the provincial macro component (log), 2009..2013: boom then slowdown.
MACRO_LOG_GROWTH = {2009: 0.21, 2010: 0.335, 2011: 0.29, 2012: 0.17, 2013: 0.16}

# ---------------------------------------------------------------- monthly dispatch (月调度表), illustrative
# Within-year pattern of monthly revenue (share of the year by month; assumption shaped on Chinese industrial
# statistics: a weak January-February around the Spring Festival, a strong December). The monthly history and
# the 2014 January-June table are drawn around it by model.monthly_generator.
MONTH_WEIGHTS = (0.070, 0.064, 0.082, 0.081, 0.083, 0.087, 0.080, 0.082, 0.086, 0.087, 0.092, 0.106)
MONTHLY_HISTORY_YEARS = (2010, 2011, 2012, 2013)
MONTHLY_YEAR = 2014          # the illustrative current year of the mid-year update
MONTHLY_LAST_MONTH = 6       # its table holds January-June
# Log-sd of the tilt between the first and the second half of the year: common to every entity in a year
# (a slow first half everywhere), persistent per entity, and of each entity-month (noise).
MONTHLY_TILT_YEAR_SD = 0.05
MONTHLY_TILT_ENTITY_SD = 0.02
MONTHLY_NOISE_SD = {"enterprise": 0.10, "remainder": 0.04}
# 2014 growth of the illustrative truth: the province's log growth and the firm-level spread (σ · size^-0.15).
MONTHLY_2014_LOG_GROWTH = 0.12
MONTHLY_2014_FIRM_SD = 0.20
MONTHLY_2014_REMAINDER_SD = 0.05
