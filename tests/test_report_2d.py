"""The report's two-dimensional table: waste and by-products by sector and size class.

The table is published with row totals, column totals and the grand total, so it goes
through :func:`workbench.privacy.disclosure_control_2d`. These tests read the table as a
reader gets it (the formatted strings of the ``aziende`` section) and check it against
the confidential figures of the indicator: no published cell or margin breaks the
threshold or dominance rule, and nothing withheld can be solved from what is published.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from workbench import indicators as ind
from workbench.config import Period
from workbench.model import SIZE_CLASSES
from workbench.privacy import (DOMINANCE_SHARE, MIN_COMPANIES, REASON_COMPLEMENTARY,
                               REASON_DOMINANCE, REASON_MARGIN, REASON_THRESHOLD, recoverable)
from workbench.report.exports import write_indicators_xlsx
from workbench.report.release import write_release
from workbench.report.sections import WASTE_TABLE_KEYS, report_data, report_sections
from workbench.report.texts import text
from workbench.store import connect

CAPTION_IT = "Rifiuti e sottoprodotti prodotti (t/anno) per settore e classe dimensionale"
CAPTION_EN = "Waste and by-products generated (t/yr) by sector and size class"


# ---------------------------------------------------------------- helpers


def waste_section(settings, data=None):
    """The ``aziende`` section and its waste table (a :class:`Table`)."""
    sections = report_sections(settings, data=data, figures=None, energy=None)
    section = next(s for s in sections if s.key == "aziende")
    caption = text("waste_by_sector_size", settings.lang)
    table = next(b.content for b in section.blocks
                 if b.kind == "table" and b.content.caption == caption)
    return section, table


def parse(value: str, lang: str) -> float | None:
    """A published string as a number: None when withheld, 0 for ``–`` (no company)."""
    if value == text("suppressed", lang):
        return None
    if value == "–":
        return 0.0
    thousands, decimal = (".", ",") if lang == "it" else (",", ".")
    return float(value.replace(thousands, "").replace(decimal, "."))


def published_grid(table, lang: str) -> tuple[np.ndarray, list[str], list[str]]:
    """The table as a reader sees it: a (rows + 1) × (columns + 1) array of numbers with
    NaN where withheld (last row: column totals; last column: row totals), the row labels
    and the column labels (without the sector and total columns)."""
    frame = table.frame
    columns = list(frame.columns[1:-1])
    grid = np.array([[np.nan if (v := parse(x, lang)) is None else v for x in row[1:]]
                     for row in frame.itertuples(index=False)], dtype=float)
    return grid, list(frame.iloc[:-1, 0]), columns


def solvable_from_published(grid: np.ndarray) -> list[str]:
    """Withheld cells and margins that a reader can compute exactly from ``grid``.

    Independent of :mod:`workbench.privacy`: every published margin is an equation over
    the withheld cells of its line (margin minus the published cells), the grand total
    one over all of them; a withheld quantity is determined when its vector lies in the
    row space of those equations (it is orthogonal to their null space).
    """
    cells = grid[:-1, :-1]
    rows_published = ~np.isnan(grid[:-1, -1])
    columns_published = ~np.isnan(grid[-1, :-1])
    total_published = not np.isnan(grid[-1, -1])
    unknown = [(int(i), int(j)) for i, j in np.argwhere(np.isnan(cells))]
    equations = [[float(u[0] == i) for u in unknown] for i in np.flatnonzero(rows_published)]
    equations += [[float(u[1] == j) for u in unknown] for j in np.flatnonzero(columns_published)]
    if total_published:
        equations.append([1.0] * len(unknown))
    n = len(unknown)
    if n == 0:
        return []
    a = np.array([e for e in equations if any(e)], dtype=float).reshape(-1, n)
    if len(a):
        _, singular, vt = np.linalg.svd(a)
        null = vt[int((singular > 1e-9).sum()):]
    else:
        null = np.eye(n)

    def determined(vector) -> bool:
        return np.allclose(null @ np.asarray(vector, dtype=float), 0.0, atol=1e-9)

    found = [f"cell {u}" for k, u in enumerate(unknown) if determined(np.eye(n)[k])]
    found += [f"row total {int(i)}" for i in np.flatnonzero(~rows_published)
              if any(u[0] == i for u in unknown) and determined([u[0] == i for u in unknown])]
    found += [f"column total {int(j)}" for j in np.flatnonzero(~columns_published)
              if any(u[1] == j for u in unknown) and determined([u[1] == j for u in unknown])]
    if not total_published and determined([1.0] * n):
        found.append("grand total")
    return found


def truth(con, period, pool_below: int = 0) -> pd.DataFrame:
    """The confidential cells of the indicator, with the largest company's value."""
    cells = ind.waste_by_sector_size(con, period, pool_below=pool_below)
    return cells.assign(top=cells["top_share"] * cells["quantity_std"])


