"""The report as Typst markup (text stays text: searchable and copyable).

Every value from the results enters the markup as a Typst string literal
(:func:`s`), so names holding ``#``, ``*`` or ``[`` cannot break the layout.
Figures are referenced by file name; :mod:`model.report.build` writes them
next to the source.
"""

from __future__ import annotations

from calendar import month_name

from ..display import LIST_COLUMNS, _id_list
from ..outputs import REPORT_AUTHOR
from ..summary import DECISIVE_BAND
from . import figures, sections
from .assemble import ReportData
from .labels import LABELS, label

__all__ = ["report_source", "s", "p_text", "light", "FONT", "HEADING_FONT"]

FONT = "Noto Sans CJK SC"
HEADING_FONT = "SimHei"
# Headings: SimHei for Chinese (heavier than the regular Noto), Noto for Latin (SimHei's Latin is monospaced).
_HEADING = f'((name: "{FONT}", covers: "latin-in-cjk"), "{HEADING_FONT}", "{FONT}")'
_LIGHTS = {"green": "#2e7d32", "amber": "#f2a900", "red": "#c62828"}
_WATCH_ROWS = 5


def s(text: object) -> str:
    """A Typst string literal holding ``text`` (code mode)."""
    t = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{t}"'


def m(text: object) -> str:
    """``text`` in markup mode (as an embedded string literal)."""
    return f"#{s(text)}"


def p_text(p: float, se: float) -> str:
    """``0.056 ± 0.010``; small errors keep one significant digit (as in ``attain run``)."""
    return f"{p:.3f} ± {se:.3f}" if se >= 0.0005 else f"{p:.4f} ± {se:.1g}"


