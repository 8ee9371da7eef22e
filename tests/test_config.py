from datetime import date

import pytest

from workbench.config import ConfigError, Period, load_settings


def test_intermediate_and_final_periods():
    p = Period.parse("2027-03")
    assert (p.kind, p.start, p.end, p.due) == ("intermedio", date(2026, 10, 1), date(2027, 3, 31), date(2027, 3, 31))
    assert p.previous.code == "2026-09"
    q = Period.parse("2027-09")
    assert (q.kind, q.due, q.previous.code) == ("finale", date(2027, 9, 30), "2027-03")
    assert Period.parse("2026-03").due == date(2026, 5, 31)  # first year


@pytest.mark.parametrize("code", ["2027-04", "marzo", "2027"])
def test_bad_period(code):
    with pytest.raises(ConfigError, match="periodo non valido"):
        Period.parse(code)


def test_settings_validate_audience_and_language(tmp_path):
    with pytest.raises(ConfigError, match="pubblico non valido"):
        load_settings(tmp_path, audience="stampa")
    with pytest.raises(ConfigError, match="lingua non valida"):
        load_settings(tmp_path, lang="fr")


def test_settings_from_toml(tmp_path):
    cfg = tmp_path / "workbench.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "dati"}"\nkey_file = "{tmp_path / "k"}"\nperiod = "2027-09"\n')
    s = load_settings(config_file=cfg)
    assert s.data_dir == (tmp_path / "dati").resolve()
    assert s.store_path == s.data_dir / "store.duckdb"
    assert s.period == "2027-09" and s.key_file == tmp_path / "k"
