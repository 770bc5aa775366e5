"""Revenue that producing projects add, ramped from 投产 to 达产 and scaled by the path's cycle.

Shared by the site and host sums of :class:`model.pipeline.PipelineResult` and by
the firm-by-firm revenue of new entrants (:mod:`model.pipeline.entrants`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .draws import ProjectDraws
from .params import CycleParams

_ROWS = 1 << 12  # projects per chunk of elementwise work (one column per year boundary)


def _ramp_integral(t: NDArray | float, p: NDArray, r: NDArray, r0: float) -> NDArray:
    """∫_{-∞}^{t} of the capacity factor: 0 before ``p``, linear r0→1 over ``r``, then 1.

    ``r0·x_r + (1 − r0)·x_r²/(2r) + (x − r)⁺`` with ``x = (t − p)⁺``, ``x_r = min(x, r)``
    (0 for an infinite ``p``; the quadratic term 0 when ``r`` ≤ 0).  The masks are
    applied only where they change something, and in place: the same floats.
    """
    finite = np.isfinite(p)
    all_finite = bool(finite.all())
    x = np.subtract(t, p if all_finite else np.where(finite, p, np.inf))
    np.maximum(x, 0.0, out=x)
    xr = np.minimum(x, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        quad = xr * xr
        quad /= 2.0 * r
    if not np.all(r > 0):
        quad = np.where(r > 0, quad, 0.0)
    quad *= 1.0 - r0
    ramp = r0 * xr
    ramp += quad
    x -= r
    np.maximum(x, 0.0, out=x)
    ramp += x
    return ramp if all_finite else np.where(finite, ramp, 0.0)


def _revenue(draws: ProjectDraws, M: NDArray, r0: float, H: int, n_host: int, n_site: int,
             gap: NDArray | None = None, cyc: CycleParams | None = None) -> tuple[NDArray, NDArray]:
    """Ramped revenue of projects producing from 2014 on, by host and by site, (P, n, Y).

    Projects producing before 2014 are part of the 2013 base data; only what they
    still gain from ramping up after 2013 is added (:func:`_ramp_tail`).  With a demand ``gap`` (P, Y) each project's ramp-up is stretched or shortened by
    the gap of its 投产 year and each year's revenue is scaled by that year's
    utilisation (:class:`CycleParams`); without it the arithmetic is unchanged.
    A project adds ``full × (I(year end) − I(year start)) / 12`` to each year
    (:func:`_yearly_revenue`).  Each (path, destination, year) sum keeps the project
    order of a year-by-year bincount, so the floats are the same.
    """
    P, Y = M.shape[0], draws.n_years
    p9_all = M[..., 9]
    sel = (p9_all >= 0) & (p9_all < H)
    rows = np.repeat(np.arange(P), sel.sum(1))  # the path of each selected project, in project order
    util = None if gap is None or cyc is None else cyc.utilisation(gap)
    val = _yearly_revenue(rows, p9_all[sel], M[..., 10][sel], draws.inv[sel] * draws.ratio[sel], r0, Y, gap, cyc, util)
    t_rows, t_pos, t_new, t_val = _tail_projects(draws, M, r0, Y, util)
    # Host and site sums side by side in one bincount: the bins differ, each bin keeps the project order.
    out = _sum_by_destination(rows, draws.dest[sel], draws.is_new[sel], val, P, n_host, n_site, Y)
    if len(t_rows):
        out += _sum_by_destination(t_rows, t_pos, t_new, t_val, P, n_host, n_site, Y)
    return out[: P * n_host * Y].reshape(P, n_host, Y), out[P * n_host * Y:].reshape(P, n_site, Y)


def _yearly_revenue(rows: NDArray, p9: NDArray, p10: NDArray, full: NDArray, r0: float, Y: int,
                    gap: NDArray | None, cyc: CycleParams | None, util: NDArray | None) -> NDArray:
    """Revenue (n, Y) of projects producing at ``p9`` in [0, 12·Y), reaching full output at ``p10``.

    Year ``y`` gets ``full × (I(12(y+1)) − I(12y)) / 12`` (``I``: :func:`_ramp_integral`,
    the ramp-up scaled by the gap of the 投产 year), times the year's utilisation
    ``util`` (P, Y) of the project's path ``rows`` when a cycle is given.  Years
    ending before ``p9`` give exactly 0 (both integrals are the same float), so
    adding them to a sum changes nothing.
    """
    ramp = p10 - p9
    if gap is not None and cyc is not None:
        y_prod = np.clip(np.floor(p9 / 12.0), 0, Y - 1).astype(np.int64)
        ramp = ramp * np.exp(-cyc.ramp_elasticity * gap[rows, y_prod])
    k = 12.0 * np.arange(Y + 1)
    val = np.empty((len(p9), Y))
    for c in range(0, len(p9), _ROWS):  # chunks: large temporaries cost more than the arithmetic
        s = slice(c, c + _ROWS)
        integ = _ramp_integral(k[None, :], p9[s, None], ramp[s, None], r0)
        val[s] = full[s, None] * ((integ[:, 1:] - integ[:, :-1]) / 12.0)
        if util is not None:
            val[s] *= util[rows[s]]
    return val


def _sum_by_destination(rows: NDArray, pos: NDArray, new: NDArray, val: NDArray, P: int, n_host: int, n_site: int,
                        Y: int) -> NDArray:
    """Sums of the projects' yearly ``val`` (n, Y) by (path, host, year) then by (path, site, year), flat, in project order.

    Expansions (``new`` False) go to their host ``pos``, new entrants to their site ``pos``.
    """
    if not (n_host and n_site):  # projects without a destination axis add nothing
        keep = np.where(new, n_site > 0, n_host > 0)
        rows, pos, new, val = rows[keep], pos[keep], new[keep], val[keep]
    at = np.where(new, (P * n_host + rows * n_site + pos) * Y, (rows * n_host + pos) * Y)
    idx = at[:, None] + np.arange(Y)
    return np.bincount(idx.ravel(), weights=val.ravel(), minlength=P * (n_host + n_site) * Y)


def _tail_projects(draws: ProjectDraws, M: NDArray, r0: float, Y: int,
                   util: NDArray | None) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Path row, destination, new-entrant flag and yearly value (n, Y) of :func:`_ramp_tail`'s projects."""
    sel = (M[..., 9] < 0) & (M[..., 10] > -12.0) & draws.valid
    rows = np.repeat(np.arange(M.shape[0]), sel.sum(1))  # the path of each selected project, in project order
    p9, p10 = M[..., 9][sel], M[..., 10][sel]
    full = draws.inv[sel] * draws.ratio[sel]
    ramp = p10 - p9
    base = _ramp_integral(0.0, p9, ramp, r0) - _ramp_integral(-12.0, p9, ramp, r0)
    k = 12.0 * np.arange(Y + 1)
    integ = _ramp_integral(k[None, :], p9[:, None], ramp[:, None], r0)  # (n, Y + 1)
    val = full[:, None] * ((np.diff(integ, axis=1) - base[:, None]) / 12.0)
    if util is not None:
        val = val * util[rows]
    return rows, draws.dest[sel], draws.is_new[sel], val


def _ramp_tail(draws: ProjectDraws, M: NDArray, r0: float, Y: int, gap: NDArray | None,
               cyc: CycleParams | None) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Revenue gained after 2013 by projects producing before 2014 and still ramping up in 2013.

    Their 2013 revenue is in the base data; what they add later is the rest of
    their ramp-up: ``full × ((I(y end) − I(y start)) − (I(0) − I(−12))) / 12`` in year
    ``y`` (``I``: :func:`_ramp_integral`), scaled by the year's utilisation when a
    cycle is given.  Returns (path row, destination, new-entrant flag, year, value)
    per (project, year).
    """
    util = None if gap is None or cyc is None else cyc.utilisation(gap)
    rows, pos, new, val = _tail_projects(draws, M, r0, Y, util)
    return (np.repeat(rows, Y), np.repeat(pos, Y), np.repeat(new, Y), np.tile(np.arange(Y), len(rows)), val.ravel())
