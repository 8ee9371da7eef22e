"""The ``workbench`` command: ``template``, ``ingest``, ``demo``, ``report``, ``dashboard``.

Errors the user can fix are printed as one line on standard error with exit code 2;
no traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .config import DEFAULT_PERIOD, DEMO_KEY, ConfigError, load_settings
from .model import AUDIENCES, LANGUAGES


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="cartella di lavoro (archivio, esecuzioni); predefinita ./demo")
    parser.add_argument("--store", help="archivio cifrato; predefinito <data-dir>/store.duckdb")
    parser.add_argument("--key-file", help="file con la chiave dell'archivio (altrimenti WORKBENCH_KEY)")
    parser.add_argument("--config", help="file workbench.toml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Banco di lavoro del Gruppo Simbiosi Industriale di Livorno")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="scrive il questionario vuoto da inviare alle aziende")
    p.add_argument("out", help="file .xlsx da scrivere")
    p.add_argument("--registro", action="store_true", help="scrive invece il modello del registro sinergie")

    p = sub.add_parser("ingest", help="acquisisce una cartella di questionari nell'archivio cifrato")
    p.add_argument("folder", help="cartella con i questionari .xlsx")
    p.add_argument("--errors", help="dove scrivere il rapporto errori (.xlsx); predefinito <folder>/errori_ingest.xlsx")
    _common(p)

    p = sub.add_parser("demo", help="genera il cluster dimostrativo di Livorno e costruisce il suo archivio")
    p.add_argument("--companies", type=int, default=50, help="numero di aziende (predefinito 50)")
    _common(p)

    p = sub.add_parser("report", help="esegue i cinque notebook e scrive il rapporto semestrale")
    p.add_argument("--period", default=DEFAULT_PERIOD, help="AAAA-03 (intermedio) o AAAA-09 (finale)")
    p.add_argument("--audience", default="gsi", choices=AUDIENCES)
    p.add_argument("--lang", default="it", choices=LANGUAGES)
    p.add_argument("--reports-dir", help="cartella dei rapporti; predefinita ./reports")
    _common(p)

    p = sub.add_parser("dashboard", help="serve con Voila il cruscotto dei finanziatori: legge solo i rilasci (release/)")
    p.add_argument("--period", action="append",
                   help="periodo da mostrare (ripetibile); predefiniti: tutti i rilasci presenti")
    p.add_argument("--audience", default="funders", choices=[a for a in AUDIENCES if a != "gsi"])
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--reports-dir", help="cartella dei rapporti; i rilasci sono in ../release accanto a essa")
    _common(p)
    return parser


def _settings(args, **overrides):
    if getattr(args, "reports_dir", None):
        overrides["reports_root"] = Path(args.reports_dir).resolve()
    return load_settings(args.data_dir, args.store, args.config,
                         key_file=getattr(args, "key_file", None), **overrides)


def _shown(path) -> str:
    """A path relative to the working folder when it is inside it."""
    path, cwd = Path(path).resolve(), Path.cwd().resolve()
    return str(path.relative_to(cwd) if path.is_relative_to(cwd) else path)


def main(argv: list[str] | None = None) -> int:
    from .store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, StoreError) as exc:
        print(f"errore: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrotto", file=sys.stderr)
        return 130
    except Exception as exc:  # known, user-fixable errors of the subpackages
        if type(exc).__name__ in {"QuestionnaireError", "PipelineError", "RegisterError",
                                  "DashboardError"}:
            print(f"errore: {exc}", file=sys.stderr)
            return 2
        raise


def _run(args) -> int:
    if args.command == "template":
        if args.registro:
            from .register import write_register_workbook
            path = write_register_workbook(args.out)
        else:
            from .ingest.spec import write_questionnaire
            path = write_questionnaire(args.out)
        print(f"modello scritto: {path}")
        return 0

    if args.command == "ingest":
        from .ingest import ingest_folder, write_error_report
        settings = _settings(args)
        result = ingest_folder(settings, args.folder)
        print(result.summary())
        if len(result.problems):
            path = Path(args.errors or Path(args.folder) / "errori_ingest.xlsx")
            write_error_report(result.problems, path)
            print(f"{len(result.problems)} problemi: vedere {path}")
        return 0

    if args.command == "demo":
        from .demo import build_demo
        if not os.environ.get("WORKBENCH_KEY") and not args.key_file:
            os.environ["WORKBENCH_KEY"] = DEMO_KEY
            print("uso la chiave dimostrativa (NON segreta: solo per i dati sintetici)")
        settings = _settings(args)
        build_demo(settings, n_companies=args.companies)
        print(f"archivio dimostrativo pronto: {settings.store_path}")
        return 0

    if args.command == "report":
        from .report import run_pipeline
        settings = _settings(args, period=args.period, audience=args.audience, lang=args.lang)
        result = run_pipeline(settings)
        release = result.exports.get("release")
        files = [p for p in result.files()
                 if release is None or not Path(p).is_relative_to(release)]
        print(f"scritti {len(files)} file:")
        for path in files:
            print(f"  {_shown(path)}")
        if release is not None:
            count = sum(1 for p in Path(release).rglob("*") if p.is_file())
            print(f"rilascio per {settings.audience}: {_shown(release)}/ ({count} file, "
                  "elenco e impronte in manifest.json)")
        return 0

    if args.command == "dashboard":
        from .report import serve_dashboard
        settings = _settings(args, **({"period": args.period[-1]} if args.period else {}))
        serve_dashboard(settings, port=args.port, periods=args.period, audience=args.audience)
        return 0
    raise AssertionError(args.command)  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