def num(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def light(p: float) -> str:
    """Traffic light of a probability: green above the decisive band, red below it, amber inside."""
    lo, hi = DECISIVE_BAND
    return "green" if p >= hi else ("red" if p < lo else "amber")


class _Doc:
    """Collects markup lines and the figures they reference."""

    def __init__(self, data: ReportData):
        self.d = data
        self.lang = data.lang
        self.lines: list[str] = []
        self.figures: dict[str, str] = {}

    def L(self, key: str, **fmt) -> str:  # noqa: N802 - short on purpose, used everywhere
        return label(key, self.lang, **fmt)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def figure(self, name: str, svg: str, width: str = "100%") -> str:
        self.figures[name] = svg
        return f'image({s(name)}, width: {width})'

    def title(self, t: dict) -> str:
        return t["title_zh"] if self.lang == "zh" else t["title_en"]

    def para(self, text: str) -> None:
        self.add(m(text), "")

    def note(self, text: str) -> None:
        # Sticky: a note stays on the page of the table or figure it introduces.
        self.add(f"#block(sticky: true)[#text(size: 8pt, fill: luma(90))[{m(text)}]]", "")


def _table(columns: str, header: list[str], rows: list[list[str]], size: str = "8pt", align: str = "left") -> str:
    """A table whose header repeats on every page it spans; cells are code-mode expressions."""
    head = ", ".join(f"[*{m(h)}*]" for h in header)
    body = ",\n  ".join(", ".join(r) for r in rows)
    return (f"#text(size: {size})[#table(columns: {columns}, align: {align}, table.header({head}),\n  {body}\n)]\n")


def report_source(data: ReportData) -> tuple[str, dict[str, str]]:
    """The Typst source of the report and the SVG figures it references.

    Parameters
    ----------
    data : ReportData

    Returns
    -------
    (str, dict)
        Markup, and ``file name -> SVG text`` of every figure.
    """
    doc = _Doc(data)
    _preamble(doc)
    _cover(doc)
    _summary(doc)
    _ytd(doc)
    _fans(doc)
    _counts(doc)
    _watch(doc)
    _pipeline(doc)
    _sensitivity(doc)
    _fiscal(doc)
    _appendix(doc)
    return "\n".join(doc.lines) + "\n", doc.figures


def _preamble(doc: _Doc) -> None:
    d = doc.d
    mark = doc.L("illustrative_short") if d.summary.get("illustrative_data") else ""
    head = f"attain · {d.summary['scenario']}" + (f" · {mark}" if mark else "")
    doc.add(
        f"#set document(title: {s(doc.L('title'))}, author: {s(REPORT_AUTHOR)})",
        f"#set text(font: ({s(FONT)},), size: 9pt, lang: {s(doc.lang)}, cjk-latin-spacing: none)",
        "#set par(leading: 0.65em, spacing: 0.9em)",
        f"#set page(paper: \"a4\", margin: (x: 1.7cm, top: 2cm, bottom: 1.8cm),"
        f" header: context {{ if counter(page).get().first() > 1 [#text(size: 7pt, fill: luma(110))[{m(head)} #h(1fr) {m(d.generated)}]] }},"
        f" footer: context [#align(center)[#text(size: 7pt, fill: luma(110))[#counter(page).display()]]])",
        f"#show heading: set text(font: {_HEADING}, fill: rgb(\"#1f3f73\"))",
        "#show heading.where(level: 1): it => [#v(0.4em) #text(size: 14pt)[#it.body] #v(0.2em)]",
        "#show heading.where(level: 2): set text(size: 11pt)",
        "#set table(stroke: 0.4pt + luma(180), inset: (x: 3.5pt, y: 2.6pt))",
        "#show table.cell.where(y: 0): set text(fill: rgb(\"#1f3f73\"))",
        "",
    )


def _cover(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    sm = d.summary
    desc = sm.get("description") if doc.lang == "zh" else sm.get("description_en")
    doc.add("#v(2.2cm)", f"#text(size: 22pt, font: {_HEADING}, fill: rgb(\"#1f3f73\"))[{m(L('title'))}]",
            f"#v(0.3em)#text(size: 12pt)[{m(L('subtitle'))}]", "#v(1.2em)")
    if sm.get("illustrative_data"):
        doc.add(f"#block(width: 100%, inset: 8pt, stroke: 1.5pt + rgb(\"#c62828\"), fill: rgb(\"#fdecea\"))[#text(size: 10pt, fill: rgb(\"#a31515\"))[{m(L('illustrative'))}]]", "")
    years = sm.get("years") or [None]
    rows = [
        (L("region"), d.region), (L("as_of"), str(d.as_of)), (L("simulated"), f"{years[0]}–{years[-1]}"),
        (L("scenario"), f"{sm['scenario']} — {desc or ''}"), (L("paths_seed"), f"{sm['n_paths']:,} / {sm['seed']}"),
        (L("generated"), d.generated),
    ]
    cells = ",\n  ".join(f"text(fill: luma(90))[{m(k)}], {s(v)}" for k, v in rows)
    doc.add(f"#grid(columns: (auto, 1fr), column-gutter: 1.2em, row-gutter: 0.7em,\n  {cells}\n)", "#v(1em)")
    doc.add(f"== {m(L('conditional'))}", "")
    doc.para(L("conditional_text"))
    # The macro view: a separate field from the growth model when the run has one, else the scenario's shift.
    mv = d.optional.get("macro_view")
    macro = d.macro or {}
    shift = f"{L('macro_scenario')}: {macro.get('shift', 0):+.3f} ({macro.get('shift_from', '')}–)" if d.macro else ""
    if isinstance(mv, dict) and "parameters" in mv:
        # The same statement as the run's header: prior, posterior, data weights, start, structural variants.
        from ..display import assumption_lines

        for line in assumption_lines(d.summary, doc.lang)[1:]:
            doc.para(line.strip())
        if shift:
            doc.para(shift)
    elif mv is not None:
        text = mv if isinstance(mv, str) else "; ".join(f"{k}: {v}" for k, v in (mv.items() if isinstance(mv, dict) else enumerate(mv)))
        doc.para(f"{L('macro_view')}: {text}" + (f"; {shift}" if shift else ""))
    else:
        doc.para(f"{L('macro_view')}: {L('macro_view_absent')}" + (f" {shift}" if shift else ""))
    if d.levers:
        rows = [[s(r["name"]), s(f"{r['value']:g}"), s(r["unit"]), s(r["description"])] for r in d.levers]
        doc.add(f"*{m(L('levers'))}*", "", _table("(auto, auto, auto, 1fr)", [L("lever"), L("value"), L("unit"), ""], rows, size="7.5pt"))
    else:
        doc.note(f"{L('levers')}: {d.scenario_note}")
    _provenance_line(doc)
    doc.add("#pagebreak()")


def _provenance_line(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    p = d.provenance or {}
    if "error" in p:
        doc.note(L("provenance_absent", path=p["error"]))
        return
    share = ", ".join(f"{L('prov_' + k)} {v:.1%}" for k, v in p["shares"].items())
    doc.para(f"{L('data')}: {p['name']} ({p['years'][0]}–{p['years'][1]}, {p['values']:,}): {share}. "
             + (L("illustrative") if p["illustrative"] else L("real_data")))


def _summary(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('summary'))}", "")
    lo, hi = DECISIVE_BAND
    doc.note(L("summary_note", lo=lo, hi=hi))
    targets = d.evaluable
    ranges = {t["id"]: sections.structural_range(t) for t in targets}
    has_structural = any(r is not None for r in ranges.values())
    if has_structural:
        doc.note(L("structural_note"))
    else:
        doc.note(L("structural_absent"))
    prev = d.previous
    if prev is not None:
        reasons = _run_reasons(doc)
        doc.note(f"{L('previous')} ({L('previous_from')}: {prev['dir']}): {reasons}")
    ytd = d.summary.get("ytd")
    before = {r["id"]: r["p_before"] for r in ytd["targets"]} if ytd else {}
    if ytd:
        doc.note(L("ytd_summary", moved=sum(1 for r in ytd["targets"] if r["delta"] != 0)))
    else:
        doc.note(L("ytd_absent", as_of=d.as_of))
    header = [L("col_target"), L("col_year"), L("col_goal"), L("col_p"), L("col_light"), L("col_median")]
    cols = ["1fr", "auto", "auto", "auto", "auto", "auto"]
    if ytd:
        header.insert(3, L("col_before"))
        cols.insert(3, "auto")
    if has_structural:
        header.append(L("col_structural"))
        cols.append("auto")
    if prev is not None:
        header += [L("col_change"), L("col_reason")]
        cols += ["auto", "auto"]
    rows = []
    for t in targets:
        q = t["quantiles"]
        lt = light(t["probability"])
        row = [f"[{m(t['id'])} {m(_short(doc.title(t), 22 if prev is None else 10))}]", s(t["year"]), s(f"≥{num(t['at_least'])}"),
               *([s(f"{before[t['id']]:.3f}" if t["id"] in before else "–")] if ytd else []), s(p_text(t["probability"], t["se"])),
               f"[#box(circle(radius: 3pt, fill: rgb(\"{_LIGHTS[lt]}\"))) {m(L('light_' + lt))}]",
               s(f"{num(q['q50'])} [{num(q['q10'])}–{num(q['q90'])}]")]
        if has_structural:
            r = ranges[t["id"]]
            row.append(s("–" if r is None else (f"{r[0]:.2f}–{r[1]:.2f}" if isinstance(r, tuple) else r)))
        if prev is not None:
            row += _change_cells(doc, t["id"])
        rows.append(row)
    doc.add(_table(f"({', '.join(cols)})", header, rows, size="7pt"), "#pagebreak()")


def _ytd(doc: _Doc) -> None:
    """The mid-year update: what was read and assumed, and every moved target's P before → after with its reason."""
    from ..ytd_display import assumption_lines, reason

    d, L = doc.d, doc.L
    ytd = d.summary.get("ytd")
    if not ytd:
        return
    nc, pr = ytd.get("nowcast"), ytd.get("projects")
    month, year = (nc or pr)["month"], (nc or pr)["year"]
    doc.add(f"= {m(L('ytd', month=month if doc.lang == 'zh' else month_name[month]))}", "")
    doc.note(L("ytd_note", year=year))
    doc.add(f"*{m(L('ytd_assumption'))}*", "")
    for line in assumption_lines(ytd, doc.lang):
        doc.add(f"#text(size: 8pt)[{m(line.strip())}]", "")
    moved = [r for r in ytd["targets"] if r["delta"] != 0 or (r.get("reported") or {}).get("conditioned")]
    # Targets the update cannot reach, grouped by why (a project flow of another programme or year, no table of its kind).
    untouched: dict[str, list[str]] = {}
    for r in ytd["targets"]:
        if r not in moved and (r["source"] != "revenue nowcast"):
            untouched.setdefault(reason(r, doc.lang), []).append(r["id"])
    still = [r["id"] for r in ytd["targets"] if r not in moved and r["source"] == "revenue nowcast"]
    rows = [[f"[{m(r['id'])} \\ #text(size: 6.5pt, fill: luma(90))[{m(_short(doc.title(r), 16))}]]", s(r["year"]), s(f"{r['p_before']:.3f}"), s(f"{r['p_after']:.3f}"),
             s(f"{r['delta']:+.3f} ± {r['se_delta']:.3f}"), f"text(size: 6.5pt)[{m(reason(r, doc.lang))}]"] for r in moved]
    header = [L("col_target"), L("col_year"), L("col_before"), L("col_after"), L("col_delta"), L("col_reason")]
    doc.add(_table("(auto, auto, auto, auto, auto, 1fr)", header, rows, size="7pt", align="(left, left, right, right, right, left)"))
    for why, ids in untouched.items():
        doc.note(L("ytd_not_conditioned", n=len(ids), why=why, ids=_id_list(ids)))
    if still:
        doc.note(L("ytd_unchanged", n=len(still), ids=_id_list(still)))
    doc.add("#pagebreak()")


def _short(title: str, n: int = 22) -> str:
    """Titles are long clauses; the summary keeps the first ``n`` characters (the ID names the target)."""
    return title if len(title) <= n else title[: n - 1] + "…"


def _run_reasons(doc: _Doc) -> str:
    L = doc.L
    runs = doc.d.previous["runs"]
    if not runs:
        return L("reason_none")
    parts = []
    for kind, a, b in runs:
        key = {"params_unhashed": "params"}.get(kind, kind)
        text = L(f"reason_{key}", a=a, b=b)
        parts.append(text + (L("params_unrecorded") if kind == "params_unhashed" else ""))
    return "; ".join(parts)


def _change_cells(doc: _Doc, tid: str) -> list[str]:
    L = doc.L
    ch = doc.d.previous["targets"].get(tid)
    if ch is None or ch["delta"] is None:
        return [s("–"), s(L("reason_new"))]
    runs = doc.d.previous["runs"]
    if ch["noise"]:
        why = L("reason_noise")
    elif runs:
        why = "; ".join(L("why_" + k.replace("_unhashed", "")) for k, _, _ in runs)
    else:
        why = L("reason_none")
    return [s(f"{ch['delta']:+.3f}"), s(why)]


def _fan_groups(targets: list[dict]) -> list[list[dict]]:
    """Level targets grouped by what they measure (same scope and metric share one fan)."""
    groups: dict[tuple, list[dict]] = {}
    for t in targets:
        if t["kind"] in ("aggregate_level", "entity_level"):
            groups.setdefault((t["scope"], t["metric"]), []).append(t)
    return list(groups.values())


def _fans(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('fan'))}", "")
    doc.note(L("fan_note"))
    cells = []
    for k, group in enumerate(_fan_groups(d.evaluable)):
        # The longest path of the group: the fan is the same quantity for all of them.
        base = max(group, key=lambda t: t["year"])
        img = doc.figure(f"fan_{k}.svg", figures.fan_chart(base["path"], group, doc.lang))
        goals = ", ".join(f"{t['id']} ≥{num(t['at_least'])} (P {t['probability']:.2f})" for t in group)
        cells.append(f"block(breakable: false)[#text(size: 8.5pt)[*{m(doc.title(base))}*] \\ #text(size: 7pt, fill: luma(90))[{m(goals)}] \\ #{img}]")
    agg = d.summary.get("aggregates", {})
    prov = next(iter(agg), None)
    if prov is not None:
        a = agg[prov]
        path = [{"year": y, "q10": lo, "q50": md, "q90": hi} for y, lo, md, hi in zip(d.summary["years"], a["q10"], a["q50"], a["q90"])]
        img = doc.figure("fan_province.svg", figures.fan_chart(path, [], doc.lang))
        cells.append(f"block(breakable: false)[#text(size: 8.5pt)[*{m(L('province_total'))}*] \\ #text(size: 7pt, fill: luma(90))[{m(prov)}] \\ #{img}]")
    doc.add("#grid(columns: (1fr, 1fr), column-gutter: 1em, row-gutter: 1.1em,\n  " + ",\n  ".join(cells) + "\n)", "#pagebreak()")


def _count_targets(d: ReportData) -> list[dict]:
    return [t for t in d.evaluable if t["kind"] == "count_over_threshold" and t.get("distribution")]


def _counts(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('counts'))}", "")
    doc.note(L("counts_note"))
    cells = []
    for t in _count_targets(d):
        img = doc.figure(f"count_{t['id']}.svg", figures.count_chart(t, doc.lang))
        head = f"{t['id']}  ≥{num(t['at_least'])}{t.get('target_unit') or ''}, P {t['probability']:.3f}"
        cells.append(f"block(breakable: false)[#text(size: 7.5pt)[*{m(head)}*] \\ #text(size: 7pt, fill: luma(90))[{m(_short(doc.title(t), 30))}] \\ #{img}]")
    doc.add("#grid(columns: (1fr, 1fr, 1fr), column-gutter: 0.8em, row-gutter: 1em,\n  " + ",\n  ".join(cells) + "\n)", "#pagebreak()")


