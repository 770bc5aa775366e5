"""The meeting PDF: it builds, shows the run's own probabilities, embeds its Chinese font, and says what is missing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

from model.cli import main  # noqa: E402
from model.report import assemble  # noqa: E402
from model.report.compare import run_changes, target_changes  # noqa: E402
from model.report.sections import records, structural_range, tornado_rows  # noqa: E402
from model.report.typst_source import report_source  # noqa: E402

PATHS = "200"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One baseline result folder, the zh PDF built by running the same scenario, and an en PDF from the folder."""
    root = tmp_path_factory.mktemp("report")
    res = root / "res"
    assert main(["run", "baseline", "--paths", PATHS, "-o", str(res), "--no-progress"]) == 0
    zh = root / "zh.pdf"
    assert main(["report", "baseline", "--paths", PATHS, "-o", str(zh), "--backtest-paths", "100", "--no-progress"]) == 0
    en = root / "en.pdf"
    assert main(["report", "--from", str(res), "--lang", "en", "-o", str(en), "--backtest-paths", "0"]) == 0
    return {"root": root, "res": res, "zh": zh, "en": en, "summary": json.loads((res / "summary.json").read_text(encoding="utf-8"))}


def _text(pdf: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(pdf).pages]


def _p_in_line(text: str, tid: str) -> tuple[float, float]:
    """P and its error on the summary line of target ``tid`` (the first line that starts with its id)."""
    line = next(ln for ln in text.splitlines() if ln.startswith(tid + " "))
    m = re.search(r"(\d\.\d+) ± (\d(?:\.\d+)?(?:e-\d+)?)", line)
    assert m, line
    return float(m.group(1)), float(m.group(2))


def test_pdf_builds_with_every_section(runs):
    pages = _text(runs["zh"])
    assert runs["zh"].read_bytes()[:5] == b"%PDF-"
    assert len(pages) >= 8
    text = "\n".join(pages)
    for heading in ("目标达成概率一览", "区域总量扇形图", "计数目标的分布", "关注名单", "重大项目推进与年度目标", "奖励政策财政支出", "附录:方法与校准", "回测:区间覆盖率"):
        assert heading in text, heading
    assert "示意性数据" in pages[0]  # the cover marks illustrative data
    assert "江西省、赣州市" in pages[0]  # the province and the city with targets


def test_summary_probabilities_equal_the_runs_results(runs):
    """Same scenario, paths and seed: the PDF built by running must show the result folder's P and error."""
    summary_text = "\n".join(_text(runs["zh"])[1:3])
    targets = [t for t in runs["summary"]["targets"] if t["evaluable"]]
    assert len(targets) > 20
    for t in targets:
        p, se = _p_in_line(summary_text, t["id"])
        assert abs(p - t["probability"]) <= 0.0005 + 1e-12, t["id"]
        assert abs(se - t["se"]) <= max(0.0005, 0.5 * t["se"]), t["id"]


def test_cjk_font_embedded_and_chinese_extracts(runs):
    reader = pypdf.PdfReader(runs["zh"])
    fonts = {}
    for page in reader.pages:
        for f in page["/Resources"].get("/Font", {}).values():
            f = f.get_object()
            for d in f.get("/DescendantFonts", [f]):
                d = d.get_object()
                desc = d["/FontDescriptor"].get_object()
                fonts[str(d["/BaseFont"])] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert any("NotoSansCJK" in name for name in fonts), fonts
    assert all(fonts.values()), f"fonts not embedded: {[k for k, v in fonts.items() if not v]}"
    text = "\n".join(_text(runs["zh"]))
    first = next(t for t in runs["summary"]["targets"] if t["evaluable"])
    assert first["title_zh"] in text  # e.g. 主营业务收入过50亿元的工业企业, extracted as written
    assert "江西省" in text


