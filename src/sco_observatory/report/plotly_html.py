"""A figure's JSON and its div written as `plotly.io.to_html` writes them, without importing plotly.

Why: the report's charts are plain JSON (report/charts.py builds `{"data": [...], "layout": {...}}`),
and all plotly did with them was serialise them and wrap them in a div. Importing it for that cost
~0.15 s (`plotly.io._json` loads plotly's validators and narwhals), and the figure objects the charts
were built from another ~0.3 s of validation and deep copies (benchmarks/README.md, "report, session 6").
What is written here is what plotly 7's `to_html(spec, validate=False, full_html=False,
include_plotlyjs=False, div_id=..., config=...)` writes for such a spec with its standard-library
JSON engine (plotly's encoder, compact separators, then `<`, `>`, `/` escaped; plotly's "auto" picks
orjson where that is installed, which this package does not depend on, so the JSON is always the
standard library's), the same div and `Plotly.newPlot` script. tests/test_report_charts.py checks it against plotly itself, chart by chart,
and benchmarks/compare_reports.py the whole report.

The "plotly_white" template (about 6 kB of JSON, its keys in the order plotly's validation gives
them) is a constant of the installed plotly: it is built with plotly once per plotly install and kept
in the user cache dir (kb/cache.cache_dir, as the ledger is), keyed by where plotly's `__init__.py` and
the template file are and their size and modification time, so a plotly upgrade builds it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

_SWAP = (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"))
"""Characters plotly escapes in every JSON it writes into HTML (plotly/io/_json.py `_swap_json`)."""


def _safe(text: str, swaps: tuple[tuple[str, str], ...]) -> str:
    for raw, escaped in swaps:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def figure_json(value: Any) -> str:
    """`plotly.io.json.to_json_plotly(value)` for plain JSON values (dicts, lists, str, numbers, None).

    NaN and infinities are written as null by both engines (as plotly's encoder does).

    What `_plotly_utils.utils.PlotlyJSONEncoder.encode` does for such values, written out: the standard
    encoder's text; where it holds "NaN" or "Infinity" (a NaN constant, or only a title containing the
    word), parsed with those constants as None and written again with the same separators. Why not the
    class itself: importing it loads plotly's validators and narwhals (~50 ms of every report that draws a
    chart); `tests/test_report_charts.py` checks every chart's div against plotly's own `to_html`."""
    text = json.dumps(value, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:
        strict = json.loads(text, parse_constant=lambda const: None)  # only NaN, Infinity, -Infinity reach here
        text = json.dumps(strict, separators=(",", ":"))
    return _safe(text, _SWAP)


def _css_size(value: Any) -> str:
    """A width/height as plotly writes it into the div's style: a number gets 'px', anything else as is."""
    try:
        float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{value}px"


def figure_div(spec: dict, div_id: str, config: dict) -> str:
    """The div `plotly.io.to_html(spec, validate=False, full_html=False, include_plotlyjs=False,
    div_id=div_id, config=config)` writes (plotly.js itself is inlined once by the report)."""
    layout = spec.get("layout", {})
    template = layout.get("template", {}).get("layout", {})
    width = _css_size(layout.get("width", template.get("width", "100%")))
    height = _css_size(layout.get("height", template.get("height", "100%")))
    config = dict(config)
    config.setdefault("responsive", True)
    if not config.get("showSendToCloud", False):
        config.pop("plotlyServerURL", None)
    script = (f'                if (document.getElementById("{div_id}")) {{'
              f'                    Plotly.newPlot('
              f'                        "{div_id}",'
              f'                        {figure_json(spec.get("data", []))},'
              f'                        {figure_json(layout)},'
              f'                        {json.dumps(config)}'
              f'                    )'
              f'                }}')
    return (f'<div style="height:{height}; width:{width};">'
            f'                '
            f'            <div id="{div_id}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
            f'            <script>'
            f'                window.PLOTLYENV=window.PLOTLYENV || {{}};'
            f'                {script};'
            f'            </script>'
            f'        </div>').strip()


def _plotly_files() -> list[Path]:
    """plotly's `__init__.py` and its plotly_white template file, found without importing plotly."""
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(list(spec.submodule_search_locations)[0])
    return [root / "__init__.py", root / "package_data" / "templates" / "plotly_white.json"]


def _template_key() -> str:
    digest = hashlib.sha256(b"plotly_white\0format=1\0")
    for path in _plotly_files():
        try:
            st = os.stat(path)
            digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\0".encode("utf-8"))
        except OSError:
            digest.update(f"{path}:missing\0".encode("utf-8"))
    return digest.hexdigest()[:32]


def _built_template() -> dict:
    """plotly's "plotly_white" template as a figure's JSON carries it (what `template="plotly_white"` gave)."""
    import plotly.graph_objects as go

    return go.Figure().update_layout(template="plotly_white").to_dict()["layout"]["template"]


@lru_cache(maxsize=1)
def white_template() -> dict:
    """The "plotly_white" template, from the cache file when it holds this plotly's (see the module
    docstring), else built with plotly and written there (atomically; a cache that cannot be written is
    skipped). json keeps the keys' order, so the template is written as plotly orders it."""
    from sco_observatory.kb.cache import cache_dir

    folder = cache_dir()
    path = folder / f"plotly-white-{_template_key()}.json" if folder is not None else None
    if path is not None:
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            pass
    template = _built_template()
    if path is not None and folder is not None:
        tmp = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".plotly-white-", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(template, fh)
            os.replace(tmp, path)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
    return template