def rule_breaches(confidential: pd.DataFrame, cells: pd.DataFrame, rows: pd.DataFrame,
                  columns: pd.DataFrame, total: pd.DataFrame) -> list[str]:
    """Published cells and margins (the controlled frames, bool ``suppressed``) that
    aggregate one or two companies or have one company above the dominance limit, judged
    on the ``confidential`` cells of :func:`truth` (a company lies in one cell, so a
    margin's largest company is its largest cell's)."""
    def breach(part: pd.DataFrame) -> bool:
        companies, value, top = part["companies"].sum(), part["quantity_std"].sum(), part["top"].max()
        return companies > 0 and (companies < MIN_COMPANIES or top > DOMINANCE_SHARE * value)

    keys = ["sector", "size_class"]
    merged = confidential.merge(cells[keys + ["suppressed"]], on=keys)
    bad = [f"cell {k}" for k, part in merged.groupby(keys) if not part["suppressed"].iloc[0]
           and breach(part)]
    for key, margins in (("sector", rows), ("size_class", columns)):
        shown = set(margins.loc[~margins["suppressed"], key])
        bad += [f"{key} total {k}" for k, part in confidential.groupby(key)
                if k in shown and breach(part)]
    if not total["suppressed"].iloc[0] and breach(confidential):
        bad.append("grand total")
    return bad


def section_title(sections, key: str) -> str:
    return next(s.title for s in sections if s.key == key)


def controlled(data: dict) -> list[pd.DataFrame]:
    """The controlled frames of the table: cells, row totals, column totals, grand total."""
    return [data[key] for key in WASTE_TABLE_KEYS]


# ---------------------------------------------------------------- the indicator


def test_tiny_store_waste_by_sector_and_size_is_exact(tiny_settings):
    """Two companies of section C (ATECO 20.14) declare material outputs: 100 t (micro)
    and 300 t (piccola); the 777 t of the company without NDA never count."""
    with connect(tiny_settings) as con:
        cells = ind.waste_by_sector_size(con, tiny_settings.period)
    assert list(cells["sector"].unique()) == ["C"]
    assert list(cells["size_class"]) == list(SIZE_CLASSES)
    by_size = cells.set_index("size_class")
    assert by_size.loc["micro", "quantity_std"] == 100.0 and by_size.loc["micro", "companies"] == 1
    assert by_size.loc["piccola", "quantity_std"] == 300.0
    assert by_size.loc[["media", "grande"], "companies"].sum() == 0
    assert cells["quantity_std"].sum() == 400.0


