"""Did the fitted growth law change, or only its noise? Parameter drift between two calibrations.

For every parameter both artefacts rate (see :mod:`model.param_table`)::

    z = (new - old) / sqrt(se_old**2 + se_new**2)

and the two-sided p-value ``2 (1 - Phi(|z|))``. The family of tests (one per
rated parameter) is corrected with **Holm's step-down procedure** at a
family-wise false-alarm rate ``alpha`` (default 5 %): sort the p-values,
reject the k-th smallest while ``p_(k) <= alpha / (m - k + 1)``. Holm controls
the chance of *any* false "drift" at ``alpha`` whatever the dependence between
the estimates, and is never less powerful than Bonferroni. With ``m`` rated
parameters the first threshold is ``|z| > Phi^-1(1 - alpha / (2 m))``: 2.58 for
m = 5, 2.73 for m = 8.

Why the denominator is conservative: it treats the two fits as independent.
When the new fit re-uses the old data (a year added), the estimates are
positively correlated and ``Var(new - old) = se_old² + se_new² - 2 cov``, which
is smaller. For nested samples and efficient estimators ``cov ≈ se_new²``
(Hausman 1978), so ``Var(new - old) ≈ se_old² - se_new²``: the *overlap
correction* (``nested=True``). The default never overstates a drift, at the
price of power (a real shift of 3 standard errors of the change can be missed
when the two fits share most data); the corrected version is sharper but
assumes no revisions and estimators near efficiency, and is used only when
``se_old > se_new`` (otherwise it falls back to the sum). A parameter estimated
partly from a prior shared by both fits is also correlated across fits: the
same argument applies.

Verdicts: ``stable``; ``drift`` (Holm rejects); ``new`` (only in the new
artefact); ``removed`` (only in the old); ``no SE`` (a number without a
standard error on either side: shown, not tested).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from .param_table import ParamTable

__all__ = ["ParamChange", "Comparison", "compare_tables", "holm", "ALPHA", "critical_z"]

#: Default family-wise false-alarm rate of the drift verdicts.
ALPHA = 0.05


@dataclass(frozen=True)
class ParamChange:
    """One parameter's old and new estimate and the verdict."""

    name: str
    old: float | None
    new: float | None
    se_old: float | None
    se_new: float | None
    z: float | None
    p: float | None
    threshold: float | None
    verdict: str


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_tables`.

    Attributes
    ----------
    changes : list of ParamChange
    alpha : float
        Family-wise false-alarm rate used.
    method : str
        ``"holm"`` or ``"bonferroni"``.
    nested : bool
        Whether the overlap correction was used.
    labels : list of str
        Lines on changed string settings (e.g. the tail law).
    old_meta, new_meta : dict
    """

    changes: list
    alpha: float
    method: str
    nested: bool
    labels: list = field(default_factory=list)
    old_meta: dict = field(default_factory=dict)
    new_meta: dict = field(default_factory=dict)

    @property
    def drifted(self) -> list[ParamChange]:
        return [c for c in self.changes if c.verdict == "drift"]

    @property
    def stable(self) -> bool:
        """No parameter drifted (a changed setting, e.g. the tail law chosen by AIC, is reported, not tested)."""
        return not self.drifted

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha, "method": self.method, "nested": self.nested, "stable": self.stable,
            "parameters": [asdict(c) for c in self.changes], "label_changes": self.labels,
            "old": self.old_meta, "new": self.new_meta,
        }


def critical_z(alpha: float, m: int) -> float:
    """Two-sided ``|z|`` threshold of a Bonferroni test over ``m`` parameters (Holm's first step)."""
    return float(stats.norm.isf(alpha / (2 * max(m, 1))))


def holm(p: np.ndarray, alpha: float, method: str = "holm") -> tuple[np.ndarray, np.ndarray]:
    """Which hypotheses a multiple-testing procedure rejects, and each one's p threshold.

    Parameters
    ----------
    p : ndarray
        Two-sided p-values.
    alpha : float
        Family-wise error rate.
    method : {"holm", "bonferroni"}

    Returns
    -------
    reject : ndarray of bool
    level : ndarray
        The p threshold each hypothesis was held to (for Holm, its step's ``alpha / (m - k + 1)``;
        hypotheses after the first acceptance keep the level of their step, though they are accepted).
    """
    p = np.asarray(p, dtype=float)
    m = p.size
    if method == "bonferroni":
        level = np.full(m, alpha / max(m, 1))
        return p <= level, level
    if method != "holm":
        raise ValueError(f"multiple-testing method {method!r}: expected 'holm' or 'bonferroni'")
    order = np.argsort(p, kind="stable")
    level = np.empty(m)
    reject = np.zeros(m, bool)
    going = True
    for k, i in enumerate(order):
        level[i] = alpha / (m - k)
        going = going and p[i] <= level[i]
        reject[i] = going
    return reject, level


def compare_tables(old: ParamTable, new: ParamTable, alpha: float = ALPHA, method: str = "holm", nested: bool = False) -> Comparison:
    """Compare every parameter of two calibrations in standard errors.

    Parameters
    ----------
    old, new : ParamTable
        From :func:`model.param_table.parameter_table`.
    alpha : float
        Family-wise false-alarm rate (default 0.05).
    method : {"holm", "bonferroni"}
    nested : bool
        Use the overlap correction ``se_old² - se_new²`` (see the module docstring).

    Returns
    -------
    Comparison
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha {alpha}: expected a false-alarm rate between 0 and 1")
    names = list(old.rows) + [k for k in new.rows if k not in old.rows]
    partial = []
    for name in names:
        o, n = old.rows.get(name), new.rows.get(name)
        if o is None or n is None:
            partial.append(dict(name=name, old=o and o.value, new=n and n.value, se_old=o and o.se, se_new=n and n.se, z=None, verdict="new" if o is None else "removed"))
            continue
        z = _z(o.value, n.value, o.se, n.se, nested)
        partial.append(dict(name=name, old=o.value, new=n.value, se_old=o.se, se_new=n.se, z=z, verdict="no SE" if z is None else ""))
    rated = [r for r in partial if r["z"] is not None]
    pvals = np.array([2 * stats.norm.sf(abs(r["z"])) for r in rated])
    reject, level = holm(pvals, alpha, method) if rated else (np.zeros(0, bool), np.zeros(0))
    for r, p, rej, lev in zip(rated, pvals, reject, level):
        r.update(p=float(p), threshold=float(stats.norm.isf(lev / 2)), verdict="drift" if rej else "stable")
    changes = [ParamChange(p=r.get("p"), threshold=r.get("threshold"), **{k: v for k, v in r.items() if k not in ("p", "threshold")}) for r in partial]
    labels = [f"{k}: {old.labels.get(k, '(none)')} -> {new.labels.get(k, '(none)')}" for k in sorted(set(old.labels) | set(new.labels)) if old.labels.get(k) != new.labels.get(k)]
    return Comparison(changes, alpha, method, nested, labels, dict(old.meta, path=old.path), dict(new.meta, path=new.path))


def _z(old: float, new: float, se_old: float | None, se_new: float | None, nested: bool) -> float | None:
    if se_old is None or se_new is None or not (math.isfinite(old) and math.isfinite(new)):
        return None  # e.g. df = inf for a Laplace tail: shown, not tested
    var = se_old**2 + se_new**2
    if nested and se_old > se_new:
        var = se_old**2 - se_new**2
    return (new - old) / math.sqrt(var)
