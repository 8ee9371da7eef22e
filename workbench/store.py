"""The encrypted DuckDB store: open, schema migrations, transactions, audit log.

The store is one DuckDB database file encrypted at rest (AES-GCM). DuckDB writes
encrypted files only with a full crypto module, which comes with its ``httpfs``
extension; we load that extension from the file shipped by the ``duckdb-ext-httpfs``
package (signed, never downloaded, no unsigned extensions allowed). There is no
plaintext fallback: without a key, with a wrong key or without the extension, nothing
is opened.

Connections are short-lived: ``with connect(settings) as con: ...`` opens, migrates if
needed, yields, and closes, so that several notebooks and the command line can use one
store in turn. A store held by another process is retried for a few seconds.
"""
from __future__ import annotations

import getpass
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from .config import ConfigError, Settings

#: Seconds to keep retrying a store locked by another process.
LOCK_RETRY_SECONDS = 8.0


class StoreError(Exception):
    """The store cannot be opened or used; the message is one line for the user."""


def httpfs_extension_path() -> Path:
    """Path of the httpfs extension file installed by ``duckdb-ext-httpfs``."""
    try:
        import duckdb_ext
    except ImportError:
        raise StoreError("pacchetto duckdb-ext-httpfs non installato: impossibile cifrare "
                         "l'archivio (pip install duckdb-ext-httpfs)") from None
    version = duckdb.__version__
    for root in duckdb_ext.__path__:
        candidates = sorted(Path(root).glob(f"extensions/v{version}/*/httpfs.duckdb_extension"))
        if candidates:
            return candidates[0]
    raise StoreError(f"estensione httpfs per DuckDB {version} non trovata nel pacchetto "
                     "duckdb-ext-httpfs: installare la versione corrispondente")


