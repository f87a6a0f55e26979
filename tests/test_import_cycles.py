"""No two modules of the package import each other, directly or through others.

Why every import counts, not only the top-level ones: an import moved into a function hides a cycle
from the interpreter's start-up order but not from the design — the two modules still need each
other, and the next top-level import turns it into an ImportError. So the graph has an edge A -> B
for every ``import B`` / ``from B import x`` anywhere in A (function bodies included), except under
``if TYPE_CHECKING:`` (annotations only, never run). ``from pkg import sub`` is an edge to the
submodule ``pkg.sub``; ``from pkg import name`` an edge to ``pkg`` (its ``__init__``). Importing
``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``; those implicit parent imports are not edges
(otherwise every module would "depend" on the package root that re-exports the API).

A cycle is a strongly connected component of more than one module (Tarjan's algorithm).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sco_observatory

PACKAGE_DIR = Path(sco_observatory.__file__).resolve().parent
PACKAGE = "sco_observatory"

KNOWN_ELSEWHERE: set[frozenset[str]] = set()
"""Cycles owned by work in progress on another branch (none now): a cycle not named here fails the test."""


def _modules(root: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's __init__)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, is_pkg: bool, known: set[str]) -> set[str]:
    """The package's modules that `name` imports anywhere in its source (see the module docstring)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                for alias in child.names:
                    sub = f"{module}.{alias.name}"
                    found.add(sub if sub in known else module)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return {m for m in found if m in known and m != name}


def import_graph(root: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, set[str]]:
    mods = _modules(root, package)
    known = set(mods)
    return {name: _imports(name, path, is_pkg, known) for name, (path, is_pkg) in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one node (Tarjan 1972), iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _describe(component: set[str], graph: dict[str, set[str]]) -> str:
    edges = sorted(f"{a} -> {b}" for a in component for b in graph[a] & component)
    return "; ".join(edges)


def test_the_package_has_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 50 and "sco_observatory.store.db" in graph  # the walk saw the package
    unexpected = [c for c in cycles(graph) if frozenset(c) not in KNOWN_ELSEWHERE]
    assert not unexpected, "import cycles: " + " | ".join(_describe(c, graph) for c in unexpected)


def test_the_cycles_named_in_the_issue_stay_broken():
    graph = import_graph()
    for a, b in [("sco_observatory.store.embedded", "sco_observatory.store.db"),
                 ("sco_observatory.store.legacy", "sco_observatory.store.db"),
                 ("sco_observatory.report.sections", "sco_observatory.report.builder"),
                 ("sco_observatory.sources.http", "sco_observatory"),
                 ("sco_observatory.web.routes", "sco_observatory.web.app")]:
        assert b not in graph[a], f"{a} imports {b} again"
    # the store no longer reaches up into ingest/ to seed itself
    assert not any(m.startswith("sco_observatory.ingest") for m in graph["sco_observatory.store.db"])


def _write_package(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "demo"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pkg


@pytest.mark.parametrize("b_source, expect_cycle", [
    ("from demo.a import X\n", True),  # a top-level cycle
    ("def f():\n    from demo import a\n", True),  # hidden in a function: still a cycle
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from demo.a import X\n", False),  # annotations only
    ("from . import c\n", False),  # relative import of a third module
    ("from .a import X\n", True),  # relative import back
])
def test_the_detector_finds_cycles_it_should_and_no_others(tmp_path, b_source, expect_cycle):
    pkg = _write_package(tmp_path, {"__init__.py": "", "a.py": "from demo import b\nX = 1\n", "b.py": b_source,
                                    "c.py": ""})
    graph = import_graph(pkg, "demo")
    assert graph["demo.a"] == {"demo.b"}
    found = cycles(graph)
    assert (found == [{"demo.a", "demo.b"}]) is expect_cycle and (found == []) is (not expect_cycle)


# ------------------------------------------------------------------------------------ one-way house
# The layers above the store ask store.queries, the metrics or the Observatory; they hold no SQL and
# never touch a connection. web/ included: its per-request reader hands routes a Store, never a cursor.
RENDER_ONLY = ["cli", "report", "signposts", "kb", "web", "api.py", "whatif.py"]


DB_CALLS = {"execute", "executemany", "sql", "fetchone", "fetchall", "fetchmany"}
"""Methods of a DuckDB connection or result: a call of one of them on anything is a query run here."""


def _connection_uses(path: Path) -> list[int]:
    """Lines where a module reaches a store's DuckDB connection (`<x>.con`), calls a connection's
    query method (`<x>.execute(...)`, `.sql(...)`, `.fetchone()`...) or imports duckdb itself. (`Store.cursor()`
    is not one: it hands back a Store, read through the library like any other.)"""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted({
        n.lineno for n in ast.walk(tree)
        if (isinstance(n, ast.Attribute) and n.attr == "con")
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in DB_CALLS)
        or (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "duckdb" for a in n.names))
        or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "duckdb")})


