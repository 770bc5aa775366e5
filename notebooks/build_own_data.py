"""Builds notebooks/bring_your_own_data.ipynb (cells only; execute it with jupyter, nbclient or papermill)."""
import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
md("""# 使用自己的数据 · Bring your own data

规划人员的流程:读入一张自己的收入表(如月调度表导出,万元),校验,并入一个数据文件夹,重新校准,再运行情景,与内置数据的结果比较。

A planner's workflow: read your own revenue table (e.g. a monthly 调度表 export in 万元), validate it, merge it into a dataset folder, recalibrate, run a scenario and compare with the embedded data.

不给 `table` 参数时,本笔记本先写出一张示例表(赣州三家企业 2013 年的数值上调 5%),以便从头到尾运行。
Without a `table` parameter the notebook first writes an example table (three Ganzhou firms, 2013 values raised by 5%) so it runs top to bottom."""),
code("""# 参数 · parameters (papermill: -p table 月调度表.xlsx -p unit 万元 -p paths 200)
table = None        # your CSV or .xlsx revenue table; None = write an example table
sheet = None        # Excel sheet name, for an .xlsx
unit = None         # unit of every row when the table has no 单位 column: "亿元" or "万元"
workdir = None      # folder for the dataset copy and results; None = a temporary folder
scenario = "baseline"
paths = 1000
seed = 2014""", metadata={"tags": ["parameters"]}),
code("""import shutil, tempfile
from pathlib import Path
import pandas as pd
import matplotlib.pyplot as plt
from model.fonts import use_cjk_font
from model.data import default_data_dir, load_dataset, load_revenue_table
from model.errors import DataError

use_cjk_font()
work = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="attain-byo-"))
mydata = work / "mydata"
if mydata.exists():
    shutil.rmtree(mydata)
shutil.copytree(default_data_dir(), mydata, ignore=shutil.ignore_patterns("parameters.toml"))
embedded = load_dataset()
print("working folder:", work)"""),
md("## 1. 读入收入表 · Load the table"),
code("""if table is None:
    # An example planner table: Chinese headers, 万元, names instead of ids, marked as published.
    firms = embedded.enterprises[embedded.enterprises["region"].str.startswith("JX.GZ")].index[:3]
    example = pd.DataFrame({
        "企业名称": embedded.enterprises.loc[firms, "name"].values,
        "年份": 2013,
        "主营业务收入": (embedded.revenue.loc[firms, 2013] * 1.05 * 1e4).round(0).values,  # 亿元 -> 万元, +5%
        "单位": "万元", "数据类型": "published", "来源": "赣州市工信局月调度表(示例)",
    })
    table = work / "月调度表.csv"
    example.to_csv(table, index=False, encoding="utf-8")
pd.read_csv(table) if str(table).endswith(".csv") else pd.read_excel(table, sheet_name=sheet or 0)"""),
md("## 2. 校验 · Validate\\n每一行都对照内置的主体名录核对;出错时指出文件、行、列和期望的值。"),
code("""panel = load_revenue_table(table, embedded, unit=unit, sheet=sheet)
for note in panel.notes[-2:]:
    print(note)"""),
md("一张有错的表会怎样 · What a bad table gives (a negative value in row 2):"),
code("""bad = pd.read_csv(table) if str(table).endswith(".csv") else pd.read_excel(table, sheet_name=sheet or 0)
value_col = next((c for c in ("主营业务收入", "value") if c in bad.columns), bad.columns[2])
bad.loc[0, value_col] = -1
bad_path = work / "bad_table.csv"
bad.to_csv(bad_path, index=False)
try:
    load_revenue_table(bad_path, embedded, unit=unit)
except DataError as exc:
    print("DataError:", exc)"""),
md("## 3. 并入数据文件夹 · Merge into a dataset folder\\n表中的数值(已换算为亿元)替换文件夹 `revenue.csv` 中同一主体、同一年的数值,并记下来源。"),
code("""rev = pd.read_csv(mydata / "revenue.csv", dtype=str)
given = panel.revenue.notna() & (panel.revenue != embedded.revenue.reindex_like(panel.revenue))
for entity in given.index[given.any(axis=1)]:
    for year in given.columns[given.loc[entity]]:
        mask = (rev["entity"] == entity) & (rev["year"] == str(year))
        rev.loc[mask, ["value", "unit", "provenance", "source"]] = [f"{panel.revenue.at[entity, year]:.4f}", "亿元",
                                                                 panel.provenance.at[entity, year], panel.source.at[entity, year]]
        print(f"{entity} {year}: {embedded.revenue.at[entity, year]:.2f} -> {panel.revenue.at[entity, year]:.2f} 亿元")
rev.to_csv(mydata / "revenue.csv", index=False, lineterminator="\\n")
mine = load_dataset(mydata)  # the folder is validated as a whole (the same checks as `attain data check`)
print("data hash:", embedded.data_hash(), "->", mine.data_hash())"""),
md("## 4. 重新校准 · Recalibrate\\n写入 `mydata/parameters.toml`(不会改动 `calibration/parameters.toml`)。"),
code("""from model.cli import main
assert main(["calibrate", "--data", str(mydata)]) == 0  # the command prints the fit; 0 = success"""),
md("## 5. 运行情景并比较 · Run and compare"),
code("""from model.scenario import load_scenario
from model.context import prepare
from model.engine import run_blocks
from model.summary import summarise

sc = load_scenario(scenario).with_overrides(paths=int(paths), seed=int(seed))
own = summarise(run_blocks(prepare(sc, data_dir=mydata), int(paths), int(seed)))
ref = summarise(run_blocks(prepare(sc), int(paths), int(seed)))
print("calibration:", own["calibration"])
cmp = pd.DataFrame([{"id": a["id"], "目标": a["title_zh"], "内置数据 P": round(b["probability"], 3), "自己的数据 P": round(a["probability"], 3),
                     "Δ": round(a["probability"] - b["probability"], 3), "se": round(a["se"], 3)}
                    for a, b in zip(own["targets"], ref["targets"]) if a["evaluable"]]).set_index("id")
cmp[cmp["Δ"] != 0].head(20) if (cmp["Δ"] != 0).any() else cmp.head(10)"""),
code("""years = own["years"]
fig, ax = plt.subplots(figsize=(8, 4))
for res, label in ((ref, "内置数据 embedded"), (own, "自己的数据 own data")):
    g = res["aggregates"]["JX.GZ"]
    line, = ax.plot(years, g["q50"], label=label + " (中位数 median)")
    ax.fill_between(years, g["q10"], g["q90"], color=line.get_color(), alpha=0.15)
ax.set_xlim(years[0], 2020); ax.set_ylabel("亿元"); ax.set_title("赣州市规模以上工业主营业务收入 (10%–90%)"); ax.legend()
ax.set_ylim(0, 1.1 * max(own["aggregates"]["JX.GZ"]["q90"][: years.index(2020) + 1]))
plt.show()"""),
md("""## 命令行的同一流程 · The same on the command line

```bash
attain data check 月调度表.xlsx --sheet 月调度表 --unit 万元
attain data check path/to/mydata
attain calibrate --data path/to/mydata
attain run baseline --data path/to/mydata -o out/mine
attain report --from out/mine          # 会议用 PDF · the meeting PDF
```"""),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/bring_your_own_data.ipynb")
