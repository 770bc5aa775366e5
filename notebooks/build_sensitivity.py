"""Builds notebooks/sensitivity_goalseek.ipynb (cells only; execute it with jupyter, nbclient or papermill)."""
import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
md("""# 政策杠杆灵敏度与目标反推 · Sensitivity of policy levers and goal seek

两个问题:**哪个政策杠杆最能改变某个目标的达成概率?**(龙卷风图:每次只动一个杠杆,从其低端到高端)以及
**要把达成概率提到 50%,某个杠杆需要调到多少?**(目标反推)。每个设计点都用同一批随机数(共用随机数),
所以两个点之间的差别来自杠杆本身,而不是抽样噪声;每个差值都给出配对标准误。

Two questions: **which lever moves a target's probability most?** (a tornado: one lever at a time, from its low end
to its high end) and **how far must a lever go to bring the probability to 50 %?** (goal seek). Every design point
uses the same random numbers (common random numbers), so a difference between two points comes from the lever, not
from sampling noise; each difference carries its paired standard error.

The command-line equivalents are `attain sensitivity` and `attain goalseek` (README, "Sensitivity and goal seek").

**注意 / Note:** 内置数据为示意性数据 (illustrative data): the numbers show the method, not Jiangxi's real odds."""),
code("""# 参数 · parameters (papermill: -p paths 200)
scenario = "baseline"
target = "GZ-REV-2020"  # Ganzhou above-scale industrial revenue ≥ 1万亿 in 2020 (`attain targets`)
levers = ["signed_per_year_gz_1yi", "new_entrant_share_gz_1yi", "financing_success_probability", "green_channel_approval_multiplier", "macro.shift"]
# Ranges the planners consider plausible (default: each lever's whole declared range, `attain levers`).
ranges = {"signed_per_year_gz_1yi": "50:200", "financing_success_probability": "0.55:0.85", "macro.shift": "-0.03:0.03"}
paths = 1000  # paths per design point
seed = 2014
goal_lever = "signed_per_year_gz_1yi"
goal_range = (20, 300)  # searched range of the goal lever
prob = 0.5  # the probability asked for""",
     metadata={"tags": ["parameters"]}),
code("""import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from model import sensitivity as sa
from model.context import prepare
from model.design_points import PointRunner, lever_factors, make_factor
from model.goalseek import goalseek, reverse
from model.scenario import load_scenario
from model.sensitivity_output import figures, goalseek_text, text_report

sc = load_scenario(scenario).with_overrides(seed=int(seed))
ctx = prepare(sc)
runner = PointRunner(ctx, [target], int(paths), int(seed))
print(f"{scenario}: {target}, {paths} paths per point, seed {seed}; illustrative data: {ctx.panel.illustrative}")"""),
md("""## 龙卷风图 · Tornado

效应 = P(杠杆取高端) − P(杠杆取低端);条形按效应大小排序。`macro.shift`(宏观增速整体偏移)不是政策杠杆,
放在一起是为了比较:政策能改变的,与宏观环境能改变的,各有多大。`ΔP/万元` 把效应与奖励政策的支出变化相比
(只有奖励支出被建模;补贴、担保资金等杠杆自身的财政成本未计入)。

Effect = P(lever at its high end) − P(lever at its low end); bars sorted by size. `macro.shift` (a shift of the
macro growth rate) is not a policy lever: it is there for comparison, to show what policy can move against what the
economy can. `ΔP/万元` relates the effect to the
change in reward payments (only reward payments are modelled, not a lever's own budget)."""),
code("""tornado = sa.tornado(runner, lever_factors(levers, ranges))
print(text_report(tornado, scenario))
for name, fig in figures(tornado):
    display(fig)
    plt.close(fig)"""),
code("""bars = pd.DataFrame(tornado["targets"][0]["bars"])
bars[["factor", "low", "high", "p_low", "p_high", "delta_p", "se_delta_p", "delta_low", "delta_high"]].round(3)"""),
md("""## 目标反推 · Goal seek

在杠杆的取值范围内找出 P(达成) = `prob` 的取值(在共用随机数的概率曲线上二分),并给出自助法区间;
到了范围端点仍达不到,就如实报告"不可达"。

The lever value at which P(attain) reaches `prob` (bisection on the common-random-number curve), with a bootstrap
interval; when even the end of the range does not get there, the answer is "not reachable"."""),
code("""seek = goalseek(runner, target, make_factor(goal_lever, tuple(goal_range)), float(prob))
print(goalseek_text(seek))"""),
md("""## 反向问题 · The reverse question

不改杠杆:这个情景以至少 `prob` 的概率能达到的最高水平是多少?(与文件目标值比较。)

With the levers as they are: what is the highest level the scenario reaches with probability at least `prob`?
(Compare it with the documents' goal.)"""),
code("""back = reverse(runner, target, float(prob))
print(goalseek_text(back))"""),
md("""## 读法 · How to read it

* 龙卷风图只回答"单独动一个杠杆"的问题;杠杆之间的交互用 Sobol 指数(`attain sensitivity --method sobol`)。
* 每个结论都以情景、数据和校准为前提;内置数据是示意性的。
* 路径数少时误差线宽:要让每个端点的标准误 ≤ 0.01,约需 2,400 条路径(README)。

* A tornado answers "one lever alone"; interactions need Sobol indices (`attain sensitivity --method sobol`).
* Every answer is conditional on the scenario, the data and the calibration; the embedded data are illustrative.
* With few paths the error bars are wide: about 2,400 paths per end give a standard error ≤ 0.01 (README)."""),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/sensitivity_goalseek.ipynb")
