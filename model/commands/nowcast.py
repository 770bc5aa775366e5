"""``attain nowcast TABLE``: check a 月调度表 and nowcast this year's full-year revenue from it (mid-year update)."""

from __future__ import annotations

from pathlib import Path

from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``nowcast`` verb."""
    nw = subparsers.add_parser("nowcast", help="check a 月调度表 and nowcast this year's full-year revenue from it (mid-year update)")
    nw.add_argument("table", type=Path, help="the current year's monthly dispatch table (CSV or .xlsx)")
    nw.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: the embedded calibration/data)")
    nw.add_argument("--history", type=Path, metavar="TABLE", help="monthly history (default: DATA/monthly/history.csv)")
    nw.add_argument("--unit", help="unit of rows whose 单位 is empty (亿元 or 万元)")
    nw.add_argument("--sheet", help="Excel sheet name")
    nw.add_argument("--top", type=int, default=10, help="largest entities shown (default 10; --json has all)")
    nw.add_argument("--json", action="store_true")


def run(args) -> int:
    """Validate the table, nowcast every reported firm and park, score the method on the history."""
    from ..data import load_dataset
    from ..dispatch import load_dispatch
    from ..display import pad
    from ..nowcast import build_nowcast, nowcast_table
    from ..nowcast_backtest import backtest_nowcast
    from ..seasonality import estimate_pattern
    from ..ytd_update import default_history

    panel = load_dataset(args.data)
    history = load_dispatch(args.history or default_history(args.data), panel)
    year = int(panel.meta["last_year"]) + 1
    current = load_dispatch(args.table, panel, year=year, unit=args.unit, sheet=args.sheet, history=history)
    pattern = estimate_pattern(history, panel)
    nc = build_nowcast(current, pattern, panel, year)
    table = nowcast_table(nc)
    names = {**panel.enterprises["name"].to_dict(), **panel.parks["name"].to_dict()}
    table.insert(1, "name", [names.get(e, e) for e in table["entity"]])
    score = backtest_nowcast(history, panel, months=(nc.month,))["by_month"][nc.month]
    obj = {"tool": "attain", "table": nc.label, "year": year, "month": nc.month, "illustrative": nc.illustrative, "assumption": pattern.describe(),
           "backtest": {"years": pattern.years, **score}, "flags": list(nc.flags), "notes": list(current.notes), "nowcast": table.to_dict("records")}
    lines = [f"{nc.label}: {year} January–month {nc.month}, {int((table['kind'] == 'enterprise').sum())} enterprises, {int((table['kind'] == 'park').sum())} parks — valid" + (" (illustrative)" if nc.illustrative else ""),
             f"assumption: {pattern.describe()}",
             f"backtest (leave one year out, {pattern.years[0]}–{pattern.years[-1]}, month {nc.month}): 80% interval covers {score['cover80']:.2f}, 95% covers {score['cover95']:.2f}, mean |log error| {score['mean_abs_log_error']:.3f} ({score['n']} firm/park-years)"]
    lines += [f"flag: {f}" for f in nc.flags]
    lines.append(f"{'entity':<12}{'name':<22}{'to date':>10}{'full year':>11}{'10%':>10}{'90%':>10}   (亿元)")
    for r in table.sort_values("median", ascending=False).head(args.top).itertuples():
        lines.append(f"{r.entity:<12}{pad(r.name[:10], 22)}{r.ytd:>10,.1f}{r.median:>11,.1f}{r.p10:>10,.1f}{r.p90:>10,.1f}")
    emit(obj, args.json, "\n".join(lines))
    return 0
