"""Seeded generator of the illustrative Jiangxi / Ganzhou panel (2008-2013).

Real published figures are few (``shared/data/published_history.csv``). This
module builds a complete, coherent panel around them:

* enterprise sizes in 2013 from a Pareto upper tail (count targets live there);
* histories back-cast with growth = macro year shock + industry-year shock +
  a damped firm-specific drift + Laplace noise whose spread falls with size as
  size^-0.2 (Stanley et al. 1996);
* parks, clusters and regions built bottom-up as members + remainder, so the
  aggregates are coherent by construction;
* anchors reproduced exactly (province and Ganzhou totals, Ganzhou rare earth
  and tungsten, 7 enterprises > 100亿 in 2010, 20 and 28 parks > 100亿 in 2009
  and 2010) and published values kept with their provenance and source.

Regenerate with ``python -m model.generator calibration/data`` (bit-identical).
Every synthetic value is flagged ``synthetic``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import generator_spec as S
from .monthly_generator import MONTHLY_FILES, generate_monthly
from .project_generator import PROJECT_FILE, generate_projects
from .xinyi_generator import XINYI_FOLDER, generate_xinyi

__all__ = ["generate", "write_dataset", "write_registry_dataset", "SEED", "SYNTHETIC_SOURCE"]

SEED = 20131231
SYNTHETIC_SOURCE = f"illustrative: model.generator seed {SEED}"
_YEARS = np.array(S.YEARS)
_NY = len(_YEARS)
_MACRO = np.array([S.MACRO_LOG_GROWTH[y] for y in S.YEARS[1:]])


def generate(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Build the five tables of the illustrative dataset.

    Parameters
    ----------
    seed : int
        Root of the ``SeedSequence``; the default reproduces ``calibration/data``.

    Returns
    -------
    dict of pandas.DataFrame
        ``regions``, ``parks``, ``clusters``, ``enterprises``, ``revenue``.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    b = _Builder(rng)
    b.regions()
    b.parks()
    b.clusters()
    b.enterprises()
    b.park_rests()
    b.county_cluster_cells()
    b.ganzhou_industries()
    b.enforce_park_anchors()
    b.cell = b.cells()
    b.region_totals()
    return b.tables()


def write_dataset(folder: Path | str, seed: int = SEED) -> None:
    """Write the generated tables, ``dataset.toml``, the monthly and project dispatch tables (``monthly/``) and the Xinyi panel (``xinyi/``) to ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = generate(seed)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, float_format="%.4f", lineterminator="\n")
    (folder / "dataset.toml").write_text(_META.format(seed=seed), encoding="utf-8")
    # The illustrative 月调度表 (monthly history and the 2014 January-June table) beside the annual tables.
    monthly = generate_monthly(tables, seed)
    (folder / "monthly").mkdir(exist_ok=True)
    for file, key in MONTHLY_FILES.items():
        monthly[key].to_csv(folder / "monthly" / file, index=False, lineterminator="\n")
    # The illustrative 项目调度表 of the 2014 百项 list at the end of June (one path of the pipeline).
    generate_projects(tables, seed).to_csv(folder / "monthly" / PROJECT_FILE, index=False, lineterminator="\n")
    # The illustrative Xinyi panel (its own seed branch and tables: no other entity's stream moves).
    (folder / XINYI_FOLDER).mkdir(exist_ok=True)
    for name, table in generate_xinyi(seed).items():
        table.to_csv(folder / XINYI_FOLDER / f"{name}.csv", index=False, lineterminator="\n")


