from datetime import date

import pytest

from workbench.model import (as_date, haversine_km, inside_italy, size_class,
                             vat_check_digit_ok, vat_with_check_digit)


@pytest.mark.parametrize("employees, turnover, balance, expected", [
    (5, 1e6, None, "micro"),
    (5, 3e6, 1.5e6, "micro"),  # balance within the micro ceiling
    (9, 3e6, 3e6, "piccola"),
    (40, 9e6, None, "piccola"),
    (49, 12e6, 12e6, "media"),
    (200, 60e6, 40e6, "media"),  # balance ≤ 43 M€ suffices
    (200, 60e6, 50e6, "grande"),
    (250, 1e6, 1e6, "grande"),
    (30, None, None, "piccola"),
    (None, 1e6, 1e6, None),
])
def test_size_class(employees, turnover, balance, expected):
    assert size_class(employees, turnover, balance) == expected


def test_vat_check_digit():
    assert vat_check_digit_ok("00743110157")  # a well-known valid check digit example
    assert not vat_check_digit_ok("00743110158")
    assert not vat_check_digit_ok("0074311015")
    assert not vat_check_digit_ok("0074311015A")
    assert vat_check_digit_ok(vat_with_check_digit("9912345678"))


def test_geography():
    assert inside_italy(43.55, 10.31)
    assert not inside_italy(48.85, 2.35)  # Paris
    assert haversine_km(43.55, 10.31, 43.55, 10.31) == pytest.approx(0)
    # Livorno → Pisa is about 20 km as the crow flies
    assert 18 < haversine_km(43.55, 10.31, 43.72, 10.40) < 22


def test_as_date():
    assert as_date("31/03/2027") == date(2027, 3, 31)
    assert as_date("2027-03-31") == date(2027, 3, 31)
    assert as_date("") is None
    with pytest.raises(ValueError):
        as_date("31 marzo")
