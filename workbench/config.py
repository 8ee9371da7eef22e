"""Paths, periods and parameters shared by the notebooks and the command line.

Nothing here holds state: a :class:`Settings` is built from arguments, the environment
and an optional ``workbench.toml``, and passed around. Tests build their own.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .model import AUDIENCES, LANGUAGES

#: Root of the repository (where ``lib/`` and ``notebooks/`` live).
REPO_ROOT = Path(__file__).resolve().parent.parent
LIB_DIR = REPO_ROOT / "lib"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"

#: The demo key. NOT SECRET: it protects only the synthetic demo cluster, and is
#: published in the README. Real data must use a key of its own (WORKBENCH_KEY or a key file).
DEMO_KEY = "demo-livorno-non-segreta"

DEFAULT_PERIOD = "2027-03"


class ConfigError(Exception):
    """A configuration problem the user must fix (one line, in plain words)."""


@dataclass(frozen=True)
class Period:
    """A reporting period of the GSI: the semester that a report covers.

    ``2027-03`` is the intermediate report (covers October–March, due 31 March; in the
    first year, 2026, due 31 May); ``2027-09`` is the end-of-year report (covers
    April–September, due 30 September).
    """

    code: str
    kind: str  # "intermedio" | "finale"
    start: date
    end: date
    due: date

    @property
    def previous(self) -> "Period":
        year, month = int(self.code[:4]), int(self.code[5:])
        return Period.parse(f"{year - 1}-09" if month == 3 else f"{year}-03")

    @classmethod
    def parse(cls, code: str) -> "Period":
        try:
            year, month = (int(x) for x in str(code).split("-"))
        except ValueError:
            raise ConfigError(f"periodo non valido {code!r}: atteso AAAA-03 o AAAA-09") from None
        if month == 3:
            due = date(year, 5, 31) if year == 2026 else date(year, 3, 31)
            return cls(f"{year}-03", "intermedio", date(year - 1, 10, 1), date(year, 3, 31), due)
        if month == 9:
            return cls(f"{year}-09", "finale", date(year, 4, 1), date(year, 9, 30), date(year, 9, 30))
        raise ConfigError(f"periodo non valido {code!r}: il mese deve essere 03 o 09")


@dataclass(frozen=True)
class Settings:
    """Where things are and how to open them, for one run."""

    data_dir: Path
    store_path: Path
    key: str | None = field(default=None, repr=False)
    key_file: Path | None = None
    period: str = DEFAULT_PERIOD
    audience: str = "gsi"
    lang: str = "it"
    actor: str = field(default_factory=lambda: os.environ.get("USER") or "analista")
    reports_root: Path = field(default_factory=lambda: Path("reports").resolve())

    def __post_init__(self):
        if self.audience not in AUDIENCES:
            raise ConfigError(f"pubblico non valido {self.audience!r}: uno di {', '.join(AUDIENCES)}")
        if self.lang not in LANGUAGES:
            raise ConfigError(f"lingua non valida {self.lang!r}: una di {', '.join(LANGUAGES)}")
        Period.parse(self.period)

    @property
    def run_dir(self) -> Path:
        """Files passed between notebooks of one run (never confidential in clear)."""
        return self.data_dir / "runs" / self.period

    @property
    def reports_dir(self) -> Path:
        """Executed notebooks and exports of this period: ``reports/<period>/`` for the
        GSI, ``reports/<period>/<audience>/`` for ``funders`` and ``pubblico`` — so that
        preparing the funders' version never replaces the GSI's own report."""
        base = self.reports_root / self.period
        return base if self.audience == "gsi" else base / self.audience

    @property
    def release_root(self) -> Path:
        """Where releases go: ``release/`` beside ``reports/``."""
        return self.reports_root.parent / "release"

    @property
    def release_dir(self) -> Path:
        """Disclosure-controlled release of this period for this audience:
        ``release/<period>/<audience>/`` (funders and pubblico each have their own)."""
        return self.release_root / self.period / self.audience

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def resolve_key(self) -> str:
        """The store key: explicit key, then ``WORKBENCH_KEY``, then the key file.

        Raises
        ------
        ConfigError — when no key is given or the key file cannot be read.
        """
        if self.key:
            return self.key
        env_key = os.environ.get("WORKBENCH_KEY")
        if env_key:
            return env_key
        key_file = self.key_file or (Path(os.environ["WORKBENCH_KEY_FILE"])
                                     if os.environ.get("WORKBENCH_KEY_FILE") else None)
        if key_file is None:
            raise ConfigError("chiave mancante: impostare WORKBENCH_KEY o un file di chiave "
                              "(WORKBENCH_KEY_FILE o key_file in workbench.toml)")
        try:
            text = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"file di chiave illeggibile {key_file}: {exc.strerror or exc}") from None
        if not text:
            raise ConfigError(f"file di chiave vuoto: {key_file}")
        return text


def load_settings(data_dir: str | os.PathLike | None = None,
                  store_path: str | os.PathLike | None = None,
                  config_file: str | os.PathLike | None = None,
                  **overrides) -> Settings:
    """Settings from arguments, ``workbench.toml`` (if any) and the environment.

    Parameters
    ----------
    data_dir : path — Working folder of the programme (store, runs). Default
        ``$WORKBENCH_DATA_DIR`` or ``./demo``.
    store_path : path — The encrypted store. Default ``<data_dir>/store.duckdb``.
    config_file : path — A TOML file with any of ``data_dir``, ``store_path``,
        ``key_file``, ``period``, ``audience``, ``lang``. Default ``./workbench.toml`` if present.
    """
    cfg: dict = {}
    path = Path(config_file) if config_file else Path("workbench.toml")
    if config_file or path.exists():
        try:
            cfg = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"file di configurazione non valido {path}: {exc}") from None
    data_dir = Path(data_dir or cfg.get("data_dir") or os.environ.get("WORKBENCH_DATA_DIR") or "demo")
    store_path = Path(store_path or cfg.get("store_path") or data_dir / "store.duckdb")
    if "reports_root" in cfg and "reports_root" not in overrides:
        overrides["reports_root"] = Path(cfg["reports_root"]).resolve()
    key_file = overrides.pop("key_file", None) or cfg.get("key_file")
    values = {k: cfg[k] for k in ("period", "audience", "lang") if k in cfg}
    values.update({k: v for k, v in overrides.items() if v is not None})
    if "reports_root" in values:
        values["reports_root"] = Path(values["reports_root"]).resolve()
    return Settings(data_dir=data_dir.resolve(), store_path=store_path.resolve(),
                    key_file=Path(key_file) if key_file else None, **values)
