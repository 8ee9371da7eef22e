"""Audiences, pseudonyms and disclosure control (first version).

The GSI collects company data under NDA; what leaves the workbench depends on who reads
it (DESIGN §7):

- ``gsi``: everything (internal use);
- ``funders``: aggregates, plus company labels that are the name only where the company
  gave ``consent = nominativo`` and a stable pseudonym otherwise;
- ``pubblico``: aggregates only, no company-level label at all.

Every aggregate table shown to ``funders`` or ``pubblico`` passes through
:func:`disclosure_control`: the *threshold rule* (a cell needs at least
:data:`MIN_COMPANIES` companies), the *dominance rule* (no company above
:data:`DOMINANCE_SHARE` of a cell) and a simple *complementary suppression* so that a
single suppressed cell cannot be recomputed as "total minus the others". All functions
are pure: a DataFrame in, a new DataFrame out.

Tables published with both row and column totals go through
:func:`disclosure_control_2d` (secondary suppression in two dimensions, checked so that no
withheld cell or margin can be solved from what is published). Releases are written by
:mod:`workbench.report.release`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .config import ConfigError
from .model import AUDIENCES

#: Threshold rule: a published cell must aggregate at least this many companies.
MIN_COMPANIES: int = 3
#: Dominance rule: no single company may make up more than this share of a cell. [-]
DOMINANCE_SHARE: float = 0.85
#: Protection interval: a reader who knows that quantities are never negative can bound a
#: withheld value by linear programming over the published table; the bounds must stay at
#: least this share of the value away from it, below and above. [-] The default is the
#: dominance rule's complement: a published cell may be 85 % one company, so 15 % is the
#: uncertainty every company is already promised.
PROTECTION_SHARE: float = 1 - DOMINANCE_SHARE

#: Audiences that see only disclosure-controlled aggregates.
RESTRICTED_AUDIENCES: tuple[str, ...] = ("funders", "pubblico")

#: Values of the ``suppression`` column written by :func:`suppress_small_cells`.
REASON_THRESHOLD = "soglia"
REASON_DOMINANCE = "dominanza"
REASON_COMPLEMENTARY = "complementare"

_PSEUDONYM_CONTEXT = b"workbench/pseudonym/v1\x00"


def check_audience(audience: str) -> str:
    """Return ``audience`` when it is one of :data:`workbench.model.AUDIENCES`.

    Raises
    ------
    ConfigError — unknown audience, with the valid ones in the message.
    """
    if audience not in AUDIENCES:
        raise ConfigError(f"pubblico non valido {audience!r}: uno di {', '.join(AUDIENCES)}")
    return audience


def is_restricted(audience: str) -> bool:
    """True for audiences that may see only disclosure-controlled aggregates."""
    return check_audience(audience) in RESTRICTED_AUDIENCES


def pseudonym(company_id: str, key: str | bytes, length: int = 8) -> str:
    """A short, stable pseudonym of a company: ``P-`` and ``length`` base-32 characters.

    The pseudonym is HMAC-SHA256 of the company id keyed with the store key: the same
    company gets the same pseudonym in every period (as long as the key does not change),
    and without the key nobody can tell which company hides behind it, not even by
    trying every company id.

    Parameters
    ----------
    company_id : str — the stable company id of the store (e.g. ``AZ-0007``).
    key : str or bytes — the store key (``Settings.resolve_key()``).
    length : int — characters of the digest kept; 8 base-32 characters are 40 bits,
        enough to keep collisions unlikely up to about 100,000 companies.
    """
    if not key:
        raise ValueError("pseudonym needs the store key")
    key_bytes = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    digest = hmac.new(key_bytes, _PSEUDONYM_CONTEXT + str(company_id).encode("utf-8"),
                      hashlib.sha256).digest()
    return "P-" + base64.b32encode(digest).decode("ascii")[:length]


def company_labels(companies: pd.DataFrame, audience: str, key: str | bytes) -> pd.Series:
    """What a company may be called in an output for ``audience``.

    Parameters
    ----------
    companies : DataFrame — columns ``company_id``, ``name`` and ``consent``
        (``riservato`` | ``nominativo``; missing means ``riservato``).
    audience : str — ``gsi`` | ``funders`` | ``pubblico``.
    key : str or bytes — the store key, for pseudonyms.

    Returns
    -------
    Series — indexed by ``company_id``, named ``label``: the name (``gsi``); the name
    where ``consent == 'nominativo'`` and the pseudonym otherwise (``funders``); None for
    every company (``pubblico``: no company-level labels).
    """
    check_audience(audience)
    ids = companies["company_id"].astype(str)
    if audience == "gsi":
        values = companies["name"].astype(object).to_numpy()
    elif audience == "funders":
        consent = companies.get("consent", pd.Series("riservato", index=companies.index))
        named = consent.fillna("riservato").astype(str).eq("nominativo").to_numpy()
        names = companies["name"].astype(object).to_numpy()
        values = np.array([names[i] if named[i] else pseudonym(cid, key)
                           for i, cid in enumerate(ids)], dtype=object)
    else:
        values = np.full(len(ids), None, dtype=object)
    return pd.Series(values, index=pd.Index(ids, name="company_id"), name="label", dtype=object)


def suppress_small_cells(df: pd.DataFrame, count_column: str, value_columns: Sequence[str],
                         *, share_column: str | None = None,
                         min_companies: int = MIN_COMPANIES,
                         dominance_share: float = DOMINANCE_SHARE,
                         suppress_counts: bool = False,
                         flag_column: str = "suppressed",
                         reason_column: str = "suppression") -> pd.DataFrame:
    """Primary suppression of the cells of an aggregate table.

    A row (cell) is suppressed when it aggregates at least one but fewer than
    ``min_companies`` companies (threshold rule) or when its largest company makes up
    more than ``dominance_share`` of it (dominance rule). Rows with no company at all
    are kept (there is nothing to disclose).

    Parameters
    ----------
    df : DataFrame — one row per cell.
    count_column : str — number of distinct companies in the cell. [companies]
    value_columns : sequence of str — magnitudes to hide in suppressed cells.
    share_column : str or None — share of the cell's value held by its largest company
        [0–1]; None skips the dominance rule. This column is confidential itself: drop it
        before publishing (:func:`disclosure_control` does).
    min_companies : int — threshold. [companies]
    dominance_share : float — dominance limit. [0–1]
    suppress_counts : bool — also hide the company count of suppressed cells (for
        frequency tables where the count is the published value).

    Returns
    -------
    DataFrame — a copy; suppressed values are NaN (value columns become float), a bool
    ``flag_column`` and a ``reason_column`` (``soglia`` | ``dominanza`` | None) are added.
    """
    out = df.copy()
    counts = pd.to_numeric(out[count_column], errors="coerce").fillna(0)
    threshold = (counts > 0) & (counts < min_companies)
    if share_column is not None:
        share = pd.to_numeric(out[share_column], errors="coerce").fillna(0.0)
        dominance = (counts > 0) & (share > dominance_share) & ~threshold
    else:
        dominance = pd.Series(False, index=out.index)
    flag = threshold | dominance
    reason = pd.Series([None] * len(out), index=out.index, dtype=object)
    reason[threshold] = REASON_THRESHOLD
    reason[dominance] = REASON_DOMINANCE
    hide = list(value_columns) + ([count_column] if suppress_counts else [])
    for column in hide:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
        out.loc[flag, column] = np.nan
    if flag_column in df.columns:  # already controlled once: keep earlier flags
        flag = flag | df[flag_column].fillna(False).astype(bool)
        reason = reason.where(reason.notna(), df.get(reason_column))
    out[flag_column] = flag.astype(bool)
    out[reason_column] = reason
    return out


def suppress_complementary(df: pd.DataFrame, count_column: str, value_columns: Sequence[str],
                           *, by: Iterable[str] | None = None,
                           original: pd.DataFrame | None = None,
                           min_companies: int = MIN_COMPANIES,
                           suppress_counts: bool = False,
                           flag_column: str = "suppressed",
                           reason_column: str = "suppression",
                           protection: float | None = None) -> pd.DataFrame:
    """Secondary suppression along one dimension, so that totals do not reveal a cell.

    Within each group (rows with equal ``by`` values, or the whole table), when the group
    total is published and some cells are suppressed, the suppressed cells together must
    be at least two and cover at least ``min_companies`` companies, and (when
    ``original`` gives the true values) the other withheld cells must be worth at least
    ``protection`` (default :data:`PROTECTION_SHARE`) of each cell withheld by the rules,
    or the total would bound it closely; otherwise the smallest published cells (by the
    first value column, then by count) are suppressed too. Cells with no company are
    never used.

    Parameters
    ----------
    df : DataFrame — output of :func:`suppress_small_cells` (has ``flag_column``).
    original : DataFrame or None — the same rows before suppression, to rank cells by
        their true size; default ``df`` (suppressed values rank as NaN, last).
    by : iterable of str or None — columns defining groups with their own total.

    Notes
    -----
    One-dimensional only: a table published with both row and column totals needs
    :func:`disclosure_control_2d`.
    """
    out = df.copy()
    protection = PROTECTION_SHARE if protection is None else protection
    ranking = (original if original is not None else df)
    rank_column = value_columns[0] if value_columns else count_column
    true = pd.to_numeric(ranking[rank_column], errors="coerce").fillna(0.0)
    groups = [out.index] if not by else [part.index for _, part in
                                         out.groupby(list(by), sort=False, dropna=False)]
    flags = out[flag_column].astype(bool).copy()
    reasons = out[reason_column].astype(object).copy()
    counts = pd.to_numeric(out[count_column], errors="coerce").fillna(0) if original is None \
        else pd.to_numeric(original[count_column], errors="coerce").fillna(0)
    for index in groups:
        index = pd.Index(index)
        suppressed = index[flags.loc[index].to_numpy()]
        if len(suppressed) == 0:
            continue
        candidates = index[(~flags.loc[index]).to_numpy() & (counts.loc[index] > 0).to_numpy()]
        order = (pd.DataFrame({"value": pd.to_numeric(ranking.loc[candidates, rank_column],
                                                      errors="coerce"),
                               "count": counts.loc[candidates]})
                 .sort_values(["value", "count"], na_position="last").index)
        order = list(order)
        sensitive = list(suppressed)

        def narrow(hidden) -> bool:
            """With the group total published, a withheld cell is at most the hidden sum:
            the other hidden cells must be worth PROTECTION_SHARE of it."""
            if original is None:  # true values unknown: counts rule only
                return False
            total = float(true.loc[hidden].sum())
            return any(total - float(true.loc[k]) < protection * float(true.loc[k])
                       for k in sensitive)

        while order and (len(suppressed) < 2 or counts.loc[suppressed].sum() < min_companies
                         or narrow(suppressed)):
            extra = order.pop(0)
            flags.loc[extra] = True
            reasons.loc[extra] = REASON_COMPLEMENTARY
            suppressed = suppressed.append(pd.Index([extra]))
    newly = flags & ~out[flag_column].astype(bool)
    hide = list(value_columns) + ([count_column] if suppress_counts else [])
    for column in hide:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
        out.loc[newly, column] = np.nan
    out[flag_column] = flags
    out[reason_column] = reasons
    return out


def disclosure_control(df: pd.DataFrame, audience: str, count_column: str,
                       value_columns: Sequence[str], *, share_column: str | None = None,
                       by: Iterable[str] | None = None, complementary: bool = True,
                       suppress_counts: bool = False,
                       min_companies: int = MIN_COMPANIES,
                       dominance_share: float = DOMINANCE_SHARE) -> pd.DataFrame:
    """The table as ``audience`` may see it.

    ``gsi`` gets every value; ``funders`` and ``pubblico`` get primary suppression
    (:func:`suppress_small_cells`) and complementary suppression
    (:func:`suppress_complementary`, within ``by`` groups; ``complementary=False`` for
    tables whose rows add up to no published total, such as a list of headline figures).
    The ``share_column`` is
    dropped for every audience (it describes a single company). A bool ``suppressed``
    column is always present so that renderers treat every audience alike.
    """
    restricted = is_restricted(audience)
    if restricted:
        primary = suppress_small_cells(df, count_column, value_columns, share_column=share_column,
                                       min_companies=min_companies,
                                       dominance_share=dominance_share,
                                       suppress_counts=suppress_counts)
        out = primary if not complementary else suppress_complementary(
            primary, count_column, value_columns, by=by, original=df,
            min_companies=min_companies, suppress_counts=suppress_counts)
    else:
        out = df.copy()
        out["suppressed"] = False
        out["suppression"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    if share_column is not None and share_column in out.columns:
        out = out.drop(columns=[share_column])
    return out


def _unsafe(df: pd.DataFrame, count_column: str, share_column: str, min_companies: int,
            dominance_share: float) -> pd.Series:
    """:func:`unsafe_cells` on a pair of columns with other names."""
    stats = pd.DataFrame({"companies": df[count_column], "top_share": df[share_column]},
                         index=df.index)
    return unsafe_cells(stats, min_companies, dominance_share)


def disclosure_control_over_time(df: pd.DataFrame, audience: str, *,
                                 min_companies: int = MIN_COMPANIES,
                                 dominance_share: float = DOMINANCE_SHARE) -> pd.DataFrame:
    """Cumulative figures published period after period: the *change* is a cell too.

    Whoever holds this report and the previous one can subtract the two values, so the
    difference must pass the threshold and dominance rules like any cell. Because the
    previous report is already out, an unsafe change suppresses the current value (when
    the previous one was published), never the other way round.

    Parameters
    ----------
    df : DataFrame — columns ``value``, ``value_previous``, ``change`` and, for the rows
        that aggregate company data, their contributors ``companies``, ``top_share``,
        ``companies_previous``, ``top_share_previous``, ``change_companies``,
        ``change_top_share`` (NaN on rows that are not company data, which are never
        suppressed). :func:`workbench.indicators.key_figures` returns such a table.
    audience : str — ``gsi`` sees everything.

    Returns
    -------
    DataFrame — a copy with withheld values set to NaN, the bool columns ``suppressed``,
    ``suppressed_previous`` and ``suppressed_change``, and no ``*top_share*`` column.
    """
    out = df.copy()
    if is_restricted(audience):
        rules = dict(min_companies=min_companies, dominance_share=dominance_share)
        previous = _unsafe(out, "companies_previous", "top_share_previous", **rules)
        change = _unsafe(out, "change_companies", "change_top_share", **rules)
        now = _unsafe(out, "companies", "top_share", **rules) | (change & ~previous)
        change = change | now | previous
    else:
        now = previous = change = pd.Series(False, index=out.index)
    for column, flag in (("value", now), ("value_previous", previous), ("change", change)):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
        out.loc[flag, column] = np.nan
    out["suppressed"] = now.astype(bool)
    out["suppressed_previous"] = previous.astype(bool)
    out["suppressed_change"] = change.astype(bool)
    return out.drop(columns=[c for c in out.columns if "top_share" in c])


# ---------------------------------------------------------------- views (issue 3)
# What a chart, network or map may show to each audience. Views of companies never show
# a name to ``funders`` or ``pubblico`` (not even with ``consent = nominativo``: a view
# node carries the company's confidential quantities, which the consent to be named in
# reports does not cover), and never a node or link made of fewer than
# :data:`MIN_COMPANIES` companies.

#: Aggregation levels of the flow views, finest first.
VIEW_LEVELS: tuple[str, ...] = ("company", "sector", "area")


def view_levels(audience: str) -> tuple[str, ...]:
    """Aggregation levels that ``audience`` may see: all for ``gsi``; ``sector`` and
    ``area`` for ``funders`` and ``pubblico`` (a company node is one company)."""
    return VIEW_LEVELS[1:] if is_restricted(audience) else VIEW_LEVELS


def view_level(audience: str, level: str | None = None) -> str:
    """The level a view uses: ``level`` when allowed, else the finest allowed one.

    None gives the default: ``company`` for ``gsi``, ``sector`` for the others.
    """
    allowed = view_levels(audience)
    if level is not None and level not in VIEW_LEVELS:
        raise ValueError(f"unknown aggregation level {level!r}: one of {', '.join(VIEW_LEVELS)}")
    return level if level in allowed else allowed[0]


def node_labels(companies: pd.DataFrame, audience: str, key: str | bytes | None) -> pd.Series:
    """What a company node may be called in a view for ``audience``.

    Returns
    -------
    Series — indexed by ``company_id``: the name for ``gsi``; the keyed pseudonym
    (:func:`pseudonym`) for ``funders``, whatever the consent; None for ``pubblico``.
    """
    check_audience(audience)
    ids = companies["company_id"].astype(str)
    if audience == "gsi":
        values = companies["name"].astype(object).to_numpy()
    elif audience == "funders":
        values = np.array([pseudonym(cid, key) for cid in ids], dtype=object)
    else:
        values = np.full(len(ids), None, dtype=object)
    return pd.Series(values, index=pd.Index(ids, name="company_id"), name="label", dtype=object)


def cell_statistics(rows: pd.DataFrame, keys: Sequence[str], value_column: str = "value",
                    company_columns: Sequence[str] = ("company_id", "partner_id")) -> pd.DataFrame:
    """Contributors of each cell of a table given by its contribution rows.

    Parameters
    ----------
    rows : DataFrame — one row per contribution: the cell ``keys``, a value and the
        company (``company_columns``: the first gets the value; the others, such as
        the receiving partner of an exchange, count as contributors with no value).
    keys : sequence of str — columns that define a cell.

    Returns
    -------
    DataFrame — one row per cell: ``keys``, ``value`` (sum), ``companies`` (distinct
    contributors) and ``top_share`` (largest company's share of the value) [0–1].
    """
    keys = list(keys)
    if rows.empty:
        return pd.DataFrame(columns=keys + [value_column, "companies", "top_share"])
    present = [c for c in company_columns if c in rows.columns]
    who = pd.concat([rows.loc[rows[c].notna(), keys + [c]].rename(columns={c: "_company"})
                     for c in present], ignore_index=True)
    counts = who.groupby(keys, sort=False, dropna=False)["_company"].nunique()
    main = present[0]
    per_company = rows.groupby(keys + [main], sort=False, dropna=False)[value_column].sum()
    top = per_company.groupby(level=list(range(len(keys))), sort=False, dropna=False).max()
    out = rows.groupby(keys, sort=False, dropna=False, as_index=False)[value_column].sum()
    index = pd.MultiIndex.from_frame(out[keys]) if len(keys) > 1 else pd.Index(out[keys[0]])
    out["companies"] = counts.reindex(index).fillna(0).astype(int).to_numpy()
    total = out[value_column].to_numpy(dtype=float)
    out["top_share"] = np.divide(top.reindex(index).to_numpy(dtype=float), total,
                                 out=np.zeros(len(out)), where=total > 0)
    return out


def unsafe_cells(stats: pd.DataFrame, min_companies: int = MIN_COMPANIES,
                 dominance_share: float = DOMINANCE_SHARE) -> pd.Series:
    """True for cells of :func:`cell_statistics` that break the threshold or dominance rule."""
    counts = pd.to_numeric(stats["companies"], errors="coerce").fillna(0)
    share = pd.to_numeric(stats["top_share"], errors="coerce").fillna(0.0)
    return (counts > 0) & ((counts < min_companies) | (share > dominance_share))


def pool_unsafe_cells(rows: pd.DataFrame, keys: Sequence[str], coarsenings: Sequence[dict],
                      audience: str, *, value_column: str = "value",
                      company_columns: Sequence[str] = ("company_id", "partner_id"),
                      min_companies: int = MIN_COMPANIES,
                      dominance_share: float = DOMINANCE_SHARE) -> pd.DataFrame:
    """Coarsen the cells that break the rules, step by step, and flag what still does.

    For ``funders`` and ``pubblico``, the rows of every unsafe cell (fewer than
    ``min_companies`` contributors, or one above ``dominance_share``) are recoded by the
    first step of ``coarsenings`` (e.g. resource class → family), the cells are
    recomputed, the rows of cells still unsafe by the next step (e.g. ``Recupero (R5)``
    → ``Recupero``), and so on. Rows of cells unsafe after the last step get
    ``suppressed = True``: a view leaves them out and says how many. ``gsi`` gets the
    rows unchanged.

    Parameters
    ----------
    rows : DataFrame — contribution rows (see :func:`cell_statistics`).
    keys : sequence of str — columns that define a cell.
    coarsenings : sequence of dict — each maps a key column to a new value: a constant,
        a dict (old → new; unmapped values kept) or a callable on the column's Series.
    audience : str — ``gsi`` | ``funders`` | ``pubblico``.

    Returns
    -------
    DataFrame — a copy of ``rows`` with recoded keys and a bool ``suppressed`` column.
    """
    out = rows.copy()
    out["suppressed"] = False
    if not is_restricted(audience) or out.empty:
        return out
    keys = list(keys)

    def unsafe_rows(frame):
        stats = cell_statistics(frame, keys, value_column, company_columns)
        bad = stats.loc[unsafe_cells(stats, min_companies, dominance_share), keys]
        if bad.empty:
            return pd.Series(False, index=frame.index)
        marker = bad.assign(_unsafe=True)
        merged = frame[keys].merge(marker, on=keys, how="left")
        return pd.Series(merged["_unsafe"].fillna(False).astype(bool).to_numpy(), index=frame.index)

    for step in coarsenings:
        unsafe = unsafe_rows(out)
        if not unsafe.any():
            break
        for column, new in step.items():
            current = out.loc[unsafe, column]
            if callable(new):
                recoded = new(current)
            elif isinstance(new, dict):
                recoded = current.map(new).where(current.map(new).notna(), current)
            else:
                recoded = pd.Series(new, index=current.index, dtype=object)
            out[column] = out[column].astype(object)
            out.loc[unsafe, column] = recoded
    out["suppressed"] = unsafe_rows(out)
    return out


def suppress_small_nodes(links: pd.DataFrame, audience: str, node_columns: Sequence[str] = (
        "source", "target"), company_columns: Sequence[str] = ("company_id", "partner_id"),
        min_companies: int = MIN_COMPANIES) -> pd.Series:
    """Rows of a link table whose nodes stand for fewer than ``min_companies`` companies.

    A node's companies are all the contributors of the (not suppressed) rows that touch
    it. Suppressing a row can make another node small, so the check repeats until
    nothing changes. ``gsi``: nothing is suppressed.

    Returns
    -------
    Series of bool — True for the rows to leave out (including those already flagged in
    a ``suppressed`` column).
    """
    suppressed = (links["suppressed"].astype(bool).copy() if "suppressed" in links.columns
                  else pd.Series(False, index=links.index))
    if not is_restricted(audience) or links.empty:
        return suppressed
    present = [c for c in company_columns if c in links.columns]
    while True:
        kept = links[~suppressed]
        pairs = pd.concat([kept[[n, c]].rename(columns={n: "_node", c: "_company"})
                           for n in node_columns for c in present], ignore_index=True).dropna()
        counts = pairs.groupby("_node")["_company"].nunique()
        small = set(counts[counts < min_companies].index)
        hit = ~suppressed & np.logical_or.reduce([links[n].isin(small) for n in node_columns])
        if not hit.any():
            return suppressed
        suppressed = suppressed | hit


def spatial_cells(points: pd.DataFrame, audience: str, cell_km: float = 1.0,
                  min_companies: int = MIN_COMPANIES, max_doublings: int = 8) -> pd.DataFrame:
    """Where the companies are, as ``audience`` may see it.

    ``gsi`` sees every point. For ``funders`` and ``pubblico`` the points are grouped
    into square cells of ``cell_km``; the points of cells with fewer than
    ``min_companies`` companies move up to a grid twice as coarse, and so on (at most
    ``max_doublings`` times). Each cell is shown at the mean position of its points;
    cells still too small at the end are dropped (counted in ``attrs['dropped']``).

    Parameters
    ----------
    points : DataFrame — ``company_id``, ``lat``, ``lon`` [deg WGS84] and any other
        columns (kept for ``gsi`` only).
    cell_km : float — side of the finest cell. [km]

    Returns
    -------
    DataFrame — ``gsi``: ``points`` with ``cell`` = None and ``companies`` = 1.
    Others: one row per cell: ``cell``, ``lat``, ``lon`` [deg], ``companies``,
    ``cell_km`` (side of the cell) [km] and the ``point_index`` list of the rows it
    groups (to aggregate other columns with the same rules).
    """
    pts = points.dropna(subset=["lat", "lon"])
    if not is_restricted(audience):
        return pts.assign(cell=None, companies=1)
    lat0 = float(pts["lat"].mean()) if len(pts) else 0.0
    km_per_deg_lat = 111.32
    km_per_deg_lon = 111.32 * np.cos(np.radians(lat0))
    pending = pts.index
    cells = []
    size = cell_km
    for _ in range(max_doublings + 1):
        if len(pending) == 0:
            break
        part = pts.loc[pending]
        gx = np.floor(part["lon"] * km_per_deg_lon / size).astype(int)
        gy = np.floor(part["lat"] * km_per_deg_lat / size).astype(int)
        code = gx.astype(str) + ":" + gy.astype(str)
        counts = part.groupby(code)["company_id"].nunique()
        ok = code.map(counts) >= min_companies
        for cell, group in part[ok].groupby(code[ok]):
            cells.append({"cell": f"{size:g}km:{cell}", "lat": group["lat"].mean(),
                          "lon": group["lon"].mean(), "companies": group["company_id"].nunique(),
                          "cell_km": size, "point_index": list(group.index)})
        pending = part.index[~ok.to_numpy()]
        size *= 2
    out = pd.DataFrame(cells, columns=["cell", "lat", "lon", "companies", "cell_km", "point_index"])
    out.attrs["dropped"] = int(pts.loc[pending, "company_id"].nunique()) if len(pending) else 0
    return out


# ---------------------------------------------------------------- two-dimensional tables
# A table published with row totals, column totals and a grand total gives a reader
# linear equations over the hidden cells: a cell alone in its row is "row total minus the
# others", and subtler patterns can be solved by combining rows and columns. The method
# below suppresses further cells (or, when nothing else is left, a margin) until every
# published line hides at least two cells covering enough companies, and no hidden cell
# is determined by the published margins (checked with linear algebra).

#: Reason written for a margin withheld because its line could not be protected.
REASON_MARGIN = "margine"


def published_equations(hidden: np.ndarray, row_published: np.ndarray,
                        column_published: np.ndarray, total_published: bool
                        ) -> tuple[np.ndarray, np.ndarray]:
    """What a published table tells about its withheld cells.

    Returns
    -------
    (unknowns, a) — the withheld cells (``np.argwhere(hidden)``, one row each) and one
    row of ``a`` per published margin: 1 for each withheld cell of that line. The line's
    margin minus its published cells is ``a @ x`` for the withheld values ``x``.
    """
    unknowns = np.argwhere(hidden)
    lines = [unknowns[:, 0] == i for i in np.flatnonzero(row_published)]
    lines += [unknowns[:, 1] == j for j in np.flatnonzero(column_published)]
    if total_published:
        lines.append(np.ones(len(unknowns), dtype=bool))
    a = np.array(lines, dtype=float).reshape(len(lines), len(unknowns))
    return unknowns, a


def recoverable(targets: Sequence[np.ndarray], hidden: np.ndarray, row_published: np.ndarray,
                column_published: np.ndarray, total_published: bool) -> list[bool]:
    """Which withheld quantities a reader can compute from what is published.

    Parameters
    ----------
    targets : sequence of 2-D bool arrays — each the cells whose sum is a withheld
        quantity (one cell, or a whole line for a withheld margin).
    hidden : 2-D bool array — the withheld cells (all others are published).
    row_published, column_published : 1-D bool arrays — published margins.
    total_published : bool — the grand total is published.

    Returns
    -------
    list of bool — True when the target's sum follows exactly from the published cells
    and margins: each published margin is one linear equation over the hidden cells of
    its line, and a target is determined when its hidden part lies in their row space.
    """
    unknowns, a = published_equations(hidden, row_published, column_published, total_published)
    a = a[a.any(axis=1)]  # lines with nothing hidden say nothing
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    out = []
    for target in targets:
        vector = np.array([[1.0 if target[u[0], u[1]] else 0.0 for u in unknowns]])
        if not vector.any():
            out.append(True)  # made of published cells only
        else:
            out.append(np.linalg.matrix_rank(np.vstack([a, vector])) == rank if len(a)
                       else False)
    return out


def feasible_range(target: np.ndarray, values: np.ndarray, hidden: np.ndarray,
                   row_published: np.ndarray, column_published: np.ndarray,
                   total_published: bool) -> tuple[float, float]:
    """The smallest and largest value a reader can give the sum of ``target``'s cells.

    Parameters
    ----------
    target : 2-D bool array — the cells summed (one cell, or a line for a margin).
    values : 2-D array — the true cell values (to compute what is published). [any]
    hidden : 2-D bool array — withheld cells; all others are published.
    row_published, column_published, total_published — published margins.

    Returns
    -------
    (low, high) — over every non-negative table that agrees with what is published
    (each published margin is an equation over the hidden cells of its line); ``high``
    is ``inf`` when nothing bounds it. Solved with HiGHS (``scipy.optimize.linprog``).
    """
    from scipy.optimize import linprog

    unknowns, a = published_equations(hidden, row_published, column_published, total_published)
    known = float(values[target & ~hidden].sum())
    objective = target[unknowns[:, 0], unknowns[:, 1]].astype(float)
    if not objective.any():
        return known, known
    b = a @ values[unknowns[:, 0], unknowns[:, 1]] if len(a) else None
    a = a if len(a) else None
    bounds = [(0, None)] * len(unknowns)
    low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    low_value = low.fun if low.status == 0 else 0.0
    high_value = -high.fun if high.status == 0 else float("inf")  # 3: unbounded
    return known + low_value, known + high_value


def protect_table_2d(values: np.ndarray, counts: np.ndarray, primary: np.ndarray, *,
                     row_published: np.ndarray | None = None,
                     column_published: np.ndarray | None = None,
                     total_published: bool = True,
                     min_companies: int = MIN_COMPANIES,
                     protection: float = PROTECTION_SHARE
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Secondary suppression for a table published with row, column and grand totals.

    Parameters
    ----------
    values : 2-D array — cell magnitudes; the smallest cells are sacrificed first.
    counts : 2-D array — companies in each cell; a cell with none is a known zero and is
        never suppressed. [companies]
    primary : 2-D bool array — cells withheld by the threshold and dominance rules.
    row_published, column_published : 1-D bool arrays or None — margins that may be
        published (False: withheld by the rules themselves); default all.
    total_published : bool — the grand total may be published.
    min_companies : int — the hidden cells of a published line must cover at least this
        many companies together (the line's margin minus its published cells gives their
        sum). [companies]
    protection : float — required uncertainty of every sensitive withheld value (a
        primary cell, a margin withheld by the rules) as a share of the value, on each
        side (:data:`PROTECTION_SHARE`). [-]

    Returns
    -------
    (hidden, row_published, column_published, total_published) — the final mask of
    withheld cells and which margins are published. Afterwards every published line
    hides none or at least two cells covering ``min_companies`` companies, no withheld
    cell or margin can be computed from what is published (:func:`recoverable`), and the
    bounds a reader can derive for each sensitive one (:func:`feasible_range`, with
    non-negative values) stay at least ``protection`` × value below and above it. A
    margin is withheld only when no cell is left to sacrifice.
    """
    values = np.nan_to_num(np.asarray(values, dtype=float))
    counts = np.nan_to_num(np.asarray(counts, dtype=float))
    hidden = np.asarray(primary, dtype=bool).copy()
    rows, columns = hidden.shape
    row_published = np.ones(rows, bool) if row_published is None else np.array(row_published, bool)
    column_published = np.ones(columns, bool) if column_published is None \
        else np.array(column_published, bool)
    primary_mask = np.asarray(primary, dtype=bool)
    rows_safe, columns_safe, total_safe = row_published.copy(), column_published.copy(), \
        bool(total_published)

    def row_cells(i):
        return [(i, j) for j in range(columns)]

    def column_cells(j):
        return [(i, j) for i in range(rows)]

    def sacrifice(cells, at_least: float = 0.0) -> bool:
        """Hide the smallest published cell with companies among ``cells`` whose value
        is at least ``at_least`` (the largest when none is)."""
        candidates = [c for c in cells if not hidden[c] and counts[c] > 0]
        if not candidates:
            return False
        enough = [c for c in candidates if values[c] >= at_least]
        hidden[min(enough, key=lambda c: (values[c], counts[c], c)) if enough
               else max(candidates, key=lambda c: (values[c], counts[c], c))] = True
        return True

    def line_ok(cells) -> bool:
        inside = [c for c in cells if hidden[c]]
        return not inside or (len(inside) >= 2 and sum(counts[c] for c in inside) >= min_companies)

    def mask(cells):
        m = np.zeros((rows, columns), bool)
        for c in cells:
            m[c] = True
        return m

    def narrow(target) -> bool:
        """The reader's bounds on ``target``'s sum come closer than ``protection``."""
        value = float(values[target].sum())
        if counts[target].sum() == 0 or value <= 0 or protection <= 0:
            return False
        low, high = feasible_range(target, values, hidden, row_published, column_published,
                                   total_published)
        slack = protection * value * (1 - 1e-9)
        return value - low < slack or high - value < slack

    def withhold_crossing(kind: str, index: int) -> bool:
        if kind == "row":
            lines = [j for j in range(columns) if hidden[index, j] and column_published[j]
                     and counts[:, j].sum() > 0]
            if not lines:
                return False
            column_published[min(lines, key=lambda j: (values[:, j].sum(), j))] = False
            return True
        lines = [i for i in range(rows) if hidden[i, index] and row_published[i]
                 and counts[i].sum() > 0]
        if not lines:
            return False
        row_published[min(lines, key=lambda i: (values[i].sum(), i))] = False
        return True

    def withhold_margin(cell) -> bool:
        """Withhold one more margin — the total, then the lines through ``cell``, then
        any line with companies (an empty line's margin is 0 and reveals nothing: it
        stays published). False when every such margin is already withheld."""
        nonlocal total_published
        if total_published:
            total_published = False
            return True
        if cell is not None:
            i, j = cell
            if column_published[j] and counts[:, j].sum() > 0:
                column_published[j] = False
                return True
            if row_published[i] and counts[i].sum() > 0:
                row_published[i] = False
                return True
        rows_left = np.flatnonzero(row_published & (counts.sum(axis=1) > 0))
        columns_left = np.flatnonzero(column_published & (counts.sum(axis=0) > 0))
        if len(rows_left):
            row_published[rows_left[0]] = False
            return True
        if len(columns_left):
            column_published[columns_left[0]] = False
            return True
        return False

    for _ in range(10 * (rows * columns + rows + columns) + 10):
        # 1. every published line hides nothing, or enough together
        broken = [(row_cells(i), "row", i) for i in range(rows)
                  if row_published[i] and not line_ok(row_cells(i))]
        broken += [(column_cells(j), "column", j) for j in range(columns)
                   if column_published[j] and not line_ok(column_cells(j))]
        if broken:
            cells, kind, index = broken[0]
            if not sacrifice(cells):
                (row_published if kind == "row" else column_published)[index] = False
            continue
        # 2. nothing withheld can be computed back
        targets = [(mask([tuple(c)]), "cell", tuple(c)) for c in np.argwhere(hidden)]
        targets += [(mask(row_cells(i)), "row", i) for i in range(rows)
                    if not row_published[i] and counts[i].sum() > 0]
        targets += [(mask(column_cells(j)), "column", j) for j in range(columns)
                    if not column_published[j] and counts[:, j].sum() > 0]
        if not total_published and counts.sum() > 0:
            targets.append((np.ones((rows, columns), bool), "total", None))
        found = recoverable([t[0] for t in targets], hidden, row_published, column_published,
                            total_published)
        bad = [t for t, hit in zip(targets, found) if hit]
        if not bad:
            # 3. no sensitive value (a cell or margin the rules withheld) can be narrowed
            # down to near itself; complementary cells pass both rules and need no interval
            sensitive = [t for t in targets if
                         (t[1] == "cell" and primary_mask[t[2]])
                         or (t[1] == "row" and not rows_safe[t[2]])
                         or (t[1] == "column" and not columns_safe[t[2]])
                         or (t[1] == "total" and not total_safe)]
            bad = [t for t in sensitive if narrow(t[0])]
            if not bad:
                break
            target, kind, where = bad[0]
            # a partner must be able to absorb the deviation to protect: the smallest
            # cell worth at least the protection needed
            need = 2 * protection * float(values[target].sum())
            if kind == "cell":
                i, j = where
                fixed = (column_published[j] and sacrifice(column_cells(j), need)) or \
                    (row_published[i] and sacrifice(row_cells(i), need))
            elif kind in ("row", "column"):
                line = row_cells(where) if kind == "row" else column_cells(where)
                crossing = [c for c in line if hidden[c]]
                others = [(r, c[1]) for c in crossing for r in range(rows) if r != c[0]] \
                    if kind == "row" else \
                    [(c[0], k) for c in crossing for k in range(columns) if k != c[1]]
                fixed = sacrifice(others, need)
            else:
                fixed = False
            if not fixed:
                withhold_margin(where if kind == "cell" else None)
            continue
        _, kind, where = bad[0]
        if kind == "cell":
            i, j = where
            fixed = (row_published[i] and sacrifice(row_cells(i))) or \
                (column_published[j] and sacrifice(column_cells(j))) or \
                sacrifice(row_cells(i)) or sacrifice(column_cells(j))
        elif kind == "row":
            fixed = sacrifice(row_cells(where))
        elif kind == "column":
            fixed = sacrifice(column_cells(where))
        else:
            fixed = sacrifice([(i, j) for i in range(rows) for j in range(columns)])
        if not fixed and kind in ("row", "column"):
            # a withheld line follows from the crossing lines' margins: withhold the
            # smallest crossing margin over its hidden cells (withholding the total
            # would not help while every crossing margin is published)
            fixed = withhold_crossing(kind, where)
        if not fixed:  # nothing left to hide: withhold margins, the total first
            if not withhold_margin(None):  # pragma: no cover - nothing published reveals
                break
    return hidden, row_published, column_published, total_published


def disclosure_control_2d(df: pd.DataFrame, audience: str, row: str, column: str,
                          count_column: str, value_column: str, *,
                          share_column: str | None = None,
                          min_companies: int = MIN_COMPANIES,
                          dominance_share: float = DOMINANCE_SHARE
                          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """A two-dimensional table with its margins, as ``audience`` may see it.

    Parameters
    ----------
    df : DataFrame — one row per cell: ``row`` and ``column`` keys, ``count_column``
        (distinct companies in the cell) [companies], ``value_column`` and optionally
        ``share_column`` (the largest company's share of the cell) [0–1].
    audience : str — ``gsi`` gets every value and every margin.

    Returns
    -------
    (cells, row_totals, column_totals, total) — ``cells``: ``df`` with withheld values
    NaN, bool ``suppressed`` and ``suppression`` (``soglia`` | ``dominanza`` |
    ``complementare``), without the share column; ``row_totals`` / ``column_totals``:
    the key, ``value_column``, ``companies``, bool ``suppressed`` and ``suppression``
    (``margine``); ``total``: ``{"value", "companies", "suppressed"}``.

    Notes
    -----
    A margin's companies and dominance are computed as if each company appeared in one
    cell of its line (a classification, e.g. size class × matrix): the count is the sum
    of the cells' counts and the largest company is the largest cell's largest company.
    Margins failing the threshold or dominance rule are withheld before the cells are
    protected (:func:`protect_table_2d`).
    """
    restricted = is_restricted(audience)
    primary = suppress_small_cells(df, count_column, [value_column], share_column=share_column,
                                   min_companies=min_companies, dominance_share=dominance_share)
    row_keys = list(pd.unique(df[row]))
    column_keys = list(pd.unique(df[column]))
    shape = (len(row_keys), len(column_keys))
    values, counts, tops = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    flags = np.zeros(shape, dtype=bool)
    where = {}
    for position in df.index:
        i = row_keys.index(df.at[position, row])
        j = column_keys.index(df.at[position, column])
        where[(i, j)] = position
        values[i, j] = float(np.nan_to_num(pd.to_numeric(df.at[position, value_column])))
        counts[i, j] = float(np.nan_to_num(pd.to_numeric(df.at[position, count_column])))
        share = float(np.nan_to_num(pd.to_numeric(df.at[position, share_column]))) \
            if share_column else 0.0
        tops[i, j] = share * values[i, j]
        flags[i, j] = bool(primary.at[position, "suppressed"])

    def margin_safe(cells) -> bool:
        number, total = sum(counts[c] for c in cells), sum(values[c] for c in cells)
        top = max((tops[c] for c in cells), default=0.0)
        if number == 0:
            return True
        return number >= min_companies and not (total > 0 and top / total > dominance_share)

    rows_ok = np.array([margin_safe([(i, j) for j in range(shape[1])]) for i in range(shape[0])])
    columns_ok = np.array([margin_safe([(i, j) for i in range(shape[0])]) for j in range(shape[1])])
    total_ok = margin_safe([(i, j) for i in range(shape[0]) for j in range(shape[1])])
    if restricted:
        hidden, rows_ok, columns_ok, total_ok = protect_table_2d(
            values, counts, flags, row_published=rows_ok, column_published=columns_ok,
            total_published=total_ok, min_companies=min_companies)
    else:
        hidden = np.zeros(shape, dtype=bool)
        rows_ok, columns_ok, total_ok = np.ones(shape[0], bool), np.ones(shape[1], bool), True
    cells = df.copy()
    cells[value_column] = pd.to_numeric(cells[value_column], errors="coerce").astype(float)
    cells["suppressed"] = False
    cells["suppression"] = pd.Series([None] * len(cells), index=cells.index, dtype=object)
    for (i, j), position in where.items():
        if hidden[i, j]:
            cells.at[position, value_column] = np.nan
            cells.at[position, "suppressed"] = True
            cells.at[position, "suppression"] = (primary.at[position, "suppression"]
                                                 if flags[i, j] else REASON_COMPLEMENTARY)
    if share_column is not None and share_column in cells.columns:
        cells = cells.drop(columns=[share_column])

    def margins(keys, name, axis_values, axis_counts, published):
        out = pd.DataFrame({name: keys, value_column: axis_values.astype(float),
                            "companies": axis_counts.astype(float),
                            "suppressed": ~published})
        out.loc[~published, [value_column, "companies"]] = np.nan
        out["suppression"] = pd.Series(np.where(~published, REASON_MARGIN, None), dtype=object)
        return out

    row_totals = margins(row_keys, row, values.sum(axis=1), counts.sum(axis=1), rows_ok)
    column_totals = margins(column_keys, column, values.sum(axis=0), counts.sum(axis=0),
                            columns_ok)
    total = {"value": float(values.sum()) if total_ok else np.nan,
             "companies": float(counts.sum()) if total_ok else np.nan,
             "suppressed": not bool(total_ok)}
    return cells, row_totals, column_totals, total
