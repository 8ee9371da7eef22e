"""Notebook view of the energy analysis (CER configurations, PV, heat recovery).

The data come from :func:`workbench.energy.section.energy_section`, already shaped for
the settings' audience; this module only lays them out in the notebook.
"""
from __future__ import annotations

from IPython.display import HTML, display

#: (key, Italian title, English title), in the order shown.
PARTS = (
    ("note", "Note sui dati", "Notes on the data"),
    ("siti", "Siti e ruolo nella comunità energetica", "Sites and their CER role"),
    ("fig_mappa", "Cabine primarie e membri candidati", "Primary substations and candidate members"),
    ("configurazioni", "Configurazioni CER ordinate", "Ranked CER configurations"),
    ("ripartizione", "Ripartizione dell'incentivo", "Sharing of the incentive"),
    ("fig_mensile", "Produzione, consumo ed energia condivisa per mese", "Monthly production, consumption and shared energy"),
    ("fig_orario", "Un giorno tipo, ora per ora", "A typical day, hour by hour"),
    ("fv", "Ipotesi del fotovoltaico", "PV assumptions"),
    ("calore_coppie", "Recupero di calore: coppie sorgente–utenza", "Heat recovery: source–sink pairs"),
    ("calore_mensile", "Bilancio mensile del calore recuperabile", "Monthly balance of recoverable heat"),
    ("fig_calore", "Calore recuperabile per mese", "Recoverable heat by month"),
)


def show_energy(result: dict, lang: str = "it") -> None:
    """Display every part of the energy analysis that exists for this audience."""
    for key, title_it, title_en in PARTS:
        if key not in result or result[key] is None:
            continue
        display(HTML(f"<h3>{title_it if lang == 'it' else title_en}</h3>"))
        value = result[key]
        if key == "note":
            display(HTML("<ul>" + "".join(f"<li>{n}</li>" for n in value) + "</ul>"))
        elif hasattr(value, "to_html") and hasattr(value, "columns"):
            display(value.style.hide(axis="index"))
        else:
            display(value)