def _watch(doc: _Doc) -> None:
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
    doc.add(_table("(auto, 1fr, auto, auto, auto)", [L("col_entity"), L("col_name"), L("col_pcross"), L("col_pif"), L("col_lift")], rows, size="7.5pt",
                   align="(left, left, right, right, right)"))


_FLOW_METRIC = {"projects_signed": "signed", "project_starts": "starts", "project_completions": "completions"}


def _pipeline(doc: _Doc) -> None:
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
        img = doc.figure(f"pipeline_{prog}.svg", figures.pipeline_chart({k: [v[j] for j in shown] for k, v in mine.items()}, ys, goals, doc.lang))
        name = L(f"prog_{prog}") if f"prog_{prog}" in LABELS else prog
        doc.add(f"== {m(name)}", "")
        keys = [k for k in ("signed", "starts", "completions", "reserve") if k in mine]
        rows = []
        for j in shown:
            y = years[j]
            rows.append([s(y)] + [s(f"{num(mine[k][j])}" + (f" (≥{num(goals[k][y])})" if y in goals.get(k, {}) else "")) for k in keys])
        table = _table(f"({', '.join(['auto'] * (len(keys) + 1))})", [L("col_year")] + [L(f"flow_{k}") for k in keys], rows, size="7pt", align="right")
        doc.add(f"#grid(columns: (1fr, auto), column-gutter: 0.8em, align: top, {img}, [{table}])", "")
    _queues(doc, pipe)
    doc.add(f"== {m(L('composition'))}", "")
    comp = d.optional.get("composition")
    if comp is None:
        doc.note(L("composition_absent"))
    else:
        names = LIST_COLUMNS[doc.lang]
        _generic(doc, [{names.get(k, k): v for k, v in r.items()} for r in comp] if isinstance(comp, list) else comp)


