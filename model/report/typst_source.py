"""The report as Typst markup (text stays text: searchable and copyable).

Every value from the results enters the markup as a Typst string literal
(:func:`s`), so names holding ``#``, ``*`` or ``[`` cannot break the layout.
Figures are referenced by file name; :mod:`model.report.build` writes them
next to the source.
"""

from __future__ import annotations

from calendar import month_name

from ..display import _id_list
from ..outputs import REPORT_AUTHOR
from ..summary import DECISIVE_BAND
from .assemble import ReportData
from .sections import structural_range
from .typst_markup import FONT, HEADING_FONT, _HEADING, _LIGHTS, Doc, light, m, markup_table, num, p_text, s, short
from .typst_results import counts, fans, fiscal, generic, pipeline, sensitivity, watch

__all__ = ["report_source", "s", "p_text", "light", "FONT", "HEADING_FONT"]


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
    doc = Doc(data)
    _preamble(doc)
    _cover(doc)
    _summary(doc)
    _ytd(doc)
    fans(doc)
    counts(doc)
    watch(doc)
    pipeline(doc)
    sensitivity(doc)
    fiscal(doc)
    _appendix(doc)
    return "\n".join(doc.lines) + "\n", doc.figures


def _preamble(doc: Doc) -> None:
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


def _cover(doc: Doc) -> None:
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
        doc.add(f"*{m(L('levers'))}*", "", markup_table("(auto, auto, auto, 1fr)", [L("lever"), L("value"), L("unit"), ""], rows, size="7.5pt"))
    else:
        doc.note(f"{L('levers')}: {d.scenario_note}")
    _provenance_line(doc)
    doc.add("#pagebreak()")


def _provenance_line(doc: Doc) -> None:
    d, L = doc.d, doc.L
    p = d.provenance or {}
    if "error" in p:
        doc.note(L("provenance_absent", path=p["error"]))
        return
    share = ", ".join(f"{L('prov_' + k)} {v:.1%}" for k, v in p["shares"].items())
    doc.para(f"{L('data')}: {p['name']} ({p['years'][0]}–{p['years'][1]}, {p['values']:,}): {share}. "
             + (L("illustrative") if p["illustrative"] else L("real_data")))


def _summary(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"= {m(L('summary'))}", "")
    lo, hi = DECISIVE_BAND
    doc.note(L("summary_note", lo=lo, hi=hi))
    targets = d.evaluable
    ranges = {t["id"]: structural_range(t) for t in targets}
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
        row = [f"[{m(t['id'])} {m(short(doc.title(t), 22 if prev is None else 10))}]", s(t["year"]), s(f"≥{num(t['at_least'])}"),
               *([s(f"{before[t['id']]:.3f}" if t["id"] in before else "–")] if ytd else []), s(p_text(t["probability"], t["se"])),
               f"[#box(circle(radius: 3pt, fill: rgb(\"{_LIGHTS[lt]}\"))) {m(L('light_' + lt))}]",
               s(f"{num(q['q50'])} [{num(q['q10'])}–{num(q['q90'])}]")]
        if has_structural:
            r = ranges[t["id"]]
            row.append(s("–" if r is None else (f"{r[0]:.2f}–{r[1]:.2f}" if isinstance(r, tuple) else r)))
        if prev is not None:
            row += _change_cells(doc, t["id"])
        rows.append(row)
    doc.add(markup_table(f"({', '.join(cols)})", header, rows, size="7pt"), "#pagebreak()")