# ---------------------------------------------------------------- schema migrations
#: Ordered migrations: (version, description, statements). Never edit a released one;
#: append a new version instead.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "canonical tables of DESIGN §4, quarantine and audit log", [
        """CREATE TABLE company_ids (
            vat_number VARCHAR PRIMARY KEY,
            company_id VARCHAR NOT NULL UNIQUE)""",
        """CREATE TABLE companies (
            company_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            vat_number VARCHAR NOT NULL UNIQUE,
            ateco VARCHAR,
            employees DOUBLE,
            turnover_eur DOUBLE,
            balance_sheet_eur DOUBLE,
            size_class VARCHAR,
            nda_signed_on DATE,
            consent VARCHAR NOT NULL DEFAULT 'riservato',
            joined_on DATE,
            source_file VARCHAR,
            file_hash VARCHAR)""",
        """CREATE TABLE sites (
            site_id VARCHAR PRIMARY KEY,
            company_id VARCHAR NOT NULL,
            name VARCHAR,
            lat DOUBLE,
            lon DOUBLE,
            address VARCHAR,
            cabina_primaria VARCHAR,
            source_file VARCHAR,
            source_row INTEGER)""",
        """CREATE TABLE flows (
            flow_id VARCHAR PRIMARY KEY,
            site_id VARCHAR NOT NULL,
            company_id VARCHAR NOT NULL,
            direction VARCHAR NOT NULL,
            matrix VARCHAR NOT NULL,
            description VARCHAR NOT NULL,
            resource VARCHAR,
            resource_confidence DOUBLE,
            eer_code VARCHAR,
            hazardous BOOLEAN,
            quantity DOUBLE NOT NULL,
            unit VARCHAR NOT NULL,
            quantity_std DOUBLE NOT NULL,
            unit_std VARCHAR NOT NULL,
            year INTEGER,
            monthly_profile DOUBLE[],
            temperature_c DOUBLE,
            water_quality VARCHAR,
            state VARCHAR,
            unit_cost_eur DOUBLE,
            current_fate VARCHAR,
            counterpart VARCHAR,
            source_file VARCHAR,
            source_sheet VARCHAR,
            source_row INTEGER)""",
        """CREATE TABLE questionnaire_files (
            file_hash VARCHAR PRIMARY KEY,
            company_id VARCHAR,
            file_name VARCHAR,
            ingested_at TIMESTAMP,
            superseded BOOLEAN DEFAULT FALSE)""",
        """CREATE TABLE quarantine (
            quarantine_id VARCHAR PRIMARY KEY,
            ingested_at TIMESTAMP,
            file_name VARCHAR,
            file_hash VARCHAR,
            company_id VARCHAR,
            sheet VARCHAR,
            row INTEGER,
            "column" VARCHAR,
            value VARCHAR,
            expected VARCHAR,
            message VARCHAR)""",
        """CREATE TABLE audit_log (
            audit_id VARCHAR PRIMARY KEY,
            logged_at TIMESTAMP NOT NULL,
            actor VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            target VARCHAR,
            file_hash VARCHAR,
            rows_accepted INTEGER,
            rows_quarantined INTEGER,
            audience VARCHAR,
            detail VARCHAR)""",
        """CREATE TABLE synergies (
            synergy_id VARCHAR PRIMARY KEY,
            source_flow_id VARCHAR,
            target_flow_id VARCHAR,
            source_company_id VARCHAR,
            target_company_id VARCHAR,
            target_sector VARCHAR,
            matrix VARCHAR NOT NULL,
            description VARCHAR,
            quantity_std DOUBLE,
            unit_std VARCHAR,
            regulatory_path VARCHAR,
            r_code VARCHAR,
            status VARCHAR NOT NULL,
            status_since DATE,
            abandoned_reason VARCHAR,
            net_benefit_eur DOUBLE,
            co2e_avoided_t DOUBLE)""",
        """CREATE TABLE synergy_status_history (
            synergy_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            changed_on DATE NOT NULL,
            reason VARCHAR,
            actor VARCHAR)""",
        """CREATE TABLE investments (
            investment_id VARCHAR PRIMARY KEY,
            synergy_id VARCHAR,
            amount_eur DOUBLE NOT NULL,
            kind VARCHAR NOT NULL,
            invested_on DATE NOT NULL,
            note VARCHAR)""",
        """CREATE TABLE funding_calls (
            call_id VARCHAR PRIMARY KEY,
            programme VARCHAR NOT NULL,
            call_name VARCHAR NOT NULL,
            synergy_id VARCHAR,
            deadline DATE,
            submitted_on DATE,
            outcome VARCHAR,
            requested_eur DOUBLE,
            granted_eur DOUBLE)""",
        """CREATE TABLE contests (
            contest_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            submitted_on DATE,
            won BOOLEAN)""",
        """CREATE TABLE research (
            research_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            started_on DATE)""",
        """CREATE TABLE jobs (
            job_id VARCHAR PRIMARY KEY,
            company_id VARCHAR,
            synergy_id VARCHAR,
            fte DOUBLE NOT NULL,
            created_on DATE NOT NULL)""",
        # The NDA gate: every reader of company data goes through these views.
        """CREATE VIEW v_companies AS
            SELECT * FROM companies WHERE nda_signed_on IS NOT NULL""",
        """CREATE VIEW v_sites AS
            SELECT s.* FROM sites s JOIN v_companies c USING (company_id)""",
        """CREATE VIEW v_flows AS
            SELECT f.* FROM flows f JOIN v_companies c USING (company_id)""",
    ]),
    (2, "screening candidates and LCA results", [
        """CREATE TABLE candidates (
            candidate_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            matrix VARCHAR NOT NULL,
            source_flow_id VARCHAR,
            target_flow_id VARCHAR,
            source_company_id VARCHAR,
            target_company_id VARCHAR,
            source_resource VARCHAR,
            target_resource VARCHAR,
            quantity_std DOUBLE,
            unit_std VARCHAR,
            distance_km DOUBLE,
            regulatory_path VARCHAR,
            net_benefit_eur DOUBLE,
            co2e_avoided_t DOUBLE,
            co2e_method VARCHAR,
            why VARCHAR,
            screened_at TIMESTAMP)""",
        """CREATE TABLE lca_results (
            subject_id VARCHAR NOT NULL,
            subject_kind VARCHAR NOT NULL,
            method VARCHAR NOT NULL,
            unit VARCHAR,
            baseline DOUBLE,
            symbiosis DOUBLE,
            avoided DOUBLE,
            inventory_version VARCHAR,
            computed_at TIMESTAMP)""",
    ]),
    (3, "screening: benefit terms of candidates, analyst decisions and class overrides, "
        "joint opportunities, network allocations", [
        *[f"ALTER TABLE candidates ADD COLUMN {name} {kind}" for name, kind in (
            ("r_code", "VARCHAR"), ("treatment", "VARCHAR"), ("transport_mode", "VARCHAR"),
            ("route_km", "DOUBLE"), ("source_quantity_std", "DOUBLE"),
            ("source_unit_std", "VARCHAR"), ("avoided_disposal_eur", "DOUBLE"),
            ("avoided_purchase_eur", "DOUBLE"), ("transport_eur", "DOUBLE"),
            ("treatment_eur", "DOUBLE"), ("capex_eur", "DOUBLE"), ("capex_annuity_eur", "DOUBLE"),
            ("heat_mode", "VARCHAR"), ("cop", "DOUBLE"), ("water_quality", "VARCHAR"),
            ("water_use", "VARCHAR"), ("hazardous", "BOOLEAN"), ("rank", "INTEGER"),
            ("data_to_collect", "VARCHAR"), ("rule_source", "VARCHAR"),
            ("source_per_target", "DOUBLE"), ("lca_kind", "VARCHAR"))],
        """CREATE TABLE resource_overrides (
            flow_id VARCHAR PRIMARY KEY,
            resource VARCHAR NOT NULL,
            previous_resource VARCHAR,
            actor VARCHAR NOT NULL,
            decided_at TIMESTAMP NOT NULL,
            reason VARCHAR)""",
        """CREATE TABLE candidate_decisions (
            decision_id VARCHAR PRIMARY KEY,
            candidate_id VARCHAR NOT NULL,
            source_flow_id VARCHAR NOT NULL,
            target_flow_id VARCHAR NOT NULL,
            decision VARCHAR NOT NULL,
            reason VARCHAR,
            synergy_id VARCHAR,
            actor VARCHAR NOT NULL,
            decided_at TIMESTAMP NOT NULL,
            why VARCHAR)""",
        """CREATE TABLE joint_opportunities (
            opportunity_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            matrix VARCHAR,
            resource VARCHAR,
            company_ids VARCHAR,
            flow_ids VARCHAR,
            companies INTEGER,
            quantity_std DOUBLE,
            unit_std VARCHAR,
            spend_eur DOUBLE,
            saving_eur DOUBLE,
            radius_km DOUBLE,
            why VARCHAR,
            screened_at TIMESTAMP)""",
        """CREATE TABLE allocations (
            candidate_id VARCHAR NOT NULL,
            source_flow_id VARCHAR,
            target_flow_id VARCHAR,
            matrix VARCHAR,
            quantity_std DOUBLE,
            unit_std VARCHAR,
            net_benefit_eur DOUBLE,
            method VARCHAR NOT NULL,
            allocated_at TIMESTAMP)""",
    ]),
    (4, "LCA results: kind and quantity, Monte Carlo interval, driving process, database", [
        *[f"ALTER TABLE lca_results ADD COLUMN {name} {kind}" for name, kind in (
            ("kind", "VARCHAR"), ("quantity_std", "DOUBLE"), ("unit_std", "VARCHAR"),
            ("avoided_p05", "DOUBLE"), ("avoided_p50", "DOUBLE"), ("avoided_p95", "DOUBLE"),
            ("sign_uncertain", "BOOLEAN"), ("mc_iterations", "INTEGER"), ("mc_seed", "INTEGER"),
            ("driver_process", "VARCHAR"), ("driver_name", "VARCHAR"),
            ("driver_share", "DOUBLE"), ("database", "VARCHAR"))],
    ]),
    (5, "questionnaire 1.1: site energy attributes (POD, contracted power, shift pattern, roof, "
        "existing PV, Scambio sul Posto, municipality) and the company's link to a large group", [
        *[f"ALTER TABLE sites ADD COLUMN {name} {kind}" for name, kind in (
            ("pod_count", "INTEGER"), ("pod_codes", "VARCHAR"), ("contracted_power_kw", "DOUBLE"),
            ("shift_pattern", "VARCHAR"), ("roof_area_m2", "DOUBLE"), ("roof_tilt_deg", "DOUBLE"),
            ("roof_azimuth_deg", "DOUBLE"), ("existing_pv_kw", "DOUBLE"),
            ("net_metering", "BOOLEAN"), ("comune", "VARCHAR"))],
        "ALTER TABLE companies ADD COLUMN large_group BOOLEAN",
        # DuckDB binds a view's columns when it is created: the NDA views are created
        # again to carry the new columns (same definitions as in version 1).
        """CREATE OR REPLACE VIEW v_companies AS
            SELECT * FROM companies WHERE nda_signed_on IS NOT NULL""",
        """CREATE OR REPLACE VIEW v_sites AS
            SELECT s.* FROM sites s JOIN v_companies c USING (company_id)""",
        """CREATE OR REPLACE VIEW v_flows AS
            SELECT f.* FROM flows f JOIN v_companies c USING (company_id)""",
    ]),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def _migrate(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("""CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)""")
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    for version, description, statements in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for sql in statements:
                con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                        [version, description, datetime.now()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = version
    return current


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _attach(con, path: Path, key: str, read_only: bool) -> None:
    options = f"ENCRYPTION_KEY {_sql_string(key)}" + (", READ_ONLY" if read_only else "")
    con.execute(f"ATTACH {_sql_string(str(path))} AS store ({options})")
    con.execute("USE store")


@contextmanager
def connect(settings: Settings, *, read_only: bool = False,
            retry_seconds: float = LOCK_RETRY_SECONDS):
    """Open the encrypted store, migrate it, yield a connection, close it.

    Parameters
    ----------
    settings : Settings — gives ``store_path`` and the key.
    read_only : bool — open without write access (no migration).
    retry_seconds : float — how long to retry a store locked by another process. [s]

    Raises
    ------
    StoreError — missing key, wrong key, unreadable file, locked store, missing extension.
    """
    try:
        key = settings.resolve_key()
    except ConfigError as exc:
        raise StoreError(str(exc)) from None
    path = Path(settings.store_path)
    if read_only and not path.exists():
        raise StoreError(f"archivio inesistente: {path}")
    if path.exists() and path.is_dir():
        raise StoreError(f"archivio non valido: {path} è una cartella")
    path.parent.mkdir(parents=True, exist_ok=True)
    extension = httpfs_extension_path()
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_unsigned_extensions": False,
    })
    try:
        con.execute(f"LOAD {_sql_string(str(extension))}")
        deadline = time.monotonic() + retry_seconds
        while True:
            try:
                _attach(con, path, key, read_only)
                break
            except duckdb.Error as exc:
                message = str(exc)
                if "lock" in message.lower() and time.monotonic() < deadline:
                    time.sleep(0.25)
                    continue
                raise StoreError(_explain(path, message)) from None
        if not read_only:
            _migrate(con)
        yield con
    finally:
        con.close()


