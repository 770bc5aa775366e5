"""What changed since the previous report, and why.

A change of P between two runs has four possible sources, told apart by the
runs' manifests: new data (data hash), new calibration (parameter hash, or the
calibration source when no hash is recorded), a changed scenario (scenario
digest) and Monte Carlo noise. A change smaller than twice the combined
standard error of the two estimates is labelled as within Monte Carlo error.
"""

from __future__ import annotations

import math

__all__ = ["run_changes", "target_changes", "NOISE_Z"]

#: A change is "within Monte Carlo error" when |ΔP| < NOISE_Z * sqrt(se1² + se2²).
NOISE_Z = 2.0

_PARAM_KEYS = ("params_hash", "parameters_hash", "calibration_hash")


def _params_id(manifest: dict) -> tuple[str | None, bool]:
    for key in _PARAM_KEYS:
        if manifest.get(key):
            return str(manifest[key]), True
    return manifest.get("calibration"), False


def run_changes(current: dict, previous: dict, scenario_keys: tuple[str | None, str | None] = (None, None)) -> list[tuple[str, str, str]]:
    """Differences between two runs' manifests that can move every probability.

    Parameters
    ----------
    current, previous : dict
        ``manifest.json`` of this run and of the previous one.
    scenario_keys : (str or None, str or None)
        Digests of the previous and current scenario with paths and seed
        left out (the manifest's digest includes them, so a new seed alone
        would look like a scenario change). When either is None the
        manifests' digests are compared.

    Returns
    -------
    list of (kind, before, after)
        ``kind`` is 'data', 'params', 'params_unhashed', 'scenario' or 'paths';
        empty when none of them differs.
    """
    out = []
    if current.get("data_hash") != previous.get("data_hash"):
        out.append(("data", str(previous.get("data_hash")), str(current.get("data_hash"))))
    (a, a_hashed), (b, b_hashed) = _params_id(previous), _params_id(current)
    if a != b:
        out.append(("params" if a_hashed and b_hashed else "params_unhashed", str(a), str(b)))
    before_key, after_key = scenario_keys
    changed = before_key != after_key if None not in scenario_keys else current.get("scenario_digest") != previous.get("scenario_digest")
    if changed:
        out.append(("scenario", f"{previous.get('scenario')} {previous.get('scenario_digest')}", f"{current.get('scenario')} {current.get('scenario_digest')}"))
    before, after = (previous.get("n_paths"), previous.get("seed")), (current.get("n_paths"), current.get("seed"))
    if before != after:
        out.append(("paths", f"{before[0]} / {before[1]}", f"{after[0]} / {after[1]}"))
    return out


def target_changes(current: list[dict], previous: list[dict]) -> dict[str, dict]:
    """Per evaluable target: ΔP and whether it is within Monte Carlo error.

    Parameters
    ----------
    current, previous : list of dict
        ``summary["targets"]`` of both runs.

    Returns
    -------
    dict
        ``id -> {"delta": float | None, "noise": bool, "previous": float | None}``;
        ``delta`` is None for a target the previous run did not evaluate.
    """
    before = {t["id"]: t for t in previous if t.get("evaluable")}
    out = {}
    for t in current:
        if not t.get("evaluable"):
            continue
        old = before.get(t["id"])
        if old is None:
            out[t["id"]] = {"delta": None, "noise": False, "previous": None}
            continue
        delta = t["probability"] - old["probability"]
        noise = abs(delta) < NOISE_Z * math.sqrt(t["se"] ** 2 + old["se"] ** 2)
        out[t["id"]] = {"delta": delta, "noise": noise, "previous": old["probability"]}
    return out
