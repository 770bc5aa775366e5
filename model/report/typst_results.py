"""The report's sections on the run's results: fans, counts, watch lists, pipeline, sensitivity, fiscal cost."""

from __future__ import annotations

from ..display import LIST_COLUMNS
from ..summary import DECISIVE_BAND
from .assemble import ReportData
from .figures import count_chart, fan_chart, fiscal_chart, pipeline_chart, tornado_chart
from .labels import LABELS
from .sections import records, tornado_rows
from .typst_markup import Doc, m, markup_table, num, s, short

__all__ = ["fans", "counts", "watch", "pipeline", "sensitivity", "fiscal", "generic"]

_WATCH_ROWS = 5


def _fan_groups(targets: list[dict]) -> list[list[dict]]:
    """Level targets grouped by what they measure (same scope and metric share one fan)."""
    groups: dict[tuple, list[dict]] = {}
    for t in targets:
        if t["kind"] in ("aggregate_level", "entity_level"):
            groups.setdefault((t["scope"], t["metric"]), []).append(t)
    return list(groups.values())


def fans(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('fan'))}", "")
    doc.note(L("fan_note"))
    cells = []
    for k, group in enumerate(_fan_groups(d.evaluable)):
        # The longest path of the group: the fan is the same quantity for all of them.
        base = max(group, key=lambda t: t["year"])
        img = doc.figure(f"fan_{k}.svg", fan_chart(base["path"], group, doc.lang))
        goals = ", ".join(f"{t['id']} ≥{num(t['at_least'])} (P {t['probability']:.2f})" for t in group)
        cells.append(f"block(breakable: false)[#text(size: 8.5pt)[*{m(doc.title(base))}*] \\ #text(size: 7pt, fill: luma(90))[{m(goals)}] \\ #{img}]")
    agg = d.summary.get("aggregates", {})
    prov = next(iter(agg), None)
    if prov is not None:
        a = agg[prov]
        path = [{"year": y, "q10": lo, "q50": md, "q90": hi} for y, lo, md, hi in zip(d.summary["years"], a["q10"], a["q50"], a["q90"])]
        img = doc.figure("fan_province.svg", fan_chart(path, [], doc.lang))
        cells.append(f"block(breakable: false)[#text(size: 8.5pt)[*{m(L('province_total'))}*] \\ #text(size: 7pt, fill: luma(90))[{m(prov)}] \\ #{img}]")
    doc.add("#grid(columns: (1fr, 1fr), column-gutter: 1em, row-gutter: 1.1em,\n  " + ",\n  ".join(cells) + "\n)", "#pagebreak()")


def _count_targets(d: ReportData) -> list[dict]:
    return [t for t in d.evaluable if t["kind"] == "count_over_threshold" and t.get("distribution")]


def counts(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('counts'))}", "")
    doc.note(L("counts_note"))
    cells = []
    for t in _count_targets(d):
        img = doc.figure(f"count_{t['id']}.svg", count_chart(t, doc.lang))
        head = f"{t['id']}  ≥{num(t['at_least'])}{t.get('target_unit') or ''}, P {t['probability']:.3f}"
        cells.append(f"block(breakable: false)[#text(size: 7.5pt)[*{m(head)}*] \\ #text(size: 7pt, fill: luma(90))[{m(short(doc.title(t), 30))}] \\ #{img}]")
    doc.add("#grid(columns: (1fr, 1fr, 1fr), column-gutter: 0.8em, row-gutter: 1em,\n  " + ",\n  ".join(cells) + "\n)", "#pagebreak()")


def watch(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('watch'))}", "")
    lo, hi = DECISIVE_BAND
    doc.note(L("watch_note", lo=lo, hi=hi))
    rows = []
    for t in _count_targets(d):
        if "watch_list" not in t:
            continue
        head = f"{t['id']} {doc.title(t)} (≥{num(t['at_least'])}, P {t['probability']:.3f})"
        rows.append([f"table.cell(colspan: 5, fill: luma(238))[*{m(head)}*]"])
        if not t["watch_list"]:
            rows.append([f"table.cell(colspan: 5)[{m(L('watch_empty'))}]"])
        for w in t["watch_list"][:_WATCH_ROWS]:
            rows.append([s(w["entity"]), s(w["name"]), s(f"{w['p_cross']:.2f}"), s(f"{w['p_target_if_crosses']:.3f}"), s(f"{w['lift']:+.3f}")])
    doc.add(markup_table("(auto, 1fr, auto, auto, auto)", [L("col_entity"), L("col_name"), L("col_pcross"), L("col_pif"), L("col_lift")], rows, size="7.5pt",
                   align="(left, left, right, right, right)"))


