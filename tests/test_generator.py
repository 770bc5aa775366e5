"""The illustrative generator: bit-identical, equal to the committed data, anchors and growth statistics hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model import generator_spec as S
from model.data import default_data_dir
from model.generator import SEED, SYNTHETIC_SOURCE, generate, write_dataset

FILES = ("regions.csv", "parks.csv", "clusters.csv", "enterprises.csv", "revenue.csv", "dataset.toml", "monthly/history.csv", "monthly/2014-06.csv", "monthly/2014-06-projects.csv", "xinyi/firms.csv", "xinyi/parks.csv")


@pytest.fixture(scope="module")
def generated() -> dict[str, pd.DataFrame]:
    return generate()


def test_generation_is_bit_identical_across_calls(generated):
    again = generate()
    assert list(again) == list(generated) == ["regions", "parks", "clusters", "enterprises", "revenue"]
    for name in generated:
        pd.testing.assert_frame_equal(again[name], generated[name], check_exact=True)


def test_another_seed_gives_other_synthetic_values(generated):
    other = generate(SEED + 1)["revenue"]
    assert not other["value"].equals(generated["revenue"]["value"])


def test_generation_equals_committed_data(tmp_path):
    write_dataset(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (default_data_dir() / name).read_bytes(), name


# --------------------------------------------------------------------------- anchors


def test_enterprises_over_100_in_2010(embedded_panel):
    p = embedded_panel
    assert int((p.revenue.loc[p.enterprises.index, 2010] > 100.0).sum()) == 7


@pytest.mark.parametrize(("year", "count"), [(2009, 20), (2010, 28)])
def test_parks_over_100(embedded_panel, year, count):
    p = embedded_panel
    assert int((p.revenue.loc[p.parks.index, year] > 100.0).sum()) == count


def test_ganzhou_totals(embedded_panel):
    p = embedded_panel
    rev, prov, src = (getattr(p, k).loc["JX.GZ"] for k in ("revenue", "provenance", "source"))
    assert rev[2010] == 1271.18 and prov[2010] == "published" and "zhangzhimin.cn" in src[2010]
    assert rev[2009] == 865.57 and prov[2009] == "derived" and src[2009]
    assert rev[2012] == 2091.0 and prov[2012] == "derived" and src[2012]


def test_ganzhou_rare_earth_and_tungsten(embedded_panel):
    p = embedded_panel
    assert p.revenue.at["GZ.C.REW", 2010] == 333.71
    assert p.revenue.at["GZ.C.REW", 2013] == 792.36
    assert p.provenance.at["GZ.C.REW", 2010] == "derived" and p.provenance.at["GZ.C.REW", 2013] == "derived"


@pytest.mark.parametrize(
    ("year", "partial", "share"),
    [(2010, 10900.0, 0.825), (2013, 8844.0, 0.36)],  # Jan-Oct 2010; Jan-May 2013
)
def test_province_total_reproduces_partial_year_figures(embedded_panel, year, partial, share):
    annual = embedded_panel.revenue.at["JX", year]
    assert abs(annual / (partial / share) - 1.0) < 0.01


def test_province_growth_matches_published_rates(embedded_panel):
    jx = embedded_panel.revenue.loc["JX"]
    assert 0.35 < jx[2010] / jx[2009] - 1 < 0.45  # ~40 % in 2010
    assert 0.15 < jx[2013] / jx[2012] - 1 < 0.19  # 16-18 % in 2013


@pytest.mark.parametrize(
    ("entity", "year", "value"),
    [("E.JCC", 2013, 1945.2404), ("E.JXW", 2010, 115.0)],
    ids=["江西铜业集团-2013", "江钨-2010"],
)
def test_published_firm_values_with_provenance(embedded_panel, entity, year, value):
    p = embedded_panel
    assert p.revenue.at[entity, year] == value
    assert p.provenance.at[entity, year] == "published"
    assert p.source.at[entity, year].strip()


def test_names_of_published_firms(embedded_panel):
    names = embedded_panel.enterprises["name"]
    assert names["E.JCC"] == "江西铜业集团" and names["E.JXW"] == "江西钨业集团"


def test_every_other_value_is_synthetic(embedded_panel):
    p = embedded_panel
    present = p.revenue.notna()
    prov = p.provenance.where(present)
    real = prov.isin(["published", "derived"])
    assert ((prov == "synthetic") | real)[present].to_numpy().all()
    synthetic_sources = p.source.where(present & ~real).stack().dropna()
    assert len(synthetic_sources) > 3000 and (synthetic_sources == SYNTHETIC_SOURCE).all()
    assert (p.source[real] != "").to_numpy()[real.to_numpy()].all()
    assert (p.provenance[~present] == "").to_numpy()[~present.to_numpy()].all()
    # The real figures of generator_spec are all there, and nothing else is marked real.
    expected = {(e, y) for e, *_, vals in S.PUBLISHED_FIRMS for y in vals}
    expected |= {("JX.GZ", y) for y in S.GZ_TOTAL_PROVENANCE} | set(S.GZ_INDUSTRY_PROVENANCE)
    marked = {(e, int(y)) for (e, y), v in real.stack().items() if v}
    assert marked == expected


# --------------------------------------------------------------------------- growth statistics


@pytest.fixture(scope="module")
def firm_growth(embedded_panel) -> pd.DataFrame:
    """Long table of firm log-growth: entity, year, g, s (log size at the start), cluster."""
    p = embedded_panel
    logs = np.log(p.revenue.loc[p.enterprises.index])
    g = logs.diff(axis=1).iloc[:, 1:]
    s = logs.iloc[:, :-1].set_axis(g.columns, axis=1)
    d = pd.DataFrame({"g": g.stack(), "s": s.stack()}).dropna().reset_index()
    d.columns = ["entity", "year", "g", "s"]
    d["cluster"] = p.enterprises.loc[d["entity"], "cluster"].to_numpy()
    d["dev"] = d["g"] - d.groupby(["year", "cluster"])["g"].transform("mean")
    return d


def test_firm_size_tail_is_heavy(embedded_panel):
    p = embedded_panel
    x = p.revenue.loc[p.enterprises.index, 2013].dropna().to_numpy()
    x = x[x > 10.0]
    assert len(x) > 100
    hill = len(x) / np.log(x / 10.0).sum()
    assert 0.8 < hill < 2.5


def test_growth_is_tent_shaped(firm_growth):
    # Idiosyncratic growth (net of year x cluster means) is Laplace-like: excess kurtosis well above 0.
    assert stats.kurtosis(firm_growth["dev"]) > 1.0
    net_of_year = firm_growth["g"] - firm_growth.groupby("year")["g"].transform("mean")
    assert stats.kurtosis(net_of_year) > 1.0


def test_growth_spread_falls_with_size(firm_growth):
    d = firm_growth[firm_growth["dev"].abs() > 1e-12]
    fit = stats.linregress(d["s"], np.log(d["dev"].abs()))
    assert fit.slope < 0 and fit.slope + 2 * fit.stderr < 0


def test_growth_shares_a_year_component(firm_growth):
    groups = [grp["g"].to_numpy() for _, grp in firm_growth.groupby("year")]
    assert len(groups) == 5
    assert stats.f_oneway(*groups).pvalue < 0.01


def test_every_published_value_is_in_the_published_history():
    """Each value flagged 'published' is a row of calibration/sources/published_history.csv (same year, value, source)."""
    history = pd.read_csv(default_data_dir().parent / "sources" / "published_history.csv", dtype={"year": str})
    revenue = pd.read_csv(default_data_dir() / "revenue.csv")
    published = revenue[revenue["provenance"] == "published"]
    assert len(published) >= 10

    def found(row) -> bool:
        same = history[(history["year"] == str(row["year"])) & np.isclose(history["value"], row["value"], rtol=0, atol=5e-5)]
        return any(str(s).startswith(str(row["source"]).split(" (")[0]) for s in same["source"])

    assert [f"{r.entity} {r.year}" for r in published.itertuples() if not found(r._asdict())] == []
