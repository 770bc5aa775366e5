"""Revenue that producing projects add, ramped from 投产 to 达产 and scaled by the path's cycle.

Shared by the site and host sums of :class:`model.pipeline.PipelineResult` and by
the firm-by-firm revenue of new entrants (:mod:`model.pipeline.entrants`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .draws import ProjectDraws
from .params import CycleParams

_CHUNK = 1 << 15  # elements per chunk of elementwise work on long vectors


def _ramp_integral(t: NDArray | float, p: NDArray, r: NDArray, r0: float) -> NDArray:
    """∫_{-∞}^{t} of the capacity factor: 0 before ``p``, linear r0→1 over ``r``, then 1."""
    x = np.clip(t - np.where(np.isfinite(p), p, np.inf), 0.0, None)
    xr = np.minimum(x, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        ramp = r0 * xr + (1.0 - r0) * np.where(r > 0, xr * xr / (2.0 * r), 0.0)
    return np.where(np.isfinite(p), ramp + np.maximum(x - r, 0.0), 0.0)


def _revenue(draws: ProjectDraws, M: NDArray, r0: float, H: int, n_host: int, n_site: int,
             gap: NDArray | None = None, cyc: CycleParams | None = None) -> tuple[NDArray, NDArray]:
    """Ramped revenue of projects producing from 2014 on, by host and by site, (P, n, Y).

    Projects producing before 2014 are part of the 2013 base data; only what they
    still gain from ramping up after 2013 is added (:func:`_ramp_tail`).  With a demand ``gap`` (P, Y) each project's ramp-up is stretched or shortened by
    the gap of its 投产 year and each year's revenue is scaled by that year's
    utilisation (:class:`CycleParams`); without it the arithmetic is unchanged.
    A project adds ``full × (I(year end) − I(year start)) / 12`` to each year, ``I``
    being :func:`_ramp_integral`; years ending before it produces add exactly 0
    and are skipped.  Each (path, destination, year) sum keeps the project order
    of a year-by-year bincount, so the floats are the same.
    """
    P, Y = M.shape[0], draws.n_years
    sel = (M[..., 9] >= 0) & (M[..., 9] < H)
    rows = np.broadcast_to(np.arange(P)[:, None], sel.shape)[sel]
    p9, p10 = M[..., 9][sel], M[..., 10][sel]
    full = (draws.inv * draws.ratio)[sel]
    new, pos = draws.is_new[sel], draws.dest[sel]
    ramp = p10 - p9
    if gap is not None and cyc is not None:
        y_prod = np.clip(np.floor(p9 / 12.0), 0, Y - 1).astype(np.int64)
        ramp = ramp * np.exp(-cyc.ramp_elasticity * gap[rows, y_prod])
    # First year that may be non-zero (one year of margin against rounding of p9 / 12).
    y0 = np.clip(np.floor(p9 / 12.0) - 1.0, 0, Y).astype(np.int64)
    cnt = Y + 1 - y0  # year boundaries y0 .. Y per project
    first = np.cumsum(cnt) - cnt
    e = np.repeat(np.arange(len(p9)), cnt)
    k = np.arange(int(cnt.sum())) - first[e] + y0[e]
    integ = np.empty(len(k))
    for c in range(0, len(k), _CHUNK):  # chunks: large temporaries cost more than the arithmetic
        ec = e[c: c + _CHUNK]
        integ[c: c + _CHUNK] = _ramp_integral(12.0 * k[c: c + _CHUNK], p9[ec], ramp[ec], r0)
    hi = np.flatnonzero(k > y0[e])  # boundary k closes year k - 1
    e_hi = e[hi]
    val = full[e_hi] * ((integ[hi] - integ[hi - 1]) / 12.0)
    y = k[hi] - 1
    if gap is not None and cyc is not None:
        val = val * cyc.utilisation(gap)[rows[e_hi], y]
    res = []
    t_rows, t_pos, t_new, t_y, t_val = _ramp_tail(draws, M, r0, Y, gap, cyc)
    for n_out, m, mt in ((n_host, ~new[e_hi], ~t_new), (n_site, new[e_hi], t_new)):
        if n_out:
            idx = (rows[e_hi[m]] * n_out + pos[e_hi[m]]) * Y + y[m]
            out = np.bincount(idx, weights=val[m], minlength=P * n_out * Y).reshape(P, n_out, Y)
            if mt.any():
                idx_t = (t_rows[mt] * n_out + t_pos[mt]) * Y + t_y[mt]
                out = out + np.bincount(idx_t, weights=t_val[mt], minlength=P * n_out * Y).reshape(P, n_out, Y)
            res.append(out)
        else:
            res.append(np.zeros((P, 0, Y)))
    return res[0], res[1]


def _ramp_tail(draws: ProjectDraws, M: NDArray, r0: float, Y: int, gap: NDArray | None,
               cyc: CycleParams | None) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Revenue gained after 2013 by projects producing before 2014 and still ramping up in 2013.

    Their 2013 revenue is in the base data; what they add later is the rest of
    their ramp-up: ``full × ((I(y end) − I(y start)) − (I(0) − I(−12))) / 12`` in year
    ``y`` (``I``: :func:`_ramp_integral`), scaled by the year's utilisation when a
    cycle is given.  Returns (path row, destination, new-entrant flag, year, value)
    per (project, year).
    """
    sel = (M[..., 9] < 0) & (M[..., 10] > -12.0) & draws.valid
    rows = np.broadcast_to(np.arange(M.shape[0])[:, None], sel.shape)[sel]
    p9, p10 = M[..., 9][sel], M[..., 10][sel]
    full = (draws.inv * draws.ratio)[sel]
    ramp = p10 - p9
    base = _ramp_integral(0.0, p9, ramp, r0) - _ramp_integral(-12.0, p9, ramp, r0)
    k = 12.0 * np.arange(Y + 1)
    integ = _ramp_integral(k[None, :], p9[:, None], ramp[:, None], r0)  # (n, Y + 1)
    val = full[:, None] * ((np.diff(integ, axis=1) - base[:, None]) / 12.0)
    if gap is not None and cyc is not None:
        val = val * cyc.utilisation(gap)[rows]
    n = len(p9)
    return (np.repeat(rows, Y), np.repeat(draws.dest[sel], Y), np.repeat(draws.is_new[sel], Y),
            np.tile(np.arange(Y), n), val.ravel())
