"""Shared fixtures.

- ``demo_settings`` (session): the synthetic Livorno demo store, built once with
  :func:`workbench.demo.build_demo` into a temporary folder with the (not secret) demo key.
- ``tiny_settings`` (session): a hand-made store of a few fictional companies whose
  indicators are known exactly (used by indicator, privacy and report tests).
- ``empty_settings``: settings of a new empty store in ``tmp_path``.
- ``chromium``: path of a headless Chromium, or the test is skipped with the reason;
  ``dump_dom(url, *flags)``: the DOM of a page after its scripts ran, in that browser.

Settings carry their key explicitly; tests never need ``WORKBENCH_KEY`` in the
environment (the report pipeline passes the key on to its kernels).
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from workbench.config import DEMO_KEY, load_settings
from workbench.model import size_class, vat_with_check_digit

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def make_settings(root: Path, **overrides):
    """Settings for a store under ``root`` with the demo key and ``root/reports``."""
    values = dict(key=DEMO_KEY, reports_root=(root / "reports").resolve())
    values.update(overrides)
    return load_settings(data_dir=root, store_path=root / "store.duckdb", **values)


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory):
    """Settings of the demo store, built once per session."""
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    settings = make_settings(root)
    build_demo(settings)
    return settings


# ---------------------------------------------------------------- the tiny store
#: (company_id, name, vat first ten digits, employees, turnover, nda, consent, joined)
TINY_COMPANIES = [
    ("AZ-0001", "Alfa Fonderie Fittizie S.r.l.", "0100000001", 5, 1.5e6, date(2026, 1, 10), "riservato", date(2026, 1, 10)),
    ("AZ-0002", "Beta Chimica Inventata S.p.A.", "0100000002", 30, 8e6, date(2026, 1, 12), "nominativo", date(2026, 1, 12)),
    ("AZ-0003", "Gamma Cartiera Immaginaria S.p.A.", "0100000003", 120, 40e6, date(2026, 2, 1), "riservato", date(2026, 2, 1)),
    ("AZ-0004", "Delta Raffineria Finta S.p.A.", "0100000004", 600, 900e6, date(2026, 2, 3), "riservato", date(2026, 2, 3)),
    ("AZ-0005", "Epsilon Logistica Esempio S.r.l.", "0100000005", 45, 9e6, date(2026, 5, 1), "riservato", date(2026, 5, 1)),
    ("AZ-0006", "Zeta Senza Accordo S.r.l.", "0100000006", 20, 3e6, None, "riservato", date(2026, 1, 5)),
]
#: (flow_id, company_id, direction, matrix, quantity_std, unit_std, water_quality)
TINY_FLOWS = [
    ("F-01", "AZ-0001", "out", "materia", 100.0, "t", None),
    ("F-02", "AZ-0002", "out", "materia", 300.0, "t", None),
    ("F-03", "AZ-0003", "in", "materia", 350.0, "t", None),
    ("F-04", "AZ-0004", "out", "acqua", 50000.0, "m3", None),
    ("F-05", "AZ-0003", "in", "acqua", 20000.0, "m3", "falda"),
    ("F-06", "AZ-0002", "in", "acqua", 10000.0, "m3", "falda"),
    ("F-07", "AZ-0004", "out", "energia", 9000.0, "MWh", None),
    ("F-08", "AZ-0005", "in", "energia", 400.0, "MWh", None),
    ("F-09", "AZ-0006", "out", "materia", 777.0, "t", None),  # no NDA: never counted
]
#: (synergy_id, source flow, target flow, source co, target co, matrix, qty, unit, status,
#:  history [(status, date)], net benefit, co2e)
TINY_SYNERGIES = [
    ("SY-01", "F-01", "F-03", "AZ-0001", "AZ-0003", "materia", 100.0, "t", "realizzata",
     [("identificata", date(2026, 1, 20)), ("proposta", date(2026, 2, 10)),
      ("realizzata", date(2026, 6, 1))], 12000.0, 40.0),
    ("SY-02", "F-04", "F-05", "AZ-0004", "AZ-0003", "acqua", 20000.0, "m3", "realizzata",
     [("identificata", date(2026, 2, 5)), ("realizzata", date(2026, 3, 15))], 30000.0, 5.0),
    ("SY-03", "F-07", "F-08", "AZ-0004", "AZ-0005", "energia", 400.0, "MWh", "proposta",
     [("identificata", date(2026, 5, 10)), ("proposta", date(2026, 6, 10))], None, None),
    ("SY-04", "F-02", "F-03", "AZ-0002", "AZ-0003", "materia", 250.0, "t", "abbandonata",
     [("identificata", date(2026, 2, 1)), ("abbandonata", date(2026, 3, 1))], None, None),
    ("SY-05", "F-09", "F-03", "AZ-0006", "AZ-0003", "materia", 777.0, "t", "realizzata",
     [("realizzata", date(2026, 2, 1))], 1.0, 1.0),  # company without NDA: excluded
]


def build_tiny_store(settings) -> None:
    """Write the tiny store (see the ``TINY_*`` tables) into ``settings.store_path``."""
    from workbench.store import connect

    with connect(settings) as con:
        for cid, name, vat10, emp, turnover, nda, consent, joined in TINY_COMPANIES:
            con.execute(
                "INSERT INTO companies (company_id, name, vat_number, ateco, employees, "
                "turnover_eur, balance_sheet_eur, size_class, nda_signed_on, consent, joined_on) "
                "VALUES (?, ?, ?, '20.14', ?, ?, NULL, ?, ?, ?, ?)",
                [cid, name, vat_with_check_digit(vat10), emp, turnover,
                 size_class(emp, turnover, None), nda, consent, joined])
            con.execute("INSERT INTO sites (site_id, company_id, name, lat, lon, address) "
                        "VALUES (?, ?, ?, 43.58, 10.33, ?)",
                        [f"S-{cid}", cid, f"Stabilimento {name}", f"Via Finta {cid[-1]}, Livorno"])
        for fid, cid, direction, matrix, qty, unit, quality in TINY_FLOWS:
            con.execute(
                "INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, description, "
                "quantity, unit, quantity_std, unit_std, year, water_quality) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 2025, ?)",
                [fid, f"S-{cid}", cid, direction, matrix, f"flusso {fid}", qty, unit, qty, unit,
                 quality])
        for (sid, sf, tf, sc, tc, matrix, qty, unit, status, history, benefit,
             co2e) in TINY_SYNERGIES:
            con.execute(
                "INSERT INTO synergies (synergy_id, source_flow_id, target_flow_id, "
                "source_company_id, target_company_id, matrix, description, quantity_std, "
                "unit_std, regulatory_path, status, status_since, net_benefit_eur, co2e_avoided_t) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'sottoprodotto', ?, ?, ?, ?)",
                [sid, sf, tf, sc, tc, matrix, f"Scambio {sid}", qty, unit, status,
                 history[-1][1], benefit, co2e])
            for st, on in history:
                con.execute("INSERT INTO synergy_status_history VALUES (?, ?, ?, NULL, 'test')",
                            [sid, st, on])
        con.executemany("INSERT INTO investments VALUES (?, ?, ?, ?, ?, NULL)", [
            ["I-1", "SY-01", 100000.0, "privato", date(2026, 2, 20)],
            ["I-2", "SY-02", 250000.0, "private", date(2026, 3, 1)],
            ["I-3", "SY-02", 50000.0, "pubblico", date(2026, 6, 1)],
            ["I-4", "SY-05", 999999.0, "privato", date(2026, 2, 1)],  # no-NDA synergy
        ])
        con.executemany("INSERT INTO funding_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            ["C-1", "PR FESR Toscana", "Economia circolare", "SY-01", date(2026, 3, 1),
             date(2026, 2, 25), "vinto", 80000.0, 60000.0],
            ["C-2", "LIFE", "Circular economy", "SY-02", date(2026, 5, 1), date(2026, 4, 20),
             "respinta", 200000.0, 0.0],
            ["C-3", "PNRR", "Simbiosi", None, date(2026, 9, 1), date(2026, 8, 20), None,
             150000.0, None],
        ])
        con.executemany("INSERT INTO contests VALUES (?, ?, ?, ?)", [
            ["K-1", "Premio Economia Circolare", date(2026, 3, 1), True],
            ["K-2", "Premio Innovazione", date(2026, 7, 1), False],
        ])
        con.executemany("INSERT INTO research VALUES (?, ?, ?, ?)", [
            ["R-1", "progetto", "Recupero scorie", date(2026, 1, 1)],
            ["R-2", "brevetto", "Filtro acque", date(2026, 8, 1)],
        ])
        con.executemany(
            "INSERT INTO candidates (candidate_id, kind, matrix, source_flow_id, target_flow_id, "
            "source_company_id, target_company_id, source_resource, target_resource, "
            "quantity_std, unit_std, net_benefit_eur, co2e_avoided_t) "
            "VALUES (?, 'pair', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                # two uses of one supply: only the best one counts in the potential
                ["CA-1", "acqua", "F-04", "F-05", "AZ-0004", "AZ-0003", "acqua_spurgo",
                 "acqua_falda", 20000.0, "m3", 8000.0, 5.0],
                ["CA-2", "acqua", "F-04", "F-06", "AZ-0004", "AZ-0002", "acqua_spurgo",
                 "acqua_falda", 10000.0, "m3", 4000.0, 3.0],
                ["CA-3", "energia", "F-07", "F-08", "AZ-0004", "AZ-0005", "calore_bassa_t",
                 "calore_processo", 400.0, "MWh", 20000.0, 100.0],
                ["CA-4", "materia", "F-09", "F-03", "AZ-0006", "AZ-0003", "scorie",
                 "inerti", 777.0, "t", 1.0, 1.0],  # company without NDA: excluded
            ])
        # the LCA of CA-3 replaces the screening estimate (kg → t)
        con.execute("INSERT INTO lca_results (subject_id, subject_kind, method, unit, baseline, "
                    "symbiosis, avoided) VALUES ('CA-3', 'candidate', "
                    "'IPCC 2021 | climate change | global warming potential (GWP100)', "
                    "'kg CO2-Eq', 150000, 30000, 120000)")
        con.execute("INSERT INTO lca_results (subject_id, subject_kind, method, unit, baseline, "
                    "symbiosis, avoided) VALUES ('CA-3', 'candidate', "
                    "'IPCC 2021 | climate change: fossil | global warming potential (GWP100)', "
                    "'kg CO2-Eq', 1, 1, 99999999)")  # another method: never added
        con.executemany("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)", [
            ["J-1", "AZ-0003", "SY-01", 2.0, date(2026, 3, 1)],
            ["J-2", "AZ-0004", "SY-02", 1.5, date(2026, 6, 1)],
            ["J-3", "AZ-0006", "SY-05", 9.0, date(2026, 2, 1)],  # no NDA
        ])


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory):
    """Settings of the tiny store, period 2026-09 (previous: 2026-03)."""
    root = tmp_path_factory.mktemp("tiny")
    settings = make_settings(root, period="2026-09")
    build_tiny_store(settings)
    return settings


@pytest.fixture
def empty_settings(tmp_path):
    """Settings of a new, empty store (created on first connection) under ``tmp_path``."""
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def chromium():
    """Path of a headless-capable Chromium; skip the test when there is none."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    pytest.skip("nessun browser Chromium (/usr/bin/chromium): installarlo con "
                "`apt-get install chromium` o eseguire .ci/run")


#: Flags of every headless Chromium run: no sandbox (root in containers), no GPU, and no
#: background traffic of the browser itself.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")


@pytest.fixture
def dump_dom(chromium, tmp_path):
    """``dump_dom(url, *flags, budget_ms=30000) -> str``: the rendered DOM of ``url``."""
    profiles = iter(range(1000))

    def run(url: str, *flags: str, budget_ms: int = 30000) -> str:
        profile = tmp_path / f"chromium-profile-{next(profiles)}"
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--virtual-time-budget={budget_ms}", *flags, "--dump-dom", url],
            capture_output=True, text=True, timeout=180)
        return result.stdout

    return run