def _queues(doc: _Doc, pipe: dict) -> None:
    L = doc.L
    q = pipe.get("queues", {})
    stages = sorted({k.rsplit(".", 1)[0] for k in q})
    if stages:
        doc.add(f"== {m(L('queues'))}", "")
        rows = [[s(st), s(f"{q.get(st + '.mean_length', 0):.3f}"), s(f"{q.get(st + '.max_length', 0):.3f}"), s(f"{q.get(st + '.mean_wait_months', 0):.3f}")] for st in stages]
        doc.add(_table("(auto, auto, auto, auto)", [L("col_stage"), L("col_mean_len"), L("col_max_len"), L("col_wait")], rows, size="7.5pt",
                       align="(left, right, right, right)"))
    lags = pipe.get("signing_to_production_months", {})
    if lags:
        text = "; ".join(f"{p}: {v['q10']:.0f} / {v['q50']:.0f} / {v['q90']:.0f}" for p, v in lags.items() if v)
        doc.para(f"{L('lag')}: {text}")


def _generic(doc: _Doc, data) -> None:
    """A section whose layout this report does not know in detail: its records as plain tables."""
    for name, rows in sections.records(data).items():
        if name:
            doc.add(f"*{m(name)}*", "")
        if not rows:
            continue
        keys = list(dict.fromkeys(k for r in rows for k in r))
        body = [[s(_cell(r.get(k))) for k in keys] for r in rows]
        doc.add(_table(f"({', '.join(['auto'] * (len(keys) - 1) + ['1fr'])})", keys, body, size="7pt"))


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _sensitivity(doc: _Doc) -> None:
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
        for k, (name, rows) in enumerate(sections.records(sens).items()):
            bars = sections.tornado_rows(rows)
            if bars is None:
                _generic(doc, {name: rows} if name else rows)
                continue
            if name:
                doc.add(f"== {m(name)}", "")
            doc.add(f"#{doc.figure(f'tornado_{k}.svg', figures.tornado_chart(bars, probs.get(name), doc.lang), width='85%')}", "")
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
        _generic(doc, gs)


