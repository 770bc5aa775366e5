"""Every fixed phrase of the meeting report, in Chinese and English.

Kept in one table so both languages always carry the same sections; a test
checks that every phrase has both languages with the same ``{fields}``.
"""

from __future__ import annotations

__all__ = ["LABELS", "label", "LANGS"]

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "title": ("工业发展目标达成概率预测报告", "Forecast of the probability of reaching the industrial targets"),
    "subtitle": ("半年推进会材料", "For the half-year promotion meeting"),
    "region": ("地区", "Region"),
    "as_of": ("数据截至", "Data as of"),
    "simulated": ("模拟年份", "Simulated years"),
    "generated": ("报告生成时间", "Report generated"),
    "scenario": ("情景", "Scenario"),
    "paths_seed": ("蒙特卡洛路径数 / 随机种子", "Monte Carlo paths / seed"),
    "conditional": ("概率的前提条件", "What the probabilities are conditional on"),
    "conditional_text": (
        "以下概率均为在所列情景(宏观判断与政策杠杆取值)、所用数据和校准参数之下的条件概率,并非无条件预言。",
        "Every probability below is conditional on the scenario listed (its macro view and lever settings), the data and the calibration; none is an unconditional prophecy.",
    ),
    "macro_view": ("宏观判断", "Macro view"),
    "macro_scenario": ("情景设定的宏观增长偏移", "Scenario shift of macro growth"),
    "macro_view_absent": (
        "本次运行未记录单独的宏观判断(macro_view);宏观增长按校准的趋势和情景偏移模拟。",
        "This run records no separate macro view (macro_view); macro growth follows the calibrated trend and the scenario shift.",
    ),
    "levers": ("政策杠杆", "Policy levers"),
    "lever": ("杠杆", "Lever"),
    "value": ("取值", "Value"),
    "unit": ("单位", "Unit"),
    "data": ("数据来源", "Data provenance"),
    "illustrative": (
        "示意性数据:本报告的结果基于合成面板(其中嵌入真实公开数据),不代表实际统计,不得作为考核依据。",
        "ILLUSTRATIVE DATA: these results rest on a synthetic panel with real published figures embedded; they are not official statistics and must not be used to assess anyone.",
    ),
    "illustrative_short": ("示意性数据", "illustrative data"),
    "real_data": ("数据不含合成值。", "The data contain no synthetic values."),
    "summary": ("目标达成概率一览", "Summary of every evaluable target"),
    "summary_note": (
        "P = 达成概率 ± 蒙特卡洛标准误;信号灯:绿 P ≥ {hi},黄 {lo} ≤ P < {hi},红 P < {lo}。",
        "P = probability of attaining ± Monte Carlo standard error; light: green P ≥ {hi}, amber {lo} ≤ P < {hi}, red P < {lo}.",
    ),
    "structural_note": ("结构区间:在结构参数不确定性下 P 的范围。", "Structural range: the range of P under structural-parameter uncertainty."),
    "structural_absent": (
        "结构区间未随本次运行计算(本结果不含 structural 字段),表中只有蒙特卡洛误差。",
        "Structural ranges were not computed for this run (the results hold no 'structural' field); the table shows Monte Carlo error only.",
    ),
    "col_target": ("目标", "Target"),
    "col_year": ("年份", "Year"),
    "col_goal": ("目标值", "Goal"),
    "col_p": ("达成概率", "P(attain)"),
    "col_light": ("信号", "Light"),
    "col_median": ("中位数 [10%–90%]", "Median [10%–90%]"),
    "col_structural": ("结构区间", "Structural range"),
    "col_change": ("较上次", "Change"),
    "col_reason": ("原因", "Reason"),
    "light_green": ("绿", "green"),
    "light_amber": ("黄", "amber"),
    "light_red": ("红", "red"),
    "previous": ("与上次报告相比", "Change since the previous report"),
    "col_before": ("更新前", "Before"),
    "col_after": ("更新后", "After"),
    "col_delta": ("变化 ± MC", "Change ± MC"),
    "ytd": ("年中更新:1–{month}月调度数据对概率的影响", "Mid-year update: what the January–{month} dispatch figures change"),
    "ytd_note": (
        "同一情景、同一随机种子和路径数,分别在不读入与读入{year}年调度表的情况下运行(共同随机数),差值即为更新的作用;“± MC”为配对差值的蒙特卡洛误差。汇总表中的概率为更新后的概率。",
        "The same scenario, seed and paths run without and with the {year} dispatch tables (common random numbers), so a difference is the update's; “± MC” is the Monte Carlo error of the paired difference. The summary's probabilities are those after the update.",
    ),
    "ytd_assumption": ("假设与来源", "Assumption and provenance"),
    "ytd_unchanged": ("概率未变的目标({n} 个):{ids}", "Targets whose P did not move ({n}): {ids}"),
    "ytd_not_conditioned": ("未按调度表更新的目标({n} 个,{why}):{ids}", "Targets the tables do not condition ({n}; {why}): {ids}"),
    "ytd_absent": (
        "年中更新:本次运行未读入月调度表(attain report/run … --ytd 表格 [--ytd-projects 项目表]),概率仅基于截至{as_of}年的年度数据。",
        "Mid-year update: this run read no dispatch table (attain report/run … --ytd TABLE [--ytd-projects TABLE]); its probabilities rest on the annual data to {as_of} only.",
    ),
    "ytd_summary": ("年中更新后:{moved} 个目标概率变化,详见“年中更新”一节。", "After the mid-year update: {moved} targets' P moved; see the section “Mid-year update”."),
    "previous_absent": ("未指定上次报告(--previous),不显示变化。", "No previous report given (--previous); changes are not shown."),
    "previous_from": ("上次结果", "Previous results"),
    "reason_data": ("数据更新(数据哈希 {a} → {b})", "new data (data hash {a} → {b})"),
    "reason_params": ("重新校准(参数 {a} → {b})", "new calibration (parameters {a} → {b})"),
    "reason_scenario": ("情景变化(情景摘要 {a} → {b})", "scenario change (scenario digest {a} → {b})"),
    "reason_paths": ("路径数或种子变化({a} → {b})", "paths or seed changed ({a} → {b})"),
    "why_data": ("数据更新", "new data"),
    "why_params": ("重新校准", "new calibration"),
    "why_scenario": ("情景变化", "scenario change"),
    "why_paths": ("路径数或种子变化", "paths or seed changed"),
    "reason_none": ("数据、校准、情景均未变化", "data, calibration and scenario unchanged"),
    "reason_noise": ("在蒙特卡洛误差之内", "within Monte Carlo error"),
    "reason_new": ("上次无此目标", "not in the previous report"),
    "params_unrecorded": ("(结果未记录参数哈希,按校准来源比较)", "(the results record no parameter hash; compared by calibration source)"),
    "fan": ("区域总量扇形图", "Fan charts of the regional aggregates"),
    "fan_note": (
        "阴影为 10%–90% 区间,实线为中位数;横线和菱形为文件规定的目标值和年度节点。单位:亿元。",
        "Shaded: 10%–90% interval; line: median; horizontal lines and diamonds: the documents' targets and annual milestones. Unit: 亿元.",
    ),
    "province_total": ("全省规模以上工业主营业务收入(参考,无目标)", "Province: revenue of industry above designated size (context, no target)"),
    "counts": ("计数目标的分布", "Distributions of the count targets"),
    "counts_note": ("柱为各计数值的概率;深色为达到目标的计数,竖线为目标值;横轴截至 99.5% 分位。", "Bars: probability of each count; dark bars attain the target; vertical line: the target; the axis ends at the 99.5% point."),
    "watch": ("关注名单", "Watch lists"),
    "watch_note": (
        "对每个计数目标,列出跨越门槛概率在 {lo}–{hi} 之间、且一旦跨越对目标概率提升最大的主体。",
        "For each count target: the entities whose chance of crossing the threshold is between {lo} and {hi}, ranked by how much their crossing raises P(target).",
    ),
    "col_entity": ("主体", "Entity"),
    "col_pcross": ("跨越概率", "P(crosses)"),
    "col_pif": ("跨越时目标概率", "P(target | crosses)"),
    "col_lift": ("提升", "Lift"),
    "watch_empty": ("无处于关键区间的主体。", "No entity in the decisive band."),
    "pipeline": ("重大项目推进与年度目标", "The project pipeline against its yearly targets"),
    "pipeline_off": ("本情景未模拟项目推进。", "This scenario does not simulate the project pipeline."),
    "pipeline_note": ("各年中位数;菱形为文件规定的年度目标。", "Median per year; diamonds: the documents' yearly targets."),
    "flow_signed": ("签约", "signed"),
    "flow_starts": ("开工", "starts"),
    "flow_completions": ("竣工投产", "completions"),
    "flow_reserve": ("储备(已签约未开工)", "reserve (signed, not started)"),
    "queues": ("排队情况(平均)", "Queues (mean)"),
    "col_stage": ("环节", "Stage"),
    "col_mean_len": ("平均队长", "Mean length"),
    "col_max_len": ("最大队长", "Max length"),
    "col_wait": ("平均等待(月)", "Mean wait (months)"),
    "lag": ("签约到投产(月,10% / 50% / 90%)", "Signing to production (months, 10% / 50% / 90%)"),
    "composition": ("省重大项目调度名单构成", "Composition of the provincial project list"),
    "composition_absent": (
        "名单构成未随本次运行计算(结果中无 composition 字段)。",
        "The list composition was not computed for this run (the results hold no 'composition' field).",
    ),
    "prog_jx_major": ("江西省百项重大工业项目(单个项目 ≥10 亿元)", "Jiangxi's list of 100 major industrial projects (≥1 bn yuan each)"),
    "prog_gz_1yi": ("赣州市投资超亿元重大工业项目", "Ganzhou's major industrial projects (investment >100 m yuan)"),
    "col_name": ("名称", "Name"),
    "programme": ("项目计划", "Programme"),
    "sensitivity": ("政策杠杆敏感性(龙卷风图)与目标反推", "Tornado of policy levers and goal seek"),
    "sensitivity_absent": (
        "敏感性分析未随本次运行计算:运行 attain sensitivity {scenario} 后,用其结果重新生成本报告。",
        "Sensitivity was not computed for this run: run attain sensitivity {scenario}, then build this report from its results.",
    ),
    "goalseek_absent": (
        "目标反推未随本次运行计算:运行 attain goalseek {scenario} 后,用其结果重新生成本报告。",
        "Goal seek was not computed for this run: run attain goalseek {scenario}, then build this report from its results.",
    ),
    "goalseek": ("目标反推", "Goal seek"),
    "analysis_source": (
        "来自 {source}:情景 {scenario},每点 {paths} 条路径,种子 {seed}(各设计点共用随机数)。",
        "From {source}: scenario {scenario}, {paths} paths per design point, seed {seed} (common random numbers across points).",
    ),
    "analysis_other_scenario": (
        "注意:该分析针对情景 {other},而非本报告的情景 {scenario};数值不可直接相加比较。",
        "Note: this analysis was run on scenario {other}, not on this report's scenario {scenario}; do not compare its numbers directly.",
    ),
    "analysis_other_data": (
        "注意:该分析所用数据与本次运行不同(数据哈希 {other} ≠ {data})。",
        "Note: this analysis used other data than this run (data hash {other} ≠ {data}).",
    ),
    "col_factor": ("因素", "Factor"),
    "col_range": ("低端 → 高端", "Low → high"),
    "col_p_low": ("P(低端)", "P(low)"),
    "col_p_high": ("P(高端)", "P(high)"),
    "col_delta_p": ("ΔP ± 标准误", "ΔP ± s.e."),
    "fiscal": ("奖励政策财政支出", "Fiscal cost of the reward schedules"),
    "fiscal_note": ("单位:万元/年;均值 [10%–90%]。", "万元 a year; mean [10%–90%]."),
    "not_evaluable_schedule": ("无法评估", "not evaluable"),
    "col_schedule": ("奖励政策", "Schedule"),
    "col_payer": ("支付方", "Payer"),
    "col_total": ("合计", "Total"),
    "drift": ("校准漂移", "Calibration drift"),
    "appendix": ("附录:方法与校准", "Appendix: method and calibration"),
    "method": ("方法", "Method"),
    "method_text": (
        "每个企业、园区、产业集群和区域的主营业务收入按校准的增长模型逐年模拟(规模相关的增长率与波动、厚尾冲击、共同的宏观路径),重大项目按签约—审批—供地—贷款—建设—投产的流程模拟并计入所在企业与园区。每条路径判断每个目标是否达成;概率为达成路径的比例,其蒙特卡洛标准误为 √(P(1−P)/n)(P 为 0 或 1 时取 3/n)。",
        "Revenue of every enterprise, park, cluster and region is simulated year by year with the calibrated growth model (size-dependent growth and volatility, heavy-tailed shocks, a common macro path); major projects go through signing, approval, land, loan, construction and production and add to their firm and park. Each path either attains a target or not; P is the share of paths that do, with Monte Carlo standard error √(P(1−P)/n) (3/n when P is 0 or 1).",
    ),
    "calibration": ("校准", "Calibration"),
    "backtest": ("回测:区间覆盖率", "Backtest: interval coverage"),
    "backtest_note": (
        "滚动起点回测(起点 {origins},每个起点 {paths} 条路径):按截至起点的数据校准,检验此后各年实际值落入 50% / 80% / 95% 区间的比例。",
        "Rolling-origin backtest (origins {origins}, {paths} paths each): calibrated on data up to the origin, the share of later actual values inside the 50% / 80% / 95% intervals.",
    ),
    "backtest_absent": ("回测未计算:{why}", "Backtest not computed: {why}"),
    "col_kind": ("对象", "Kind"),
    "col_horizon": ("预测步长(年)", "Horizon (years)"),
    "col_n": ("个数", "n"),
    "kind_aggregate": ("汇总", "aggregates"),
    "kind_enterprise": ("企业", "enterprises"),
    "benchmark": ("基准检验:M4 年度序列", "Benchmark skill: M4 Yearly"),
    "benchmark_note": (
        "同一区间构造在 M4 竞赛 {n} 条年度序列上的表现(benchmarks/results/m4_yearly.json,OWA < 1 表示优于 Naive2)。",
        "The same interval construction on the {n} yearly series of the M4 competition (benchmarks/results/m4_yearly.json; OWA < 1 beats Naive2).",
    ),
    "benchmark_absent": ("未找到基准检验结果(benchmarks/results/m4_yearly.json)。", "No benchmark results found (benchmarks/results/m4_yearly.json)."),
    "col_slice": ("类别", "Slice"),
    "provenance": ("数据出处", "Data provenance"),
    "prov_published": ("公开发布", "published"),
    "prov_derived": ("推算", "derived"),
    "prov_synthetic": ("合成(示意)", "synthetic (illustrative)"),
    "col_share": ("占比", "Share"),
    "col_values": ("数值个数", "Values"),
    "sources": ("主要来源", "Main sources"),
    "provenance_absent": ("数据文件夹 {path} 不可读,出处未列出。", "The data folder {path} cannot be read; provenance is not listed."),
    "reproduce": ("复现信息", "Reproducibility"),
    "versions": ("软件版本", "Versions"),
    "manifest_hash": ("清单哈希(manifest.json 的 SHA-256)", "Manifest hash (SHA-256 of manifest.json)"),
    "data_hash": ("数据哈希", "Data hash"),
    "scenario_digest": ("情景摘要", "Scenario digest"),
    "not_evaluable": ("无法评估的目标", "Targets that cannot be evaluated"),
    "not_evaluable_note": ("共 {n} 项,按原因归并。", "{n} targets, grouped by reason."),
    "col_ids": ("目标", "Targets"),
    "col_why": ("原因", "Reason"),
    "page": ("第 {p} 页", "page {p}"),
    "none": ("无", "none"),
    "unrecognised": ("(格式未识别,原样列出)", "(format not recognised; listed as given)"),
}


def label(key: str, lang: str, **fmt: object) -> str:
    """The phrase ``key`` in ``lang`` ('zh' or 'en'), formatted with ``fmt``.

    Parameters
    ----------
    key : str
    lang : {'zh', 'en'}
    **fmt
        Values for ``{name}`` fields of the phrase.

    Returns
    -------
    str
    """
    text = LABELS[key][LANGS.index(lang)]
    return text.format(**fmt) if fmt else text
