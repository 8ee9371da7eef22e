"""The report pipeline: run the numbered notebooks with papermill, in order.

``run_pipeline(settings)`` executes ``notebooks/01_ingest.ipynb`` … ``05_report.ipynb``
into ``settings.reports_dir`` (``reports/<period>/``, or ``reports/<period>/<audience>/``), each executed copy named like its
source, with the run's parameters injected. Notebooks pass data through the store and the
run folder, never through kernel state, so each gets a fresh kernel. The first failure
stops the run with a :class:`PipelineError` whose message names the notebook and the
cell; the executed notebook with the error stays on disk for inspection.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import NOTEBOOKS_DIR, Settings

#: The pipeline's notebooks, in execution order.
NOTEBOOKS: tuple[str, ...] = (
    "01_ingest.ipynb",
    "02_flow_mapping.ipynb",
    "03_synergy_screening.ipynb",
    "04_lca.ipynb",
    "05_report.ipynb",
)

#: Seconds to wait for a kernel to start. [s]
KERNEL_START_TIMEOUT = 120


class PipelineError(Exception):
    """A notebook of the pipeline failed. ``str(error)`` is one line for the user.

    Attributes
    ----------
    notebook : str — file name of the failing notebook.
    cell_index : int or None — position of the failing cell in the *source* notebook
        (0-based; the injected parameters cell is not counted).
    execution_count : int or None — the ``In [n]`` number shown in the executed copy.
    source_line : str or None — first non-empty line of the failing cell's code.
    error : str — exception name and message raised in the cell.
    output_path : Path or None — the executed (partial) notebook kept on disk.
    """

    def __init__(self, notebook: str, error: str, *, cell_index: int | None = None,
                 execution_count: int | None = None, source_line: str | None = None,
                 output_path: Path | None = None):
        self.notebook = notebook
        self.error = error
        self.cell_index = cell_index
        self.execution_count = execution_count
        self.source_line = source_line
        self.output_path = output_path
        where = ""
        if cell_index is not None:
            where = f", cella {cell_index + 1}"
            if execution_count is not None:
                where += f" (In [{execution_count}])"
            if source_line:
                where += f" «{source_line}»"
        kept = f" — notebook parziale in {output_path}" if output_path else ""
        super().__init__(f"{notebook}{where}: {error}{kept}")


@dataclass
class PipelineResult:
    """What :func:`run_pipeline` wrote.

    Attributes
    ----------
    notebooks : list of Path — the executed notebooks, in order.
    report : Path or None — ``report.html`` written by notebook 05, when it ran.
    exports : dict — name → path of every export (``xlsx``, ``pdf``, ``card``, ``case:…``,
        ``release`` …), empty when exports were not run.
    """

    notebooks: list[Path]
    report: Path | None = None
    exports: dict[str, Path] = field(default_factory=dict)

    def files(self) -> list[Path]:
        """Every file written: notebooks, the report, the exports; the release as its
        folder's files."""
        out = list(self.notebooks) + ([self.report] if self.report else [])
        for path in self.exports.values():
            path = Path(path)
            out += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        return out


def pipeline_parameters(settings: Settings) -> dict[str, str]:
    """The parameters injected into every notebook (all strings, papermill-friendly).

    ``reports_root`` is passed only to notebooks that declare it (see
    :func:`run_pipeline`), so that a run into a folder other than ``./reports`` writes
    its report there too.
    """
    return {
        "period": settings.period,
        "audience": settings.audience,
        "lang": settings.lang,
        "data_dir": str(settings.data_dir),
        "store_path": str(settings.store_path),
        "reports_root": str(settings.reports_root),
    }


def _declared_parameters(path: Path) -> set[str] | None:
    """Names declared in the notebook's ``parameters`` cell; None when it has none."""
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(path))
    if not any("parameters" in c.metadata.tags for c in nb.cells):
        return None
    return {p.name for p in _infer_parameters(nb)}


def _first_line(source: str) -> str | None:
    for line in str(source).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line if len(line) <= 100 else line[:97] + "..."
    return None


def _source_index(output_path: Path, executed_index: int) -> int:
    """Map a cell index of the executed notebook to the source notebook's index.

    The executed copy has papermill's injected parameters cell (and, after an error,
    papermill's error banner cells): they are not in the source and are not counted.
    """
    import nbformat  # imported here: its schema validator costs seconds to import

    try:
        nb = nbformat.read(str(output_path), as_version=4)
    except Exception:  # the partial notebook is unreadable: best effort
        return executed_index
    skip = ("injected-parameters", "papermill-error-cell-tag")
    # the banner is inserted at the top after the error index was recorded; the anchor
    # just before the failing cell. Count only cells of the source before the failure.
    failing = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and any(o.get("output_type") == "error"
                                                for o in c.get("outputs", []))]
    target = failing[0] if failing else executed_index
    return sum(1 for c in nb.cells[:target]
               if not set(c.get("metadata", {}).get("tags", [])) & set(skip))


