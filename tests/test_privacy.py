"""Audiences, pseudonyms and disclosure control (workbench/privacy.py)."""
from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from workbench.config import ConfigError
from workbench.privacy import (DOMINANCE_SHARE, MIN_COMPANIES, PROTECTION_SHARE, check_audience, company_labels,
                               disclosure_control, disclosure_control_over_time, is_restricted,
                               pseudonym, suppress_complementary, suppress_small_cells)

KEY = "chiave-di-prova"


def test_constants_are_the_design_rules():
    assert MIN_COMPANIES == 3
    assert DOMINANCE_SHARE == 0.85


@pytest.mark.parametrize("audience", ["gsi", "funders", "pubblico"])
def test_check_audience_accepts_known(audience):
    assert check_audience(audience) == audience


def test_check_audience_rejects_unknown_with_the_valid_ones():
    with pytest.raises(ConfigError, match="gsi, funders, pubblico"):
        check_audience("stampa")


def test_restricted_audiences():
    assert not is_restricted("gsi")
    assert is_restricted("funders") and is_restricted("pubblico")


def test_pseudonym_is_stable_short_and_keyed():
    first = pseudonym("AZ-0007", KEY)
    assert first == pseudonym("AZ-0007", KEY)  # same in every period
    assert first.startswith("P-") and len(first) == 10
    assert "0007" not in first
    assert pseudonym("AZ-0008", KEY) != first
    assert pseudonym("AZ-0007", "altra-chiave") != first  # useless without the key
    assert pseudonym("AZ-0007", KEY.encode()) == first


def test_pseudonym_is_an_hmac_of_the_id():
    import base64

    digest = hmac.new(KEY.encode(), b"workbench/pseudonym/v1\x00AZ-0007", hashlib.sha256).digest()
    assert pseudonym("AZ-0007", KEY) == "P-" + base64.b32encode(digest).decode()[:8]


def test_pseudonyms_do_not_collide_on_a_large_cluster():
    ids = [f"AZ-{i:06d}" for i in range(20_000)]
    assert len({pseudonym(i, KEY) for i in ids}) == len(ids)


def test_pseudonym_needs_a_key():
    with pytest.raises(ValueError):
        pseudonym("AZ-0001", "")


COMPANIES = pd.DataFrame({
    "company_id": ["AZ-0001", "AZ-0002", "AZ-0003"],
    "name": ["Alfa S.r.l.", "Beta S.p.A.", "Gamma S.r.l."],
    "consent": ["riservato", "nominativo", None],
})


def test_company_labels_gsi_names():
    labels = company_labels(COMPANIES, "gsi", KEY)
    assert labels.to_dict() == {"AZ-0001": "Alfa S.r.l.", "AZ-0002": "Beta S.p.A.",
                                "AZ-0003": "Gamma S.r.l."}


def test_company_labels_funders_name_only_with_consent():
    labels = company_labels(COMPANIES, "funders", KEY)
    assert labels["AZ-0002"] == "Beta S.p.A."
    assert labels["AZ-0001"] == pseudonym("AZ-0001", KEY)
    assert labels["AZ-0003"] == pseudonym("AZ-0003", KEY)  # missing consent = riservato


def test_company_labels_pubblico_none():
    labels = company_labels(COMPANIES, "pubblico", KEY)
    assert labels.isna().all() and list(labels.index) == list(COMPANIES["company_id"])


def _cells():
    return pd.DataFrame({
        "cell": ["a", "b", "c", "d", "e"],
        "companies": [5, 2, 0, 4, 3],
        "quantity": [100.0, 30.0, 0.0, 80.0, 60.0],
        "top_share": [0.3, 0.6, 0.0, 0.9, 0.85],
    })


def test_suppress_small_cells_threshold_and_dominance():
    df = _cells()
    out = suppress_small_cells(df, "companies", ["quantity"], share_column="top_share")
    assert out["suppressed"].tolist() == [False, True, False, True, False]
    assert out["suppression"].tolist() == [None, "soglia", None, "dominanza", None]
    assert np.isnan(out.loc[1, "quantity"]) and np.isnan(out.loc[3, "quantity"])
    assert out.loc[2, "quantity"] == 0.0  # a cell with no company has nothing to disclose
    assert out.loc[4, "quantity"] == 60.0  # exactly 85 % is allowed
    assert out["companies"].tolist() == [5, 2, 0, 4, 3]  # counts kept unless asked
    pd.testing.assert_frame_equal(df, _cells())  # pure: input untouched


def test_suppress_small_cells_can_hide_counts():
    out = suppress_small_cells(_cells(), "companies", [], suppress_counts=True)
    assert np.isnan(out.loc[1, "companies"]) and out.loc[0, "companies"] == 5


def test_complementary_suppression_protects_a_single_suppressed_cell():
    df = pd.DataFrame({"cell": list("abc"), "companies": [2, 5, 6],
                       "quantity": [10.0, 50.0, 70.0]})
    primary = suppress_small_cells(df, "companies", ["quantity"])
    out = suppress_complementary(primary, "companies", ["quantity"], original=df)
    assert out["suppressed"].tolist() == [True, True, False]  # the smallest other cell
    assert out["suppression"].tolist() == ["soglia", "complementare", None]
    assert out.loc[1, "quantity"] != out.loc[1, "quantity"]


def test_complementary_suppression_within_groups():
    df = pd.DataFrame({"matrix": ["m", "m", "a", "a"], "companies": [1, 5, 4, 7],
                       "quantity": [1.0, 9.0, 4.0, 7.0]})
    out = disclosure_control(df, "funders", "companies", ["quantity"], by=["matrix"])
    assert out["suppressed"].tolist() == [True, True, False, False]


