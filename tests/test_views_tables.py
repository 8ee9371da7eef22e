"""Notebook tables: audience rules and labels."""
import pandas as pd

from workbench.ingest import FileResult, IngestResult
from workbench.views import tables


def test_ingest_result_hides_file_names_from_funders(tiny_settings):
    result = IngestResult([FileResult("q_0001_alfa-fonderie-fittizie.xlsx", "ingerito", rows_accepted=4),
                           FileResult("q_0002_beta.xlsx", "rifiutato", message="vuoto")])
    gsi = tables.ingest_result(result, tiny_settings).to_html()
    assert "alfa-fonderie-fittizie" in gsi and "Righe acquisite" in gsi
    funders = tables.ingest_result(result, tiny_settings.with_(audience="funders")).to_html()
    assert "alfa" not in funders and "ingerito" in funders


def test_quarantine_only_for_gsi(tiny_settings):
    assert isinstance(tables.quarantine(tiny_settings.with_(audience="pubblico")), str)


def test_candidates_named_only_for_gsi(tiny_settings):
    candidates = pd.DataFrame([dict(candidate_id="C1", matrix="materia", regulatory_path="sottoprodotto",
                                    source_company_id="AZ-0001", source_company="Alfa Fonderie Fittizie S.r.l.",
                                    net_benefit_eur=1000.0)])
    text = tables.candidates(candidates, tiny_settings.with_(audience="funders"))
    assert "Alfa" not in text
    by_matrix = tables.candidates_by_matrix(candidates, tiny_settings.with_(audience="funders")).to_html()
    assert "riservato" in by_matrix  # one company: the value is suppressed
