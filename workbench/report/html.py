"""Render report sections as one self-contained HTML file, and show them in a notebook.

The HTML is composed here, not exported from the notebook with nbconvert: there is no
code to hide because none is ever written into it. It works offline: CSS is inline,
plotly.js is inlined once in the ``<head>`` (``plotly.offline.get_plotlyjs()``), each
chart is a ``<div>`` with its ``Plotly.newPlot`` call, and nothing is loaded from a URL.
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime

import plotly.io as pio
import plotly.offline

from ..config import Settings
from ..views.figures import PLOTLY_CONFIG, plotly_bundle
from .sections import Block, Section, Table, header_lines
from .texts import text


#: Default chart height when the figure sets none. [px]
DEFAULT_FIGURE_HEIGHT = 460

CSS = """
.wb-report { font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
  color: #222; line-height: 1.45; max-width: 1100px; margin: 0 auto; padding: 0 1.2em 3em; }
.wb-report h1 { font-size: 1.7em; border-bottom: 3px solid #2c7fb8; padding-bottom: .3em; }
.wb-report h2 { font-size: 1.3em; color: #2c7fb8; margin-top: 2em;
  border-bottom: 1px solid #ccc; padding-bottom: .2em; }
.wb-report h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
.wb-report .wb-meta { color: #555; margin: .1em 0; }
.wb-report nav ol { columns: 2; padding-left: 1.4em; }
.wb-report nav a { color: #2c7fb8; text-decoration: none; }
.wb-report table.wb-table { border-collapse: collapse; margin: .6em 0 .3em; font-size: .93em; }
.wb-report table.wb-table caption { text-align: left; font-weight: 600; padding: .3em 0; }
.wb-report table.wb-table th, .wb-report table.wb-table td { padding: .3em .7em;
  border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
.wb-report table.wb-table th { background: #f2f6fa; border-bottom: 2px solid #bcd; }
.wb-report table.wb-table td.num, .wb-report table.wb-table th.num { text-align: right;
  white-space: nowrap; font-variant-numeric: tabular-nums; }
.wb-report p.wb-note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5em .8em; }
.wb-report p.wb-tablenote { color: #666; font-size: .85em; margin-top: 0; }
.wb-report h3 { break-after: avoid; }
.wb-report .wb-figure { margin: .8em 0 1.4em; }
@media print { .wb-report nav { display: none; } .wb-report section { break-inside: auto; }
  .wb-report table.wb-table { font-size: .78em; } .wb-report table.wb-table th { white-space: normal; }
  .wb-report table.wb-wide { font-size: .66em; }
  .wb-report table.wb-wide th, .wb-report table.wb-wide td { padding: .25em .35em; }
  .wb-report .wb-figure { break-inside: avoid; } .modebar-container { display: none !important; } }
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


#: Tables with more columns than this print smaller, with tighter cells, to fit A4.
WIDE_TABLE_COLUMNS = 7


def table_html(table: Table) -> str:
    """A :class:`Table` as an HTML ``<table>`` (escaped, numeric columns right-aligned)."""
    numeric = set(table.numeric)
    wide = " wb-wide" if len(table.frame.columns) > WIDE_TABLE_COLUMNS else ""
    parts = [f'<table class="wb-table{wide}">']
    if table.caption:
        parts.append(f"<caption>{_esc(table.caption)}</caption>")
    align = {c: ' class="num"' if c in numeric else "" for c in table.frame.columns}
    parts.append("<thead><tr>" + "".join(f"<th{align[c]}>{_esc(c)}</th>"
                                         for c in table.frame.columns) + "</tr></thead><tbody>")
    for row in table.frame.itertuples(index=False):
        parts.append("<tr>" + "".join(f"<td{align[c]}>{_esc(v)}</td>"
                                      for c, v in zip(table.frame.columns, row)) + "</tr>")
    parts.append("</tbody></table>")
    if table.note:
        parts.append(f'<p class="wb-tablenote">{_esc(table.note)}</p>')
    return "".join(parts)


def figure_html(fig, div_id: str) -> str:
    """One plotly figure as a ``<div>`` + script, without plotly.js (inlined once elsewhere)."""
    height = fig.layout.height or DEFAULT_FIGURE_HEIGHT
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                       div_id=div_id, default_height=f"{height}px", default_width="100%",
                       validate=True)


def block_html(block: Block, div_id: str) -> str:
    """HTML of one block (a figure becomes a div that needs plotly.js on the page)."""
    title = f"<h3>{_esc(block.title)}</h3>" if block.title else ""
    if block.kind == "text":
        return f"{title}<p>{_esc(block.content)}</p>"
    if block.kind == "note":
        return f'{title}<p class="wb-note">{_esc(block.content)}</p>'
    if block.kind == "table":
        return title + table_html(block.content)
    if block.kind == "list":
        return title + "<ul>" + "".join(f"<li>{_esc(x)}</li>" for x in block.content) + "</ul>"
    # a titled chart or view is one unit on paper: its heading never ends a page alone
    if block.kind == "figure":
        return (f'<div class="wb-figure">{title}'
                f"{figure_html(block.content, div_id)}</div>")
    if block.kind == "html":  # trusted, self-contained HTML made by workbench.views
        return f'<div class="wb-figure wb-html">{title}{block.content}</div>'
    raise ValueError(f"unknown block kind {block.kind!r}")


def _heading(number: int, section: Section) -> str:
    return f'<h2 id="sec-{_esc(section.key)}">{number}. {_esc(section.title)}</h2>'


def render_html(sections: Iterable[Section], settings: Settings,
                now: datetime | None = None) -> str:
    """The whole report as one self-contained HTML document.

    Parameters
    ----------
    sections : iterable of Section — from :func:`workbench.report.sections.report_sections`.
    settings : Settings — language and the header's period and audience.
    now : datetime or None — generation time shown in the header (default: now).
    """
    sections = list(sections)
    lang = settings.lang
    title = text("report_title", lang)
    toc = "".join(f'<li><a href="#sec-{_esc(s.key)}">{_esc(s.title)}</a></li>' for s in sections)
    body = []
    for number, section in enumerate(sections, start=1):
        blocks = "".join(block_html(b, f"fig-{section.key}-{i}")
                         for i, b in enumerate(section.blocks))
        body.append(f'<section class="wb-section">{_heading(number, section)}{blocks}</section>')
    meta = "".join(f'<p class="wb-meta">{_esc(line)}</p>' for line in header_lines(settings, now))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)} {_esc(settings.period)}</title>\n"
        f"<style>{CSS}</style>\n"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>\n'
        f'</head>\n<body>\n<main class="wb-report">\n<h1>{_esc(title)}</h1>\n{meta}\n'
        f'<nav><h2>{_esc(text("contents", lang))}</h2><ol>{toc}</ol></nav>\n'
        + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def display_sections(sections: Iterable[Section], settings: Settings) -> None:
    """Show the sections in the running notebook (JupyterLab, Voila): text and tables as
    HTML outputs, charts as interactive plotly outputs (mimetype, no CDN)."""
    display_document(text("report_title", settings.lang), header_lines(settings), sections)


def display_document(title: str, header: Iterable[str], sections: Iterable[Section]) -> None:
    """Show a title, header lines and sections in the running notebook; what
    :func:`display_sections` and the funders' dashboard (a release) both use."""
    from IPython.display import HTML, display

    sections = list(sections)
    head = "".join(f'<p class="wb-meta">{_esc(line)}</p>' for line in header)
    toc = "".join(f'<li><a href="#sec-{_esc(s.key)}">{_esc(s.title)}</a></li>' for s in sections)
    display(HTML(f'<style>{CSS}</style><div class="wb-report">'
                 f'<h1>{_esc(title)}</h1>{head}<nav><ol>{toc}</ol></nav></div>'))
    for number, section in enumerate(sections, start=1):
        pending = [_heading(number, section)]
        for block in section.blocks:
            if block.kind == "figure":
                if block.title:
                    pending.append(f"<h3>{_esc(block.title)}</h3>")
                display(HTML('<div class="wb-report">' + "".join(pending) + "</div>"))
                pending = []
                fig = block.content
                fig.update_layout(height=fig.layout.height or DEFAULT_FIGURE_HEIGHT)
                display(plotly_bundle(fig), raw=True)
            else:
                pending.append(block_html(block, ""))
        if pending:
            display(HTML('<div class="wb-report">' + "".join(pending) + "</div>"))
