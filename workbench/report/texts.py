"""Words and number formats of the reports, in Italian (default) and English.

Every label a reader sees comes from :data:`TEXTS` through :func:`text`, so that a new
language is one column more and a missing translation is an error in the tests, not a
silent English word in an Italian report. Numbers and dates follow the reader's
convention through :mod:`workbench.fmt`: Italian ``1.234,5``, ``€ 1.234`` and
``31/03/2027``; English ``1,234.5`` and ``2027-03-31``.
"""
from __future__ import annotations

import pandas as pd

from .. import fmt
from ..model import LANGUAGES

#: Label key → {language → text}. Keys are stable identifiers used by the code.
TEXTS: dict[str, dict[str, str]] = {
    # document
    "report_title": {"it": "Livorno Simbiosi Industriale — rapporto semestrale",
                     "en": "Livorno Industrial Symbiosis — semester report"},
    "period": {"it": "Periodo", "en": "Period"},
    "period_kind_intermedio": {"it": "rapporto intermedio", "en": "intermediate report"},
    "period_kind_finale": {"it": "rapporto di fine anno", "en": "end-of-year report"},
    "covers": {"it": "copre", "en": "covers"},
    "due": {"it": "scadenza", "en": "due"},
    "generated_on": {"it": "Generato il", "en": "Generated on"},
    "audience": {"it": "Destinatari", "en": "Audience"},
    "audience_gsi": {"it": "Gruppo Simbiosi Industriale (uso interno, riservato)",
                     "en": "Industrial Symbiosis Group (internal, confidential)"},
    "audience_funders": {"it": "finanziatori (dati aggregati e pseudonimi)",
                         "en": "funders (aggregates and pseudonyms)"},
    "audience_pubblico": {"it": "pubblico (solo dati aggregati)", "en": "public (aggregates only)"},
    "contents": {"it": "Indice", "en": "Contents"},
    "release_verified": {"it": "Rilascio verificato: {n} file, impronte sha256 conformi al "
                               "manifesto; generato il {when}.",
                         "en": "Release verified: {n} files, sha256 hashes match the manifest; "
                               "generated on {when}."},
    "release_others": {"it": "Altri periodi disponibili: {periods}.",
                       "en": "Other periods available: {periods}."},
    # sections (fixed structure, DESIGN §8)
    "sec_sintesi": {"it": "Sintesi", "en": "Summary"},
    "sec_aziende": {"it": "Aziende mappate per classe dimensionale",
                    "en": "Companies mapped by size class"},
    "sec_flussi": {"it": "Flussi mappati", "en": "Mapped flows"},
    "sec_sinergie": {"it": "Sinergie", "en": "Synergies"},
    "sec_benefici": {"it": "Benefici potenziali e realizzati",
                     "en": "Potential and realised benefits"},
    "sec_energia": {"it": "Energia: comunità energetiche rinnovabili e recupero di calore",
                    "en": "Energy: renewable energy communities and heat recovery"},
    "sec_investimenti": {"it": "Investimenti, bandi e concorsi",
                         "en": "Investments, funding calls and contests"},
    "sec_ricerca": {"it": "Ricerca e brevetti", "en": "Research and patents"},
    "sec_occupazione": {"it": "Occupazione", "en": "Jobs"},
    "sec_confronto": {"it": "Confronto con il periodo precedente e con Kalundborg",
                      "en": "Comparison with the previous period and with Kalundborg"},
    "sec_allegati": {"it": "Allegati", "en": "Annexes"},
    # generic
    "not_available": {"it": "non disponibile", "en": "not available"},
    "no_data_yet": {"it": "dati non ancora disponibili", "en": "data not yet available"},
    "in_preparation": {"it": "in preparazione", "en": "in preparation"},
    "suppressed": {"it": "riservato", "en": "confidential"},
    "suppressed_note": {
        "it": "«riservato»: valore oscurato per tutela della riservatezza (meno di {n} aziende "
              "nella cella, oppure una sola azienda oltre l'{share} % del valore, oppure "
              "oscuramento complementare per impedirne il ricalcolo dai totali o dal rapporto "
              "precedente).",
        "en": "“confidential”: value withheld to protect confidentiality (fewer than {n} "
              "companies in the cell, or one company above {share} % of the value, or "
              "complementary suppression so that it cannot be recomputed from totals or from the "
              "previous report)."},
    "suppressed_note_2d": {
        "it": "«riservato»: valore oscurato per tutela della riservatezza (meno di {n} aziende "
              "nella cella, oppure una sola azienda oltre l'{share} % del valore, oppure "
              "oscuramento complementare perché non si possa ricalcolare dai totali di riga e di "
              "colonna); per la stessa ragione possono essere oscurati anche totali di riga, di "
              "colonna o il totale generale.",
        "en": "“confidential”: value withheld to protect confidentiality (fewer than {n} "
              "companies in the cell, or one company above {share} % of the value, or "
              "complementary suppression so that it cannot be recomputed from the row and "
              "column totals); for the same reason row totals, column totals or the grand "
              "total may be withheld too."},
    "total": {"it": "Totale", "en": "Total"},
    "indicator": {"it": "Indicatore", "en": "Indicator"},
    "value": {"it": "Valore", "en": "Value"},
    "unit": {"it": "Unità", "en": "Unit"},
    "kind": {"it": "Tipo", "en": "Type"},
    "definition": {"it": "Definizione", "en": "Definition"},
    "source": {"it": "Fonte", "en": "Source"},
    "kind_realizzato": {"it": "realizzato", "en": "realised"},
    "kind_potenziale": {"it": "potenziale", "en": "potential"},
    "kind_contesto": {"it": "contesto", "en": "context"},
    # columns
    "size_class": {"it": "Classe dimensionale", "en": "Size class"},
    "sector_ateco": {"it": "Settore (sezione ATECO 2025)", "en": "Sector (ATECO 2025 section)"},
    "sector_nd": {"it": "non classificato", "en": "not classified"},
    "offered_resource": {"it": "Risorsa offerta", "en": "Resource offered"},
    "wanted_resource": {"it": "Risorsa richiesta", "en": "Resource wanted"},
    "candidates_n": {"it": "Candidati", "en": "Candidates"},
    "sector_other": {"it": "Altri settori (meno di 3 aziende ciascuno)",
                     "en": "Other sectors (fewer than 3 companies each)"},
    "companies": {"it": "Aziende", "en": "Companies"},
    "matrix": {"it": "Matrice", "en": "Matrix"},
    "direction": {"it": "Direzione", "en": "Direction"},
    "flows": {"it": "Flussi", "en": "Flows"},
    "quantity_std": {"it": "Quantità annua", "en": "Annual quantity"},
    "status": {"it": "Stato", "en": "Status"},
    "synergies": {"it": "Sinergie", "en": "Synergies"},
    "investments_n": {"it": "Investimenti", "en": "Investments"},
    "amount_eur": {"it": "Importo cumulato", "en": "Cumulative amount"},
    "amount_eur_period": {"it": "Importo nel periodo", "en": "Amount in the period"},
    "outcome": {"it": "Esito", "en": "Outcome"},
    "calls": {"it": "Domande", "en": "Applications"},
    "requested_eur": {"it": "Richiesto", "en": "Requested"},
    "granted_eur": {"it": "Concesso", "en": "Granted"},
    "contests": {"it": "Concorsi", "en": "Contests"},
    "research_kind": {"it": "Tipo", "en": "Type"},
    "research_n": {"it": "Numero", "en": "Number"},
    "fte": {"it": "Posti di lavoro (ETP)", "en": "Jobs (FTE)"},
    "potential": {"it": "Potenziale", "en": "Potential"},
    "realised": {"it": "Realizzato", "en": "Realised"},
    "current_period": {"it": "Questo periodo", "en": "This period"},
    "previous_period": {"it": "Periodo precedente", "en": "Previous period"},
    "change": {"it": "Variazione", "en": "Change"},
    "kalundborg": {"it": "Kalundborg (anno)", "en": "Kalundborg (per year)"},
    "livorno": {"it": "Livorno (realizzato, anno)", "en": "Livorno (realised, per year)"},
    "file": {"it": "File", "en": "File"},
    "description": {"it": "Descrizione", "en": "Description"},
    "source_company": {"it": "Da", "en": "From"},
    "target_company": {"it": "A", "en": "To"},
    "regulatory_path": {"it": "Percorso normativo", "en": "Regulatory path"},
    "synergy_id": {"it": "Sinergia", "en": "Synergy"},
    # vocabulary values
    "dir_in": {"it": "in ingresso", "en": "input"},
    "dir_out": {"it": "in uscita", "en": "output"},
    "matrix_materia": {"it": "materia", "en": "materials"},
    "path_sottoprodotto": {"it": "sottoprodotto (art. 184-bis)", "en": "by-product (art. 184-bis)"},
    "path_end_of_waste": {"it": "end of waste (art. 184-ter)", "en": "end of waste (art. 184-ter)"},
    "path_recupero_rifiuto": {"it": "recupero di rifiuto", "en": "waste recovery"},
    "path_non_rifiuto": {"it": "fuori dalla disciplina dei rifiuti", "en": "outside waste law"},
    "matrix_acqua": {"it": "acqua", "en": "water"},
    "matrix_energia": {"it": "energia", "en": "energy"},
    "size_micro": {"it": "micro", "en": "micro"},
    "size_piccola": {"it": "piccola", "en": "small"},
    "size_media": {"it": "media", "en": "medium"},
    "size_grande": {"it": "grande", "en": "large"},
    "size_nd": {"it": "non classificata", "en": "not classified"},
    "status_identificata": {"it": "identificata", "en": "identified"},
    "status_proposta": {"it": "proposta", "en": "proposed"},
    "status_in_valutazione": {"it": "in valutazione", "en": "under assessment"},
    "status_fattibile": {"it": "fattibile", "en": "feasible"},
    "status_in_progettazione": {"it": "in progettazione", "en": "in design"},
    "status_finanziata": {"it": "finanziata", "en": "funded"},
    "status_realizzata": {"it": "realizzata", "en": "realised"},
    "status_monitorata": {"it": "monitorata", "en": "monitored"},
    "status_abbandonata": {"it": "abbandonata", "en": "abandoned"},
    "inv_privato": {"it": "privato", "en": "private"},
    "inv_pubblico": {"it": "pubblico", "en": "public"},
    "outcome_presentata": {"it": "presentate", "en": "submitted"},
    "outcome_vinta": {"it": "vinte", "en": "won"},
    "outcome_respinta": {"it": "respinte", "en": "rejected"},
    "outcome_in_attesa": {"it": "in attesa di esito", "en": "pending"},
    "contest_presentati": {"it": "presentati", "en": "entered"},
    "contest_vinti": {"it": "vinti", "en": "won"},
    "research_progetto": {"it": "progetti di ricerca", "en": "research projects"},
    "research_brevetto": {"it": "brevetti", "en": "patents"},
    "research_altro": {"it": "altro", "en": "other"},
    "benefit_co2e": {"it": "CO2 equivalente evitata", "en": "CO2-equivalent avoided"},
    "benefit_groundwater": {"it": "Acqua di falda risparmiata", "en": "Groundwater saved"},
    "benefit_water": {"it": "Acqua riutilizzata (totale)", "en": "Water reused (total)"},
    "benefit_waste": {"it": "Rifiuti e residui valorizzati", "en": "Waste and residues reused"},
    "benefit_energy": {"it": "Energia recuperata", "en": "Energy recovered"},
    "benefit_costs": {"it": "Riduzione dei costi (gestione rifiuti e materie prime)",
                      "en": "Cost reduction (waste management and raw materials)"},
    # texts of sections
    "sintesi_intro": {
        "it": "Questo rapporto riassume lo stato del programma di simbiosi industriale di "
              "Livorno al {end}: le aziende mappate, i flussi di materia, acqua ed energia "
              "dichiarati, le sinergie individuate e il loro avanzamento, i benefici e le "
              "attività di finanziamento. La struttura è la stessa in ogni periodo, così che "
              "i rapporti si possano confrontare.",
        "en": "This report summarises the state of the Livorno industrial symbiosis programme "
              "at {end}: the companies mapped, the declared flows of materials, water and "
              "energy, the synergies identified and their progress, the benefits and the "
              "funding activities. Its structure is the same every period so that reports "
              "can be compared."},
    "kpi_companies": {"it": "Aziende mappate (con NDA)", "en": "Companies mapped (with NDA)"},
    "kpi_flows": {"it": "Flussi dichiarati", "en": "Declared flows"},
    "kpi_synergies": {"it": "Sinergie nel registro (escluse abbandonate)",
                      "en": "Synergies in the register (excluding abandoned)"},
    "kpi_proposed": {"it": "Sinergie proposte o oltre", "en": "Synergies proposed or beyond"},
    "kpi_realised": {"it": "Sinergie realizzate", "en": "Synergies realised"},
    "kpi_private_investment": {"it": "Investimenti privati (cumulati)",
                               "en": "Private investment (cumulative)"},
    "kpi_public_investment": {"it": "Investimenti pubblici (cumulati)",
                              "en": "Public investment (cumulative)"},
    "kpi_calls_submitted": {"it": "Domande a bandi presentate", "en": "Funding applications"},
    "kpi_calls_won": {"it": "Bandi vinti", "en": "Funding calls won"},
    "kpi_granted": {"it": "Contributi concessi", "en": "Grants awarded"},
    "kpi_co2e_realised": {"it": "CO2e evitata dalle sinergie realizzate",
                          "en": "CO2e avoided by realised synergies"},
    "kpi_fte": {"it": "Posti di lavoro creati (ETP)", "en": "Jobs created (FTE)"},
    "aziende_note": {
        "it": "Aziende che hanno firmato l'accordo di riservatezza (NDA) ed erano nel programma "
              "alla fine del periodo; classi dimensionali secondo la Raccomandazione UE "
              "2003/361 (addetti e fatturato o totale di bilancio).",
        "en": "Companies that signed the non-disclosure agreement (NDA) and were in the "
              "programme at the end of the period; size classes by EU Recommendation "
              "2003/361 (staff and turnover or balance-sheet total)."},
    "waste_by_sector_size": {
        "it": "Rifiuti e sottoprodotti prodotti (t/anno) per settore e classe dimensionale",
        "en": "Waste and by-products generated (t/yr) by sector and size class"},
    "waste_by_sector_size_note": {
        "it": "Rifiuti e sottoprodotti: flussi di materia in uscita dichiarati nei questionari, "
              "in tonnellate all'anno, escluse le emissioni in atmosfera. Ogni azienda è contata "
              "in una sola cella, quella della sua sezione ATECO 2025 e della sua classe "
              "dimensionale; «–» indica che nessuna azienda della cella dichiara tali flussi.",
        "en": "Waste and by-products: material outputs declared in the questionnaires, in "
              "tonnes per year, emissions to the atmosphere excluded. Each company is counted "
              "in one cell only, that of its ATECO 2025 section and size class; “–” means that "
              "no company of the cell declares such outputs."},
    "flussi_note": {
        "it": "Flussi dichiarati nei questionari, in unità standard (t, m3, MWh all'anno); "
              "unità diverse non vengono mai sommate. Un diagramma di Sankey per matrice.",
        "en": "Flows declared in the questionnaires, in standard units (t, m3, MWh per year); "
              "different units are never added up. One Sankey diagram per matrix."},
    "sankey_missing": {
        "it": "Diagrammi di Sankey non disponibili in questa versione (modulo "
              "workbench.views.sankey assente).",
        "en": "Sankey diagrams not available in this version (module workbench.views.sankey "
              "missing)."},
    "sinergie_note": {
        "it": "Stato di ogni sinergia del registro alla fine del periodo, nell'ordine della "
              "pipeline: identificata → proposta → in valutazione → fattibile → in "
              "progettazione → finanziata → realizzata → monitorata (oppure abbandonata).",
        "en": "Status of every synergy of the register at the end of the period, in pipeline "
              "order: identified → proposed → under assessment → feasible → in design → "
              "funded → realised → monitored (or abandoned)."},
    "sinergie_list": {"it": "Elenco delle sinergie", "en": "List of synergies"},
    "benefici_note": {
        "it": "Potenziale: candidati individuati dallo screening (per ogni flusso offerto si "
              "conta solo il candidato migliore, prima dell'allocazione di rete: è un limite "
              "superiore). Realizzato: sinergie del registro in stato realizzata o monitorata. "
              "Valori annui.",
        "en": "Potential: candidates found by screening (for each offered flow only the best "
              "candidate counts, before network allocation: an upper bound). Realised: "
              "synergies of the register in status realised or monitored. Yearly values."},
    "energia_cer": {
        "it": "Comunità energetiche rinnovabili (CER) industriali: analisi in preparazione "
              "(ammissibilità per cabina primaria, fotovoltaico, condivisione dell'energia). "
              "In questo periodo non è riportato alcun risultato.",
        "en": "Industrial renewable energy communities (CER): analysis in preparation "
              "(eligibility by primary substation, photovoltaics, energy sharing). No result "
              "is reported in this period."},
    "energia_heat": {
        "it": "Recupero di calore: cascata termica in preparazione. Qui sotto i flussi di "
              "energia dichiarati e i candidati energetici già individuati dallo screening.",
        "en": "Heat recovery: heat cascade in preparation. Below, the declared energy flows "
              "and the energy candidates already found by screening."},
    "energia_intro": {
        "it": "Comunità energetiche rinnovabili (CER) per cabina primaria e recupero del calore "
              "di scarto, dall'analisi energetica del programma: profili orari di consumo, "
              "fotovoltaico sui tetti, configurazioni CER con la loro economia, cascata "
              "termica. Le note dicono quali dati sono stimati.",
        "en": "Renewable energy communities (CER) by primary substation and waste-heat "
              "recovery, from the programme's energy analysis: hourly consumption profiles, "
              "rooftop photovoltaics, CER configurations with their economics, heat cascade. "
              "The notes say which data are estimated."},
    "energia_flows": {"it": "Flussi di energia dichiarati nei questionari.",
                      "en": "Energy flows declared in the questionnaires."},
    "energy_configurations_best": {
        "it": "Configurazione CER migliore per cabina primaria (la classifica completa, con gli "
              "impianti, è nel notebook 03)",
        "en": "Best CER configuration by primary substation (the full ranking, with the plants, "
              "is in notebook 03)"},
    "energy_configurations": {"it": "Configurazioni CER per cabina primaria",
                              "en": "CER configurations by primary substation"},
    "energy_no_configuration": {
        "it": "Nessuna configurazione CER pubblicabile in questo periodo.",
        "en": "No CER configuration can be published in this period."},
    "energy_pv": {"it": "Fotovoltaico: ipotesi di resa", "en": "Photovoltaics: yield assumptions"},
    "energy_heat_monthly": {"it": "Calore di scarto e recupero per mese",
                            "en": "Waste heat and recovery by month"},
    "energy_candidates": {"it": "Candidati energetici (screening)",
                          "en": "Energy candidates (screening)"},
    # energy analysis (workbench.energy.section, its notebook view and the report)
    "energy_fig_map": {"it": "Cabine primarie e candidati alla CER",
                       "en": "Primary substations and CER candidates"},
    "energy_fig_monthly": {
        "it": "Produzione, prelievi ed energia condivisa per mese (configurazione migliore)",
        "en": "Production, withdrawals and shared energy by month (best configuration)"},
    "energy_fig_hourly": {"it": "Energia oraria in una settimana tipo",
                          "en": "Hourly energy in a typical week"},
    "energy_fig_heat": {"it": "Bilancio mensile del recupero di calore",
                        "en": "Monthly balance of heat recovery"},
    "energy_axis_month": {"it": "mese", "en": "month"},
    "energy_axis_week_hour": {"it": "ora della settimana", "en": "hour of the week"},
    "energy_axis_lon": {"it": "longitudine", "en": "longitude"},
    "energy_axis_lat": {"it": "latitudine", "en": "latitude"},
    "energy_axis_substation": {"it": "cabina primaria", "en": "primary substation"},
    "energy_axis_role": {"it": "ruolo", "en": "role"},
    "energy_axis_company": {"it": "azienda", "en": "company"},
    "energy_axis_companies": {"it": "aziende", "en": "companies"},
    "energy_axis_reason": {"it": "motivo", "en": "reason"},
    "energy_trace_production": {"it": "produzione FV", "en": "PV production"},
    "energy_trace_member_withdrawal": {"it": "prelievi dei membri", "en": "members' withdrawals"},
    "energy_trace_shared": {"it": "energia condivisa", "en": "shared energy"},
    "energy_trace_summer_week": {"it": "settimana estiva", "en": "summer week"},
    "energy_trace_winter_week": {"it": "settimana invernale", "en": "winter week"},
    "energy_trace_injection": {"it": "immissione", "en": "injection"},
    "energy_trace_withdrawal": {"it": "prelievo", "en": "withdrawal"},
    "energy_trace_shared_short": {"it": "condivisa", "en": "shared"},
    "energy_trace_waste_heat": {"it": "calore di scarto disponibile", "en": "waste heat available"},
    "energy_trace_heat_demand": {"it": "domanda di calore", "en": "heat demand"},
    "energy_trace_recovered_direct": {"it": "recuperato con scambio diretto",
                                      "en": "recovered by direct exchange"},
    "energy_trace_recovered_heat_pump": {"it": "recuperato con pompa di calore",
                                         "en": "recovered by heat pump"},
    "energy_trace_absorption": {"it": "freddo ad assorbimento", "en": "absorption cooling"},
    # energy tables: column headers
    "energy_col_substation": {"it": "Cabina primaria", "en": "Primary substation"},
    "energy_col_rank": {"it": "Rango", "en": "Rank"},
    "energy_col_plants": {"it": "Impianti", "en": "Plants"},
    "energy_col_members": {"it": "Membri", "en": "Members"},
    "energy_col_power_kwp": {"it": "Potenza kWp", "en": "Power kWp"},
    "energy_col_production_mwh": {"it": "Produzione MWh/anno", "en": "Production MWh/yr"},
    "energy_col_shared_mwh": {"it": "Energia condivisa MWh/anno", "en": "Shared energy MWh/yr"},
    "energy_col_shared_pct": {"it": "Quota condivisa %", "en": "Share of injection shared %"},
    "energy_col_tip_eur": {"it": "Tariffa premio €/anno", "en": "Premium tariff €/yr"},
    "energy_col_tip_social_eur": {"it": "di cui a finalità sociali €/anno",
                                  "en": "of which for social purposes €/yr"},
    "energy_col_valorisation_eur": {"it": "Valorizzazione ARERA €/anno",
                                    "en": "ARERA valorisation €/yr"},
    "energy_col_capex_eur": {"it": "Investimento €", "en": "Investment €"},
    "energy_col_grant_eur": {"it": "Contributo PNRR €", "en": "PNRR grant €"},
    "energy_col_npv_eur": {"it": "VAN 20 anni €", "en": "NPV 20 years €"},
    "energy_col_irr_pct": {"it": "TIR %", "en": "IRR %"},
    "energy_col_payback_yr": {"it": "Tempo di ritorno anni", "en": "Payback years"},
    "energy_col_grant_reason": {"it": "Contributo PNRR: motivo", "en": "PNRR grant: reason"},
    "energy_col_companies": {"it": "aziende", "en": "companies"},
    "energy_col_top_share": {"it": "quota_max", "en": "largest company share"},
    "energy_col_company": {"it": "Azienda", "en": "Company"},
    "energy_col_site": {"it": "Sito", "en": "Site"},
    "energy_col_size_class": {"it": "Classe", "en": "Size class"},
    "energy_col_role": {"it": "Ruolo", "en": "Role"},
    "energy_col_reason": {"it": "Motivo", "en": "Reason"},
    "energy_col_to_verify": {"it": "Da verificare", "en": "To verify"},
    "energy_col_consumption_mwh": {"it": "Consumo MWh/anno", "en": "Consumption MWh/yr"},
    "energy_col_profile": {"it": "Profilo", "en": "Profile"},
    "energy_col_roof_kwp": {"it": "Tetto: kWp massimi", "en": "Roof: maximum kWp"},
    "energy_col_assumed": {"it": "Dati ipotizzati", "en": "Assumed data"},
    "energy_col_participant": {"it": "Partecipante", "en": "Participant"},
    "energy_col_shared_consumption_mwh": {"it": "Consumo condiviso MWh/anno",
                                          "en": "Shared consumption MWh/yr"},
    "energy_col_share": {"it": "Quota", "en": "Share"},
    "energy_col_incentive_eur": {"it": "Incentivo €/anno", "en": "Incentive €/yr"},
    "energy_col_location": {"it": "Località", "en": "Location"},
    "energy_col_tilt": {"it": "Inclinazione", "en": "Tilt"},
    "energy_col_orientation": {"it": "Orientamento", "en": "Orientation"},
    "energy_col_specific_yield": {"it": "Resa specifica kWh/kWp/anno",
                                  "en": "Specific yield kWh/kWp/yr"},
    "energy_col_system_loss": {"it": "Perdite di sistema %", "en": "System losses %"},
    "energy_col_weather": {"it": "Dati meteo", "en": "Weather data"},
    "energy_col_month": {"it": "Mese", "en": "Month"},
    "energy_col_waste_heat_mwh": {"it": "Calore di scarto MWh", "en": "Waste heat MWh"},
    "energy_col_heat_demand_mwh": {"it": "Domanda di calore MWh", "en": "Heat demand MWh"},
    "energy_col_cooling_demand_mwh": {"it": "Domanda di freddo MWh", "en": "Cooling demand MWh"},
    "energy_col_recovered_direct_mwh": {"it": "Recupero diretto MWh", "en": "Direct recovery MWh"},
    "energy_col_recovered_heat_pump_mwh": {"it": "Recupero con pompa di calore MWh",
                                           "en": "Heat-pump recovery MWh"},
    "energy_col_cooling_absorption_mwh": {"it": "Freddo ad assorbimento MWh",
                                          "en": "Absorption cooling MWh"},
    "energy_col_heat_pump_electricity_mwh": {"it": "Elettricità pompe di calore MWh",
                                             "en": "Heat-pump electricity MWh"},
    "energy_col_heat_source": {"it": "Sorgente", "en": "Source"},
    "energy_col_heat_sink": {"it": "Utenza", "en": "Sink"},
    "energy_col_t_source": {"it": "T sorgente °C", "en": "Source T °C"},
    "energy_col_t_sink": {"it": "T utenza °C", "en": "Sink T °C"},
    "energy_col_mode": {"it": "Modo", "en": "Mode"},
    "energy_col_cop": {"it": "COP", "en": "COP"},
    "energy_col_distance_km": {"it": "Distanza km", "en": "Distance km"},
    "energy_col_heat_mwh": {"it": "Calore MWh/anno", "en": "Heat MWh/yr"},
    "energy_col_net_benefit_eur": {"it": "Beneficio netto €/anno", "en": "Net benefit €/yr"},
    "energy_col_why": {"it": "Perché", "en": "Why"},
    # energy tables: values
    "energy_confidential_company": {"it": "azienda riservata", "en": "confidential company"},
    "energy_social_participant": {"it": "finalità sociali / non imprese",
                                  "en": "social purposes / non-business members"},
    "energy_yes": {"it": "sì", "en": "yes"},
    "energy_south": {"it": "sud", "en": "south"},
    "energy_weather_source": {
        "it": "anno tipo da cielo sereno (Ineichen) scalato sull'irraggiamento mensile di "
              "Livorno (lib/energy/weather_livorno_monthly.csv)",
        "en": "typical year from clear sky (Ineichen) scaled to the monthly irradiation of "
              "Livorno (lib/energy/weather_livorno_monthly.csv)"},
    "energy_role_membro": {"it": "membro", "en": "member"},
    "energy_role_produttore_terzo": {"it": "produttore_terzo", "en": "third-party producer"},
    "energy_role_escluso": {"it": "escluso", "en": "excluded"},
    "energy_profile_stimato": {"it": "stimato", "en": "estimated"},
    "energy_profile_misurato": {"it": "misurato", "en": "measured"},
    "heat_mode_diretto": {"it": "diretto", "en": "direct"},
    "heat_mode_pompa_di_calore": {"it": "pompa_di_calore", "en": "heat pump"},
    "heat_mode_assorbimento": {"it": "assorbimento", "en": "absorption"},
    # energy notes
    "energy_note_estimated": {
        "it": "{n} profili orari di consumo su {total} sono stimati dai consumi dichiarati e "
              "dal turno di lavoro (etichetta «stimato»).",
        "en": "{n} of {total} hourly consumption profiles are estimated from the declared "
              "consumption and the work shifts (label “estimated”)."},
    "energy_note_no_roof": {
        "it": "{n} siti senza superficie di tetto dichiarata: nessun impianto ipotizzato.",
        "en": "{n} sites without a declared roof area: no plant assumed."},
    "energy_note_default_prices": {
        "it": "Prezzo zonale orario: serie di default (medie mensili 2024 per forma oraria "
              "stilizzata, lib/energy); importare la serie CNOR reale per il progetto.",
        "en": "Hourly zonal price: default series (2024 monthly means on a stylised hourly "
              "shape, lib/energy); import the real CNOR series for the project."},
    "energy_note_heat_hidden": {
        "it": "Bilancio del calore non mostrato: meno di 3 aziende coinvolte.",
        "en": "Heat balance not shown: fewer than 3 companies involved."},
    # CER eligibility and PNRR grant (workbench.energy.cer)
    "cer_reason_no_substation": {
        "it": "cabina primaria non indicata: serve per il perimetro della CER",
        "en": "primary substation not given: it sets the perimeter of the CER"},
    "cer_reason_net_metering": {
        "it": "POD in Scambio sul Posto attivo: escluso finché lo SSP non viene chiuso",
        "en": "POD with active net metering (Scambio sul Posto): excluded until the net "
              "metering is closed"},
    "cer_reason_large_third_party": {
        "it": "grande impresa: non può essere membro; può partecipare come produttore terzo "
              "mettendo a disposizione il tetto",
        "en": "large enterprise: cannot be a member; may take part as a third-party "
              "producer by making its roof available"},
    "cer_reason_large_no_roof": {
        "it": "grande impresa senza tetto disponibile: non può essere membro",
        "en": "large enterprise without an available roof: cannot be a member"},
    "cer_reason_large_group": {
        "it": "(grande per le imprese associate o collegate)",
        "en": "(large through its partner or linked enterprises)"},
    "cer_reason_energy_ateco": {
        "it": "PMI con ATECO prevalente {ateco} (produzione/commercio di energia elettrica): "
              "non può essere membro",
        "en": "SME with main ATECO {ateco} (electricity production/trade): cannot be a "
              "member"},
    "cer_reason_energy_ateco_host": {
        "it": "PMI con ATECO prevalente {ateco} (produzione/commercio di energia elettrica): "
              "non può essere membro; può essere produttore terzo",
        "en": "SME with main ATECO {ateco} (electricity production/trade): cannot be a "
              "member; may be a third-party producer"},
    "cer_reason_ateco_to_verify": {
        "it": "ATECO {ateco}: nella codifica ATECO 2025 può corrispondere a "
              "produzione/commercio di energia elettrica, esclusa dai membri: verificare",
        "en": "ATECO {ateco}: in the ATECO 2025 coding it may stand for electricity "
              "production/trade, which is excluded from membership: to verify"},
    "cer_reason_size_unknown": {
        "it": "classe dimensionale non nota: verificare che sia una PMI",
        "en": "size class unknown: check that it is an SME"},
    "cer_reason_sme_member": {"it": "PMI ({size}): può essere membro",
                              "en": "SME ({size}): can be a member"},
    "cer_reason_sme_member_host": {"it": "PMI ({size}): può essere membro e ospitare un impianto",
                                   "en": "SME ({size}): can be a member and host a plant"},
    "cer_grant_no_comune": {
        "it": "comune non indicato: contributo PNRR non valutabile",
        "en": "municipality not given: PNRR grant cannot be assessed"},
    "cer_grant_unknown_population": {
        "it": "popolazione di {comune} non nota (aggiungere a lib/energy/municipalities.csv)",
        "en": "population of {comune} unknown (add it to lib/energy/municipalities.csv)"},
    "cer_grant_too_large": {
        "it": "{comune} ha circa {population} abitanti (≥ {limit}): niente contributo PNRR",
        "en": "{comune} has about {population} inhabitants (≥ {limit}): no PNRR grant"},
    "cer_grant_deadline_passed": {
        "it": "{comune} ha meno di {limit} abitanti, ma il termine per le domande PNRR è "
              "scaduto il {deadline}",
        "en": "{comune} has fewer than {limit} inhabitants, but the deadline for PNRR "
              "applications passed on {deadline}"},
    "cer_grant_eligible": {
        "it": "{comune} ha meno di {limit} abitanti: contributo PNRR fino al 40 %",
        "en": "{comune} has fewer than {limit} inhabitants: PNRR grant up to 40 %"},
    # heat matching (workbench.energy.heat, workbench.energy.cascade)
    "heat_reason_missing": {"it": "temperatura della sorgente o dell'utenza non dichiarata",
                            "en": "source or sink temperature not declared"},
    "heat_reason_low_cop": {"it": "pompa di calore poco conveniente: COP sotto {cop}",
                            "en": "heat pump not worthwhile: COP below {cop}"},
    "heat_reason_lift": {"it": "salto termico oltre {lift} K per una pompa di calore",
                         "en": "temperature lift above {lift} K for a heat pump"},
    "heat_reason_hot_sink": {"it": "utenza sopra {t} °C, oltre le pompe di calore industriali",
                             "en": "sink above {t} °C, beyond industrial heat pumps"},
    "heat_reason_cold_source": {"it": "sorgente sotto {t} °C", "en": "source below {t} °C"},
    "heat_reason_direct": {
        "it": "scambio diretto: sorgente {source} °C ≥ utenza {sink} °C + ΔT_min {dt} K",
        "en": "direct exchange: source {source} °C ≥ sink {sink} °C + ΔT_min {dt} K"},
    "heat_reason_heat_pump": {
        "it": "pompa di calore: salto {lift} K, COP {cop} ({fraction} del COP di Carnot)",
        "en": "heat pump: lift {lift} K, COP {cop} ({fraction} of the Carnot COP)"},
    "heat_reason_absorption": {
        "it": "raffrescamento con macchina ad assorbimento (COP {cop}): sorgente {t} °C ≥ "
              "{t_min} °C",
        "en": "cooling by absorption chiller (COP {cop}): source {t} °C ≥ {t_min} °C"},
    "heat_reason_no_absorption": {
        "it": "sorgente {t} °C sotto {t_min} °C: niente assorbimento",
        "en": "source {t} °C below {t_min} °C: no absorption"},
    # headings of the energy notebook view (workbench.views.energy)
    "energy_part_note": {"it": "Note sui dati", "en": "Notes on the data"},
    "energy_part_siti": {"it": "Siti e ruolo nella comunità energetica",
                         "en": "Sites and their CER role"},
    "energy_part_fig_mappa": {"it": "Cabine primarie e membri candidati",
                              "en": "Primary substations and candidate members"},
    "energy_part_configurazioni": {"it": "Configurazioni CER ordinate",
                                   "en": "Ranked CER configurations"},
    "energy_part_ripartizione": {"it": "Ripartizione dell'incentivo",
                                 "en": "Sharing of the incentive"},
    "energy_part_fig_mensile": {"it": "Produzione, consumo ed energia condivisa per mese",
                                "en": "Monthly production, consumption and shared energy"},
    "energy_part_fig_orario": {"it": "Un giorno tipo, ora per ora",
                               "en": "A typical day, hour by hour"},
    "energy_part_fv": {"it": "Ipotesi del fotovoltaico", "en": "PV assumptions"},
    "energy_part_calore_coppie": {"it": "Recupero di calore: coppie sorgente–utenza",
                                  "en": "Heat recovery: source–sink pairs"},
    "energy_part_calore_mensile": {"it": "Bilancio mensile del calore recuperabile",
                                   "en": "Monthly balance of recoverable heat"},
    "energy_part_fig_calore": {"it": "Calore recuperabile per mese",
                               "en": "Recoverable heat by month"},
    "investimenti_note": {
        "it": "Investimenti legati alle sinergie (privati e pubblici), domande a bandi di "
              "finanziamento e concorsi, dal registro del GSI.",
        "en": "Investments tied to synergies (private and public), funding applications and "
              "contests, from the GSI register."},
    "ricerca_note": {"it": "Progetti di ricerca e brevetti avviati entro la fine del periodo.",
                     "en": "Research projects and patents started by the end of the period."},
    "occupazione_note": {
        "it": "Posti di lavoro creati grazie alle sinergie, in equivalenti a tempo pieno (ETP), "
              "cumulati alla fine del periodo.",
        "en": "Jobs created thanks to the synergies, in full-time equivalents (FTE), "
              "cumulative at the end of the period."},
    "confronto_note": {
        "it": "Indicatori alla fine di questo periodo e del precedente ({previous}).",
        "en": "Indicators at the end of this period and of the previous one ({previous})."},
    "kalundborg_note": {
        "it": "Kalundborg (Danimarca) è il riferimento del programma. Valori annui come "
              "pubblicati da Kalundborg Symbiosis (sito symbiosis.dk, pagina dei risultati). "
              "Il documento fondativo del programma riporta «62 t» di residui: un apparente "
              "refuso di unità; qui si usa la cifra della fonte, circa 62.000 t.",
        "en": "Kalundborg (Denmark) is the programme's benchmark. Yearly figures as published "
              "by Kalundborg Symbiosis (website symbiosis.dk, results page). The programme's "
              "founding document writes “62 t” of residues, an apparent unit slip; this report "
              "uses the source's figure, about 62,000 t."},
    "allegati_notebooks": {"it": "Notebook eseguiti per questo rapporto (nella stessa cartella):",
                           "en": "Notebooks executed for this report (in the same folder):"},
    "allegati_definitions": {"it": "Definizioni degli indicatori", "en": "Indicator definitions"},
    "allegati_privacy": {
        "it": "Regole di riservatezza: ogni cella pubblicata per finanziatori e pubblico "
              "riguarda almeno {n} aziende e nessuna azienda supera l'{share} % del valore; "
              "i valori oscurati non si possono ricalcolare dai totali pubblicati né "
              "restringere a meno del {protection} % attorno al valore vero; "
              "le aziende sono nominate solo con il loro consenso (nominativo), altrimenti "
              "con uno pseudonimo stabile.",
        "en": "Confidentiality rules: every cell published for funders and the public covers "
              "at least {n} companies and no company exceeds {share} % of the value; "
              "withheld values cannot be recomputed from the published totals nor narrowed "
              "to within {protection} % of the true value; "
              "companies are named only with their consent, otherwise by a stable pseudonym."},
}


