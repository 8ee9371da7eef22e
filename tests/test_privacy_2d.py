"""Two-dimensional disclosure control: secondary suppression against row and column totals.

Property tests (hypothesis) over random tables where every company falls in one cell:
no published cell or margin breaks the threshold (≥ 3 companies) or dominance (≤ 85 %)
rule, and no withheld cell or margin can be computed from the published margins.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, HealthCheck, given, settings, strategies as st

from workbench.privacy import (DOMINANCE_SHARE, MIN_COMPANIES, PROTECTION_SHARE,
                               REASON_COMPLEMENTARY, disclosure_control_2d, protect_table_2d)

ROWS = ["micro", "piccola", "media", "grande"]
COLUMNS = ["materia", "acqua", "energia", "altro"]


def frame_of(contributions: list[list[list[float]]]) -> tuple[pd.DataFrame, dict]:
    """Long table (row, column, companies, value, top_share) from per-company values."""
    records, by_cell = [], {}
    for i, line in enumerate(contributions):
        for j, companies in enumerate(line):
            total = float(sum(companies))
            records.append({"size": ROWS[i], "matrix": COLUMNS[j], "companies": len(companies),
                            "quantity": total,
                            "top_share": max(companies) / total if total else 0.0})
            by_cell[(ROWS[i], COLUMNS[j])] = companies
    return pd.DataFrame(records), by_cell


tables = st.integers(1, 4).flatmap(lambda rows: st.integers(1, 4).flatmap(
    lambda columns: st.lists(st.lists(
        st.lists(st.floats(1, 1000, allow_nan=False).map(round), min_size=0, max_size=5),
        min_size=columns, max_size=columns), min_size=rows, max_size=rows)))


def determined_independently(cells: pd.DataFrame, rows: pd.DataFrame, columns: pd.DataFrame,
                             total: dict) -> list[str]:
    """What an attacker can solve, by the null space of the published equations."""
    hidden = cells[cells["suppressed"]].reset_index(drop=True)
    unknown = list(zip(hidden["size"], hidden["matrix"]))
    equations = []
    for _, r in rows[~rows["suppressed"]].iterrows():
        equations.append([1.0 if u[0] == r["size"] else 0.0 for u in unknown])
    for _, c in columns[~columns["suppressed"]].iterrows():
        equations.append([1.0 if u[1] == c["matrix"] else 0.0 for u in unknown])
    if not total["suppressed"]:
        equations.append([1.0] * len(unknown))
    n = len(unknown)
    a = np.array(equations, dtype=float).reshape(len(equations), n)
    if n == 0:
        basis = np.zeros((0, 0))
    elif len(equations) == 0:
        basis = np.eye(n)
    else:
        _, sv, vt = np.linalg.svd(a)
        rank = int((sv > 1e-9).sum())
        basis = vt[rank:]  # the null space: directions the published numbers allow
    found = []
    for k, cell in enumerate(unknown):
        if n and np.allclose(basis[:, k], 0.0, atol=1e-9):
            found.append(f"cell {cell}")

    def line_free(mask: list[bool]) -> bool:
        vector = np.array(mask, dtype=float)
        return bool(n) and not np.allclose(basis @ vector, 0.0, atol=1e-9)

    for _, r in rows[rows["suppressed"]].iterrows():
        mask = [u[0] == r["size"] for u in unknown]
        if not line_free(mask):
            found.append(f"row total {r['size']}")
    for _, c in columns[columns["suppressed"]].iterrows():
        mask = [u[1] == c["matrix"] for u in unknown]
        if not line_free(mask):
            found.append(f"column total {c['matrix']}")
    if total["suppressed"] and not line_free([True] * n):
        found.append("grand total")
    return found


def _line_companies_ok(contributions, cells, lines, key, others) -> None:
    for _, line in lines[~lines["suppressed"]].iterrows():
        part = cells[(cells[key] == line[key]) & cells["suppressed"]]
        if len(part):
            assert len(part) >= 2, f"{key} {line[key]}: one hidden cell"
            assert part["companies"].sum() >= MIN_COMPANIES


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
@example([[[], []], [[1], [1]], [[1, 1], [1, 1]]])  # an empty row once made its margin recoverable
def test_published_cells_and_margins_pass_the_rules_and_nothing_is_recomputable(contributions):
    df, by_cell = frame_of(contributions)
    cells, rows, columns, total = disclosure_control_2d(
        df, "funders", "size", "matrix", "companies", "quantity", share_column="top_share")
    assert "top_share" not in cells.columns
    # threshold and dominance on every published cell
    for _, c in cells[~cells["suppressed"]].iterrows():
        companies = by_cell[(c["size"], c["matrix"])]
        if companies:
            assert len(companies) >= MIN_COMPANIES
            assert max(companies) <= DOMINANCE_SHARE * sum(companies) + 1e-9
            assert c["quantity"] == pytest.approx(sum(companies))
        else:
            assert c["quantity"] == 0
    assert cells.loc[cells["suppressed"], "quantity"].isna().all()
    # ... and on every published margin
    for lines, key in ((rows, "size"), (columns, "matrix")):
        for _, line in lines[~lines["suppressed"]].iterrows():
            companies = [v for (r, m), vs in by_cell.items()
                         if (r if key == "size" else m) == line[key] for v in vs]
            if companies:
                assert len(companies) >= MIN_COMPANIES
                assert max(companies) <= DOMINANCE_SHARE * sum(companies) + 1e-9
            assert line["quantity"] == pytest.approx(sum(companies))
        assert lines.loc[lines["suppressed"], "quantity"].isna().all()
    everyone = [v for vs in by_cell.values() for v in vs]
    if not total["suppressed"] and everyone:
        assert len(everyone) >= MIN_COMPANIES
        assert max(everyone) <= DOMINANCE_SHARE * sum(everyone) + 1e-9
    # the hidden part of each published line is itself a safe aggregate
    _line_companies_ok(contributions, cells, rows, "size", "matrix")
    _line_companies_ok(contributions, cells, columns, "matrix", "size")
    # no withheld value follows from what is published
    assert determined_independently(cells, rows, columns, total) == []


def bounds_independently(cells: pd.DataFrame, rows: pd.DataFrame, columns: pd.DataFrame,
                         total: dict) -> dict[tuple[str, str], tuple[float, float]]:
    """The attacker who knows values are never negative: for each withheld cell, the
    least and greatest value any non-negative table agreeing with the publication gives
    it (written here from the published frames alone, not with the module's helper)."""
    from scipy.optimize import linprog

    hidden = cells[cells["suppressed"]].reset_index(drop=True)
    unknown = list(zip(hidden["size"], hidden["matrix"]))
    shown = cells[~cells["suppressed"]]
    a, b = [], []
    for _, r in rows[~rows["suppressed"]].iterrows():
        a.append([1.0 if u[0] == r["size"] else 0.0 for u in unknown])
        b.append(r["quantity"] - shown.loc[shown["size"] == r["size"], "quantity"].sum())
    for _, c in columns[~columns["suppressed"]].iterrows():
        a.append([1.0 if u[1] == c["matrix"] else 0.0 for u in unknown])
        b.append(c["quantity"] - shown.loc[shown["matrix"] == c["matrix"], "quantity"].sum())
    if not total["suppressed"]:
        a.append([1.0] * len(unknown))
        b.append(total["value"] - shown["quantity"].sum())
    out = {}
    for k, cell in enumerate(unknown):
        goal = np.eye(len(unknown))[k]
        kw = dict(A_eq=a or None, b_eq=b or None, bounds=[(0, None)] * len(unknown))
        low, high = linprog(goal, **kw), linprog(-goal, **kw)
        out[cell] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
@example([[[356, 1, 1, 1], [5968] * 3, [9435] * 2, [34814] * 4],
          [[], [67129] * 3, [32461, 1], []],
          [[6], [287] * 3, [748] * 4, [1104]],
          [[119], [589, 11], [], [24514]]])  # the demo's shape: one dominant company
def test_no_sensitive_cell_can_be_narrowed_down(contributions):
    """Every cell withheld by the threshold or dominance rule keeps at least
    PROTECTION_SHARE of its value of uncertainty on each side, against bounds computed
    by linear programming from what is published."""
    df, by_cell = frame_of(contributions)
    cells, rows, columns, total = disclosure_control_2d(
        df, "funders", "size", "matrix", "companies", "quantity", share_column="top_share")
    bounds = bounds_independently(cells, rows, columns, total)
    for _, c in cells[cells["suppression"].isin(["soglia", "dominanza"])].iterrows():
        value = float(sum(by_cell[(c["size"], c["matrix"])]))
        low, high = bounds[(c["size"], c["matrix"])]
        slack = PROTECTION_SHARE * value - 1e-6 * max(value, 1)
        assert value - low >= slack and high - value >= slack, \
            f"{c['size']} x {c['matrix']}: {value} in [{low}, {high}]"


def test_the_interval_attacker_is_not_blind():
    """Without the interval check (protection 0) the textbook rectangle leaves a
    dominant cell bounded within a few percent: the attacker above sees it."""
    contributions = [[[1000], [10, 10, 10]], [[5, 5, 5], [40, 40, 40]]]
    df, by_cell = frame_of(contributions)
    values = df.pivot(index="size", columns="matrix", values="quantity").loc[ROWS[:2], COLUMNS[:2]]
    counts = df.pivot(index="size", columns="matrix", values="companies").loc[ROWS[:2], COLUMNS[:2]]
    hidden, r, c, t = protect_table_2d(values.to_numpy(), counts.to_numpy(),
                                       counts.to_numpy() < MIN_COMPANIES, protection=0.0)
    cells = df.assign(suppressed=hidden.ravel())
    cells.loc[cells["suppressed"], "quantity"] = np.nan
    rows = pd.DataFrame({"size": ROWS[:2], "quantity": values.sum(axis=1).to_numpy(),
                         "suppressed": ~r})
    columns = pd.DataFrame({"matrix": COLUMNS[:2], "quantity": values.sum(axis=0).to_numpy(),
                            "suppressed": ~c})
    low, high = bounds_independently(cells, rows, columns,
                                     {"value": values.to_numpy().sum(), "suppressed": not t})[
        ("micro", "materia")]
    assert high - 1000 < PROTECTION_SHARE * 1000  # narrow: 1000 in [985, 1030]
    hidden, *_ = protect_table_2d(values.to_numpy(), counts.to_numpy(),
                                  counts.to_numpy() < MIN_COMPANIES)
    assert hidden.sum() > 0


@settings(max_examples=50, deadline=None)
@given(tables)
def test_gsi_sees_every_cell_and_margin(contributions):
    df, _ = frame_of(contributions)
    cells, rows, columns, total = disclosure_control_2d(
        df, "gsi", "size", "matrix", "companies", "quantity", share_column="top_share")
    assert not cells["suppressed"].any() and not rows["suppressed"].any()
    assert not columns["suppressed"].any() and not total["suppressed"]
    assert cells["quantity"].sum() == pytest.approx(df["quantity"].sum())


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column():
    """The textbook case: one cell under the threshold in a 3×3 table."""
    counts = np.array([[1, 5, 6], [4, 7, 8], [5, 6, 9]])
    values = counts * 10.0
    primary = counts < MIN_COMPANIES
    hidden, rows, columns, total = protect_table_2d(values, counts, primary)
    assert rows.all() and columns.all() and total
    assert hidden.sum() == 4  # a rectangle: two per line, none solvable
    assert hidden[0].sum() == 2 and hidden[:, 0].sum() == 2


def test_complementary_cells_are_labelled():
    df, _ = frame_of([[[5], [3, 3, 3], [4, 4, 4, 4]], [[2, 2, 2], [5, 5, 5], [6, 6, 6]]])
    cells, *_ = disclosure_control_2d(df, "pubblico", "size", "matrix", "companies",
                                      "quantity", share_column="top_share")
    reasons = cells.set_index(["size", "matrix"])["suppression"]
    assert reasons[("micro", "materia")] == "soglia"
    assert (cells["suppression"] == REASON_COMPLEMENTARY).sum() >= 1


def test_the_attacker_solves_primary_suppression_alone():
    """Without secondary suppression the single small cell is row total minus the rest:
    the independent check above does find it (so its silence means something)."""
    df, _ = frame_of([[[5], [3, 3, 3], [4, 4, 4, 4]], [[2, 2, 2], [5, 5, 5], [6, 6, 6]]])
    cells = df.assign(suppressed=df["companies"] < MIN_COMPANIES)
    cells.loc[cells["suppressed"], "quantity"] = np.nan
    rows = pd.DataFrame({"size": ROWS[:2], "suppressed": False})
    columns = pd.DataFrame({"matrix": COLUMNS[:3], "suppressed": False})
    assert determined_independently(cells, rows, columns, {"suppressed": False}) == [
        "cell ('micro', 'materia')"]