_META = """# Embedded dataset: Jiangxi province, Ganzhou city, Xinyi (Guangdong), as of 2013.
# ILLUSTRATIVE: real published figures (provenance = published/derived, with source)
# embedded in a synthetic panel (provenance = synthetic) built by model.generator.
# Regenerate (bit-identical): python -m model.generator calibration/data
name = "jiangxi-ganzhou-2013-illustrative"
first_year = 2008
last_year = 2013
as_of = 2013
illustrative = true
generator = "model.generator"
seed = {seed}
unit = "亿元"
tracking_threshold = {{ JX = 10.0, "JX.GZ" = 5.0 }}
# Xinyi (Guangdong) is not part of Jiangxi: its empty 上级 is meant, not a slip.
standalone = ["GD.XY"]
"""


class _Builder:
    """Accumulates entities and revenue histories; one method per stage."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.rows: dict[str, list] = {k: [] for k in ("regions", "parks", "clusters", "enterprises")}
        self.hist: dict[str, np.ndarray] = {}
        self.prov: dict[tuple[str, int], tuple[str, str]] = {}
        self.park_city: dict[str, str] = {}
        self.ent: dict[str, dict] = {}
        self.cluster_host: dict[str, str] = {}
        self.cluster_share: dict[str, float] = {}
        self.industry_shock: dict[str, np.ndarray] = {}
        self.rest: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------ entities
    def regions(self) -> None:
        add = self.rows["regions"].append
        add(["JX", "江西省", "province", ""])
        for cid, (name, _) in S.CITIES.items():
            add([cid, name, "city", "JX"])
        for bid, (name, counties) in S.GZ_BOARDS.items():
            add([bid, name, "board", "JX.GZ"])
            for county in counties:
                add([f"JX.GZ.{S.GZ_COUNTY_CODES[county]}", county, "county", bid])
        add(["GD.XY", "信宜市(广东)", "city", ""])

    def parks(self) -> None:
        for cid, n in S.PARKS_PER_CITY.items():
            real = S.REAL_PARK_NAMES.get(cid, [])
            for k in range(n):
                name = real[k] if k < len(real) else f"{S.CITIES[cid][0][:-1]}第{k + 1}工业园区"
                self._add_park(f"P.{cid[3:]}.{k + 1:02d}", name, cid, cid)
        for county, code in S.GZ_COUNTY_CODES.items():
            name = S.GZ_NATIONAL_PARKS.get(code, f"{county}工业园区")
            self._add_park(f"P.GZ.{code}", name, f"JX.GZ.{code}", "JX.GZ")

    def _add_park(self, pid: str, name: str, region: str, city: str) -> None:
        self.rows["parks"].append([pid, name, region])
        self.park_city[pid] = city

    def clusters(self) -> None:
        for cid, industries in S.CITY_INDUSTRIES.items():
            parks = [p for p, c in self.park_city.items() if c == cid]
            for k, ind in enumerate(industries):
                host = parks[min(k, len(parks) - 1)] if k < 3 else parks[int(self.rng.integers(len(parks)))]
                self._add_cluster(f"JX.C.{cid[3:]}.{k + 1:02d}", f"{S.CITIES[cid][0][:-1]}{ind}产业集群", "provincial_key", cid, "", host)
        for gid, (name, _) in S.GZ_INDUSTRIES.items():
            self.rows["clusters"].append([gid, name, "city_industry", "JX.GZ", "", ""])
        for k, (code, name, parent, _) in enumerate(S.GZ_COUNTY_CLUSTERS):
            self._add_cluster(f"GZ.C.{code}.{k + 1:02d}", name, "county_feature", f"JX.GZ.{code}", parent, f"P.GZ.{code}")
        for row in self.rows["clusters"]:
            self.industry_shock[row[0]] = self.rng.normal(0.0, 0.07, _NY - 1)

    def _add_cluster(self, cid: str, name: str, level: str, region: str, parent: str, host: str) -> None:
        self.rows["clusters"].append([cid, name, level, region, parent, host])
        self.cluster_host[cid] = host

    def enterprises(self) -> None:
        self._published_firms()
        self._synthetic_firms("JX", 285, 10.0, 1.42, [c for c in S.CITIES if c != "JX.GZ"])
        self._synthetic_firms("JX.GZ", 80, 5.0, 1.75, ["JX.GZ"])
        self._enforce_firm_anchor()

    def _published_firms(self) -> None:
        for eid, name, city, park_k, industry, values in S.PUBLISHED_FIRMS:
            parks = [p for p, c in self.park_city.items() if c == city]
            park = parks[park_k] if park_k >= 0 else ""
            cluster = self._cluster_by_industry(city, industry)
            year, (value, _, _) = max(values.items())
            # Feed and coal groups grew far faster than industry in 2010-2013.
            boom = 0.20 if eid in ("E.SBT", "E.JXC") else 0.0
            self._add_firm(eid, name, self._region_of(park) if park else city, park, cluster, self._backcast(value, year, cluster, 0.0, boom, entry=False))
            for y, (v, prov, src) in values.items():
                self.hist[eid][y - S.YEARS[0]] = v
                self.prov[(eid, y)] = (prov, src)

    def _cluster_by_industry(self, city: str, industry: str) -> str:
        for row in self.rows["clusters"]:
            if row[3] == city and industry and industry in row[1]:
                return row[0]
        return ""

    def _synthetic_firms(self, scope: str, n: int, floor: float, alpha: float, cities: list[str]) -> None:
        sizes = floor * (1.0 - self.rng.random(n)) ** (-1.0 / alpha)
        sizes = np.minimum(sizes, 900.0)
        weights = np.array([S.CITIES[c][1] for c in cities])
        for k, size in enumerate(np.sort(sizes)[::-1]):
            city = cities[int(self.rng.choice(len(cities), p=weights / weights.sum()))]
            region, park, cluster = self._place(city, size)
            eid = f"E.{city[3:]}.{k + 1:03d}"
            name = f"{S.CITIES[city][0][:-1]}{'ABCDEFGHJKLMNPQRSTUVWXYZ'[k % 24]}{k + 1:03d}公司"
            self._add_firm(eid, name, region, park, cluster, self._backcast(size, 2013, cluster, self.rng.normal(0, 0.12)))

    def _place(self, city: str, size: float) -> tuple[str, str, str]:
        clusters = [r for r in self.rows["clusters"] if r[5] and self.park_city.get(r[5]) == city]
        if city == "JX.GZ":
            clusters = [r for r in clusters if size < 0.25 * dict((c[1], c[3]) for c in [(0, n, 0, v) for _, n, _, v in S.GZ_COUNTY_CLUSTERS]).get(r[1], 0)]
        if clusters and self.rng.random() < 0.75:
            row = clusters[int(self.rng.integers(len(clusters)))]
            park = row[5] if self.rng.random() < 0.85 else self._random_park(city)
            return self._region_of(park), park, row[0]
        if city == "JX.GZ" and self.rng.random() < 0.6:
            fits = [g for g, (_, s) in S.GZ_INDUSTRIES.items() if size < 0.2 * s[-1]]
            if fits:
                weights = np.array([S.GZ_INDUSTRIES[g][1][-1] for g in fits])
                industry = fits[int(self.rng.choice(len(fits), p=weights / weights.sum()))]
                park = self._random_park(city)
                return self._region_of(park), park, industry
        if self.rng.random() < 0.1:
            park = self._random_park(city)
            return self._region_of(park), "", ""
        park = self._random_park(city)
        return self._region_of(park), park, ""

    def _random_park(self, city: str) -> str:
        parks = [p for p, c in self.park_city.items() if c == city]
        w = 1.0 / np.arange(1, len(parks) + 1) ** 0.6  # bigger, older parks attract more firms
        return parks[int(self.rng.choice(len(parks), p=w / w.sum()))]

    def _region_of(self, park: str) -> str:
        return next(r[2] for r in self.rows["parks"] if r[0] == park)

    def _add_firm(self, eid: str, name: str, region: str, park: str, cluster: str, hist: np.ndarray) -> None:
        self.rows["enterprises"].append([eid, name, region, park, cluster, ""])
        self.ent[eid] = {"region": region, "park": park, "cluster": cluster}
        self.hist[eid] = hist

    def _backcast(self, value: float, year: int, cluster: str, drift: float, boom: float = 0.0, entry: bool = True) -> np.ndarray:
        """Levels 2008-2013 ending at ``value`` in ``year`` under the panel's growth law."""
        shock = self.industry_shock.get(self._root(cluster), np.zeros(_NY - 1)) if cluster else np.zeros(_NY - 1)
        sigma = 0.20 * max(value, 1.0) ** -0.2
        noise = self.rng.laplace(0.0, sigma / np.sqrt(2.0), _NY - 1)
        firm = drift * 0.75 ** np.arange(_NY - 1) + boom  # a firm's excess growth damps out over time
        growth = _MACRO - 0.03 + shock + firm + noise
        logs = np.concatenate([[0.0], np.cumsum(growth)])
        levels = np.exp(logs - logs[year - S.YEARS[0]]) * value
        start = int(self.rng.integers(1, 5)) if entry and self.rng.random() < 0.07 else 0
        levels[:start] = np.nan  # new plants entering the tracked set
        return levels

    def _root(self, cluster: str) -> str:
        parent = {r[0]: r[4] for r in self.rows["clusters"]}
        while parent.get(cluster):
            cluster = parent[cluster]
        return cluster

    def _enforce_firm_anchor(self) -> None:
        col, target = 2010 - S.YEARS[0], S.ANCHORS["enterprises_over_100_in_2010"]
        synthetic = [e for e in self.ent if not e.startswith("E.") or e.count(".") == 2]
        for _ in range(50):
            over = [e for e in self.ent if np.nan_to_num(self.hist[e][col]) > 100.0]
            if len(over) == target:
                return
            pool = [e for e in synthetic if (e in over) == (len(over) > target)]
            pick = min(pool, key=lambda e: self.hist[e][col]) if len(over) > target else max(pool, key=lambda e: np.nan_to_num(self.hist[e][col]))
            self.hist[pick] *= (99.0 if len(over) > target else 101.0) / self.hist[pick][col]
        raise RuntimeError("could not reproduce the 2010 enterprise anchor")

    # ------------------------------------------------------------ remainders
    def park_rests(self) -> None:
        for pid, city in self.park_city.items():
            scale = 55.0 if city != "JX.GZ" else 4.0
            level = scale * np.exp(self.rng.normal(0.0, 0.8))
            growth = _MACRO + self.rng.normal(0.0, 0.05, _NY - 1)
            self.rest[pid] = level * np.exp(np.concatenate([[0.0], np.cumsum(growth)]) - growth.sum())

    def county_cluster_cells(self) -> None:
        """Ganzhou county clusters follow their stated 2013 size; the host park's remainder makes room."""
        self.fixed_cells: dict[str, dict[str, np.ndarray]] = {}
        self.child_target: dict[str, np.ndarray] = {}
        growth_path = np.exp(np.concatenate([[0.0], np.cumsum(_MACRO)]) - _MACRO.sum())
        for k, (code, _, parent, size) in enumerate(S.GZ_COUNTY_CLUSTERS):
            cid, host = f"GZ.C.{code}.{k + 1:02d}", f"P.GZ.{code}"
            path = np.array(S.GZ_INDUSTRIES[parent][1]) / S.GZ_INDUSTRIES[parent][1][-1] if parent else growth_path
            self.child_target[cid] = size * path * np.exp(self.rng.normal(0, 0.03, _NY))
            self._set_county_cell(cid)
        for host, cells in self.fixed_cells.items():
            self.rest[host] = np.maximum(self.rest[host], sum(cells.values()) / 0.97)

    def _set_county_cell(self, cid: str) -> None:
        target, host = self.child_target[cid], self.cluster_host[cid]
        self.fixed_cells.setdefault(host, {})[cid] = np.maximum(target - self._direct_members(cid), 0.1 * target)

    def _direct_members(self, cid: str) -> np.ndarray:
        return sum((np.nan_to_num(self.hist[e]) for e, r in self.ent.items() if r["cluster"] == cid), np.zeros(_NY))

    def park_total(self, pid: str) -> np.ndarray:
        members = [np.nan_to_num(self.hist[e]) for e, r in self.ent.items() if r["park"] == pid]
        return self.rest[pid] + (np.sum(members, axis=0) if members else 0.0)

    def enforce_park_anchors(self) -> None:
        for year, key in ((2009, "parks_over_100_in_2009"), (2010, "parks_over_100_in_2010")):
            self._enforce_park_count(year - S.YEARS[0], S.ANCHORS[key])

    def _enforce_park_count(self, col: int, target: int) -> None:
        jx = [p for p, c in self.park_city.items()]
        for _ in range(200):
            totals = {p: self.park_total(p)[col] for p in jx}
            over = [p for p in jx if totals[p] > 100.0]
            if len(over) == target:
                return
            if len(over) > target:
                p = min(over, key=totals.get)
                new_rest = self.rest[p][col] - (totals[p] - 99.0)
                floor = sum(c[col] for c in self.fixed_cells.get(p, {}).values()) / 0.97
                if new_rest <= max(0.5, floor):
                    jx.remove(p)  # members alone exceed 100: leave it, shrink another
                    continue
            else:
                p = max((q for q in jx if totals[q] <= 100.0), key=totals.get)
                new_rest = self.rest[p][col] + (101.0 - totals[p])
            self.rest[p] = self.rest[p] * self._bump(col, new_rest / self.rest[p][col])
        raise RuntimeError("could not reproduce the park anchors")

    @staticmethod
    def _bump(col: int, factor: float) -> np.ndarray:
        # Scale the remainder from `col` on, so its growth changes in one year only.
        out = np.ones(_NY)
        out[col:] = factor
        return out

    def cells(self) -> dict[str, dict[str, np.ndarray]]:
        """Cluster remainder cells per host: a Dirichlet share of the host's remainder."""
        out: dict[str, dict[str, np.ndarray]] = {}
        hosted: dict[str, list[str]] = {}
        for cid, host in self.cluster_host.items():
            hosted.setdefault(host, []).append(cid)
        for host, clusters in sorted(hosted.items()):
            if host in self.fixed_cells:
                out[host] = self.fixed_cells[host]
                continue
            shares = self.rng.dirichlet(np.full(len(clusters) + 1, 2.0)) * 0.9
            # The untracked firms of a cluster share its industry shocks too.
            cells = {c: s * self.rest[host] * self._shock_path(c) for c, s in zip(clusters, shares)}
            fit = min(1.0, float(np.min(0.95 * self.rest[host] / sum(cells.values()))))
            out[host] = {c: v * fit for c, v in cells.items()}
        return out

    def _shock_path(self, cluster: str) -> np.ndarray:
        cum = np.concatenate([[0.0], np.cumsum(self.industry_shock[self._root(cluster)])])
        return np.exp(cum - cum[-1])

    def ganzhou_industries(self) -> None:
        """City industries hit their stated sizes; their own remainder sits in four host parks."""
        counties = [f"P.GZ.{c}" for c in S.GZ_COUNTY_CODES.values()]
        for gid, (_, series) in S.GZ_INDUSTRIES.items():
            target = np.array(series, dtype=float)
            rest = target - self._cluster_members_total(gid)
            while (rest < 0.02 * target).any():
                self._shrink_members(gid)
                rest = target - self._cluster_members_total(gid)
            # Two host parks in the central board (where the city's industry concentrates), two elsewhere.
            central = [c for c in counties if c[5:] in {S.GZ_COUNTY_CODES[n] for n in S.GZ_BOARDS["JX.GZ.central"][1]}]
            others = [c for c in counties if c not in central]
            hosts = [central[k] for k in self.rng.choice(len(central), 2, replace=False)] + [others[k] for k in self.rng.choice(len(others), 2, replace=False)]
            for h in hosts:
                self.fixed_cells.setdefault(h, {})[gid] = rest / len(hosts)
                self.rest[h] = np.maximum(self.rest[h], sum(self.fixed_cells[h].values()) / 0.97)
            self.rows["clusters"] = [r if r[0] != gid else r[:5] + [";".join(f"{h}={0.25}" for h in hosts)] for r in self.rows["clusters"]]

    def _shrink_members(self, gid: str) -> None:
        """Members exceed an industry's stated size: move its largest firm out, or shrink its county clusters."""
        kids = [r[0] for r in self.rows["clusters"] if r[4] == gid]
        firms = [e for e, r in self.ent.items() if r["cluster"] == gid or r["cluster"] in kids]
        if firms:
            big = max(firms, key=lambda e: np.nan_to_num(self.hist[e]).sum())
            old, self.ent[big]["cluster"] = self.ent[big]["cluster"], ""
            if old in kids:
                self._set_county_cell(old)
            return
        for kid in kids:
            self.child_target[kid] = self.child_target[kid] * 0.9
            self._set_county_cell(kid)

    def _cluster_members_total(self, cid: str) -> np.ndarray:
        total = np.zeros(_NY)
        for e, r in self.ent.items():
            if r["cluster"] == cid:
                total += np.nan_to_num(self.hist[e])
        for row in self.rows["clusters"]:
            if row[4] == cid:
                total += self.cluster_total(row[0])
        return total

    def cluster_total(self, cid: str) -> np.ndarray:
        if cid in S.GZ_INDUSTRIES:
            return np.array(S.GZ_INDUSTRIES[cid][1], dtype=float)
        host = self.cluster_host[cid]
        return self._cluster_members_total(cid) + (self.fixed_cells.get(host) or self.cell[host])[cid]

    def region_totals(self) -> None:
        """Bottom regions = parks + out-of-park firms + hosted cells + other; scaled to anchors."""
        self.central = {f"JX.GZ.{S.GZ_COUNTY_CODES[c]}" for c in S.GZ_BOARDS["JX.GZ.central"][1]}
        fixed = {}
        for rid in [r[0] for r in self.rows["regions"] if r[2] in ("county",) or (r[2] == "city" and r[0] not in ("JX.GZ", "GD.XY"))]:
            parks = [p for p, _ in self.park_city.items() if self._region_of(p) == rid]
            firms = [np.nan_to_num(self.hist[e]) for e, r in self.ent.items() if r["region"] == rid and not r["park"]]
            fixed[rid] = sum(self.park_total(p) for p in parks) + sum(firms, np.zeros(_NY))
        self.other = {}
        gz = [r for r in fixed if r.startswith("JX.GZ.")]
        self._scale_other(gz, fixed, np.array([S.GZ_TOTAL[y] for y in S.YEARS]))
        rest_target = np.array([S.PROVINCE_TOTAL[y] - S.GZ_TOTAL[y] for y in S.YEARS])
        self._scale_other([r for r in fixed if r not in gz], fixed, rest_target)
        self.region_value = {r: fixed[r] + self.other[r] for r in fixed}

    def _scale_other(self, regions: list[str], fixed: dict[str, np.ndarray], target: np.ndarray) -> None:
        path = np.exp(np.concatenate([[0.0], np.cumsum(_MACRO)]) - _MACRO.sum())
        # Ganzhou's central board (章贡, 赣州经开区, 南康...) holds over half of the city's industry (赣市府发〔2014〕26号 targets 3100 of 5500).
        weight = {r: 4.0 if r in self.central else 1.0 for r in regions}
        base = {r: (fixed[r][-1] + 1.0) * 0.25 * weight[r] * np.exp(self.rng.normal(0, 0.3)) * path for r in regions}
        room = target - sum(fixed[r] for r in regions)
        if (room <= 0).any():
            raise RuntimeError(f"fixed parts exceed the target: room {room}")
        k = room / sum(base.values())
        for r in regions:
            self.other[r] = base[r] * k

    # ------------------------------------------------------------ output
    def tables(self) -> dict[str, pd.DataFrame]:
        rev = self._revenue_rows()
        return {
            "regions": pd.DataFrame(self.rows["regions"], columns=["id", "name", "level", "parent"]),
            "parks": pd.DataFrame(self.rows["parks"], columns=["id", "name", "region"]),
            "clusters": pd.DataFrame(self.rows["clusters"], columns=["id", "name", "level", "region", "parent", "hosts"]),
            "enterprises": pd.DataFrame([[e, n, r, p, self.ent[e]["cluster"], i] for e, n, r, p, _, i in self.rows["enterprises"]], columns=["id", "name", "region", "park", "cluster", "industry"]),
            "revenue": pd.DataFrame(rev, columns=["entity", "year", "value", "unit", "provenance", "source"]),
        }

    def _series(self) -> dict[str, np.ndarray]:
        series = dict(self.hist)
        series.update({p: self.park_total(p) for p in self.park_city})
        series.update({r[0]: self.cluster_total(r[0]) for r in self.rows["clusters"]})
        series.update(self.region_value)
        children: dict[str, list[str]] = {}
        for rid, _, _, parent in self.rows["regions"]:
            children.setdefault(parent, []).append(rid)
        for rid in ("JX.GZ.central", "JX.GZ.east", "JX.GZ.south", "JX.GZ", "JX"):
            series[rid] = sum(series[c] for c in children[rid])
        return series

    def _revenue_rows(self) -> list[list]:
        rows = []
        for entity, values in self._series().items():
            for y, v in zip(S.YEARS, values):
                if np.isnan(v):
                    continue
                prov, src = self.prov.get((entity, y), ("synthetic", SYNTHETIC_SOURCE))
                if entity == "JX.GZ" and y in S.GZ_TOTAL_PROVENANCE:
                    prov, src = S.GZ_TOTAL_PROVENANCE[y]
                if (entity, y) in S.GZ_INDUSTRY_PROVENANCE:
                    prov, src = S.GZ_INDUSTRY_PROVENANCE[(entity, y)]
                rows.append([entity, y, round(float(v), 4), "亿元", prov, src])
        return rows