_FLOW_METRIC = {"projects_signed": "signed", "project_starts": "starts", "project_completions": "completions"}


def pipeline(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('pipeline'))}", "")
    pipe = d.summary.get("pipeline") or {}
    if not pipe.get("enabled"):
        doc.para(L("pipeline_off"))
        doc.add("#pagebreak()")
        return
    years = d.summary["years"]
    flows = pipe.get("median_flows", {})
    programmes = sorted({k.split(".")[0] for k in flows}, key=lambda p: list(flows).index(f"{p}.signed") if f"{p}.signed" in flows else 0)
    doc.note(L("pipeline_note"))
    for prog in programmes:
        mine = {k.split(".", 1)[1]: v for k, v in flows.items() if k.startswith(prog + ".")}
        goals: dict[str, dict[int, float]] = {}
        for t in d.evaluable:
            if t["kind"] == "flow_count" and t["scope"].endswith(prog) and t["metric"] in _FLOW_METRIC:
                goals.setdefault(_FLOW_METRIC[t["metric"]], {})[t["year"]] = t["at_least"]
        last = max([y for g in goals.values() for y in g] or [years[-1]])
        shown = [j for j, y in enumerate(years) if y <= max(last + 2, years[0] + 4)]
        ys = [years[j] for j in shown]
        img = doc.figure(f"pipeline_{prog}.svg", pipeline_chart({k: [v[j] for j in shown] for k, v in mine.items()}, ys, goals, doc.lang))
        name = L(f"prog_{prog}") if f"prog_{prog}" in LABELS else prog
        doc.add(f"== {m(name)}", "")
        keys = [k for k in ("signed", "starts", "completions", "reserve") if k in mine]
        rows = []
        for j in shown:
            y = years[j]
            rows.append([s(y)] + [s(f"{num(mine[k][j])}" + (f" (≥{num(goals[k][y])})" if y in goals.get(k, {}) else "")) for k in keys])
        table = markup_table(f"({', '.join(['auto'] * (len(keys) + 1))})", [L("col_year")] + [L(f"flow_{k}") for k in keys], rows, size="7pt", align="right")
        doc.add(f"#grid(columns: (1fr, auto), column-gutter: 0.8em, align: top, {img}, [{table}])", "")
    _queues(doc, pipe)
    doc.add(f"== {m(L('composition'))}", "")
    comp = d.optional.get("composition")
    if comp is None:
        doc.note(L("composition_absent"))
    else:
        names = LIST_COLUMNS[doc.lang]
        generic(doc, [{names.get(k, k): v for k, v in r.items()} for r in comp] if isinstance(comp, list) else comp)


def _queues(doc: Doc, pipe: dict) -> None:
    L = doc.L
    q = pipe.get("queues", {})
    stages = sorted({k.rsplit(".", 1)[0] for k in q})
    if stages:
        doc.add(f"== {m(L('queues'))}", "")
        rows = [[s(st), s(f"{q.get(st + '.mean_length', 0):.3f}"), s(f"{q.get(st + '.max_length', 0):.3f}"), s(f"{q.get(st + '.mean_wait_months', 0):.3f}")] for st in stages]
        doc.add(markup_table("(auto, auto, auto, auto)", [L("col_stage"), L("col_mean_len"), L("col_max_len"), L("col_wait")], rows, size="7.5pt",
                       align="(left, right, right, right)"))
    lags = pipe.get("signing_to_production_months", {})
    if lags:
        text = "; ".join(f"{p}: {v['q10']:.0f} / {v['q50']:.0f} / {v['q90']:.0f}" for p, v in lags.items() if v)
        doc.para(f"{L('lag')}: {text}")


