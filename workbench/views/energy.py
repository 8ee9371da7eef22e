"""Notebook view of the energy analysis (CER configurations, PV, heat recovery).

The data come from :func:`workbench.energy.section.energy_section`, already shaped for
the settings' audience and language; this module only lays them out in the notebook.
"""
from __future__ import annotations

from IPython.display import HTML, display

from ..report.sections import formatted_frame
from ..report.texts import text

#: Keys of the energy results in the order shown; the heading of ``key`` is the text
#: ``energy_part_<key>`` of :data:`workbench.report.texts.TEXTS`.
PARTS = ("note", "siti", "fig_mappa", "configurazioni", "ripartizione", "fig_mensile",
         "fig_orario", "fv", "calore_coppie", "calore_mensile", "fig_calore")


def show_energy(result: dict, lang: str = "it") -> None:
    """Display every part of the energy analysis that exists for this audience."""
    for key in PARTS:
        if key not in result or result[key] is None:
            continue
        display(HTML(f"<h3>{text(f'energy_part_{key}', lang)}</h3>"))
        value = result[key]
        if key == "note":
            display(HTML("<ul>" + "".join(f"<li>{n}</li>" for n in value) + "</ul>"))
        elif hasattr(value, "to_html") and hasattr(value, "columns"):
            # the report's formatting: numbers in the reader's convention, withheld rows
            display(formatted_frame(value, lang)[0].style.hide(axis="index"))
        else:
            display(value)