def test_demo_waste_counts_each_company_once_and_leaves_out_emissions(demo_settings):
    with connect(demo_settings) as con:
        cells = ind.waste_by_sector_size(con, demo_settings.period)
        flows = con.execute(
            """SELECT f.company_id, f.counterpart, f.quantity_std
               FROM v_flows f JOIN v_companies c USING (company_id)
               WHERE f.matrix = 'materia' AND f.direction = 'out'
                 AND (c.joined_on IS NULL OR c.joined_on <= ?)""",
            [Period.parse(demo_settings.period).end]).df()
    emitted = flows["counterpart"].fillna("").str.contains("atmosfera")
    assert emitted.any(), "the demo has process CO2 to the atmosphere: the exclusion is tested"
    kept = flows[~emitted]
    per_company = kept.groupby("company_id")["quantity_std"].sum()
    assert cells["quantity_std"].sum() == pytest.approx(per_company.sum())
    assert cells["companies"].sum() == (per_company > 0).sum()  # one cell per company
    assert cells["top_share"].between(0, 1).all()
    # several sectors with at least three companies: a real two-dimensional table
    assert (cells.groupby("sector")["companies"].sum() >= MIN_COMPANIES).sum() >= 3


# ---------------------------------------------------------------- funders, demo store


@pytest.fixture(scope="module")
def demo_funders(demo_settings):
    settings = demo_settings.with_(audience="funders")
    with connect(settings) as con:
        data = report_data(con, settings)
        confidential = truth(con, settings.period, pool_below=MIN_COMPANIES)
    section, table = waste_section(settings, data)
    return settings, data, confidential, section, table


def test_funders_demo_table_withholds_something_for_each_reason(demo_funders):
    """Otherwise the tests below would prove nothing."""
    _, data, _, _, table = demo_funders
    reasons = data["waste_by_sector_size"]["suppression"].value_counts()
    assert reasons.get(REASON_THRESHOLD, 0) >= 1 and reasons.get(REASON_COMPLEMENTARY, 0) >= 1
    assert data["waste_by_sector"]["suppression"].eq(REASON_MARGIN).any()
    assert "riservato" in set(table.frame.iloc[:, 1:].to_numpy().ravel())
    assert "totali di riga, di colonna o il totale generale" in table.note


def test_funders_demo_publishes_no_cell_or_margin_that_breaks_the_rules(demo_funders):
    _, data, confidential, _, _ = demo_funders
    assert rule_breaches(confidential, *controlled(data)) == []


def test_funders_demo_table_as_read_agrees_with_the_controlled_frames(demo_funders):
    """What the reader sees withheld is what the data frames say is withheld, and the
    published numbers are the true ones (rounded)."""
    _, data, confidential, _, table = demo_funders
    grid, _, _ = published_grid(table, "it")
    cells = data["waste_by_sector_size"]
    sectors = list(data["waste_by_sector"]["sector"])
    classes = list(data["waste_by_size"]["size_class"])
    true = confidential.set_index(["sector", "size_class"])["quantity_std"]
    for _, cell in cells.iterrows():
        shown = grid[sectors.index(cell["sector"]), classes.index(cell["size_class"])]
        assert np.isnan(shown) == cell["suppressed"]
        if not cell["suppressed"]:
            assert shown == pytest.approx(true[(cell["sector"], cell["size_class"])], abs=0.5)
    assert list(np.isnan(grid[:-1, -1])) == list(data["waste_by_sector"]["suppressed"])
    assert list(np.isnan(grid[-1, :-1])) == list(data["waste_by_size"]["suppressed"])
    assert np.isnan(grid[-1, -1]) == data["waste_total"]["suppressed"].iloc[0]


def test_funders_demo_nothing_withheld_can_be_solved_from_the_table(demo_funders):
    _, data, _, _, table = demo_funders
    grid, _, _ = published_grid(table, "it")
    assert np.isnan(grid[:-1, :-1]).sum() >= 2
    assert solvable_from_published(grid) == []
    # and the module's own check agrees on the same published pattern
    hidden = np.isnan(grid[:-1, :-1])
    rows, columns = ~np.isnan(grid[:-1, -1]), ~np.isnan(grid[-1, :-1])
    targets = [np.eye(hidden.size, dtype=bool)[k].reshape(hidden.shape)
               for k in np.flatnonzero(hidden.ravel())]
    assert not any(recoverable(targets, hidden, rows, columns, not np.isnan(grid[-1, -1])))