def test_the_one_way_check_sees_each_kind_of_query(tmp_path):
    probe = tmp_path / "probe.py"
    for line, source in enumerate(["store.con.execute('SELECT 1')", "cur.sql('SELECT 1').pl()", "r.fetchone()",
                                   "import duckdb", "from duckdb import connect"], start=1):
        probe.write_text("x = 1\n" + source + "\n")
        assert _connection_uses(probe) == [2], source
    probe.write_text("frame = catalog(store)\nframe.select('a')\n")
    assert _connection_uses(probe) == []


def test_presentation_ledger_and_signposts_run_no_sql_of_their_own():
    paths = [p for item in RENDER_ONLY
             for p in ((PACKAGE_DIR / item).rglob("*.py") if (PACKAGE_DIR / item).is_dir() else [PACKAGE_DIR / item])]
    assert len(paths) > 20
    offenders = {str(p.relative_to(PACKAGE_DIR)): lines for p in paths if (lines := _connection_uses(p))}
    assert not offenders, f"move these queries into store/queries.py: {offenders}"
    assert _connection_uses(PACKAGE_DIR / "store" / "queries.py")  # the check sees a real use


def test_the_ledger_opens_no_store_and_reads_trade_through_the_callers_function(tmp_path, monkeypatch):
    import polars as pl

    from sco_observatory.kb import criteria

    monkeypatch.setenv("SCO_OBSERVATORY_HOME", str(tmp_path / "home"))
    row = criteria.evaluate("IND", as_of="2015-12-31").filter(pl.col("criterion") == "economic_ties").row(0, named=True)
    assert row["result"] == "unknown" and "no trade data given" in row["evidence"]
    assert not (tmp_path / "home").exists()  # nothing was opened or created
    calls = []

    def shares(countries, years, basis):
        calls.append((countries[0], years, basis))
        return pl.DataFrame({"iso3": ["IND"], "year": [2015], "trade_share": [0.25], "export_share": [0.2],
                             "import_share": [0.3], "partners_with_flows": [len(countries) - 1],
                             "valuation": ["FOB"], "source": ["test:shares"]})

    row = criteria.evaluate("IND", as_of="2015-12-31", trade_shares=shares, basis="mirror").filter(
        pl.col("criterion") == "economic_ties").row(0, named=True)
    assert calls == [("IND", (2012, 2015), "mirror")]
    assert row["result"] == "pass" and row["source"] == "test:shares" and "25.0%" in row["evidence"]


def test_con_per_year_moved_out_of_the_report_equals_the_per_year_loop_it_replaced():
    """metrics.power.concentration_by_year (one grouped expression) gives, year by year, what the report's
    loop of power.concentration calls gave — with a missing share and a one-country year."""
    import math

    import polars as pl

    from sco_observatory.metrics import power

    frame = pl.DataFrame({
        "iso3": ["CHN", "RUS", "KAZ", "CHN", "RUS", "KAZ", "CHN", "RUS"],
        "year": [2000, 2000, 2000, 2001, 2001, 2001, 2002, 2002],
        "share": [0.6, 0.3, 0.1, 0.5, None, 0.5, 1.0, None],
    })
    got = power.concentration_by_year(frame)
    for year, con in zip(got["year"].to_list(), got["con"].to_list()):
        sub = frame.filter(pl.col("year") == year).with_columns(pl.lit("X").alias("code"), pl.col("share").alias("value"),
                                                                pl.lit("s").alias("source"))
        want = power.concentration(sub)["con"][0]
        assert (con is None and want is None) or math.isclose(con, want, rel_tol=1e-12), year
    # hand-checked: 2000 HHI = .36+.09+.01 = .46, CON = sqrt((.46 − 1/3)/(2/3)) = 0.4359; 2001 two equal: 0
    assert math.isclose(got["con"][0], math.sqrt((0.46 - 1 / 3) / (2 / 3)))
    assert got["con"].to_list()[1:] == [0.0, None]
