"""The stated assumptions of the investment, upgrade and R&D models (``calibration/innovation.toml``), read and checked.

Every number must be present, finite and in its range; a problem names the
file, the key, the value and what was expected.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, raise_all

__all__ = ["InnovationParams", "ProjectProgramme", "load_innovation_params", "default_innovation_path"]


@dataclass(frozen=True)
class ProjectProgramme:
    """One project programme: Poisson intake, lognormal sizes (亿元), abandonment."""

    name: str
    projects_per_year: float
    size_median: float
    size_sigma: float
    abandon_probability: float


@dataclass(frozen=True)
class InnovationParams:
    """All assumptions (see the file's comments for each one's provenance)."""

    revenue: dict[str, float]
    intake_growth: float
    max_intake_multiplier: float
    programmes: tuple[ProjectProgramme, ...]
    upgrades: dict[str, float]
    rnd: dict[str, float]
    path: str


# section -> key -> (low, high)
_RANGES = {
    "revenue": {"log_growth": (-0.5, 0.5), "macro_sd": (0, 1), "firm_scale": (0, 2), "size_exponent": (-1, 0), "above_scale_threshold": (0, 100)},
    "projects": {"intake_growth": (-0.5, 0.5), "max_intake_multiplier": (1, 100)},
    "upgrades": {"base_rate": (0, 1), "size_elasticity": (-2, 2), "max_rate": (0, 1), "spend_share_median": (0, 1), "spend_share_sigma": (0, 3)},
    "rnd": {"drift": (-1, 1), "common_sd": (0, 2), "firm_persistence": (0, 0.999), "firm_sd": (0, 3), "unit_intercept": (-50, 50), "unit_slope": (-10, 10)},
}
_PROGRAMME = {"projects_per_year_2014": (0, 10_000), "size_median": (1e-6, 10_000), "size_sigma": (0, 3), "abandon_probability": (0, 1)}


def default_innovation_path() -> Path:
    """``calibration/innovation.toml`` of the repository."""
    return Path(__file__).resolve().parents[1] / "calibration" / "innovation.toml"


def load_innovation_params(path: Path | str | None = None) -> InnovationParams:
    """Read the assumptions.

    Raises
    ------
    DataError
        ``FILE, key 'section.key': got V; expected a number in [lo, hi]`` for every bad or missing number.
    """
    path = Path(path) if path is not None else default_innovation_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read the innovation assumptions ({exc})") from None
    problems: list[str] = []
    sections = {s: _numbers(path, raw.get(s, {}), s, keys, problems) for s, keys in _RANGES.items()}
    progs = raw.get("projects", {})
    programmes = [ProjectProgramme(name, *_numbers(path, progs[name], f"projects.{name}", _PROGRAMME, problems).values())
                  for name in progs if isinstance(progs[name], dict)]
    if not programmes:
        problems.append(f"{path}: no [projects.NAME] table; expected at least one project programme")
    raise_all(problems)
    return InnovationParams(sections["revenue"], sections["projects"]["intake_growth"], sections["projects"]["max_intake_multiplier"],
                            tuple(programmes), sections["upgrades"], sections["rnd"], str(path))


def _numbers(path: Path, table: dict, where: str, keys: dict[str, tuple[float, float]], problems: list[str]) -> dict[str, float]:
    out = {}
    for key, (lo, hi) in keys.items():
        value = table.get(key)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and lo <= value <= hi
        if not ok:
            problems.append(f"{path}, key '{where}.{key}': got {value!r}; expected a number in [{lo:g}, {hi:g}]")
        out[key] = float(value) if ok else math.nan
    return out