def test_solver_finds_a_cell_alone_in_its_row():
    """The independent solver is not blind: one withheld cell in a published row is found."""
    grid = np.array([[5.0, np.nan, 12.0], [3.0, 4.0, 7.0], [8.0, 11.0, 19.0]])
    assert solvable_from_published(grid) == ["cell (0, 1)"]
    grid = np.array([[np.nan, np.nan, 12.0], [np.nan, np.nan, 7.0], [8.0, 11.0, 19.0]])
    assert solvable_from_published(grid) == []


def test_funders_section_data_carries_the_controlled_frames(demo_funders):
    _, data, _, section, _ = demo_funders
    for key in WASTE_TABLE_KEYS:
        assert section.data[key] is data[key]
        assert "top_share" not in data[key].columns and "companies" not in data[key].columns
    assert data["waste_by_sector_size"]["quantity_std"].isna().eq(
        data["waste_by_sector_size"]["suppressed"]).all()


def test_funders_table_reaches_the_xlsx_and_the_release(demo_funders, tmp_path):
    """Exports read the section's table blocks: the table is in indicatori.xlsx and is a
    CSV of the release, with the same withheld cells."""
    import openpyxl

    settings, data, _, _, table = demo_funders
    root = tmp_path / "copy"
    shutil.copytree(settings.data_dir, root, ignore=shutil.ignore_patterns("reports", "release"))
    copy = settings.with_(data_dir=root, store_path=root / "store.duckdb",
                          reports_root=tmp_path / "reports")
    sections = report_sections(copy, data=data, figures=None, energy=None)
    xlsx = write_indicators_xlsx(sections, copy, tmp_path / "indicatori.xlsx")
    sheet = openpyxl.load_workbook(xlsx).worksheets[1]
    assert sheet["A1"].value == section_title(sections, "aziende")
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(values) if row[0] == CAPTION_IT)
    assert values[start + 1][:len(table.frame.columns)] == list(table.frame.columns)
    assert values[start + 2][:len(table.frame.columns)] == list(table.frame.iloc[0])
    release = write_release(copy, sections)
    csvs = [pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted((release / "tabelle").glob("02_aziende_*.csv"))]
    assert any(list(c.columns) == list(table.frame.columns) and c.equals(table.frame.astype(str))
               for c in csvs)


def test_funders_demo_bounds_on_withheld_cells_are_wide(demo_funders):
    """A reader who knows that quantities are never negative can bound each withheld cell
    by linear programming over the published table; a cell withheld by the threshold or
    dominance rule should stay uncertain by at least 1 − 85 % = 15 % on both sides."""
    from scipy.optimize import linprog

    _, data, confidential, _, table = demo_funders
    grid, _, _ = published_grid(table, "it")
    cells = data["waste_by_sector_size"]
    sectors = list(data["waste_by_sector"]["sector"])
    classes = list(data["waste_by_size"]["size_class"])
    unknown = [(int(i), int(j)) for i, j in np.argwhere(np.isnan(grid[:-1, :-1]))]
    a, b = [], []
    for i in np.flatnonzero(~np.isnan(grid[:-1, -1])):
        a.append([float(u[0] == i) for u in unknown])
        b.append(grid[i, -1] - np.nansum(grid[i, :-1]))
    for j in np.flatnonzero(~np.isnan(grid[-1, :-1])):
        a.append([float(u[1] == j) for u in unknown])
        b.append(grid[-1, j] - np.nansum(grid[:-1, j]))
    if not np.isnan(grid[-1, -1]):
        a.append([1.0] * len(unknown))
        b.append(grid[-1, -1] - np.nansum(grid[:-1, :-1]))
    true = confidential.set_index(["sector", "size_class"])["quantity_std"]
    narrow = []
    for _, cell in cells[cells["suppression"].isin([REASON_THRESHOLD, REASON_DOMINANCE])].iterrows():
        k = unknown.index((sectors.index(cell["sector"]), classes.index(cell["size_class"])))
        objective = np.eye(len(unknown))[k]
        bounds = [(0, None)] * len(unknown)
        low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds).fun
        upper = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds)
        high = float("inf") if upper.status == 3 else -upper.fun  # 3: unbounded
        value = true[(cell["sector"], cell["size_class"])]
        margin = (1 - DOMINANCE_SHARE) * value
        if high - value < margin or value - low < margin:
            narrow.append(f"{cell['sector']} x {cell['size_class']}: {value:.0f} t in "
                          f"[{low:.0f}, {high:.0f}]")
    assert narrow == []


