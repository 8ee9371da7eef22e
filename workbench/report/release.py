"""Releases: what the funders and the public may receive, and nothing else.

``write_release(settings, sections)`` writes ``release/<period>/<audience>/`` for a
restricted audience (``funders``, ``pubblico``; one folder each, so that a public run
never replaces the funders' release of the same period):

- ``tabelle/<nn>_<section>_<i>.csv`` — every table of the report, as shown (formatted
  strings, already disclosure-controlled by :func:`workbench.report.sections.report_data`);
- ``grafici/<nn>_<section>_<i>.html`` — every chart, one page each, with a single shared
  ``plotly.min.js`` beside them (offline), and ``.json`` — the same chart as plotly JSON,
  which the dashboard redraws; the network and the map (self-contained HTML views) are
  ``.html`` pages too;
- ``contenuto.json`` — the report's structure: title, header lines, and per section its
  blocks in order (texts inline, tables and charts by file name);
- the report files of that audience found in ``settings.reports_dir`` (``report.html``,
  ``report.pdf``, ``indicatori.xlsx``, the key-figures card) and the case sheets
  (``schede/``, funders only: realised synergies whose companies both consented);
- ``manifest.json`` — period, audience, language, generation time and the sha256 and size
  of every other file of the release.

The folder is replaced as a whole, so a release never mixes two runs; the release is
recorded in the audit log (action ``release``).

Reading side: :func:`read_release` checks the manifest and rebuilds the sections from
the release alone (no store, no key); :func:`show_release` displays them in a notebook —
it is all the funders' dashboard (``notebooks/cruscotto.ipynb``) runs.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import plotly.io as pio
import plotly.offline

from ..config import Settings
from ..privacy import is_restricted
from ..store import audit, connect
from ..views.figures import PLOTLY_CONFIG
from .exports import CASES_DIR
from .sections import Block, Section, Table, header_lines
from .texts import format_date, text

#: Report files copied into the release when present (never the executed notebooks).
RELEASED_REPORT_FILES: tuple[str, ...] = ("report.html", "report.pdf", "indicatori.xlsx",
                                          "scheda_cifre_chiave.png")

MANIFEST = "manifest.json"

#: The report's structure inside a release (what :func:`read_release` rebuilds).
CONTENT = "contenuto.json"


class ReleaseError(Exception):
    """A release is missing, incomplete or altered; the message is one line for the user."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _page(title: str | None, body: str) -> str:
    """A self-contained HTML view (network, map) as a page of its own."""
    import html

    head = f"<title>{html.escape(title)}</title>" if title else ""
    return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n{head}\n</head>\n'
            f"<body>\n{body}\n</body>\n</html>\n")


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
    content = []
    for number, section in enumerate(sections, start=1):
        blocks = []
        for i, block in enumerate(section.blocks):
            stem = f"{number:02d}_{_slug(section.key)}_{i}"
            entry: dict = {"kind": block.kind, "title": block.title}
            if block.kind == "table":
                table = block.content
                name = f"tabelle/{stem}.csv"
                table.frame.to_csv(tmp / name, index=False, encoding="utf-8")
                entry.update(file=name, caption=table.caption, note=table.note,
                             numeric=list(table.numeric))
            elif block.kind == "figure":
                pio.write_html(block.content, tmp / "grafici" / f"{stem}.html",
                               include_plotlyjs="plotly.min.js", full_html=True,
                               config=PLOTLY_CONFIG)
                (tmp / "grafici" / f"{stem}.json").write_text(
                    pio.to_json(block.content, validate=True), encoding="utf-8")
                entry.update(file=f"grafici/{stem}.json", page=f"grafici/{stem}.html")
                charts += 1
            elif block.kind == "html":  # self-contained views (network, map)
                name = f"grafici/{stem}.html"
                (tmp / name).write_text(_page(block.title, block.content), encoding="utf-8")
                entry.update(file=name)
            else:  # text, note, list: inline
                entry["content"] = block.content
            blocks.append(entry)
        content.append({"key": section.key, "title": section.title, "blocks": blocks})
    (tmp / CONTENT).write_text(json.dumps({
        "title": text("report_title", settings.lang),
        "header": header_lines(settings, now),
        "sections": content,
    }, indent=1, ensure_ascii=False), encoding="utf-8")
    if charts:
        (tmp / "grafici" / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(),
                                                       encoding="utf-8")
    elif not any((tmp / "grafici").iterdir()):
        (tmp / "grafici").rmdir()
    for name in RELEASED_REPORT_FILES:
        source = Path(settings.reports_dir) / name
        if source.exists():
            shutil.copy2(source, tmp / name)
    cases = Path(settings.reports_dir) / CASES_DIR
    if cases.is_dir():  # one page per realised synergy whose companies both consented
        shutil.copytree(cases, tmp / CASES_DIR)
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
    out.parent.mkdir(parents=True, exist_ok=True)
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


def _unpage(page: str) -> str:
    """The view inside a page written by :func:`_page`."""
    start, end = page.find("<body>\n"), page.rfind("\n</body>")
    return page[start + len("<body>\n"):end] if start >= 0 and end > start else page


def find_releases(release_root: str | Path, audience: str = "funders") -> dict[str, Path]:
    """Releases of ``audience`` under ``release_root``: period → folder, oldest first.
    A folder counts when it holds a manifest."""
    root = Path(release_root)
    found = {p.parent.parent.name: p.parent for p in root.glob(f"*/{audience}/{MANIFEST}")}
    return dict(sorted(found.items()))


