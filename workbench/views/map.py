"""Maps of the sites: an interactive ipyleaflet map and a static SVG map for the report.

Both draw the same data (:func:`site_points`, :func:`exchange_lines`,
:func:`pipe_radii`), already shaped for the audience: the GSI sees every site with its
flows; ``funders`` and ``pubblico`` see groups of at least three companies
(:func:`workbench.privacy.spatial_cells`) and the realised exchanges between groups,
without quantities.

The static map needs no network: sites are drawn over the approximate coastline and
municipal boundary of ``lib/geo/`` (see its README for what they are and are not).
"""
from __future__ import annotations

import html
import json
import math
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import LIB_DIR, Settings
from ..energy.heat import HEAT_MAX_DISTANCE_KM
from ..flows import FlowData, load_flow_data, realised_synergies, resource_families
from ..fmt import number
from ..model import MATRICES, STANDARD_UNIT
from ..privacy import is_restricted, spatial_cells
from .network import MATRIX_COLOURS, sector_colours

GEO_DIR = LIB_DIR / "geo"
#: Colours of the static map's background.
SEA_COLOUR, LAND_COLOUR, COMUNE_COLOUR = "#dbe9f6", "#f4f1ea", "#ebe6da"
SYNERGY_COLOUR, CANDIDATE_COLOUR = "#1b9e77", "#7f7f7f"
TEXT = {
    "it": {"sites": "Siti", "realised": "Simbiosi realizzate", "candidates": "Candidati (screening)",
           "heat": "Raggio tubazione calore", "water": "Raggio tubazione acqua",
           "basemap": "Confine comunale e costa (approssimati)", "companies": "aziende",
           "group": "Gruppo di {n} aziende", "in": "ingressi", "out": "uscite",
           "caption": ("Posizione dei siti. Fondo: costa e confine comunale di Livorno "
                       "approssimati, digitalizzati a mano con OpenStreetMap (ODbL) e ISTAT "
                       "(CC BY 3.0) come riferimento visivo (lib/geo/README.md)."),
           "caption_groups": (" Per riservatezza i siti sono raggruppati in celle di almeno "
                              "3 aziende; le linee uniscono gruppi con scambi realizzati."),
           "km": "km"},
    "en": {"sites": "Sites", "realised": "Realised synergies", "candidates": "Candidates (screening)",
           "heat": "Heat pipe radius", "water": "Water pipe radius",
           "basemap": "Municipal boundary and coast (approximate)", "companies": "companies",
           "group": "Group of {n} companies", "in": "inputs", "out": "outputs",
           "caption": ("Site positions. Background: approximate coastline and municipal "
                       "boundary of Livorno, hand-digitised with OpenStreetMap (ODbL) and "
                       "ISTAT (CC BY 3.0) as visual reference (lib/geo/README.md)."),
           "caption_groups": (" For confidentiality, sites are grouped in cells of at least "
                              "3 companies; lines join groups with realised exchanges."),
           "km": "km"},
}


@lru_cache(maxsize=None)
def _geojson(name: str) -> str:
    return (GEO_DIR / name).read_text(encoding="utf-8")


def basemap() -> dict[str, dict]:
    """The GeoJSON of ``lib/geo``: ``{'comune': FeatureCollection, 'costa': FeatureCollection}``."""
    return {"comune": json.loads(_geojson("livorno_comune.geojson")),
            "costa": json.loads(_geojson("livorno_costa.geojson"))}


def water_pipe_max_km() -> float:
    """Largest distance of a dedicated water pipe (``lib/costs/parameters.csv``). [km]"""
    from ..screening.library import cost_parameter

    return cost_parameter("WATER_PIPE_MAX_KM")