def generic(doc: Doc, data) -> None:
    """A section whose layout this report does not know in detail: its records as plain tables."""
    for name, rows in records(data).items():
        if name:
            doc.add(f"*{m(name)}*", "")
        if not rows:
            continue
        keys = list(dict.fromkeys(k for r in rows for k in r))
        body = [[s(_cell(r.get(k))) for k in keys] for r in rows]
        doc.add(markup_table(f"({', '.join(['auto'] * (len(keys) - 1) + ['1fr'])})", keys, body, size="7pt"))


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def sensitivity(doc: Doc) -> None:
    d, L = doc.d, doc.L
    scen = d.summary["scenario"]
    doc.add(f"= {m(L('sensitivity'))}", "")
    sens = d.optional.get("sensitivity")
    if sens is None:
        doc.para(L("sensitivity_absent", scenario=scen))
    elif isinstance(sens, dict) and "sources" in sens:
        _tornados(doc, sens)
    else:
        probs = {t["id"]: t["probability"] for t in d.evaluable}
        for k, (name, rows) in enumerate(records(sens).items()):
            bars = tornado_rows(rows)
            if bars is None:
                generic(doc, {name: rows} if name else rows)
                continue
            if name:
                doc.add(f"== {m(name)}", "")
            doc.add(f"#{doc.figure(f'tornado_{k}.svg', tornado_chart(bars, probs.get(name), doc.lang), width='85%')}", "")
    doc.add(f"== {m(L('goalseek'))}", "")
    gs = d.optional.get("goalseek")
    if gs is None:
        doc.para(L("goalseek_absent", scenario=scen))
    elif isinstance(gs, list) and all(isinstance(g, dict) and "mode" in g for g in gs):
        from ..sensitivity_output import goalseek_text

        for g in gs:
            for line in goalseek_text(g, doc.lang).splitlines():
                doc.para(line)
            _provenance_notes(doc, {"source": g["source"], "scenario": g.get("scenario"), "paths_per_point": g.get("paths"), "seed": g.get("seed")})
    else:
        generic(doc, gs)


def _provenance_notes(doc: Doc, src: dict) -> None:
    """Where an analysis came from, and a warning when it was run on another scenario or other data."""
    d, L = doc.d, doc.L
    doc.note(L("analysis_source", source=src["source"], scenario=src.get("scenario"), paths=f"{src.get('paths_per_point') or 0:,}", seed=src.get("seed")))
    scen = d.summary["scenario"]
    if src.get("scenario") not in (None, scen):
        doc.note(L("analysis_other_scenario", other=src["scenario"], scenario=scen))
    data = d.manifest.get("data_hash")
    if src.get("data_hash") and data and src["data_hash"] != data:
        doc.note(L("analysis_other_data", other=src["data_hash"], data=data))


def _tornados(doc: Doc, sens: dict) -> None:
    """One tornado chart and table per target, from ``attain sensitivity -o DIR`` folders."""
    d, L = doc.d, doc.L
    by_id = {t["id"]: t for t in d.evaluable}
    for src in sens["sources"]:
        _provenance_notes(doc, src)
    for k, (tid, rows) in enumerate(sens["targets"].items()):
        t = by_id.get(tid)
        title = (t["title_zh"] if doc.lang == "zh" else t["title_en"]) if t else ""
        doc.add(f"== {m(f'{tid} {title}'.strip())}", "")
        bars = [(r["factor"], float(r["p_low"]), float(r["p_high"])) for r in rows]
        doc.add(f"#{doc.figure(f'tornado_{k}.svg', tornado_chart(bars, t['probability'] if t else None, doc.lang), width='85%')}", "")
        body = [[s(r["factor"]), s(f"{r['low']:g} → {r['high']:g}"), s(f"{r['p_low']:.3f}"), s(f"{r['p_high']:.3f}"),
                 s(f"{r['delta_p']:+.3f} ± {r['se_delta_p']:.3f}")] for r in rows]
        doc.add(markup_table("(1fr, auto, auto, auto, auto)", [L("col_factor"), L("col_range"), L("col_p_low"), L("col_p_high"), L("col_delta_p")], body, size="7.5pt"))


def fiscal(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('fiscal'))}", "")
    rows = d.summary.get("fiscal") or []
    ok = [r for r in rows if r.get("evaluable")]
    doc.note(L("fiscal_note"))
    if ok:
        doc.add(f"#{doc.figure('fiscal.svg', fiscal_chart(ok, doc.lang))}", "")
        for r in ok:
            doc.add(f"- {m(r['id'])}: {m(r['title_zh'] if doc.lang == 'zh' else r['title_en'])} ({m(r['payer'])} → {m(r['recipient'])})")
        doc.add("")
        body = []
        for j, y in enumerate(ok[0]["years"]):
            body.append([s(y)] + [s(f"{r['mean'][j]:,.0f} [{r['q10'][j]:,.0f}–{r['q90'][j]:,.0f}]") for r in ok])
        total = [s(L("col_total"))] + [s(f"{sum(r['mean']):,.0f}") for r in ok]
        doc.add(markup_table(f"({', '.join(['auto'] * (len(ok) + 1))})", [L("col_year")] + [r["id"] for r in ok], body + [total], size="7.5pt", align="right"))
    for r in rows:
        if not r.get("evaluable"):
            title = r["title_zh"] if doc.lang == "zh" else r["title_en"]
            doc.note(f"{r['id']} {title}: {L('not_evaluable_schedule')}: {r['why_not']}")