def select_releases(release_root: str | Path, audience: str,
                    periods: Iterable[str] | None = None,
                    hint_period: str = "AAAA-MM") -> dict[str, Path]:
    """The releases of ``audience`` for ``periods`` (None: every one found), period →
    folder, oldest first. ``hint_period`` goes into the command suggested when there is
    no release at all.

    Raises
    ------
    ReleaseError — there is no release of the audience, or a period has none; the
        message says which ``workbench report`` command writes it.
    """
    releases = find_releases(release_root, audience)
    if not releases:
        raise ReleaseError(f"nessun rilascio per {audience!r} in {release_root}: eseguire "
                           f"prima `workbench report --period {hint_period} --audience {audience}`")
    wanted = list(periods) if periods else list(releases)
    missing = [p for p in wanted if p not in releases]
    if missing:
        raise ReleaseError(f"nessun rilascio per {audience!r} del periodo "
                           f"{', '.join(missing)} in {release_root} (disponibili: "
                           f"{', '.join(releases)}); eseguire `workbench report --period "
                           f"{missing[0]} --audience {audience}`")
    return {p: releases[p] for p in sorted(wanted)}


@dataclass
class Release:
    """A verified release, rebuilt from its files (see :func:`read_release`)."""

    folder: Path
    manifest: dict
    title: str
    header: list[str]
    sections: list[Section]

    @property
    def period(self) -> str:
        return self.manifest["period"]

    @property
    def audience(self) -> str:
        return self.manifest["audience"]

    @property
    def lang(self) -> str:
        return self.manifest["lang"]


def read_release(folder: str | Path) -> Release:
    """Check a release against its manifest and rebuild its report sections.

    Only files of the release are read — no store, no key: this is what makes the
    funders' dashboard safe to serve.

    Raises
    ------
    ReleaseError — the folder or its manifest is missing, a file was altered, added or
        removed since the release was written (the message names them), or the release
        predates ``contenuto.json``.
    """
    import pandas as pd

    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise ReleaseError(f"nessun rilascio in {folder}: manca {MANIFEST}")
    problems = verify_release(folder)
    if problems:
        shown = ", ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        raise ReleaseError(f"rilascio {folder} alterato o incompleto ({len(problems)} file "
                           f"non corrispondono al manifesto: {shown}); rigenerarlo con "
                           "`workbench report --audience ...`")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if not (folder / CONTENT).is_file():
        raise ReleaseError(f"rilascio {folder} senza {CONTENT}: rigenerarlo con "
                           "`workbench report --audience ...`")
    content = json.loads((folder / CONTENT).read_text(encoding="utf-8"))
    sections = []
    for raw in content["sections"]:
        blocks = []
        for entry in raw["blocks"]:
            kind, title = entry["kind"], entry.get("title")
            if kind == "table":
                frame = pd.read_csv(folder / entry["file"], dtype=str, keep_default_na=False,
                                    encoding="utf-8")
                body = Table(frame, tuple(entry.get("numeric") or ()), entry.get("caption"),
                             entry.get("note"))
            elif kind == "figure":
                body = pio.from_json((folder / entry["file"]).read_text(encoding="utf-8"))
            elif kind == "html":
                body = _unpage((folder / entry["file"]).read_text(encoding="utf-8"))
            else:
                body = entry["content"]
            blocks.append(Block(kind, body, title=title))
        sections.append(Section(raw["key"], raw["title"], blocks))
    return Release(folder, manifest, content["title"], list(content["header"]), sections)


def show_release(release_root: str | Path, period: str | None = None,
                 audience: str = "funders", errors: str = "raise") -> Release | None:
    """Display a release in the running notebook (the funders' dashboard).

    Parameters
    ----------
    release_root : path — the ``release/`` folder.
    period : str or None — ``AAAA-03`` or ``AAAA-09``; None: the latest release.
    audience : str — ``funders`` or ``pubblico``.
    errors : str — ``raise``: a :class:`ReleaseError` propagates; ``show``: its message is
        displayed instead and None returned (the dashboard, whose tracebacks are hidden).

    Raises
    ------
    ReleaseError — no release of that audience (and period), or one that fails its
        manifest check: then nothing of it is shown.
    """
    if errors == "show":
        try:
            return show_release(release_root, period, audience)
        except ReleaseError as exc:
            from IPython.display import HTML, display

            from .html import CSS
            import html
            display(HTML(f'<style>{CSS}</style><div class="wb-report"><p class="wb-note">'
                         f"{html.escape(str(exc))}</p></div>"))
            return None
    from .html import display_document

    releases = select_releases(release_root, audience)
    if period is None:
        period = list(releases)[-1]
    release = read_release(select_releases(release_root, audience, [period])[period])
    others = [p for p in releases if p != period]
    made = datetime.fromisoformat(release.manifest["generated_at"])
    check = text("release_verified", release.lang, n=len(release.manifest["files"]),
                 when=f"{format_date(made, release.lang)} {made:%H:%M}")
    if others:
        check += " " + text("release_others", release.lang, periods=", ".join(others))
    display_document(release.title, release.header + [check], release.sections)
    return release


__all__ = ["write_release", "verify_release", "read_release", "show_release", "find_releases",
           "select_releases",
           "Release", "ReleaseError", "RELEASED_REPORT_FILES", "MANIFEST", "CONTENT",
           "sha256_of"]