def _ytd(doc: Doc) -> None:
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
    rows = [[f"[{m(r['id'])} \\ #text(size: 6.5pt, fill: luma(90))[{m(short(doc.title(r), 16))}]]", s(r["year"]), s(f"{r['p_before']:.3f}"), s(f"{r['p_after']:.3f}"),
             s(f"{r['delta']:+.3f} ± {r['se_delta']:.3f}"), f"text(size: 6.5pt)[{m(reason(r, doc.lang))}]"] for r in moved]
    header = [L("col_target"), L("col_year"), L("col_before"), L("col_after"), L("col_delta"), L("col_reason")]
    doc.add(markup_table("(auto, auto, auto, auto, auto, 1fr)", header, rows, size="7pt", align="(left, left, right, right, right, left)"))
    for why, ids in untouched.items():
        doc.note(L("ytd_not_conditioned", n=len(ids), why=why, ids=_id_list(ids)))
    if still:
        doc.note(L("ytd_unchanged", n=len(still), ids=_id_list(still)))
    doc.add("#pagebreak()")


def _run_reasons(doc: Doc) -> str:
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


def _change_cells(doc: Doc, tid: str) -> list[str]:
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


def _appendix(doc: Doc) -> None:
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
        doc.add(markup_table("(auto,) * 8", [L("col_kind"), L("col_horizon"), "50%", "80%", "95%", "PIT", "CRPS/|y|", L("col_n")], rows, size="7.5pt",
                       align="(left,) + (right,) * 7"))
    doc.add(f"== {m(L('benchmark'))}", "")
    bm = d.benchmark
    if bm is None:
        doc.note(L("benchmark_absent"))
    else:
        doc.note(L("benchmark_note", n=f"{bm['n_series']:,}"))
        rows = [[s(k), s(f"{v['n']:,}"), s(f"{v['sMAPE']:.2f}"), s(f"{v['MASE']:.3f}"), s(f"{v['OWA']:.3f}"), s(f"{v['coverage95']:.3f}"), s(f"{v['MSIS']:.2f}")]
                for k, v in bm["scores"].items()]
        doc.add(markup_table("(auto,) * 7", [L("col_slice"), "n", "sMAPE", "MASE", "OWA", "95%", "MSIS"], rows, size="7.5pt", align="(left,) + (right,) * 6"))
    _provenance_appendix(doc)
    drift = d.optional.get("drift")
    if drift is not None:
        doc.add(f"== {m(L('drift'))}", "")
        generic(doc, drift)
    doc.add(f"== {m(L('reproduce'))}", "")
    rows = [("attain", man.get("version", "")), (L("paths_seed"), f"{man.get('n_paths')} / {man.get('seed')}"), (L("data_hash"), man.get("data_hash", "")),
            (L("scenario_digest"), man.get("scenario_digest", "")), (L("calibration"), man.get("calibration", "")),
            (L("scenario"), ", ".join(man.get("scenario_files", []))), (L("manifest_hash"), d.manifest_hash)]
    rows += [(f"{L('versions')}: {k}", v) for k, v in man.get("versions", {}).items()]
    cells = ",\n  ".join(f"{s(k)}, {s(v)}" for k, v in rows)
    doc.add(f"#text(size: 7.5pt)[#table(columns: (auto, 1fr),\n  {cells}\n)]", "")
    _not_evaluable(doc)


def _provenance_appendix(doc: Doc) -> None:
    d, L = doc.d, doc.L
    doc.add(f"== {m(L('provenance'))}", "")
    p = d.provenance or {}
    if "error" in p:
        doc.note(L("provenance_absent", path=p["error"]))
        return
    rows = [[s(L("prov_" + k)), s(f"{p['counts'][k]:,}"), s(f"{v:.1%}")] for k, v in p["shares"].items()]
    doc.add(markup_table("(auto, auto, auto)", ["", L("col_values"), L("col_share")], rows, size="7.5pt", align="(left, right, right)"))
    if p["sources"]:
        doc.add(f"*{m(L('sources'))}*", "")
        doc.add(*[f"- {m(src)} ({n:,})" for src, n in p["sources"]], "")


def _not_evaluable(doc: Doc) -> None:
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
    doc.add(markup_table("(17em, 1fr)", [L("col_ids"), L("col_why")], rows, size="7pt"))
