"""The encrypted store: encryption at rest, keys, migrations, locks, audit."""
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from workbench.config import load_settings
from workbench.store import SCHEMA_VERSION, StoreError, audit, connect, transaction


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)
    monkeypatch.delenv("WORKBENCH_KEY_FILE", raising=False)
    return load_settings(tmp_path, key="chiave-di-prova")


def test_store_is_encrypted_at_rest(settings):
    with connect(settings) as con:
        con.execute("INSERT INTO companies (company_id, name, vat_number) "
                    "VALUES ('AZ-0001', 'Raffineria Fittizia Segreta', '99123456789')")
    raw = settings.store_path.read_bytes()
    assert b"Raffineria Fittizia Segreta" not in raw
    assert b"99123456789" not in raw
    with connect(settings) as con:
        assert con.execute("SELECT name FROM companies").fetchone()[0] == "Raffineria Fittizia Segreta"


def test_schema_version_and_migrations_are_idempotent(settings):
    for _ in range(2):
        with connect(settings) as con:
            versions = [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_wrong_key_opens_nothing(settings):
    with connect(settings):
        pass
    with pytest.raises(StoreError, match="chiave errata"):
        with connect(settings.with_(key="sbagliata")):
            pass


def test_missing_key_is_one_clear_line(settings):
    with pytest.raises(StoreError) as info:
        with connect(settings.with_(key=None)):
            pass
    assert "chiave mancante" in str(info.value) and "\n" not in str(info.value)
    assert not settings.store_path.exists()


def test_key_from_environment_and_key_file(settings, tmp_path, monkeypatch):
    with connect(settings):
        pass
    monkeypatch.setenv("WORKBENCH_KEY", "chiave-di-prova")
    with connect(settings.with_(key=None)) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)
    monkeypatch.delenv("WORKBENCH_KEY")
    key_file = tmp_path / "chiave.txt"
    key_file.write_text("chiave-di-prova\n")
    with connect(settings.with_(key=None, key_file=key_file)) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_unreadable_key_file(settings, tmp_path):
    with pytest.raises(StoreError, match="file di chiave illeggibile"):
        with connect(settings.with_(key=None, key_file=tmp_path / "manca.key")):
            pass


def test_plaintext_database_is_refused(settings):
    import duckdb

    duckdb.connect(str(settings.store_path)).execute("CREATE TABLE x AS SELECT 1").close()
    with pytest.raises(StoreError, match="non cifrato"):
        with connect(settings):
            pass


def test_garbage_file_is_refused(settings):
    settings.store_path.write_bytes(b"questo non e' un database")
    with pytest.raises(StoreError, match="non valido"):
        with connect(settings):
            pass


def test_transaction_rolls_back(settings):
    with connect(settings) as con:
        with pytest.raises(RuntimeError):
            with transaction(con):
                con.execute("INSERT INTO contests VALUES ('K1', 'Premio', NULL, NULL)")
                raise RuntimeError("boom")
        assert con.execute("SELECT count(*) FROM contests").fetchone()[0] == 0


def test_audit_log_records(settings):
    with connect(settings) as con:
        audit(con, "ingest", actor="test", target="q.xlsx", file_hash="abc",
              rows_accepted=3, rows_quarantined=1)
        row = con.execute("SELECT actor, action, rows_accepted, rows_quarantined FROM audit_log").fetchone()
    assert row == ("test", "ingest", 3, 1)


def test_locked_store_is_retried_then_reported(settings):
    with connect(settings):
        pass
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from workbench.config import load_settings
        from workbench.store import connect
        s = load_settings({str(settings.data_dir)!r}, key="chiave-di-prova")
        with connect(s):
            print("locked", flush=True)
            time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="in uso da un altro processo"):
            with connect(settings, retry_seconds=1.0):
                pass
    finally:
        holder.kill()
        holder.wait()
    with connect(settings) as con:  # released: opens again
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_store_of_the_previous_version_migrates_to_the_site_energy_columns(settings, monkeypatch):
    """Schema 5 (questionnaire 1.1) on a store created at version 4: old rows keep NULLs,
    and the NDA views, bound when created, show the new columns."""
    import workbench.store as store

    energy = ["pod_count", "pod_codes", "contracted_power_kw", "shift_pattern", "roof_area_m2",
              "roof_tilt_deg", "roof_azimuth_deg", "existing_pv_kw", "net_metering", "comune"]
    monkeypatch.setattr(store, "MIGRATIONS", [m for m in store.MIGRATIONS if m[0] < 5])
    with connect(settings) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 4
        con.execute("INSERT INTO companies (company_id, name, vat_number, nda_signed_on) "
                    "VALUES ('AZ-0001', 'Vecchia Fittizia', '99000000001', DATE '2025-01-10')")
        con.execute("INSERT INTO sites (site_id, company_id, name, lat, lon) "
                    "VALUES ('AZ-0001-S1', 'AZ-0001', 'Stabilimento', 43.58, 10.33)")
        con.execute("INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, description, "
                    "quantity, unit, quantity_std, unit_std) VALUES ('AZ-0001-I0002', 'AZ-0001-S1', "
                    "'AZ-0001', 'in', 'energia', 'energia elettrica', 10, 'MWh', 10, 'MWh')")
    monkeypatch.undo()

    with connect(settings) as con:
        versions = [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        sites = con.execute("SELECT * FROM v_sites").df()
        companies = con.execute("SELECT * FROM v_companies").df()
        flows = con.execute("SELECT count(*) FROM v_flows").fetchone()[0]
        con.execute("INSERT INTO sites (site_id, company_id, name, shift_pattern, net_metering) "
                    "VALUES ('AZ-0001-S2', 'AZ-0001', 'Deposito', '2x5', TRUE)")
        new = con.execute("SELECT shift_pattern, net_metering FROM v_sites WHERE site_id = 'AZ-0001-S2'").fetchone()
    assert versions[:5] == [1, 2, 3, 4, 5]
    assert set(energy) <= set(sites.columns) and "large_group" in companies.columns
    assert sites.loc[0, "name"] == "Stabilimento" and sites.loc[0, energy].isna().all()
    assert companies.loc[0, "name"] == "Vecchia Fittizia" and pd.isna(companies.loc[0, "large_group"])
    assert flows == 1
    assert new == ("2x5", True)
