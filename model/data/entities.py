"""Checks of the four entity tables (regions, parks, clusters, enterprises): ids, levels, parents, hosts, cycles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError, ErrorLocation, raise_all
from ..panel import parse_hosts
from ..schema import CLUSTER_LEVELS, REGION_LEVELS
from ..tables import FILE_COL, MERGED_COL, ROW_COL

# --------------------------------------------------------------------------- entities


def _validate_entities(tables: dict[str, pd.DataFrame], files: dict[str, str], standalone: list[str] = (), toml: Path | str = "dataset.toml") -> dict[str, pd.DataFrame]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for name in ("regions", "parks", "clusters", "enterprises"):
        problems += _check_ids(tables[name], files[name], seen, name)
    raise_all(problems)
    out = {name: tables[name].drop(columns=[FILE_COL, MERGED_COL]).drop_duplicates("id").set_index("id") for name in ("regions", "parks", "clusters", "enterprises")}
    problems += _check_levels(out, files)
    problems += _check_parents(out["regions"], "parent", out["regions"], files["regions"], "a region id")
    problems += _check_parents(out["parks"], "region", out["regions"], files["parks"], "a region id", required=True)
    problems += _check_parents(out["clusters"], "region", out["regions"], files["clusters"], "a region id", required=True)
    problems += _check_parents(out["clusters"], "parent", out["clusters"], files["clusters"], "a cluster id")
    problems += _check_enterprises(out, files["enterprises"])
    problems += _check_hosts(out, files["clusters"])
    problems += _check_cycles(out["regions"], files["regions"])
    problems += _check_cycles(out["clusters"], files["clusters"])
    if not problems:  # the province check needs valid levels
        problems += _check_province(out["regions"], files["regions"])
        problems += _check_standalone(out["regions"], files["regions"], list(standalone), toml)
    raise_all(problems)
    return out


def _check_standalone(regions: pd.DataFrame, file: str, standalone: list[str], toml: Path | str) -> list[str]:
    """A region with an empty 上级 leaves the province; only regions listed in ``standalone`` may.

    An accidental blank would silently take the region, its parks and firms out
    of every province-wide total and count, so it is an error naming the row.
    """
    problems = []
    for ident, rec in regions.iterrows():
        if rec["level"] == "province" or rec["parent"] or ident in standalone:
            continue
        where = ErrorLocation(file, rec[ROW_COL], "parent")
        problems.append(DataError.describe(
            where, "", f"the id of the region above '{ident}' ({rec['name']}, {rec['level']}): with an empty 上级 it would leave the province "
            f"and every province-wide total and count; if it is meant to stand alone (as Xinyi does), list it in {toml}: standalone = [\"{ident}\"]"))
    for ident in standalone:
        if ident not in regions.index:
            problems.append(f"{toml}: key 'standalone' names '{ident}'; expected ids of regions in {file}")
        elif regions.at[ident, "parent"] or regions.at[ident, "level"] == "province":
            what = "is the province" if regions.at[ident, "level"] == "province" else f"has the parent '{regions.at[ident, 'parent']}'"
            problems.append(f"{toml}: key 'standalone' names '{ident}', which {what}; expected only regions with an empty 上级 that stand outside the province")
    return problems


def _check_ids(table: pd.DataFrame, file: str, seen: dict[str, str], kind: str) -> list[str]:
    problems = []
    first_row: dict[str, str] = {}
    for _, rec in table.iterrows():
        where = ErrorLocation(file, rec[ROW_COL], "id")
        ident = rec["id"]
        if ident == "":
            problems.append(DataError.describe(where, ident, "a non-empty id"))
        elif ident in seen and not (kind == "enterprises" and seen[ident] == kind):
            at = f" row {first_row[ident]}" if seen[ident] == kind else ""
            problems.append(DataError.describe(where, ident, f"a unique id (already used in {seen[ident]}{at})"))
        seen.setdefault(ident, kind)
        first_row.setdefault(ident, rec[ROW_COL])
    if kind == "enterprises":
        problems += _check_enterprise_duplicates(table, file)
    return problems


def _check_enterprise_duplicates(table: pd.DataFrame, file: str) -> list[str]:
    problems = []
    for ident, group in table[table["id"] != ""].groupby("id"):
        if len(group) < 2:
            continue
        first, second = group.iloc[0], group.iloc[1]
        other = group[group["park"] != first["park"]]
        if len(other):
            second = other.iloc[0]
            where = ErrorLocation(file, second[ROW_COL], "park")
            problems.append(DataError.describe(where, second["park"], f"one park per enterprise; '{ident}' is already in {first['park']!r} (row {first[ROW_COL]})"))
        else:
            where = ErrorLocation(file, second[ROW_COL], "id")
            problems.append(DataError.describe(where, ident, f"a unique id (first at row {group.iloc[0][ROW_COL]})"))
    return problems


def _check_levels(out: dict[str, pd.DataFrame], files: dict[str, str]) -> list[str]:
    problems = []
    for name, allowed in (("regions", REGION_LEVELS), ("clusters", CLUSTER_LEVELS)):
        for ident, rec in out[name].iterrows():
            if rec["level"] not in allowed:
                where = ErrorLocation(files[name], rec[ROW_COL], "level")
                problems.append(DataError.describe(where, rec["level"], f"one of {list(allowed)} (for '{ident}')"))
    return problems


def _check_province(regions: pd.DataFrame, file: str) -> list[str]:
    """Exactly one region is the province, and it is a root: the model simulates its total."""
    prov = regions[regions["level"] == "province"]
    if prov.empty:
        return [f"{file}: no region has level 'province'; expected exactly one (the root of the hierarchy, whose total the model simulates)"]
    first, first_rec = prov.index[0], prov.iloc[0]
    problems = [
        DataError.describe(ErrorLocation(file, rec[ROW_COL], "level"), "province", f"exactly one region with level 'province' ('{first}' at row {first_rec[ROW_COL]} already is; make '{ident}' a city, board or county)")
        for ident, rec in prov.iloc[1:].iterrows()
    ]
    if first_rec["parent"]:
        problems.append(DataError.describe(ErrorLocation(file, first_rec[ROW_COL], "parent"), first_rec["parent"], f"no parent for the province '{first}' (it is the root)"))
    return problems


def _check_parents(table: pd.DataFrame, col: str, parents: pd.DataFrame, file: str, what: str, required: bool = False) -> list[str]:
    problems = []
    for ident, rec in table.iterrows():
        ref = rec[col]
        where = ErrorLocation(file, rec[ROW_COL], col)
        if ref and ref not in parents.index:
            problems.append(DataError.describe(where, ref, f"{what} that exists (unknown parent of '{ident}')"))
        elif required and not ref:
            problems.append(DataError.describe(where, ref, f"{what} (required for '{ident}')"))
    return problems


def _check_enterprises(out: dict[str, pd.DataFrame], file: str) -> list[str]:
    problems = []
    for ident, rec in out["enterprises"].iterrows():
        if not rec["region"]:
            problems.append(DataError.describe(ErrorLocation(file, rec[ROW_COL], "region"), "", f"a region id (required for '{ident}')"))
        for col, ref in (("region", out["regions"]), ("park", out["parks"]), ("cluster", out["clusters"])):
            if rec[col] and rec[col] not in ref.index:
                where = ErrorLocation(file, rec[ROW_COL], col)
                problems.append(DataError.describe(where, rec[col], f"a {col} id that exists (unknown parent of '{ident}')"))
        if rec["park"] in out["parks"].index and out["parks"].at[rec["park"], "region"] != rec["region"]:
            where = ErrorLocation(file, rec[ROW_COL], "region")
            park_region = out["parks"].at[rec["park"], "region"]
            problems.append(DataError.describe(where, rec["region"], f"the region of park '{rec['park']}' ('{park_region}')"))
    return problems


def _check_hosts(out: dict[str, pd.DataFrame], file: str) -> list[str]:
    problems = []
    known = set(out["parks"].index) | set(out["regions"].index)
    for ident, rec in out["clusters"].iterrows():
        where = ErrorLocation(file, rec[ROW_COL], "hosts")
        try:
            hosts = parse_hosts(rec["hosts"])
        except ValueError:
            problems.append(DataError.describe(where, rec["hosts"], "'ID=share;ID=share' with numeric shares"))
            continue
        for host, share in hosts:
            if host not in known:
                problems.append(DataError.describe(where, host, f"a park or region id that exists (host of cluster '{ident}')"))
            if share is not None and not 0 <= share <= 1:
                problems.append(DataError.describe(where, share, "a share between 0 and 1"))
        # The shares split the cluster's remainder: all given must sum to 1, some given to at most 1.
        shares = [s for _, s in hosts if s is not None]
        total = sum(shares)
        if shares and (total > 1 + 1e-6 or (len(shares) == len(hosts) and total < 1 - 1e-6)):
            what = "shares summing to 1" if len(shares) == len(hosts) else "given shares summing to at most 1"
            problems.append(DataError.describe(where, rec["hosts"], f"{what} (they sum to {total:g}; host of cluster '{ident}')"))
    return problems


def _check_cycles(table: pd.DataFrame, file: str) -> list[str]:
    parent = table["parent"].to_dict()
    for start in table.index:
        chain, node = [start], parent.get(start, "")
        while node:
            if node in chain:
                rec = table.loc[start]
                where = ErrorLocation(file, rec[ROW_COL], "parent")
                loop = " -> ".join(chain[chain.index(node):] + [node])
                return [DataError.describe(where, rec["parent"], f"a parent chain without cycles; found {loop}")]
            chain.append(node)
            node = parent.get(node, "")
    return []


