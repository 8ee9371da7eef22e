"""The ``workbench`` command line (workbench/cli.py): messages and exit codes."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbench import cli
from workbench.report.pipeline import PipelineResult


def test_template_writes_the_questionnaire(tmp_path, capsys):
    out = tmp_path / "questionario.xlsx"
    assert cli.main(["template", str(out)]) == 0
    assert out.stat().st_size > 5000
    assert str(out) in capsys.readouterr().out


def test_dashboard_without_a_release_says_what_to_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["dashboard", "--data-dir", str(tmp_path / "dati"), "--period", "2027-03"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("errore: nessun rilascio per 'funders'")
    assert "workbench report --period 2027-03 --audience funders" in err
    assert "Traceback" not in err


def test_dashboard_refuses_the_gsi_audience(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["dashboard", "--audience", "gsi"])
    assert exit_.value.code == 2 and "invalid choice: 'gsi'" in capsys.readouterr().err


def test_report_lists_every_file_it_wrote(tmp_path, capsys, monkeypatch):
    """The pipeline itself is tested in test_pipeline; here only what the command prints."""
    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports" / "2027-03"
    release = tmp_path / "release" / "2027-03" / "funders"
    (release / "tabelle").mkdir(parents=True)
    reports.mkdir(parents=True)
    files = {name: reports / name for name in ("01_ingest.ipynb", "report.html", "report.pdf")}
    for path in files.values():
        path.write_text("x")
    (release / "manifest.json").write_text("{}")
    (release / "tabelle" / "01_sintesi_1.csv").write_text("a")
    seen = {}

    def fake_pipeline(settings):
        seen["settings"] = settings
        return PipelineResult([files["01_ingest.ipynb"]], files["report.html"],
                              {"pdf": files["report.pdf"], "release": release})

    monkeypatch.setattr("workbench.report.run_pipeline", fake_pipeline)
    monkeypatch.setenv("WORKBENCH_KEY", "k")
    assert cli.main(["report", "--data-dir", str(tmp_path / "dati"), "--period", "2027-03",
                     "--audience", "funders", "--reports-dir", str(tmp_path / "reports")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert seen["settings"].audience == "funders" and seen["settings"].period == "2027-03"
    assert out[0] == "scritti 3 file:"
    listed = [line.strip() for line in out[1:4]]
    assert listed == ["reports/2027-03/01_ingest.ipynb", "reports/2027-03/report.html",
                      "reports/2027-03/report.pdf"]
    assert out[4] == ("rilascio per funders: release/2027-03/funders/ (2 file, elenco e "
                      "impronte in manifest.json)")
    assert len(out) == 5


def test_missing_key_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)
    monkeypatch.delenv("WORKBENCH_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["ingest", str(tmp_path), "--data-dir", str(tmp_path / "dati")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("errore: ") and len(err.strip().splitlines()) == 1
