"""Everything the meeting report shows, gathered from a finished result folder.

The report never re-simulates: it reads ``summary.json`` and ``manifest.json``
of a run, adds what a planner needs around them (scenario levers, data
provenance, a small backtest on the run's data, the committed benchmark
scores) and, with a previous result folder, what changed and why.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import DataError, ScenarioError, UsageError
from .analyses import read_goalseek, read_sensitivity, sensitivity_section
from .compare import run_changes, target_changes
from .sections import OPTIONAL_SECTIONS, composition, optional_section

__all__ = ["ReportData", "assemble", "read_result", "BACKTEST_PATHS"]

#: Paths per origin of the backtest shown in the appendix (a few seconds on the embedded data).
BACKTEST_PATHS = 300
_TOP_SOURCES = 6


@dataclass
class ReportData:
    """Inputs of one report (see :func:`assemble`)."""

    lang: str
    result_dir: Path
    summary: dict
    manifest: dict
    manifest_hash: str
    generated: str
    region: str
    as_of: int | None
    levers: list[dict] | None
    macro: dict | None
    scenario_note: str | None
    provenance: dict | None
    backtest: dict
    benchmark: dict | None
    previous: dict | None
    optional: dict[str, Any] = field(default_factory=dict)

    @property
    def evaluable(self) -> list[dict]:
        return [t for t in self.summary["targets"] if t.get("evaluable")]


def read_result(folder: Path | str, flag: str = "--from") -> tuple[dict, dict, str]:
    """``summary.json``, ``manifest.json`` and the manifest's SHA-256 of a result folder.

    Raises
    ------
    UsageError
        When the folder lacks either file or they are not JSON.
    """
    folder = Path(folder)
    out = []
    for name in ("summary.json", "manifest.json"):
        path = folder / name
        if not path.is_file():
            raise UsageError(f"{flag} {folder}: no {name}; expected a result folder written by 'attain run -o DIR'")
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise UsageError(f"{flag} {folder}: {name} is not valid JSON ({exc})") from None
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    return out[0], out[1], digest


def assemble(result_dir: Path | str, lang: str = "zh", previous: Path | str | None = None, backtest_paths: int = BACKTEST_PATHS,
             sensitivity: tuple[Path | str, ...] = (), goalseek: tuple[Path | str, ...] = ()) -> ReportData:
    """Gather the report's data from a result folder.

    Parameters
    ----------
    result_dir : path
        A folder written by ``attain run -o``.
    lang : {'zh', 'en'}
    previous : path, optional
        The result folder of the previous report (for changes and reasons).
    backtest_paths : int
        Monte Carlo paths per origin of the appendix backtest (0 skips it).
    sensitivity : paths, optional
        Tornado result folders of ``attain sensitivity -o DIR`` (see :mod:`model.report.analyses`).
    goalseek : paths, optional
        Answers of ``attain goalseek --json FILE``.

    Returns
    -------
    ReportData
    """
    result_dir = Path(result_dir)
    summary, manifest, mhash = read_result(result_dir)
    panel, panel_error = _panel(manifest)
    levers, macro, note = _scenario(manifest)
    prev = None
    if previous is not None:
        psum, pman, phash = read_result(previous, flag="--previous")
        keys = (_scenario_key(pman), _scenario_key(manifest))
        prev = {"dir": str(previous), "manifest_hash": phash, "scenario": psum.get("scenario"),
                "runs": run_changes(manifest, pman, keys), "targets": target_changes(summary["targets"], psum["targets"])}
    optional = {name: optional_section(name, summary, result_dir) for name in OPTIONAL_SECTIONS}
    optional["composition"] = composition(summary)
    if sensitivity or goalseek:
        sens, seek = sensitivity_section([read_sensitivity(f) for f in sensitivity], [read_goalseek(f) for f in goalseek])
        optional["sensitivity"], optional["goalseek"] = sens or optional["sensitivity"], seek or optional["goalseek"]
    return ReportData(
        lang=lang, result_dir=result_dir, summary=summary, manifest=manifest, manifest_hash=mhash,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        region=_region(panel, summary, lang), as_of=int(summary["years"][0]) - 1 if summary.get("years") else None,
        levers=levers, macro=macro, scenario_note=note,
        provenance=_provenance(panel) if panel is not None else {"error": panel_error},
        backtest=_backtest(panel, panel_error, backtest_paths), benchmark=_benchmark(), previous=prev, optional=optional,
    )


def _panel(manifest: dict):
    """The run's dataset (for provenance and the backtest), or why it cannot be read."""
    from ..data import load_dataset

    folder = manifest.get("data_dir")
    try:
        panel = load_dataset(folder)
    except (DataError, OSError) as exc:
        return None, f"{folder}: {exc}"
    if manifest.get("data_hash") and panel.data_hash() != manifest["data_hash"]:
        return None, f"{folder}: the data changed since the run (hash {panel.data_hash()} ≠ {manifest['data_hash']})"
    return panel, None