@contextmanager
def _kernel_environment(settings: Settings) -> Iterator[None]:
    """Kernels inherit the environment: give them the key the settings hold."""
    saved = {name: os.environ.get(name) for name in ("WORKBENCH_KEY", "WORKBENCH_KEY_FILE")}
    try:
        if settings.key:
            os.environ["WORKBENCH_KEY"] = settings.key
        elif settings.key_file and not os.environ.get("WORKBENCH_KEY"):
            os.environ["WORKBENCH_KEY_FILE"] = str(settings.key_file)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_pipeline(settings: Settings, notebooks: Sequence[str | os.PathLike] | None = None,
                 progress: bool = True, parameters: dict | None = None,
                 notebooks_dir: str | os.PathLike | None = None,
                 kernel_name: str = "python3", exports: bool = True) -> PipelineResult:
    """Execute the pipeline notebooks in order with papermill, then write the exports.

    Parameters
    ----------
    settings : Settings — period, audience, language, store; outputs go to
        ``settings.reports_dir``.
    notebooks : sequence of names or paths, or None — the notebooks to run, in order;
        default :data:`NOTEBOOKS`. Names are looked up in ``notebooks_dir``.
    progress : bool — a progress bar over the notebooks, and one over the cells of each
        notebook (papermill's, named after the notebook).
    parameters : dict or None — extra or overriding parameters for every notebook.
    notebooks_dir : path or None — where the notebooks are; default ``notebooks/`` of
        the repository.
    kernel_name : str — the Jupyter kernel.
    exports : bool — after ``05_report.ipynb`` (when it is run), write the other outputs
        (``indicatori.xlsx``, ``report.pdf``, key-figures card, case sheets) and, for
        ``funders``/``pubblico``, the release: :func:`workbench.report.exports.export_outputs`.

    Returns
    -------
    PipelineResult — the executed notebooks, in order, and the exports written.

    Raises
    ------
    PipelineError — the first notebook that fails (missing file, failing cell, dead
        kernel); the notebooks after it are not run, the executed ones are kept.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from tqdm.auto import tqdm

    folder = Path(notebooks_dir) if notebooks_dir else NOTEBOOKS_DIR
    paths = [Path(n) if Path(n).is_absolute() else folder / n for n in (notebooks or NOTEBOOKS)]
    out_dir = Path(settings.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    values = pipeline_parameters(settings)
    values.update({k: (str(v) if isinstance(v, os.PathLike) else v)
                   for k, v in (parameters or {}).items()})
    done: list[Path] = []
    bar = tqdm(paths, desc="pipeline", unit="notebook", disable=not progress)
    with _kernel_environment(settings), bar:
        for path in bar:
            bar.set_postfix_str(path.name)
            if not path.exists():
                raise PipelineError(path.name, f"notebook inesistente: {path}")
            output = out_dir / path.name
            declared = _declared_parameters(path)
            injected = values if declared is None else \
                {k: v for k, v in values.items() if k in declared or k not in ("reports_root",)}
            try:
                papermill.execute_notebook(
                    str(path), str(output), parameters=injected,
                    progress_bar={"desc": path.stem} if progress else False,
                    kernel_name=kernel_name, language="python",
                    start_timeout=KERNEL_START_TIMEOUT, log_output=False)
            except PapermillExecutionError as exc:
                raise PipelineError(
                    path.name, f"{exc.ename}: {_one_line(exc.evalue)}",
                    cell_index=_source_index(output, exc.cell_index),
                    execution_count=exc.exec_count, source_line=_first_line(exc.source),
                    output_path=output if output.exists() else None) from None
            except Exception as exc:  # dead kernel, timeout, unreadable notebook
                raise PipelineError(
                    path.name, f"{type(exc).__name__}: {_one_line(str(exc))}",
                    output_path=output if output.exists() else None) from exc
            done.append(output)
    written: dict[str, Path] = {}
    report = out_dir / "report.html"
    ran_report = any(p.name == NOTEBOOKS[-1] for p in paths)
    if exports and ran_report:
        from .exports import export_outputs

        try:
            written = export_outputs(settings, progress=progress)
        except Exception as exc:
            raise PipelineError("esportazioni", f"{type(exc).__name__}: {_one_line(str(exc))}") from exc
    return PipelineResult(done, report if ran_report and report.exists() else None, written)


def _one_line(message: str, limit: int = 300) -> str:
    line = " ".join(str(message).split())
    return line if len(line) <= limit else line[:limit - 3] + "..."
