"""The one model of heat (workbench.energy.heat), shared with the screening."""
import numpy as np
import pytest

from workbench.energy import heat
from workbench.energy.heat import heat_match, heat_pump_cop, pipe_cost_eur


def test_constants_come_from_lib_with_sources():
    table = heat.heat_parameters().set_index("parameter")
    assert heat.DELTA_T_MIN_K == float(table.loc["DELTA_T_MIN_K", "value"]) == 10.0
    assert heat.CARNOT_FRACTION == 0.5
    assert (table["source"].str.len() > 10).all()
    assert set(table["status"]) <= {"verified", "assumption"}


def test_cop_by_hand():
    # T_cond = 80 + 10 + 273.15 = 363.15 K; lift = 363.15 - 313.15 = 50 K
    assert heat_pump_cop(40, 80) == pytest.approx(0.5 * 363.15 / 50)
    assert heat_pump_cop(40, 80, carnot_fraction=0.4) == pytest.approx(0.4 * 363.15 / 50)
    cop = heat_pump_cop([40, 20], [80, 60])
    assert isinstance(cop, np.ndarray) and cop.shape == (2,)
    assert np.isnan(heat_pump_cop(120, 80))  # no lift: direct exchange, no heat pump
    assert heat_pump_cop(60, 55) == heat.HP_MAX_COP  # tiny lift is clipped


def test_match_reasons_in_english():
    t_source, t_sink = [150, 40, 20, -10, np.nan, 30], [80, 80, 130, 40, 50, 120]
    italian, english = heat_match(t_source, t_sink), heat_match(t_source, t_sink, lang="en")
    assert italian["mode"].tolist() == english["mode"].tolist()
    assert english.loc[0, "reason"] == "direct exchange: source 150 °C ≥ sink 80 °C + ΔT_min 10 K"
    assert english.loc[1, "reason"].startswith("heat pump: lift 50 K, COP")
    assert english.loc[4, "reason"] == "source or sink temperature not declared"
    assert not english["reason"].str.contains("sorgente|utenza|pompa|salto|sotto").any()


def test_match_modes_and_reasons():
    m = heat_match([150, 90, 89, 40, 20, -10, np.nan, 30],
                   [80, 80, 80, 80, 130, 40, 50, 120])
    assert list(m["mode"]) == ["diretto", "diretto", "pompa_di_calore", "pompa_di_calore",
                               None, None, None, None]
    assert m.loc[0, "electricity_per_heat"] == 0 and m.loc[0, "source_per_heat"] == 1
    hp = m.loc[3]
    assert hp["electricity_per_heat"] == pytest.approx(1 / hp["cop"])
    assert hp["source_per_heat"] + hp["electricity_per_heat"] == pytest.approx(1.0)
    assert "120 °C" in m.loc[4, "reason"] and "sotto 5 °C" in m.loc[5, "reason"]
    assert "non dichiarata" in m.loc[6, "reason"] and "salto termico" in m.loc[7, "reason"]
    assert m["reason"].str.len().gt(0).all()


def test_match_scalar_and_broadcast():
    one = heat_match(100, 60)
    assert len(one) == 1 and one.loc[0, "mode"] == "diretto"
    many = heat_match(45, [30, 60, 70])
    assert list(many["t_source_c"]) == [45, 45, 45]


def test_pipe_cost():
    assert pipe_cost_eur(1.0, "acqua_calda") == pytest.approx(880_000)
    assert pipe_cost_eur(1.0, "steam") > pipe_cost_eur(1.0, "hot_water")
    assert np.allclose(pipe_cost_eur([0.5, 2.0], "acqua"), [125_000, 500_000])
    with pytest.raises(ValueError, match='unknown pipe medium "olio"'):
        pipe_cost_eur(1, "olio")
    assert (heat.pipe_costs()["source"].str.len() > 10).all()
