"""M4 Yearly forecast-skill benchmark of ``model.forecast`` (GitHub issues 6 and 12).

Usage::

    python benchmarks/m4_yearly.py                 # full run, writes benchmarks/results/m4_yearly.{json,md}
    python benchmarks/m4_yearly.py --sample 300    # fixed random sample of 300 series
    python benchmarks/m4_yearly.py --workers 2 --json /tmp/m4.json
    python benchmarks/m4_yearly.py --long          # horizons 1-12 from 6/10-point histories, writes m4_long.{json,md}
    python benchmarks/m4_yearly.py --long --sample 300 --workers 1   # CI-sized sample of the evaluation half
    python benchmarks/m4_yearly.py --calibrate     # re-learn calibration/forecast_priors.toml (fitting half only)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.commands.bench import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
