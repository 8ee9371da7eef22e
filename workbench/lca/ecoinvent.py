"""Optional link to a licensed ecoinvent release imported in the Brightway project.

Without ecoinvent the workbench computes everything from ``lib/lci``. Where a user has
imported an ecoinvent database in the same Brightway project (with ``bw2io``, from their
licensed files: the workbench never downloads it), the *demanded* processes of the
scenarios can be taken from it instead: ``lib/lci/ecoinvent_links.csv`` maps a process
code to an ecoinvent activity (name, reference product, location) and the factor from
the lib/lci unit to ecoinvent's (1 MWh = 1000 kWh; waste treatments are negative in
ecoinvent). Processes without a link, or whose activity is not in the release, stay on
lib/lci; :func:`link_ecoinvent` lists which is which. Pass ``database=<name>`` to
:func:`~workbench.lca.avoided_impacts` or :func:`~workbench.lca.evaluate_run`.
"""
from __future__ import annotations

import pandas as pd

from .inventory import ECOINVENT_LINKS_FILE, _float, _lci_dir, _read, _where
from .project import LcaError

LINK_COLUMNS: tuple[str, ...] = ("process_code", "activity_name", "reference_product",
                                 "location", "unit", "factor", "note")
#: Locations tried, in order, when the linked one is not in the release.
FALLBACK_LOCATIONS: tuple[str, ...] = ("RER", "Europe without Switzerland", "GLO", "RoW")


def read_links(lci_dir=None) -> pd.DataFrame:
    """The rows of ``ecoinvent_links.csv``, checked (``factor`` as float [ecoinvent unit
    per lib/lci unit])."""
    path = _lci_dir(lci_dir) / ECOINVENT_LINKS_FILE
    if not path.exists():
        return pd.DataFrame(columns=[*LINK_COLUMNS, "file", "row"])
    df = _read(path, LINK_COLUMNS)
    df["factor"] = [_float(row, "factor") for _, row in df.iterrows()]
    for _, row in df.iterrows():
        if row["factor"] == 0:
            raise LcaError(f"{_where(row)}, colonna factor: non può essere zero")
    return df


def link_ecoinvent(bd, database: str, lci_dir=None) -> pd.DataFrame:
    """Find the ecoinvent activity of each link in ``database``.

    Parameters
    ----------
    bd : module — ``bw2data`` with the project open.
    database : str — name of the imported ecoinvent database.

    Returns
    -------
    DataFrame — the link rows plus ``node_id`` (NaN when not found), ``location`` (the
    one found), ``status`` (``collegato``, ``assente dalla release``, ``unità diversa``).

    Raises
    ------
    LcaError — ``database`` is not in the project.
    """
    if database not in bd.databases:
        present = ", ".join(sorted(bd.databases)) or "nessuno"
        raise LcaError(f"database {database!r} assente dal progetto Brightway (presenti: "
                       f"{present}); importare ecoinvent con bw2io dai file della licenza")
    from bw2data.backends import ActivityDataset as AD

    links = read_links(lci_dir)
    names = sorted(set(links["activity_name"]))
    index: dict[tuple, tuple[int, str]] = {}
    query = AD.select(AD.id, AD.name, AD.product, AD.location, AD.data).where(
        (AD.database == database) & (AD.name.in_(names))).tuples()
    for node_id, name, product, location, data in query:
        index[(name, product, location)] = (node_id, data.get("unit", ""))
    ids, locations, status = [], [], []
    for r in links.itertuples(index=False):
        found = None
        for location in (r.location, *FALLBACK_LOCATIONS):
            if (r.activity_name, r.reference_product, location) in index:
                found = (location, *index[(r.activity_name, r.reference_product, location)])
                break
        if found is None:
            ids.append(None), locations.append(r.location), status.append("assente dalla release")
        elif found[2] != r.unit:
            ids.append(None), locations.append(found[0])
            status.append(f"unità diversa ({found[2]!r} invece di {r.unit!r})")
        else:
            ids.append(found[1]), locations.append(found[0]), status.append("collegato")
    out = links.copy()
    out["node_id"] = pd.array(ids, dtype="Int64").astype(float)
    out["location"] = locations
    out["status"] = status
    return out
