"""Views: plotly Sankey, networks, maps and widget panels. Data comes from
:mod:`workbench.flows` and friends; these modules only draw.

Importing the package inside a Jupyter kernel makes plotly figures display through
:func:`workbench.views.figures.plotly_bundle` (the same output, without the seconds
plotly's renderers spend importing nbformat).
"""
from .figures import register_fast_display

register_fast_display()