def test_english_report(runs):
    pages = _text(runs["en"])
    text = "\n".join(pages)
    for heading in ("Summary of every evaluable target", "Fan charts of the regional aggregates", "Watch lists", "Appendix: method and calibration"):
        assert heading in text
    assert "目标达成概率一览" not in text
    for t in [t for t in runs["summary"]["targets"] if t["evaluable"]][:10]:
        assert abs(_p_in_line("\n".join(pages[1:3]), t["id"])[0] - t["probability"]) <= 0.0005 + 1e-12
    assert "Backtest not computed" in text  # --backtest-paths 0 is said, not hidden


def test_missing_sections_are_stated_not_invented(runs):
    text = "\n".join(_text(runs["zh"]))
    assert "敏感性分析未随本次运行计算" in text and "attain sensitivity baseline" in text
    assert "目标反推未随本次运行计算" in text
    # attain report computes the structural range like attain run: the summary shows it
    assert "结构区间未随本次运行计算" not in text and "结构区间" in text
    assert "本次运行未读入月调度表" in text  # no mid-year update: said on the summary page
    # the list composition is part of every run with a pipeline now (summary.json pipeline.provincial_list)
    assert "名单构成未随本次运行计算" not in text and "省重大项目调度名单构成" in text


def test_optional_sections_shown_when_present(runs, tmp_path):
    """Structural ranges, a tornado and a list composition added to a result appear in the report."""
    res = tmp_path / "res"
    shutil.copytree(runs["res"], res)
    summary = json.loads((res / "summary.json").read_text(encoding="utf-8"))
    first = next(t for t in summary["targets"] if t["evaluable"])
    first["structural"] = {"low": 0.013, "high": 0.271}
    summary["pipeline"]["composition"] = [{"industry": "电子信息", "projects": 17}]
    (res / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    (res / "sensitivity.json").write_text(json.dumps({first["id"]: [{"lever": "signed_per_year_jx_major", "p_low": 0.1, "p_high": 0.4}]}), encoding="utf-8")
    source, figures = report_source(assemble(res, "zh", backtest_paths=0))
    assert '"0.01–0.27"' in source
    assert '"电子信息"' in source
    assert "敏感性分析未随本次运行计算" not in source and any(k.startswith("tornado") for k in figures)
    assert "目标反推未随本次运行计算" in source


def test_unreadable_data_folder_is_stated(runs, tmp_path):
    """A result whose data folder is gone still gives a report; provenance and backtest say why they are missing."""
    res = tmp_path / "res"
    shutil.copytree(runs["res"], res)
    manifest = json.loads((res / "manifest.json").read_text(encoding="utf-8"))
    manifest["data_dir"] = str(tmp_path / "gone")
    (res / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    source, _ = report_source(assemble(res, "en"))
    assert "cannot be read; provenance is not listed" in source
    assert "Backtest not computed" in source


def test_previous_report_changes_and_reasons(runs, tmp_path):
    other = tmp_path / "seed7"
    assert main(["run", "baseline", "--paths", PATHS, "--seed", "7", "-o", str(other), "--no-progress"]) == 0
    pdf = tmp_path / "cmp.pdf"
    assert main(["report", "--from", str(other), "--previous", str(runs["res"]), "-o", str(pdf), "--backtest-paths", "0"]) == 0
    text = "\n".join(_text(pdf))
    assert "路径数或种子变化(200 / 20140101 → 200 / 7)" in text
    now = json.loads((other / "summary.json").read_text(encoding="utf-8"))
    before = {t["id"]: t["probability"] for t in runs["summary"]["targets"] if t["evaluable"]}
    t = next(t for t in now["targets"] if t["evaluable"] and abs(t["probability"] - before[t["id"]]) > 0.01)
    start = text.index("\n" + t["id"] + " ")
    row = text[start: text.index("\n", text.index(" ± ", start))]  # the row, up to the line holding its P (and change)
    assert f"{t['probability'] - before[t['id']]:+.3f}" in row or f"{t['probability'] - before[t['id']]:+.3f}" in text[start: start + 200]


def test_run_changes_name_each_source():
    a = {"data_hash": "d1", "calibration": "stored", "scenario": "baseline", "scenario_digest": "s1", "n_paths": 100, "seed": 1}
    assert run_changes(a, dict(a)) == []
    b = dict(a, data_hash="d2", params_hash="p2", scenario_digest="s2", seed=2)
    kinds = [k for k, _, _ in run_changes(b, dict(a, params_hash="p1"))]
    assert kinds == ["data", "params", "scenario", "paths"]
    # Without a recorded parameter hash the calibration source is compared, and the report says so.
    assert [k for k, _, _ in run_changes(dict(a, calibration="fitted as of 2012"), a)] == ["params_unhashed"]


def test_target_changes_noise_band():
    # se 0.01 each: combined sd = 0.01414, twice that = 0.0283; ΔP 0.02 is noise, 0.05 is not.
    prev = [{"id": "A", "evaluable": True, "probability": 0.50, "se": 0.01}, {"id": "B", "evaluable": True, "probability": 0.50, "se": 0.01}]
    now = [{"id": "A", "evaluable": True, "probability": 0.52, "se": 0.01}, {"id": "B", "evaluable": True, "probability": 0.55, "se": 0.01},
           {"id": "C", "evaluable": True, "probability": 0.1, "se": 0.01}]
    out = target_changes(now, prev)
    assert out["A"]["noise"] and not out["B"]["noise"]
    assert out["B"]["delta"] == pytest.approx(0.05)
    assert out["C"]["delta"] is None


def test_every_phrase_has_both_languages_with_the_same_fields():
    import string

    from model.report.labels import LABELS

    for key, (zh, en) in LABELS.items():
        assert zh and en, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (zh, en)]
        assert fields[0] == fields[1], key


def test_section_readers():
    assert structural_range({"id": "x"}) is None
    assert structural_range({"structural": [0.1, 0.3]}) == (0.1, 0.3)
    assert structural_range({"structural": {"p_low": 0.2, "p_high": 0.5}}) == (0.2, 0.5)
    assert isinstance(structural_range({"structural": {"weird": 1}}), str)
    assert tornado_rows([{"lever": "a", "low": 0.1, "high": 0.3}]) == [("a", 0.1, 0.3)]
    assert tornado_rows([{"lever": "a", "effect": 0.1}]) is None
    assert records([{"a": 1}]) == {"": [{"a": 1}]}
    assert list(records({"T1": [{"a": 1}], "T2": []})) == ["T1", "T2"]


def test_cli_refuses_bad_combinations(runs, capsys):
    assert main(["report", "baseline", "--from", str(runs["res"])]) == 2
    assert main(["report", "--from", str(runs["res"]), "-o", str(runs["root"] / "x.txt")]) == 2
    assert main(["report", "--from", str(runs["root"]), "-o", str(runs["root"] / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "not both" in err and ".pdf" in err and "no manifest.json" in err


def test_mid_year_update_section(tmp_path, capsys):
    """A result run with the dispatch tables carries P before → after and the reasons into both languages."""
    from model.data import default_data_dir

    monthly = default_data_dir() / "monthly"
    res = tmp_path / "ytd"
    assert main(["run", "baseline", "--paths", "100", "--no-progress", "--no-structural", "-o", str(res),
                 "--ytd", str(monthly / "2014-06.csv"), "--ytd-projects", str(monthly / "2014-06-projects.csv")]) == 0
    ytd = json.loads((res / "summary.json").read_text(encoding="utf-8"))["ytd"]
    for lang, heading in (("zh", "年中更新:1–6月调度数据对概率的影响"), ("en", "Mid-year update: what the January–June dispatch figures change")):
        pdf = tmp_path / f"{lang}.pdf"
        assert main(["report", "--from", str(res), "--lang", lang, "-o", str(pdf), "--backtest-paths", "0"]) == 0
        pages = _text(pdf)
        at = next(i for i, p in enumerate(pages) if heading in p)
        section = "\n".join(pages[at:at + 3])
        # every target the update moved or conditioned has its row: P before, P after, the paired change
        moved = [r for r in ytd["targets"] if r["delta"] != 0 or (r.get("reported") or {}).get("conditioned")]
        assert moved and any(r["id"] == "JX-MAJOR-START-2014" for r in moved)
        for r in moved:
            row = section[section.index(r["id"] + "\n"):][:160]  # the id, its short title, then year and numbers
            assert f"{r['year']} {r['p_before']:.3f} {r['p_after']:.3f} {r['delta']:+.3f}" in row, row
        # the assumption and its provenance, and what the project table does not condition
        assert ("示意性月度历史" if lang == "zh" else "illustrative monthly history") in section
        assert ("未按其更新" if lang == "zh" else "not conditioned") in section and "gz_1yi" in section
        assert ("更新前" if lang == "zh" else "Before") in "\n".join(pages[1:at])  # the summary shows P before the update too
    capsys.readouterr()
    # a finished result carries its own update: --ytd with --from is refused
    assert main(["report", "--from", str(res), "--ytd", str(monthly / "2014-06.csv"), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "--from DIR shows it" in capsys.readouterr().err


def test_tornado_and_goal_seek_results_are_shown_with_their_source(runs, tmp_path, capsys):
    """`attain sensitivity -o DIR` and `attain goalseek --json FILE` results appear in the PDF as computed."""
    sens, seek = tmp_path / "sens", tmp_path / "seek.json"
    assert main(["sensitivity", "baseline", "--target", "GZ-REV-2020", "--levers", "macro.shift", "--range", "macro.shift=-0.03:0.03",
                 "--paths", "60", "--no-progress", "-o", str(sens)]) == 0
    assert main(["goalseek", "baseline", "--target", "GZ-REV-2020", "--prob", "0.5", "--reverse", "--paths", "60", "--no-progress", "--json", str(seek)]) == 0
    capsys.readouterr()
    pdf = tmp_path / "r.pdf"
    assert main(["report", "--from", str(runs["res"]), "--sensitivity", str(sens), "--goalseek", str(seek), "-o", str(pdf), "--backtest-paths", "0"]) == 0
    text = "\n".join(_text(pdf))
    assert "敏感性分析未随本次运行计算" not in text and "目标反推未随本次运行计算" not in text
    bar = json.loads((sens / "results.json").read_text(encoding="utf-8"))["targets"][0]["bars"][0]
    row = next(ln for ln in text.splitlines() if ln.startswith("macro.shift "))
    assert f"{bar['p_low']:.3f} {bar['p_high']:.3f} {bar['delta_p']:+.3f} ± {bar['se_delta_p']:.3f}" in row
    level = json.loads(seek.read_text(encoding="utf-8"))["level"]
    assert f"可达到的最高水平:{level:,.0f}" in text
    assert f"来自 {sens}" in text.replace("\n", "") and f"来自 {seek}" in text.replace("\n", "")
    # The same path again: attain's own report is replaced; a PDF it did not write is not.
    assert main(["report", "--from", str(runs["res"]), "-o", str(pdf), "--backtest-paths", "0"]) == 0
    foreign = tmp_path / "minutes.pdf"
    foreign.write_bytes(b"%PDF-1.7\n1 0 obj << /Author(someone) >> endobj\n")
    assert main(["report", "--from", str(runs["res"]), "-o", str(foreign), "--backtest-paths", "0"]) == 2
    assert foreign.read_bytes().startswith(b"%PDF-1.7\n1 0 obj")
    # The wrong kind of input is named before any work.
    capsys.readouterr()
    assert main(["report", "--from", str(runs["res"]), "--sensitivity", str(seek), "-o", str(tmp_path / "x.pdf")]) == 2
    assert f"--sensitivity {seek}" in capsys.readouterr().err
    assert main(["report", "--from", str(runs["res"]), "--goalseek", str(sens / "results.json"), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "not a goal-seek answer" in capsys.readouterr().err