def _provenance_notes(doc: _Doc, src: dict) -> None:
    """Where an analysis came from, and a warning when it was run on another scenario or other data."""
    d, L = doc.d, doc.L
    doc.note(L("analysis_source", source=src["source"], scenario=src.get("scenario"), paths=f"{src.get('paths_per_point') or 0:,}", seed=src.get("seed")))
    scen = d.summary["scenario"]
    if src.get("scenario") not in (None, scen):
        doc.note(L("analysis_other_scenario", other=src["scenario"], scenario=scen))
    data = d.manifest.get("data_hash")
    if src.get("data_hash") and data and src["data_hash"] != data:
        doc.note(L("analysis_other_data", other=src["data_hash"], data=data))


def _tornados(doc: _Doc, sens: dict) -> None:
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
        doc.add(f"#{doc.figure(f'tornado_{k}.svg', figures.tornado_chart(bars, t['probability'] if t else None, doc.lang), width='85%')}", "")
        body = [[s(r["factor"]), s(f"{r['low']:g} → {r['high']:g}"), s(f"{r['p_low']:.3f}"), s(f"{r['p_high']:.3f}"),
                 s(f"{r['delta_p']:+.3f} ± {r['se_delta_p']:.3f}")] for r in rows]
        doc.add(_table("(1fr, auto, auto, auto, auto)", [L("col_factor"), L("col_range"), L("col_p_low"), L("col_p_high"), L("col_delta_p")], body, size="7.5pt"))