def _explain(path: Path, message: str) -> str:
    low = message.lower()
    if "wrong encryption key" in low or "key" in low and "encrypt" in low and "wrong" in low:
        return f"chiave errata per l'archivio {path}"
    if "lock" in low:
        return f"archivio {path} in uso da un altro processo; riprovare tra poco ({message.splitlines()[0]})"
    if "permission denied" in low:
        return f"archivio illeggibile {path}: permesso negato"
    if "not a valid duckdb database" in low or "unable to open database" in low \
            or "the file is not a" in low:
        return f"archivio non valido {path}: non è un database DuckDB cifrato"
    if "encrypt" in low:
        return f"archivio {path} non cifrato o cifrato diversamente: non aperto ({message.splitlines()[0]})"
    return f"impossibile aprire l'archivio {path}: {message.splitlines()[0]}"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def audit(con: duckdb.DuckDBPyConnection, action: str, *, actor: str | None = None,
          target: str | None = None, file_hash: str | None = None,
          rows_accepted: int | None = None, rows_quarantined: int | None = None,
          audience: str | None = None, detail: str | None = None) -> None:
    """Append one line to ``audit_log`` (ingests, exports, releases, register edits)."""
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [uuid.uuid4().hex, datetime.now(), actor or _whoami(), action, target, file_hash,
         rows_accepted, rows_quarantined, audience, detail],
    )


def _whoami() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database in some containers
        return "sconosciuto"


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame) -> None:
    """Insert a DataFrame into a store table by column name (in the caller's transaction)."""
    if frame is None or len(frame) == 0:
        return
    name = f"_frame_{table}"
    con.register(name, frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
    finally:
        con.unregister(name)
