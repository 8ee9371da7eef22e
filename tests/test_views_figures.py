"""Plotly figures in kernels (workbench/views/figures.py)."""
from __future__ import annotations

import nbformat
import papermill

from workbench.views.figures import PLOTLY_CONFIG, plotly_bundle


def test_bundle_is_plotlys_mimetype():
    import plotly.graph_objects as go

    bundle = plotly_bundle(go.Figure(go.Bar(x=["a"], y=[1])))
    assert list(bundle) == ["application/vnd.plotly.v1+json"]
    figure = bundle["application/vnd.plotly.v1+json"]
    assert figure["data"][0]["type"] == "bar" and figure["config"] == PLOTLY_CONFIG


def test_a_figure_shown_in_a_kernel_uses_the_bundle_without_nbformat(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("import sys\nimport workbench.views\n"
                                  "import plotly.graph_objects as go\n"
                                  "go.Figure(go.Bar(x=['a'], y=[1]))"),
        nbformat.v4.new_code_cell("print('lenti:', [m for m in ('nbformat', 'rfc3987_syntax') "
                                  "if m in sys.modules])"),
    ]
    source, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(source))
    papermill.execute_notebook(str(source), str(out), progress_bar=False, kernel_name="python3")
    done = nbformat.read(str(out), as_version=4)
    shown = [o for o in done.cells[0].outputs if o.output_type == "display_data"]
    assert len(shown) == 1
    figure = shown[0].data["application/vnd.plotly.v1+json"]
    assert figure["data"][0]["type"] == "bar" and figure["config"]["displaylogo"] is False
    assert "lenti: []" in done.cells[1].outputs[0].text