# ---------------------------------------------------------------- dominance, a fixture frame


def frame_of(contributions: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """Indicator rows (sector, size_class, companies, quantity_std, top_share) from the
    companies' totals of each cell; every size class present for every sector."""
    sectors = sorted({s for s, _ in contributions})
    rows = []
    for sector in sectors:
        for size in SIZE_CLASSES:
            values = contributions.get((sector, size), [])
            total = float(sum(values))
            rows.append({"sector": sector, "size_class": size, "companies": len(values),
                         "quantity_std": total,
                         "top_share": max(values) / total if total else 0.0})
    return pd.DataFrame(rows)


#: Sections C, E, H; C x grande has three companies but one holds 90 % (dominance).
DOMINATED = frame_of({
    ("C", "micro"): [10.0, 12.0, 15.0], ("C", "piccola"): [200.0, 220.0, 250.0, 180.0],
    ("C", "media"): [900.0, 1100.0, 1000.0], ("C", "grande"): [9000.0, 500.0, 500.0],
    ("E", "piccola"): [3000.0, 2500.0, 2800.0], ("E", "media"): [4000.0, 4200.0, 3900.0],
    ("H", "micro"): [5.0, 6.0, 7.0], ("H", "piccola"): [300.0, 280.0, 310.0],
    ("H", "media"): [700.0, 650.0, 720.0], ("H", "grande"): [1200.0, 1100.0, 1300.0],
})


@pytest.fixture
def dominated_data(tiny_settings, monkeypatch):
    """report_data of the tiny store for funders and gsi, the waste indicator replaced by
    :data:`DOMINATED`."""
    monkeypatch.setattr(ind, "waste_by_sector_size", lambda con, period=None, **kw: DOMINATED.copy())
    out = {}
    for audience in ("funders", "gsi"):
        settings = tiny_settings.with_(audience=audience)
        with connect(settings) as con:
            out[audience] = (settings, report_data(con, settings))
    return out


def test_dominated_cell_is_withheld_and_protected(dominated_data):
    settings, data = dominated_data["funders"]
    cells = data["waste_by_sector_size"].set_index(["sector", "size_class"])
    assert cells.loc[("C", "grande"), "suppression"] == REASON_DOMINANCE
    assert cells["suppression"].eq(REASON_COMPLEMENTARY).any()
    confidential = DOMINATED.assign(top=DOMINATED["top_share"] * DOMINATED["quantity_std"])
    assert rule_breaches(confidential, *controlled(data)) == []
    _, table = waste_section(settings, data)
    grid, _, _ = published_grid(table, "it")
    assert np.isnan(grid[0, SIZE_CLASSES.index("grande")])
    assert solvable_from_published(grid) == []
    assert table.note and "85" in table.note


def test_rule_check_is_not_blind(dominated_data):
    """Publishing the dominated cell is reported as a breach."""
    _, data = dominated_data["funders"]
    cells, rows, columns, total = controlled(data)
    opened = cells.assign(suppressed=False)
    confidential = DOMINATED.assign(top=DOMINATED["top_share"] * DOMINATED["quantity_std"])
    assert "cell ('C', 'grande')" in rule_breaches(confidential, opened, rows, columns, total)


# ---------------------------------------------------------------- gsi and English


def test_gsi_sees_every_value_and_the_margins_add_up(demo_settings):
    settings = demo_settings.with_(audience="gsi")
    with connect(settings) as con:
        data = report_data(con, settings)
    _, table = waste_section(settings, data)
    assert "riservato" not in set(table.frame.to_numpy().ravel())
    assert table.note is None
    grid, _, _ = published_grid(table, "it")
    assert not np.isnan(grid).any()
    cells, rows, columns = (data[k] for k in WASTE_TABLE_KEYS[:3])
    total = data["waste_total"]["quantity_std"].iloc[0]
    assert not cells["suppressed"].any() and cells["quantity_std"].notna().all()
    # exact on the frames ...
    by_sector = cells.groupby("sector", sort=False)["quantity_std"].sum()
    by_size = cells.groupby("size_class", sort=False)["quantity_std"].sum()
    assert np.allclose(by_sector.reindex(rows["sector"]).to_numpy(), rows["quantity_std"])
    assert np.allclose(by_size.reindex(columns["size_class"]).to_numpy(), columns["quantity_std"])
    assert rows["quantity_std"].sum() == pytest.approx(total)
    assert columns["quantity_std"].sum() == pytest.approx(total)
    assert rows["companies"].sum() == columns["companies"].sum() == \
        data["waste_total"]["companies"].iloc[0] == cells["companies"].sum()
    # ... and up to rounding on the table as printed (each value to at most ±0.5)
    tolerance = 0.5 * (grid.shape[1])
    assert np.allclose(grid[:-1, :-1].sum(axis=1), grid[:-1, -1], atol=tolerance)
    assert np.allclose(grid[:-1, :-1].sum(axis=0), grid[-1, :-1], atol=0.5 * grid.shape[0])
    assert grid[:-1, -1].sum() == pytest.approx(grid[-1, -1], abs=0.5 * grid.shape[0])


def test_dominated_fixture_gsi_sees_the_dominated_cell(dominated_data):
    settings, data = dominated_data["gsi"]
    _, table = waste_section(settings, data)
    grid, labels, _ = published_grid(table, "it")
    assert grid[labels.index("C – Attività manifatturiere"), SIZE_CLASSES.index("grande")] \
        == pytest.approx(10000.0)
    assert grid[-1, -1] == pytest.approx(DOMINATED["quantity_std"].sum())


def test_table_labels_in_english(demo_settings):
    settings = demo_settings.with_(audience="funders", lang="en")
    section, table = waste_section(settings)
    assert section.title == "Companies mapped by size class"
    assert table.caption == CAPTION_EN
    assert list(table.frame.columns) == ["Sector (ATECO 2025 section)", "micro", "small",
                                         "medium", "large", "Total"]
    assert list(table.numeric) == ["micro", "small", "medium", "large", "Total"]
    assert "C – Manufacturing" in set(table.frame.iloc[:, 0]) and table.frame.iloc[-1, 0] == "Total"
    shown = set(table.frame.iloc[:, 1:].to_numpy().ravel())
    assert "confidential" in shown and "riservato" not in shown
    assert any("," in v for v in shown if v[0].isdigit())  # English thousands: 50,573
    assert "row totals" in table.note and "confidential" in table.note
    grid, _, _ = published_grid(table, "en")
    assert solvable_from_published(grid) == []


def test_table_labels_in_italian(demo_settings):
    section, table = waste_section(demo_settings.with_(audience="funders"))
    assert table.caption == CAPTION_IT
    assert table.frame.columns[0] == "Settore (sezione ATECO 2025)"
    assert list(table.frame.columns[1:]) == ["micro", "piccola", "media", "grande", "Totale"]
    assert any("." in v for v in table.frame.iloc[:, 1:].to_numpy().ravel()
               if v[0].isdigit())  # 50.573