def _region(panel, summary: dict, lang: str) -> str:
    """Names of the province and of the cities that evaluable targets are set for (e.g. Ganzhou)."""
    if panel is None:
        return next(iter(summary.get("aggregates") or {}), "")  # the province's id: names need the data
    regions = panel.regions
    scopes = " ".join(str(t.get("scope", "")) for t in summary["targets"] if t.get("evaluable"))
    words = set(scopes.replace(",", " ").split())
    cities = [str(regions.loc[r, "name"]) for r in regions.index[regions["level"] == "city"] if r in words or any(w.startswith(r + ".") for w in words)]
    sep = "、" if lang == "zh" else ", "
    return sep.join([str(regions.loc[panel.province, "name"]), *cities])


def _scenario(manifest: dict) -> tuple[list[dict] | None, dict | None, str | None]:
    """Lever values and macro settings of the run's scenario, re-read from its file.

    The file is used only when its digest (with the run's paths and seed)
    equals the manifest's, so a scenario edited after the run is not shown as
    the run's; the note then says why the levers are missing.
    """
    from ..levers import LEVERS
    from ..scenario import load_scenario

    files = manifest.get("scenario_files") or []
    if not files:
        return None, None, "manifest lists no scenario file"
    try:
        sc = load_scenario(files[-1]).with_overrides(paths=manifest.get("n_paths"), seed=manifest.get("seed"))
    except (ScenarioError, OSError) as exc:
        return None, None, f"{files[-1]}: {exc}"
    if sc.digest() != manifest.get("scenario_digest"):
        return None, None, f"{files[-1]} changed since the run (digest {sc.digest()} ≠ {manifest.get('scenario_digest')})"
    levers = [{"name": k, "value": v, "unit": LEVERS[k].unit if k in LEVERS else "", "default": LEVERS[k].default if k in LEVERS else None,
               "description": LEVERS[k].description if k in LEVERS else ""} for k, v in sorted(sc.levers.items())]
    return levers, dict(sc.settings.get("macro", {})), None


def _scenario_key(manifest: dict) -> str | None:
    """Digest of the run's scenario without paths and seed, when its file still gives the recorded digest."""
    from ..scenario import load_scenario

    files = manifest.get("scenario_files") or []
    try:
        sc = load_scenario(files[-1])
    except (IndexError, ScenarioError, OSError):
        return None
    if sc.with_overrides(paths=manifest.get("n_paths"), seed=manifest.get("seed")).digest() != manifest.get("scenario_digest"):
        return None
    return sc.with_overrides(paths=100, seed=0).digest()


def _provenance(panel) -> dict:
    prov = panel.provenance.to_numpy().ravel()
    src = panel.source.to_numpy().ravel()
    keep = prov != ""
    prov, src = prov[keep], src[keep]
    shares = {k: float((prov == k).mean()) if prov.size else 0.0 for k in ("published", "derived", "synthetic")}
    counts = {k: int((prov == k).sum()) for k in shares}
    real = Counter(str(s) for p, s in zip(prov, src) if p != "synthetic" and str(s))
    return {"name": panel.meta.get("name", ""), "years": [int(panel.years[0]), int(panel.years[-1])], "values": int(prov.size),
            "shares": shares, "counts": counts, "sources": real.most_common(_TOP_SOURCES), "illustrative": panel.illustrative}


def _backtest(panel, panel_error: str | None, paths: int) -> dict:
    from ..backtest import coverage_table, default_origins, rolling_origin

    if panel is None:
        return {"error": panel_error}
    if paths <= 0:
        return {"error": "skipped (--backtest-paths 0)"}
    try:
        origins = default_origins(panel)
    except DataError as exc:
        return {"error": str(exc)}
    table = coverage_table(rolling_origin(panel, origins=origins, n_paths=paths))
    return {"origins": list(origins), "paths": paths, "rows": table.to_dict(orient="records")}


def _benchmark() -> dict | None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "m4_yearly.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"n_series": data.get("n_series"), "scores": data.get("scores", {}), "published": data.get("published", {})}