# ---------------------------------------------------------------- data
def _site_summary(flows: pd.DataFrame, lang: str) -> pd.Series:
    """site_id → short text of the site's flows (totals per matrix and direction)."""
    words = TEXT[lang]
    totals = flows.groupby(["site_id", "matrix", "direction"])["quantity_std"].sum()
    out = {}
    for site, part in totals.groupby(level=0):
        lines = []
        for m in MATRICES:
            values = {d: part.get((site, m, d)) for d in ("in", "out")}
            if any(v is not None for v in values.values()):
                text = ", ".join(f"{words[d]} {number(v, 0, lang)}" for d, v in values.items() if v is not None)
                lines.append(f"{m}: {text} {STANDARD_UNIT[m]}/anno")
        out[site] = lines
    return pd.Series(out, dtype=object)


def site_points(data: FlowData, audience: str = "gsi", lang: str = "it") -> pd.DataFrame:
    """The points of the map for ``audience``.

    Returns
    -------
    DataFrame — ``lat``, ``lon`` [deg WGS84], ``label``, ``sector``, ``companies``,
    ``details`` (list of text lines for the popup), ``radius_km`` (0 for a site; the
    half side of the cell for a group) [km]; plus ``site_id``, ``company_id`` for ``gsi``.
    """
    sites = data.sites.dropna(subset=["lat", "lon"])
    columns = ["lat", "lon", "label", "sector", "companies", "details", "radius_km"]
    if sites.empty:
        return pd.DataFrame(columns=columns)
    if not is_restricted(audience):
        summary = _site_summary(data.flows, lang)
        out = sites.assign(label=sites["company_name"], companies=1, radius_km=0.0,
                           details=[[f"{r.sector}", f"{r.site_name}", *summary.get(r.site_id, [])]
                                    for r in sites.itertuples()])
        return out[["site_id", "company_id"] + columns].reset_index(drop=True)
    cells = spatial_cells(sites, audience)
    rows = []
    words = TEXT[lang]
    for cell in cells.itertuples():
        members = sites.loc[cell.point_index]
        by_sector = members.groupby("sector")["company_id"].nunique().sort_values(ascending=False)
        rows.append({"lat": cell.lat, "lon": cell.lon,
                     "label": words["group"].format(n=cell.companies),
                     "sector": by_sector.index[0] if len(by_sector) == 1 else "",
                     "companies": cell.companies,
                     "details": [f"{s} ({n})" for s, n in by_sector.items()],
                     "radius_km": cell.cell_km / 2, "cell": cell.cell})
    out = pd.DataFrame(rows, columns=columns + ["cell"])
    out.attrs["dropped"] = cells.attrs.get("dropped", 0)
    out.attrs["cell_of_site"] = {sites.at[i, "site_id"]: c.cell for c in cells.itertuples()
                                 for i in c.point_index}
    return out


def _main_site(data: FlowData) -> pd.DataFrame:
    return data.sites.dropna(subset=["lat", "lon"]).drop_duplicates("company_id").set_index("company_id")