def write_registry_dataset(folder: Path | str, n_firms: int, seed: int = SEED) -> None:
    """Write the illustrative registry-scale dataset (:mod:`model.registry_scale`) to ``folder``."""
    from .data import load_dataset
    from .registry_scale import split_remainders

    folder = Path(folder)
    write_dataset(folder, seed)
    tables = split_remainders(generate(seed), load_dataset(folder), n_firms, seed + 1, f"illustrative: model.registry_scale seed {seed + 1}")
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, float_format="%.4f", lineterminator="\n")
    meta = _META.format(seed=seed).replace('name = "jiangxi-ganzhou-2013-illustrative"', f'name = "jiangxi-ganzhou-2013-registry-{n_firms}-illustrative"')
    note = (f"# REGISTRY SCALE ({n_firms} enterprises): the remainders of the embedded panel split into made-up firms\n"
            f"# by model.registry_scale (python -m model.generator FOLDER --registry {n_firms}); not shipped, for benchmarks.\n")
    (folder / "dataset.toml").write_text(note + meta, encoding="utf-8")


if __name__ == "__main__":
    # The command line (argument parsing, the message printed) is model.commands.generate's; run it as a script
    # rather than import it, so that this module never depends on the command layer above it.
    import runpy

    runpy.run_module("model.commands.generate", run_name="__main__")