def text(key: str, lang: str = "it", **values) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Raises
    ------
    KeyError — unknown key or language (a missing translation is a bug).
    """
    if lang not in LANGUAGES:
        raise KeyError(f"unknown language {lang!r}")
    template = TEXTS[key][lang]
    return template.format(**values) if values else template


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value, lang: str = "it", decimals: int | None = None) -> str:
    """A number in the reader's convention: ``1.234,5`` (it) or ``1,234.5`` (en).

    Parameters
    ----------
    value : float or int or None — the number; None/NaN give ``–``.
    decimals : int or None — digits after the decimal mark; None chooses 0 for whole
        numbers and values of at least 100, 1 from 10 to 100, 2 below.
    """
    if _is_missing(value):
        return "–"
    number = float(value)
    if decimals is None:
        magnitude = abs(number)
        decimals = 0 if number.is_integer() or magnitude >= 100 else 1 if magnitude >= 10 else 2
    if round(number, decimals) == 0:
        number = 0.0  # no "-0"
    return fmt.number(number, decimals, lang)


def format_eur(value, lang: str = "it", decimals: int = 0) -> str:
    """An amount in euro, ``€ 1.234`` (it) or ``€ 1,234`` (en). [EUR]"""
    if _is_missing(value):
        return "–"
    return fmt.euro(value, decimals, lang)


def format_date(value, lang: str = "it") -> str:
    """A date as ``dd/mm/yyyy`` (it) or ``yyyy-mm-dd`` (en); None gives ``–``."""
    if _is_missing(value):
        return "–"
    return fmt.day(value, lang)


def format_quantity(value, unit: str, lang: str = "it", decimals: int | None = None) -> str:
    """A quantity with its unit: ``1.234,5 t``; money goes through :func:`format_eur`."""
    if unit in ("EUR", "€", "eur"):
        return format_eur(value, lang)
    if _is_missing(value):
        return "–"
    return f"{format_number(value, lang, decimals)} {unit}".strip()


def vocabulary(prefix: str, value: str, lang: str = "it") -> str:
    """Translate a vocabulary value (``status``, ``matrix`` ...) via ``<prefix>_<value>``;
    unknown values are returned unchanged."""
    entry = TEXTS.get(f"{prefix}_{value}")
    return entry[lang] if entry else str(value)