def exchange_lines(data: FlowData, audience: str = "gsi", lang: str = "it",
                   points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lines of the exchanges: realised synergies (and, for ``gsi``, candidates).

    Endpoints are the sites of the two flows (else the companies' first sites); for
    ``funders`` and ``pubblico`` the groups of :func:`site_points` that hold them, and no
    quantity.

    Returns
    -------
    DataFrame — ``lat1``, ``lon1``, ``lat2``, ``lon2`` [deg], ``kind`` (``realizzata`` |
    ``candidato``), ``matrix``, ``label``.
    """
    columns = ["lat1", "lon1", "lat2", "lon2", "kind", "matrix", "label"]
    site_of_flow = data.flows.set_index("flow_id")["site_id"] if len(data.flows) else pd.Series(dtype=object)
    sites = data.sites.set_index("site_id")
    main = _main_site(data)
    parts = []
    syn = realised_synergies(data.synergies)
    if len(syn):
        parts.append(syn.assign(kind="realizzata"))
    if not is_restricted(audience) and len(data.candidates):
        parts.append(data.candidates.assign(kind="candidato"))
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    src_site = frame["source_flow_id"].map(site_of_flow)
    tgt_site = frame["target_flow_id"].map(site_of_flow)
    src_site = src_site.fillna(frame["source_company_id"].map(main["site_id"] if "site_id" in main else main.index.to_series()))
    tgt_site = tgt_site.fillna(frame["target_company_id"].map(main["site_id"] if "site_id" in main else main.index.to_series()))
    frame = frame.assign(source_site=src_site, target_site=tgt_site).dropna(subset=["source_site", "target_site"])
    words = TEXT[lang]
    if is_restricted(audience):
        points = points if points is not None else site_points(data, audience, lang)
        cell_of = points.attrs.get("cell_of_site", {})
        where = points.set_index("cell")[["lat", "lon"]] if len(points) else pd.DataFrame(columns=["lat", "lon"])
        frame = frame.assign(c1=frame["source_site"].map(cell_of), c2=frame["target_site"].map(cell_of))
        frame = frame.dropna(subset=["c1", "c2"])
        frame = frame[frame["c1"] != frame["c2"]]
        grouped = frame.groupby(["c1", "c2", "matrix"], as_index=False).size()
        return pd.DataFrame({"lat1": grouped["c1"].map(where["lat"]), "lon1": grouped["c1"].map(where["lon"]),
                             "lat2": grouped["c2"].map(where["lat"]), "lon2": grouped["c2"].map(where["lon"]),
                             "kind": "realizzata", "matrix": grouped["matrix"],
                             "label": words["realised"] + " · " + grouped["matrix"]})[columns]
    names = data.sites.drop_duplicates("company_id").set_index("company_id")["company_name"]
    quantity = [f"{number(q, 0, lang)} {STANDARD_UNIT.get(m, '')}" if pd.notna(q) else ""
                for q, m in zip(frame["quantity_std"], frame["matrix"])]
    label = (frame["source_company_id"].map(names).fillna("?") + " → "
             + frame["target_company_id"].map(names).fillna("?") + " · " + frame["matrix"]
             + " · " + pd.Series(quantity, index=frame.index))
    return pd.DataFrame({"lat1": frame["source_site"].map(sites["lat"]),
                         "lon1": frame["source_site"].map(sites["lon"]),
                         "lat2": frame["target_site"].map(sites["lat"]),
                         "lon2": frame["target_site"].map(sites["lon"]),
                         "kind": frame["kind"], "matrix": frame["matrix"], "label": label}
                        ).dropna(subset=["lat1", "lat2"])[columns].reset_index(drop=True)


def pipe_radii(data: FlowData, audience: str = "gsi") -> pd.DataFrame:
    """Circles of the pipe-feasible distance around heat and water outputs (``gsi`` only:
    a circle centred on a site points at one company).

    Heat (resource family ``calore``): :data:`workbench.energy.heat.HEAT_MAX_DISTANCE_KM`;
    water (matrix ``acqua``): :func:`water_pipe_max_km`.

    Returns
    -------
    DataFrame — ``lat``, ``lon`` [deg], ``radius_km`` [km], ``medium`` (``calore`` |
    ``acqua``), ``site_id``.
    """
    columns = ["lat", "lon", "radius_km", "medium", "site_id"]
    if is_restricted(audience) or data.flows.empty:
        return pd.DataFrame(columns=columns)
    out = data.flows[data.flows["direction"] == "out"]
    family = out["resource"].map(resource_families())
    heat = out[family.eq("calore")].drop_duplicates("site_id").assign(medium="calore",
                                                                     radius_km=HEAT_MAX_DISTANCE_KM)
    water = out[out["matrix"].eq("acqua")].drop_duplicates("site_id").assign(
        medium="acqua", radius_km=water_pipe_max_km())
    both = pd.concat([heat, water], ignore_index=True).dropna(subset=["lat", "lon"])
    return both[columns].reset_index(drop=True)


def load_data(settings: Settings, data: FlowData | None = None) -> FlowData:
    """``data`` or, when None, :class:`FlowData` read from the settings' store."""
    if data is not None:
        return data
    from ..store import connect

    with connect(settings) as con:
        return load_flow_data(con, lang=settings.lang)


# ---------------------------------------------------------------- interactive
def _popup_html(label: str, details: list[str]) -> str:
    return f"<b>{html.escape(str(label))}</b><br>" + "<br>".join(html.escape(str(d)) for d in details)


def site_map(settings: Settings, data: FlowData | None = None, *, zoom: int = 12):
    """An ipyleaflet map of the sites for the settings' audience.

    Layers (with a layer control): sites coloured by sector (a click opens a popup with
    the site's flows), realised synergies (solid lines), candidates (dashed, ``gsi``),
    pipe-feasible radius of heat sources and of water outputs (``gsi``), and the approximate boundary and coastline of ``lib/geo`` — which is all
    the background there is when no tile server can be reached.
    """
    import ipyleaflet as L
    from ipywidgets import HTML, Layout

    data = load_data(settings, data)
    words = TEXT[settings.lang]
    points = site_points(data, settings.audience, settings.lang)
    centre = ((float(points["lat"].mean()), float(points["lon"].mean())) if len(points)
              else (43.57, 10.33))
    m = L.Map(center=centre, zoom=zoom, scroll_wheel_zoom=True, layout=Layout(height="560px"))
    geo = basemap()
    m.add(L.GeoJSON(data=geo["comune"], name=words["basemap"],
                    style={"color": "#555", "weight": 1.5, "dashArray": "6 4", "fillOpacity": 0.03}))
    m.add(L.GeoJSON(data=geo["costa"], name=words["basemap"] + " — costa",
                    style={"color": "#2b6cb0", "weight": 2}))
    radii = pipe_radii(data, settings.audience)
    for medium, title in (("calore", words["heat"]), ("acqua", words["water"])):
        part = radii[radii["medium"] == medium]
        if len(part):
            circles = [L.Circle(location=(r.lat, r.lon), radius=int(r.radius_km * 1000), weight=1,
                                color="#e6550d" if medium == "calore" else "#3182bd",
                                fill_opacity=0.04) for r in part.itertuples()]
            m.add(L.LayerGroup(layers=circles, name=f"{title} ({number(part['radius_km'].iloc[0], 0)} km)"))
    lines = exchange_lines(data, settings.audience, settings.lang, points)
    for kind, title in (("realizzata", words["realised"]), ("candidato", words["candidates"])):
        part = lines[lines["kind"] == kind]
        if len(part):
            polylines = [L.Polyline(locations=[(r.lat1, r.lon1), (r.lat2, r.lon2)], fill=False,
                                    color=SYNERGY_COLOUR if kind == "realizzata" else MATRIX_COLOURS.get(r.matrix, "#777"),
                                    weight=4 if kind == "realizzata" else 2,
                                    dash_array=None if kind == "realizzata" else "6 6")
                         for r in part.itertuples()]
            m.add(L.LayerGroup(layers=polylines, name=title))
    colours = sector_colours(points["sector"]) if len(points) else {}
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                 "properties": {"popup": _popup_html(r.label, r.details),
                                "colour": colours.get(r.sector, "#444"),
                                "radius": 6 if not r.radius_km else 6 + 2 * math.sqrt(r.companies)}}
                for r in points.itertuples()]
    layer = L.GeoJSON(data={"type": "FeatureCollection", "features": features}, name=words["sites"],
                      point_style={"radius": 6, "fillOpacity": 0.85, "weight": 1, "color": "#333"},
                      style_callback=lambda f: {"fillColor": f["properties"]["colour"],
                                                "radius": f["properties"]["radius"]})
    popup = L.Popup(child=HTML(), close_button=True, auto_close=True, max_width=360)

    def show(feature=None, **_):
        popup.child.value = feature["properties"]["popup"]
        lon, lat = feature["geometry"]["coordinates"]
        popup.location = (lat, lon)
        if popup not in m.layers:
            m.add(popup)
        else:
            m.open_popup(popup, (lat, lon)) if hasattr(m, "open_popup") else None

    layer.on_click(show)
    m.add(layer)
    m.add(L.LayersControl(position="topright"))
    m.add(L.ScaleControl(position="bottomleft", imperial=False))
    return m


