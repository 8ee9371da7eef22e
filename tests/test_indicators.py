"""Monitoring indicators (workbench/indicators.py) on the tiny store of conftest.py.

The tiny store has five companies with NDA (micro 1, piccola 2, media 1, grande 1; one of
the piccole joined in May 2026) and one company without NDA whose flows, synergy,
investment, candidate and jobs must never be counted.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench import indicators as ind
from workbench.model import ALL_STATUSES, MATRICES, SIZE_CLASSES
from workbench.store import connect


@pytest.fixture(scope="module")
def con(tiny_settings):
    with connect(tiny_settings, read_only=True) as connection:
        yield connection


def test_registry_describes_every_indicator():
    assert {"companies_mapped", "flows_mapped", "synergies_by_status", "investments",
            "funding_calls", "co2e_avoided", "groundwater_avoided", "waste_avoided",
            "cost_reduction", "jobs", "research"} <= set(ind.INDICATORS)
    for key, indicator in ind.INDICATORS.items():
        assert indicator.key == key
        assert indicator.definition_it and indicator.definition_en and indicator.unit
        assert set(indicator.kind.split("|")) <= {"realizzato", "potenziale", "contesto"}


def test_companies_by_size_all_classes_and_nda_gate(con):
    df = ind.companies_by_size(con, "2026-09")
    assert df["size_class"].tolist() == list(SIZE_CLASSES)
    assert df["companies"].tolist() == [1, 2, 1, 1]  # no-NDA company not counted
    assert df["share"].sum() == pytest.approx(1.0)


def test_companies_by_size_as_of_the_period_end(con):
    assert ind.companies_by_size(con, "2026-03")["companies"].tolist() == [1, 1, 1, 1]
    empty = ind.companies_by_size(con, "2025-09")
    assert empty["size_class"].tolist() == list(SIZE_CLASSES)
    assert empty["companies"].tolist() == [0, 0, 0, 0]


def test_flows_by_matrix_every_cell_in_its_unit(con):
    df = ind.flows_by_matrix(con, "2026-09")
    assert len(df) == 6
    assert list(zip(df["matrix"], df["direction"])) == [
        (m, d) for m in MATRICES for d in ("in", "out")]
    row = df[(df["matrix"] == "materia") & (df["direction"] == "out")].iloc[0]
    assert (row["flows"], row["companies"], row["quantity_std"], row["unit_std"]) == (2, 2, 400.0, "t")
    assert row["top_share"] == pytest.approx(0.75)
    assert set(df[df["matrix"] == "acqua"]["unit_std"]) == {"m3"}
    assert df["flows"].sum() == 8  # the no-NDA flow is not there


def test_flows_by_matrix_never_sums_different_units(empty_settings):
    with connect(empty_settings) as c:
        c.execute("INSERT INTO companies (company_id, name, vat_number, nda_signed_on) "
                  "VALUES ('AZ-1', 'Uno', '00000000001', DATE '2026-01-01')")
        c.executemany(
            "INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, description, "
            "quantity, unit, quantity_std, unit_std) VALUES (?, 'S', 'AZ-1', 'out', 'materia', "
            "'x', ?, ?, ?, ?)", [["F1", 5.0, "t", 5.0, "t"], ["F2", 7.0, "m3", 7.0, "m3"]])
        df = ind.flows_by_matrix(c)
    part = df[(df["matrix"] == "materia") & (df["direction"] == "out")]
    assert sorted(zip(part["unit_std"], part["quantity_std"])) == [("m3", 7.0), ("t", 5.0)]


def test_synergies_by_status_pipeline_order_and_history(con):
    df = ind.synergies_by_status(con, "2026-09")
    assert df["status"].tolist() == list(ALL_STATUSES)
    counts = dict(zip(df["status"], df["synergies"]))
    assert counts == {**{s: 0 for s in ALL_STATUSES},
                      "proposta": 1, "realizzata": 2, "abbandonata": 1}
    assert df.loc[df["status"] == "realizzata", ["materia", "acqua", "energia"]].values.tolist() == [[1, 1, 0]]


def test_synergy_status_as_of_the_previous_period(con):
    counts = dict(zip(*ind.synergies_by_status(con, "2026-03")[["status", "synergies"]].T.values))
    assert counts["proposta"] == 1  # SY-01 realised only in June
    assert counts["realizzata"] == 1  # SY-02 (March)
    assert counts["abbandonata"] == 1
    assert sum(counts.values()) == 3  # SY-03 did not exist yet; SY-05 has no NDA


def test_investments_private_public(con):
    df = ind.investments(con, "2026-09").set_index("kind")
    assert df.index.tolist() == ["privato", "pubblico"]
    assert df.loc["privato", "amount_eur"] == 350000.0  # "private" normalised; no-NDA excluded
    assert df.loc["privato", "amount_eur_period"] == 0.0
    assert df.loc["pubblico", "amount_eur"] == 50000.0
    assert df.loc["pubblico", "amount_eur_period"] == 50000.0
    assert df.loc["privato", "companies"] == 3
    assert df.loc["pubblico", "companies_period"] == 2
    assert df.loc["privato", "companies_period"] == 0


def test_funding_calls_applied_and_won(con):
    df = ind.funding_calls(con, "2026-09").set_index("outcome")
    assert df.loc["presentata", "calls"] == 3
    assert df.loc["vinta", "calls"] == 1 and df.loc["vinta", "granted_eur"] == 60000.0
    assert df.loc["respinta", "calls"] == 1
    assert df.loc["in_attesa", "calls"] == 1
    assert df.loc["presentata", "requested_eur"] == 430000.0
    assert ind.funding_calls(con, "2026-03").set_index("outcome").loc["presentata", "calls"] == 1


def test_contests_research_jobs(con):
    assert ind.contests(con, "2026-09")["contests"].tolist() == [2, 1]
    assert ind.research(con, "2026-09").set_index("kind")["count"].to_dict() == {
        "progetto": 1, "brevetto": 1}
    assert ind.research(con, "2026-03")["count"].tolist() == [1, 0]
    jobs = ind.jobs(con, "2026-09").iloc[0]
    assert jobs["fte"] == 3.5 and jobs["fte_period"] == 1.5 and jobs["companies"] == 2
    assert jobs["companies_period"] == 1 and jobs["top_share_period"] == 1.0


def test_benefits_realised_from_the_register(con):
    df = ind.benefits(con, "2026-09").set_index("benefit")
    assert df.loc["co2e_avoided", "realised"] == pytest.approx(45.0)
    assert df.loc["groundwater_avoided", "realised"] == pytest.approx(20000.0)
    assert df.loc["water_reused", "realised"] == pytest.approx(20000.0)
    assert df.loc["waste_avoided", "realised"] == pytest.approx(100.0)
    assert df.loc["energy_recovered", "realised"] == 0.0  # nothing realised in energy
    assert df.loc["cost_reduction", "realised"] == pytest.approx(42000.0)
    assert df.loc["co2e_avoided", "realised_companies"] == 3
    assert df.loc["co2e_avoided", "realised_previous"] == pytest.approx(5.0)
    assert df.loc["co2e_avoided", "realised_change_companies"] == 2


def test_benefits_potential_best_candidate_per_supply_and_lca(con):
    df = ind.benefits(con, "2026-09").set_index("benefit")
    # CA-1 (5 t) beats CA-2 (3 t) on the same supply; CA-3 from LCA: 120,000 kg = 120 t
    assert df.loc["co2e_avoided", "potential"] == pytest.approx(125.0)
    assert df.loc["water_reused", "potential"] == pytest.approx(20000.0)
    assert df.loc["energy_recovered", "potential"] == pytest.approx(400.0)
    assert df.loc["waste_avoided", "potential"] == 0.0  # only the no-NDA candidate
    assert df.loc["cost_reduction", "potential"] == pytest.approx(28000.0)


def test_benefits_without_screening_say_no_data(empty_settings):
    with connect(empty_settings) as c:
        df = ind.benefits(c)
    assert df["potential"].isna().all()
    assert (df["realised"] == 0).all()


def test_key_figures(con):
    kf = ind.key_figures(con, "2026-09").set_index("key")
    assert kf.loc["companies", "value"] == 5
    assert kf.loc["realised", "value"] == 2
    assert kf.loc["proposed", "value"] == 3
    assert kf.loc["private_investment", "value"] == 350000.0
    assert kf.loc["fte", "value"] == 3.5
    assert math.isnan(kf.loc["companies", "companies"])  # not a company-data cell
    # AZ-0003 takes part in both realised synergies: credited with all of it
    assert kf.loc["co2e_realised", "top_share"] == pytest.approx(1.0)


def test_key_figures_previous_period_and_change(con):
    kf = ind.key_figures(con, "2026-09").set_index("key")
    assert kf.loc["companies", "value_previous"] == 4 and kf.loc["companies", "change"] == 1
    assert kf.loc["realised", "value_previous"] == 1
    # private investments all made before April: no change, no contributor of the change
    assert kf.loc["private_investment", "change"] == 0
    assert kf.loc["private_investment", "change_companies"] == 0
    # SY-01 realised in June: the change is one synergy of two companies
    assert kf.loc["co2e_realised", "value_previous"] == pytest.approx(5.0)
    assert kf.loc["co2e_realised", "change"] == pytest.approx(40.0)
    assert kf.loc["co2e_realised", "change_companies"] == 2
    assert kf.loc["fte", "change"] == pytest.approx(1.5)
    assert kf.loc["fte", "change_companies"] == 1


def test_cell_stats_credits_shared_items_to_every_company():
    values = pd.Series([60.0, 40.0, 0.0])
    companies = pd.Series([["A", "B"], ["B", "C"], ["D"]])
    total, n, top = ind.cell_stats(values, companies)
    assert (total, n) == (100.0, 3)  # D contributes nothing
    assert top == pytest.approx(1.0)  # B is in every item


def test_change_stats_counts_added_and_removed_items():
    before = pd.DataFrame({"item": ["x", "y"], "value": [10.0, 5.0],
                           "companies": [["A"], ["B"]]})
    now = pd.DataFrame({"item": ["x", "z"], "value": [10.0, 7.0],
                        "companies": [["A"], ["C"]]})
    change, n, top = ind.change_stats(now, before, "item", "value")
    assert change == pytest.approx(2.0)  # +7 (z) −5 (y)
    assert n == 2 and top == pytest.approx(7 / 12)


def test_kalundborg_reference_figures():
    assert ind.KALUNDBORG["co2e_avoided"]["value"] == 586_000
    assert ind.KALUNDBORG["groundwater_avoided"]["value"] == 4_000_000
    assert ind.KALUNDBORG["waste_avoided"]["value"] == 62_000
    assert "Kalundborg Symbiosis" in ind.KALUNDBORG_SOURCE


def test_period_accepts_none_for_everything(con):
    assert isinstance(ind.companies_by_size(con), pd.DataFrame)
    assert ind.companies_by_size(con)["companies"].sum() == 5