def _fiscal(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('fiscal'))}", "")
    rows = d.summary.get("fiscal") or []
    ok = [r for r in rows if r.get("evaluable")]
    doc.note(L("fiscal_note"))
    if ok:
        doc.add(f"#{doc.figure('fiscal.svg', figures.fiscal_chart(ok, doc.lang))}", "")
        for r in ok:
            doc.add(f"- {m(r['id'])}: {m(r['title_zh'] if doc.lang == 'zh' else r['title_en'])} ({m(r['payer'])} → {m(r['recipient'])})")
        doc.add("")
        body = []
        for j, y in enumerate(ok[0]["years"]):
            body.append([s(y)] + [s(f"{r['mean'][j]:,.0f} [{r['q10'][j]:,.0f}–{r['q90'][j]:,.0f}]") for r in ok])
        total = [s(L("col_total"))] + [s(f"{sum(r['mean']):,.0f}") for r in ok]
        doc.add(_table(f"({', '.join(['auto'] * (len(ok) + 1))})", [L("col_year")] + [r["id"] for r in ok], body + [total], size="7.5pt", align="right"))
    for r in rows:
        if not r.get("evaluable"):
            title = r["title_zh"] if doc.lang == "zh" else r["title_en"]
            doc.note(f"{r['id']} {title}: {L('not_evaluable_schedule')}: {r['why_not']}")