# ---------------------------------------------------------------- static (SVG)
class _Projection:
    """Equirectangular projection of a lon/lat box onto ``width`` × ``height`` pixels."""

    def __init__(self, lon_min, lon_max, lat_min, lat_max, width, height):
        lat0 = math.radians((lat_min + lat_max) / 2)
        self.kx = math.cos(lat0)
        span_x, span_y = (lon_max - lon_min) * self.kx, (lat_max - lat_min)
        self.scale = min(width / span_x, height / span_y)
        self.x0 = lon_min - (width / self.scale - span_x) / 2 / self.kx
        self.y0 = lat_max + (height / self.scale - span_y) / 2
        self.km_per_px = 111.32 / self.scale

    def __call__(self, lon, lat):
        return (np.asarray(lon, dtype=float) - self.x0) * self.kx * self.scale, \
               (self.y0 - np.asarray(lat, dtype=float)) * self.scale


def _path(coords, proj, close=False) -> str:
    xs, ys = proj([c[0] for c in coords], [c[1] for c in coords])
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return d + (" Z" if close else "")


def static_map_svg(data: FlowData, audience: str = "gsi", lang: str = "it",
                   width: int = 900, height: int = 620) -> str:
    """A static SVG map (no script, no network): sea, approximate boundary and coast of
    ``lib/geo``, exchange lines, sites or groups coloured by sector with a tooltip each,
    a legend and a scale bar."""
    words = TEXT[lang]
    points = site_points(data, audience, lang)
    lines = exchange_lines(data, audience, lang, points)
    geo = basemap()
    legend_w = 250
    map_w = width - legend_w
    if len(points):
        lat_min, lat_max = points["lat"].min(), points["lat"].max()
        lon_min, lon_max = points["lon"].min(), points["lon"].max()
    else:
        lat_min, lat_max, lon_min, lon_max = 43.53, 43.62, 10.29, 10.42
    pad_lat = max((lat_max - lat_min) * 0.12, 0.01)
    pad_lon = max((lon_max - lon_min) * 0.12, 0.014)
    proj = _Projection(lon_min - pad_lon, lon_max + pad_lon, lat_min - pad_lat, lat_max + pad_lat,
                       map_w, height)
    coast = geo["costa"]["features"][0]["geometry"]["coordinates"]
    far_west = min(c[0] for c in coast) - 5.0
    sea = [[far_west, coast[0][1] + 5.0], *coast, [coast[-1][0], coast[-1][1] - 5.0],
           [far_west, coast[-1][1] - 5.0]]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" style="max-width:{width}px;font-family:sans-serif">',
             f'<defs><clipPath id="wb-map-clip"><rect width="{map_w}" height="{height}"/></clipPath></defs>',
             f'<rect width="{map_w}" height="{height}" fill="{LAND_COLOUR}"/>',
             '<g clip-path="url(#wb-map-clip)">',
             f'<path d="{_path(sea, proj, True)}" fill="{SEA_COLOUR}" stroke="none"/>']
    for feature in geo["comune"]["features"]:
        for ring in feature["geometry"]["coordinates"]:
            parts.append(f'<path d="{_path(ring, proj, True)}" fill="{COMUNE_COLOUR}" '
                         'stroke="#777" stroke-width="1.2" stroke-dasharray="6 4"/>')
    parts.append(f'<path d="{_path(coast, proj)}" fill="none" stroke="#2b6cb0" stroke-width="1.5"/>')
    for feature in geo["costa"]["features"][1:]:
        for line in feature["geometry"]["coordinates"]:
            parts.append(f'<path d="{_path(line, proj)}" fill="none" stroke="#2b6cb0" stroke-width="2.5"/>')
    for r in lines.itertuples():
        (x1, x2), (y1, y2) = proj([r.lon1, r.lon2], [r.lat1, r.lat2])
        colour = SYNERGY_COLOUR if r.kind == "realizzata" else CANDIDATE_COLOUR
        dash = "" if r.kind == "realizzata" else ' stroke-dasharray="5 4"'
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                     f'stroke-width="{3 if r.kind == "realizzata" else 1.5}"{dash}>'
                     f'<title>{html.escape(str(r.label))}</title></line>')
    colours = sector_colours(points["sector"]) if len(points) else {}
    for r in points.itertuples():
        x, y = proj(r.lon, r.lat)
        radius = 5.0 if not r.radius_km else 7 + 2.5 * math.sqrt(r.companies)
        fill = colours.get(r.sector, "#555") if r.sector else "#555"
        tip = html.escape(" · ".join([str(r.label), *map(str, r.details)]))
        parts.append(f'<circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="{radius:.1f}" fill="{fill}" '
                     f'fill-opacity="0.85" stroke="#222" stroke-width="0.8"><title>{tip}</title></circle>')
        if r.radius_km:
            parts.append(f'<text x="{float(x):.1f}" y="{float(y) + 4:.1f}" font-size="11" fill="#fff" '
                         f'text-anchor="middle">{int(r.companies)}</text>')
    parts.append("</g>")
    # scale bar: a round number of km close to a fifth of the map
    target = proj.km_per_px * map_w / 5
    step = min((1, 2, 5, 10, 20, 50, 100, 200, 500), key=lambda s: abs(s - target))
    bar = step / proj.km_per_px
    parts.append(f'<g transform="translate(16,{height - 24})"><rect width="{bar:.1f}" height="5" '
                 f'fill="#333"/><text y="-4" font-size="11">{step} {words["km"]}</text></g>')
    legend = [f'<g transform="translate({map_w + 12},20)" font-size="11">']
    y = 0
    for label, colour, dash in ((words["realised"], SYNERGY_COLOUR, ""),
                                (words["candidates"], CANDIDATE_COLOUR, ' stroke-dasharray="5 4"')):
        if (lines["kind"] == ("realizzata" if colour == SYNERGY_COLOUR else "candidato")).any():
            legend.append(f'<line x1="0" y1="{y}" x2="22" y2="{y}" stroke="{colour}" stroke-width="3"{dash}/>'
                          f'<text x="28" y="{y + 4}">{html.escape(label)}</text>')
            y += 18
    for sector, colour in colours.items():
        if not sector:
            continue
        legend.append(f'<circle cx="11" cy="{y}" r="5" fill="{colour}"/>'
                      f'<text x="28" y="{y + 4}">{html.escape(sector[:38])}</text>')
        y += 16
    legend.append("</g>")
    parts += legend + ["</svg>"]
    return "".join(parts)


def static_map_html(settings: Settings, *, data: FlowData | None = None, width: int = 900,
                    height: int = 620) -> str:
    """The static map for ``report.html`` and the notebook: a ``<figure>`` with the SVG of
    :func:`static_map_svg` and a caption that names the basemap's sources. No script, no
    external resource: it renders offline and prints to PDF."""
    data = load_data(settings, data)
    words = TEXT[settings.lang]
    caption = words["caption"] + (words["caption_groups"] if is_restricted(settings.audience) else "")
    svg = static_map_svg(data, settings.audience, settings.lang, width, height)
    return (f'<figure class="wb-map" style="margin:0">{svg}'
            f'<figcaption style="font-size:0.85em;color:#555">{html.escape(caption)}</figcaption></figure>')


__all__ = ["basemap", "site_points", "exchange_lines", "pipe_radii", "site_map",
           "static_map_svg", "static_map_html"]
