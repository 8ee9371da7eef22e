"""Views: plotly Sankey, networks, maps and widget panels. Data comes from
:mod:`workbench.flows` and friends; these modules only draw."""