def _appendix(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    man = d.manifest
    doc.add("#pagebreak()", f"= {m(L('appendix'))}", "", f"== {m(L('method'))}", "")
    doc.para(L("method_text"))
    doc.para(f"{L('calibration')}: {d.summary.get('calibration', man.get('calibration', ''))}")
    doc.add(f"== {m(L('backtest'))}", "")
    bt = d.backtest
    if "error" in bt:
        doc.note(L("backtest_absent", why=bt["error"]))
    else:
        doc.note(L("backtest_note", origins=f"{bt['origins'][0]}–{bt['origins'][-1]}", paths=bt["paths"]))
        rows = [[s(L(f"kind_{r['kind']}")), s(r["horizon"]), s(f"{r['in50']:.2f}"), s(f"{r['in80']:.2f}"), s(f"{r['in95']:.2f}"), s(f"{r['pit']:.2f}"),
                 s(f"{r['crps_rel']:.3f}"), s(r["n"])] for r in bt["rows"]]
        doc.add(_table("(auto,) * 8", [L("col_kind"), L("col_horizon"), "50%", "80%", "95%", "PIT", "CRPS/|y|", L("col_n")], rows, size="7.5pt",
                       align="(left,) + (right,) * 7"))
    doc.add(f"== {m(L('benchmark'))}", "")
    bm = d.benchmark
    if bm is None:
        doc.note(L("benchmark_absent"))
    else:
        doc.note(L("benchmark_note", n=f"{bm['n_series']:,}"))
        rows = [[s(k), s(f"{v['n']:,}"), s(f"{v['sMAPE']:.2f}"), s(f"{v['MASE']:.3f}"), s(f"{v['OWA']:.3f}"), s(f"{v['coverage95']:.3f}"), s(f"{v['MSIS']:.2f}")]
                for k, v in bm["scores"].items()]
        doc.add(_table("(auto,) * 7", [L("col_slice"), "n", "sMAPE", "MASE", "OWA", "95%", "MSIS"], rows, size="7.5pt", align="(left,) + (right,) * 6"))
    _provenance_appendix(doc)
    drift = d.optional.get("drift")
    if drift is not None:
        doc.add(f"== {m(L('drift'))}", "")
        _generic(doc, drift)
    doc.add(f"== {m(L('reproduce'))}", "")
    rows = [("attain", man.get("version", "")), (L("paths_seed"), f"{man.get('n_paths')} / {man.get('seed')}"), (L("data_hash"), man.get("data_hash", "")),
            (L("scenario_digest"), man.get("scenario_digest", "")), (L("calibration"), man.get("calibration", "")),
            (L("scenario"), ", ".join(man.get("scenario_files", []))), (L("manifest_hash"), d.manifest_hash)]
    rows += [(f"{L('versions')}: {k}", v) for k, v in man.get("versions", {}).items()]
    cells = ",\n  ".join(f"{s(k)}, {s(v)}" for k, v in rows)
    doc.add(f"#text(size: 7.5pt)[#table(columns: (auto, 1fr),\n  {cells}\n)]", "")
    _not_evaluable(doc)


def _provenance_appendix(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"== {m(L('provenance'))}", "")
    p = d.provenance or {}
    if "error" in p:
        doc.note(L("provenance_absent", path=p["error"]))
        return
    rows = [[s(L("prov_" + k)), s(f"{p['counts'][k]:,}"), s(f"{v:.1%}")] for k, v in p["shares"].items()]
    doc.add(_table("(auto, auto, auto)", ["", L("col_values"), L("col_share")], rows, size="7.5pt", align="(left, right, right)"))
    if p["sources"]:
        doc.add(f"*{m(L('sources'))}*", "")
        doc.add(*[f"- {m(src)} ({n:,})" for src, n in p["sources"]], "")


def _not_evaluable(doc: _Doc) -> None:
    d, L = doc.d, doc.L
    rest = [t for t in d.summary["targets"] if not t.get("evaluable")]
    if not rest:
        return
    doc.add(f"== {m(L('not_evaluable'))}", "")
    doc.note(L("not_evaluable_note", n=len(rest)))
    by_reason: dict[str, list[str]] = {}
    for t in rest:
        by_reason.setdefault(t["why_not"], []).append(t["id"])
    rows = [[s(_id_list(ids)), s(why)] for why, ids in by_reason.items()]
    doc.add(_table("(17em, 1fr)", [L("col_ids"), L("col_why")], rows, size="7pt"))