def test_disclosure_control_gsi_sees_everything_but_not_the_share():
    out = disclosure_control(_cells(), "gsi", "companies", ["quantity"], share_column="top_share")
    assert "top_share" not in out.columns
    assert out["quantity"].tolist() == _cells()["quantity"].tolist()
    assert not out["suppressed"].any()


def test_disclosure_control_funders_drops_the_share_and_suppresses():
    out = disclosure_control(_cells(), "funders", "companies", ["quantity"],
                             share_column="top_share")
    assert "top_share" not in out.columns
    assert out["suppressed"].sum() >= 2


# ---------------------------------------------------------------- property tests
cell_tables = st.lists(
    st.tuples(st.integers(min_value=0, max_value=8),
              st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
              st.floats(min_value=0.0, max_value=1.0, allow_nan=False)),
    min_size=1, max_size=12)


@hsettings(max_examples=200, deadline=None)
@given(cell_tables)
def test_no_published_cell_breaks_the_rules(rows):
    df = pd.DataFrame(rows, columns=["companies", "quantity", "top_share"])
    out = disclosure_control(df, "funders", "companies", ["quantity"], share_column="top_share")
    published = ~out["suppressed"] & (df["companies"] > 0)
    assert (df.loc[published, "companies"] >= MIN_COMPANIES).all()
    assert (df.loc[published, "top_share"] <= DOMINANCE_SHARE).all()
    assert out.loc[out["suppressed"], "quantity"].isna().all()


@hsettings(max_examples=200, deadline=None)
@given(cell_tables)
def test_a_suppressed_cell_cannot_be_recomputed_from_the_total(rows):
    df = pd.DataFrame(rows, columns=["companies", "quantity", "top_share"])
    out = disclosure_control(df, "funders", "companies", ["quantity"], share_column="top_share")
    n_suppressed = int(out["suppressed"].sum())
    nonempty = int((df["companies"] > 0).sum())
    if n_suppressed:
        # total − published cells = sum of the suppressed ones: never a single cell
        assert n_suppressed >= 2 or nonempty == 1


def _over_time(rows):
    columns = ["companies", "top_share", "companies_previous", "top_share_previous",
               "change_companies", "change_top_share"]
    df = pd.DataFrame(rows, columns=columns)
    df["value"], df["value_previous"] = 100.0, 60.0
    df["change"] = df["value"] - df["value_previous"]
    return df


def test_over_time_an_unsafe_change_hides_the_new_value():
    df = _over_time([
        (9, 0.3, 8, 0.3, 1, 1.0),  # one company moved: the change would name it
        (9, 0.3, 2, 1.0, 7, 0.3),  # previous value was withheld: the new one can go out
        (9, 0.3, 8, 0.3, 5, 0.3),  # all safe
        (9, 0.3, 8, 0.3, 0, 0.0),  # nothing changed
    ])
    out = disclosure_control_over_time(df, "funders")
    assert out["suppressed"].tolist() == [True, False, False, False]
    assert out["suppressed_previous"].tolist() == [False, True, False, False]
    assert out["suppressed_change"].tolist() == [True, True, False, False]
    assert np.isnan(out.loc[0, "value"]) and np.isnan(out.loc[1, "change"])
    assert not [c for c in out.columns if "top_share" in c]


def test_over_time_gsi_sees_everything():
    out = disclosure_control_over_time(_over_time([(1, 1.0, 1, 1.0, 1, 1.0)]), "gsi")
    assert not out[["suppressed", "suppressed_previous", "suppressed_change"]].any().any()
    assert out.loc[0, "value"] == 100.0


counts = st.integers(min_value=0, max_value=6)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(counts, shares, counts, shares, counts, shares), min_size=1, max_size=8))
def test_over_time_never_publishes_a_computable_unsafe_change(rows):
    df = _over_time(rows)
    out = disclosure_control_over_time(df, "pubblico")
    both = ~out["suppressed"] & ~out["suppressed_previous"]
    changed = df["change_companies"] > 0
    safe = (df["change_companies"] >= MIN_COMPANIES) & (df["change_top_share"] <= DOMINANCE_SHARE)
    assert (safe | ~changed)[both].all()  # now − previous is computable only when safe
    published_change = ~out["suppressed_change"]
    assert (~out["suppressed"] & ~out["suppressed_previous"])[published_change].all()


def test_complementary_cells_are_big_enough_to_hide_the_primary_one():
    """With the total published, a withheld cell is at most the withheld sum: a partner
    of 5 t beside a single company's 1.000 t would bound it within 0,5 %."""
    df = pd.DataFrame({"cell": ["a", "b", "c", "d"], "companies": [1, 3, 3, 3],
                       "quantity": [1000.0, 5.0, 10.0, 2000.0]})
    out = disclosure_control(df, "funders", "companies", ["quantity"])
    hidden = set(out.loc[out["suppressed"], "cell"])
    assert "a" in hidden
    others = df.loc[df["cell"].isin(hidden - {"a"}), "quantity"].sum()
    assert others >= PROTECTION_SHARE * 1000
    # the counts rule alone was satisfied by the 5 t cell: the interval rule did the rest
    alone = suppress_complementary(suppress_small_cells(df, "companies", ["quantity"]),
                                   "companies", ["quantity"], original=df, protection=0.0)
    assert set(alone.loc[alone["suppressed"], "cell"]) == {"a", "b"}
