"""Many lever settings, each simulated by the run engine on common random numbers.

A *factor* is anything a sensitivity analysis may vary: a policy lever of
:data:`model.levers.LEVERS` (read generically: name, unit, range, default), or a
scenario setting named by its key path, e.g. ``macro.shift``. A *design point*
gives some factors a value; the others keep the scenario's.

Every point is simulated by :func:`model.engine.simulate_block`, the function
``attain run`` uses, on the same blocks of paths and the same seed. With common
random numbers (the default) every point sees the same growth shocks and the
same project draws, so the difference between two points is the effect of the
factors, not Monte Carlo noise: a point's values are bit-identical to
``attain run`` of the scenario with those factor values and the same
``--paths`` and ``--seed``. With ``crn=False`` point *i* gets its own blocks
(for regional sensitivity, which needs independent paths).

Work is split into (point, block) tasks that run in this process, in a local
process pool or on a Dask cluster; results are put back in task order, so the
answer does not depend on the worker count.

Settings: ``macro.shift``, ``macro.shift_from``, ``macro.widen`` and
``pipeline.enabled`` are applied by rebuilding only the fields of the run
context that depend on them. Any other setting (e.g. a structural variant a
later ``[macro]`` key selects) is applied by preparing the context anew, once
per distinct value; such a factor must be given as a list of choices.
"""

from __future__ import annotations

import dataclasses
import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from . import context as _context
from .context import RunContext, prepare
from .engine import block_plan, simulate_block
from .errors import UsageError
from .levers import LEVERS
from .scenario import SCHEMA, Scenario
from .xinyi import with_levers

__all__ = ["Factor", "make_factor", "lever_factors", "scenario_at", "context_at", "PointRunner", "PointResult", "FAST_SETTINGS"]

#: Settings whose effect on the run context is rebuilt without preparing it anew.
FAST_SETTINGS = frozenset({"macro.shift", "macro.shift_from", "macro.widen", "pipeline.enabled"})
#: ``[scenario]`` keys fix the paths, seed, blocks and years: never a factor.
_NOT_FACTORS = frozenset({"scenario"})


@dataclass(frozen=True)
class Factor:
    """One input varied by a sensitivity analysis.

    Attributes
    ----------
    name : str
        Lever name, or ``section.key`` of a scenario setting.
    low, high : float
        Range explored (the lever's declared range unless narrowed).
    unit : str
    integer : bool
        Values are rounded to whole numbers.
    kind : str
        ``"lever"`` or ``"setting"``.
    choices : tuple
        For a setting that needs a new context per value: the values allowed
        (the factor's position in [low, high] picks one, equally spaced).
    """

    name: str
    low: float
    high: float
    unit: str = ""
    integer: bool = False
    kind: str = "lever"
    choices: tuple = ()

    def value(self, x: float) -> Any:
        """The factor's value at ``x`` (a number in [low, high]; choices: picked by position)."""
        if self.choices:
            k = int(np.clip(math.floor((x - self.low) / (self.high - self.low) * len(self.choices)), 0, len(self.choices) - 1))
            return self.choices[k]
        x = float(np.clip(x, self.low, self.high))
        return float(round(x)) if self.integer else x

    def grid(self, k: int) -> list[float]:
        """``k`` equally spaced positions from low to high (both included)."""
        return [float(v) for v in np.linspace(self.low, self.high, k)]


