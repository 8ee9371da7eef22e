"""Energy: heat cascade, hourly profiles, rooftop PV and renewable energy communities (CER).

Modules (import them directly; this package imports nothing heavy on purpose):

* :mod:`.heat` — the one model of heat, shared with the screening: ``heat_pump_cop``,
  ``heat_match``, ``pipe_cost_eur`` and the constants of ``lib/energy/heat.csv``;
* :mod:`.profiles` — hourly consumption profiles (meter CSV, DST, estimated profiles);
* :mod:`.pv` — rooftop PV with pvlib on the shipped typical year of Livorno;
* :mod:`.cer` — CER eligibility, configurations, shared energy, TIP, PNRR grant;
* :mod:`.economics` — 20-year economics, sharing rules, batch evaluation and search;
* :mod:`.cascade` — waste-heat sources and sinks, allocation, monthly balance;
* :mod:`.section` — ``energy_section(settings)``: tables and figures for notebooks and
  the report;
* :mod:`.params` — loaders of ``lib/energy/``.
"""
