"""Releases: what the funders and the public may receive, and nothing else.

``write_release(settings, sections)`` writes ``release/<period>/`` for a restricted
audience (``funders``, ``pubblico``):

- ``tabelle/<nn>_<section>_<i>.csv`` — every table of the report, as shown (formatted
  strings, already disclosure-controlled by :func:`workbench.report.sections.report_data`);
- ``grafici/<nn>_<section>_<i>.html`` — every chart, one page each, with a single shared
  ``plotly.min.js`` beside them (offline);
- the report files of that audience found in ``reports/<period>/`` (``report.html``,
  ``report.pdf``, ``indicatori.xlsx``, the key-figures card);
- ``manifest.json`` — period, audience, language, generation time and the sha256 and size
  of every other file of the release.

The folder is replaced as a whole, so a release never mixes two runs; the release is
recorded in the audit log (action ``release``).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import plotly.io as pio
import plotly.offline

from ..config import Settings
from ..privacy import is_restricted
from ..store import audit, connect
from .sections import Section

#: Report files copied into the release when present (never the executed notebooks).
RELEASED_REPORT_FILES: tuple[str, ...] = ("report.html", "report.pdf", "indicatori.xlsx",
                                          "scheda_cifre_chiave.png")

MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def write_release(settings: Settings, sections: Iterable[Section],
                  now: datetime | None = None) -> Path:
    """Write ``settings.release_dir`` from the report's sections and files.

    Parameters
    ----------
    settings : Settings — a restricted audience (``funders`` or ``pubblico``).
    sections : iterable of Section — made for ``settings.audience`` (disclosure-controlled).
    now : datetime or None — the generation time written in the manifest.

    Returns
    -------
    Path — the release folder.

    Raises
    ------
    ValueError — for the ``gsi`` audience: its report is not releasable.
    """
    if not is_restricted(settings.audience):
        raise ValueError("un rilascio si fa solo per i destinatari 'funders' o 'pubblico', "
                         f"non per {settings.audience!r}")
    now = now or datetime.now()
    out = Path(settings.release_dir)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "tabelle").mkdir(parents=True)
    (tmp / "grafici").mkdir()
    charts = 0
    for number, section in enumerate(sections, start=1):
        for i, block in enumerate(section.blocks):
            stem = f"{number:02d}_{_slug(section.key)}_{i}"
            if block.kind == "table":
                block.content.frame.to_csv(tmp / "tabelle" / f"{stem}.csv", index=False,
                                           encoding="utf-8")
            elif block.kind == "figure":
                pio.write_html(block.content, tmp / "grafici" / f"{stem}.html",
                               include_plotlyjs="plotly.min.js", full_html=True,
                               config={"displaylogo": False, "responsive": True})
                charts += 1
    if charts:
        (tmp / "grafici" / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(),
                                                       encoding="utf-8")
    else:
        (tmp / "grafici").rmdir()
    for name in RELEASED_REPORT_FILES:
        source = Path(settings.reports_dir) / name
        if source.exists():
            shutil.copy2(source, tmp / name)
    files = sorted(p for p in tmp.rglob("*") if p.is_file())
    manifest = {
        "period": settings.period,
        "audience": settings.audience,
        "lang": settings.lang,
        "generated_at": now.isoformat(timespec="seconds"),
        "files": [{"path": p.relative_to(tmp).as_posix(), "bytes": p.stat().st_size,
                   "sha256": sha256_of(p)} for p in files],
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    with connect(settings) as con:
        audit(con, "release", actor=settings.actor, target=str(out), audience=settings.audience,
              file_hash=sha256_of(out / MANIFEST),
              detail=f"rilascio periodo={settings.period} file={len(files)}")
    return out


def verify_release(folder: str | Path) -> list[str]:
    """Files of a release whose hash or size differ from its manifest, or are missing
    from it; an empty list when the release is intact."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    problems = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        rel = path.relative_to(folder).as_posix()
        entry = listed.pop(rel, None)
        if entry is None or entry["sha256"] != sha256_of(path):
            problems.append(rel)
    return problems + sorted(listed)


__all__ = ["write_release", "verify_release", "RELEASED_REPORT_FILES", "MANIFEST", "sha256_of"]