def _parse_range(text: str, where: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise UsageError(f"{where}: expected LOW:HIGH, e.g. 20:80, got {text!r}") from None
    if not lo < hi:
        raise UsageError(f"{where}: expected LOW < HIGH, got {text!r}")
    return lo, hi


def make_factor(name: str, value_range: str | tuple[float, float] | None = None, choices: Sequence | None = None) -> Factor:
    """A factor from a lever name or a setting key path.

    Parameters
    ----------
    name : str
        A lever of ``attain levers`` or ``section.key`` of a scenario setting
        (``macro.shift``).
    value_range : str ``"LOW:HIGH"`` or (low, high), optional
        Narrower range than the declared one (must lie inside it).
    choices : sequence, optional
        Discrete values (for settings that need a new context per value).

    Raises
    ------
    UsageError
        Unknown name, a range outside the declared one, or a ``[scenario]`` key.
    """
    where = f"factor {name}"
    if name in LEVERS:
        lv = LEVERS[name]
        lo, hi, unit, integer, kind = float(lv.low), float(lv.high), lv.unit, lv.integer, "lever"
    elif "." in name and name.split(".", 1)[0] in SCHEMA and name.split(".", 1)[0] not in _NOT_FACTORS and name.split(".", 1)[1] in SCHEMA[name.split(".", 1)[0]]:
        section, key = name.split(".", 1)
        typ, lo, hi, _, help_ = SCHEMA[section][key]
        unit, integer, kind = help_, typ is int, "setting"
        if typ is bool:
            lo, hi, choices = 0.0, 1.0, tuple(choices or (False, True))
        elif typ is str or lo is None:
            if not choices:
                raise UsageError(f"{where}: a {typ.__name__} setting needs its values listed, e.g. {name}=a,b")
            lo, hi = 0.0, 1.0
        lo, hi = float(lo), float(hi)
    else:
        levers = ", ".join(sorted(LEVERS))
        settings = ", ".join(f"{s}.{k}" for s, spec in SCHEMA.items() if s not in _NOT_FACTORS for k in spec)
        raise UsageError(f"{where}: unknown; expected a lever ({levers}) or a scenario setting ({settings})")
    if value_range is not None and not choices:
        rlo, rhi = _parse_range(value_range, f"--range {name}") if isinstance(value_range, str) else map(float, value_range)
        if rlo < lo or rhi > hi:
            raise UsageError(f"--range {name}={rlo:g}:{rhi:g}: outside the declared range [{lo:g}, {hi:g}] {unit}")
        lo, hi = rlo, rhi
    if kind == "setting" and name not in FAST_SETTINGS and not choices:
        raise UsageError(f"{where}: this setting needs a new run context per value; list its values ({name}=v1,v2,...)")
    return Factor(name, lo, hi, unit, integer, kind, tuple(choices or ()))


def lever_factors(names: Iterable[str] | None = None, ranges: Mapping[str, str] | None = None, choices: Mapping[str, Sequence] | None = None) -> list[Factor]:
    """Factors for the named levers/settings (default: every lever of :data:`LEVERS`).

    ``ranges`` narrows factors' ranges (``"LOW:HIGH"``); ``choices`` lists the
    values of settings that need a new run context per value (such a setting
    is added to the factors if not named).
    """
    ranges, choices = dict(ranges or {}), dict(choices or {})
    names = list(names) if names else list(LEVERS)
    names += [c for c in choices if c not in names]
    unknown = set(ranges) - set(names)
    if unknown:
        raise UsageError(f"--range {sorted(unknown)[0]}: not among the factors analysed ({', '.join(names)})")
    return [make_factor(n, ranges.get(n), choices.get(n)) for n in names]


def scenario_at(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The scenario with some levers and settings replaced (values are checked)."""
    settings = {k: dict(v) for k, v in scenario.settings.items()}
    levers = dict(scenario.levers)
    for name, value in values.items():
        if name in LEVERS:
            levers[name] = LEVERS[name].check(value, "sensitivity design point")
        else:
            section, key = name.split(".", 1)
            settings[section][key] = _setting_value(section, key, value)
    return Scenario(scenario.path, settings, levers, scenario.chain, scenario.notes)


def _setting_value(section: str, key: str, value: Any) -> Any:
    """A setting's value in its declared type, checked against its declared range."""
    typ, low, high = SCHEMA[section][key][:3]
    if typ is bool:
        return bool(value)
    if typ is int:
        value = int(round(float(value)))
    elif typ is float:
        value = float(value)
    if low is not None and not low <= value <= high:
        raise UsageError(f"{section}.{key} = {value!r}: outside the declared range [{low}, {high}]")
    return value


def context_at(ctx: RunContext, values: Mapping[str, Any], prepare_args: Mapping[str, Any] | None = None) -> RunContext:
    """The run context of ``ctx``'s scenario with ``values`` applied.

    Levers and :data:`FAST_SETTINGS` rebuild only the pipeline parameters and
    the macro shift (the fields ``prepare`` derives from them); the organic
    adjustment never depends on the scenario (it is the baseline's). Any other
    setting prepares the context anew (cached per value), then keeps ``ctx``'s
    target selection.
    """
    scenario = scenario_at(ctx.scenario, values)
    slow = tuple(sorted((k, v) for k, v in values.items() if k not in LEVERS and k not in FAST_SETTINGS))
    if slow:
        ids = tuple(c.target.id for c in ctx.targets)
        base = _prepared(scenario_at(ctx.scenario, dict(slow)), tuple(sorted((prepare_args or {}).items())))
        ctx = dataclasses.replace(base, targets=[c for c in base.targets if c.target.id in ids])
    pipe = _context._pipeline_params(scenario, ctx.years) if scenario.get("pipeline", "enabled") else None
    xinyi = None if ctx.xinyi is None else with_levers(ctx.xinyi, scenario.levers, _context.policy_year(scenario, ctx.years))
    return dataclasses.replace(ctx, scenario=scenario, pipeline=pipe, macro_shift=scenario.macro_shift(ctx.years), xinyi=xinyi)


_PREPARED: dict = {}


def _prepared(scenario: Scenario, args: tuple) -> RunContext:
    key = (scenario.digest(), args)
    if key not in _PREPARED:
        _PREPARED[key] = prepare(scenario, **dict(args))
    return _PREPARED[key]


@dataclass
class PointResult:
    """Per-path outcomes of one design point.

    Attributes
    ----------
    values : dict
        Target id -> (n,) measured value per path.
    fiscal : ndarray (n, H)
        Reward payments of every evaluable schedule, summed (万元), per year.
    """

    values: dict[str, np.ndarray]
    fiscal: np.ndarray


@dataclass
class PointRunner:
    """Simulates design points with the engine, on the run backends.

    Parameters
    ----------
    ctx : RunContext
        Context of the scenario (from :func:`model.context.prepare`).
    targets : list of str
        Target ids measured (the context is cut to them: less work per block).
    n_paths : int
        Paths per design point.
    seed : int
    workers : int
        Local processes (1 = this process).
    scheduler : str, optional
        ``tcp://host:port`` of a dask.distributed scheduler.
    progress : bool
        Show a progress bar (tqdm, on stderr) for batches of more than one task.
    prepare_args : mapping, optional
        ``as_of`` / ``data_dir`` given to :func:`prepare` for settings that need a new context.
    """

    ctx: RunContext
    targets: list[str]
    n_paths: int
    seed: int
    workers: int = 1
    scheduler: str | None = None
    progress: bool = False
    prepare_args: Mapping[str, Any] = field(default_factory=dict)
    paths_simulated: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        known = {c.target.id: c for c in self.ctx.targets}
        for tid in self.targets:
            if tid not in known:
                raise UsageError(f"--target {tid}: not in the target catalogue (see `attain targets`)")
            if not known[tid].evaluable:
                raise UsageError(f"--target {tid}: not evaluable ({known[tid].why_not})")
        self.ctx = dataclasses.replace(self.ctx, targets=[known[t] for t in self.targets])
        self.block_size = int(self.ctx.scenario.get("scenario", "block_size"))

    def year_index(self, target: str) -> int:
        """Column of the target's year in the simulated years."""
        return next(c.year_index for c in self.ctx.targets if c.target.id == target)

    def run(self, points: Sequence[Mapping[str, Any]], crn: bool = True, desc: str = "points") -> list[PointResult]:
        """Simulate every point.

        Parameters
        ----------
        points : sequence of mappings
            Factor values per point (factors not named keep the scenario's value).
        crn : bool
            True: every point runs the same blocks (common random numbers).
            False: point *i* runs its own blocks (independent paths).
        desc : str
            Label of the progress bar.

        Returns
        -------
        list of PointResult
            In the order of ``points``.
        """
        plan = block_plan(self.n_paths, self.block_size)
        tasks = []
        for i, pt in enumerate(points):
            for b, n in plan:
                block = b if crn else i * len(plan) + b
                tasks.append((dict(pt), block, n))
        t0 = time.perf_counter()
        if self.scheduler:
            parts = _run_dask(self.ctx, tasks, self.seed, self.scheduler, self.progress, desc, self.prepare_args)
        elif self.workers > 1:
            parts = _run_pool(self.ctx, tasks, self.seed, self.workers, self.progress, desc, self.prepare_args)
        else:
            parts = [_task(self.ctx, pt, b, n, self.seed, self.prepare_args) for pt, b, n in _bar(tasks, self.progress and len(tasks) > 1, desc)]
        self.seconds += time.perf_counter() - t0
        self.paths_simulated += self.n_paths * len(points)
        out = []
        k = len(plan)
        for i in range(len(points)):
            chunk = parts[i * k:(i + 1) * k]
            out.append(PointResult({t: np.concatenate([c[0][t] for c in chunk]) for t in self.targets}, np.concatenate([c[1] for c in chunk])))
        return out


def _task(ctx: RunContext, values: Mapping[str, Any], block: int, n: int, seed: int, prepare_args: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One block of one design point, reduced to what the analyses read."""
    res = simulate_block(context_at(ctx, values, prepare_args), block, n, seed)
    fiscal = sum(res.fiscal.values()) if res.fiscal else np.zeros((n, len(ctx.years)))
    return res.values, np.asarray(fiscal, float)


def _bar(items, on: bool, desc: str, total: int | None = None):
    if not on:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total or len(items), desc=desc, unit="block")


_WORKER: dict = {}


def _init_worker(ctx: RunContext, prepare_args: Mapping[str, Any]) -> None:
    _WORKER.update(ctx=ctx, prepare_args=prepare_args)


def _worker_task(values: Mapping[str, Any], block: int, n: int, seed: int):
    return _task(_WORKER["ctx"], values, block, n, seed, _WORKER["prepare_args"])


def _run_pool(ctx: RunContext, tasks, seed: int, workers: int, progress: bool, desc: str, prepare_args) -> list:
    from concurrent.futures import as_completed

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(ctx, dict(prepare_args))) as pool:
        futures = [pool.submit(_worker_task, pt, b, n, seed) for pt, b, n in tasks]
        for _ in _bar(as_completed(futures), progress and len(futures) > 1, desc, len(futures)):
            pass
        return [f.result() for f in futures]


def _run_dask(ctx: RunContext, tasks, seed: int, address: str, progress: bool, desc: str, prepare_args) -> list:
    from dask.distributed import Client, as_completed

    with Client(address) as client:
        remote = client.scatter(ctx, broadcast=True)
        futures = [client.submit(_task, remote, pt, b, n, seed, dict(prepare_args), pure=False) for pt, b, n in tasks]
        for _ in _bar(as_completed(futures), progress and len(futures) > 1, desc, len(futures)):
            pass
        return client.gather(futures)
