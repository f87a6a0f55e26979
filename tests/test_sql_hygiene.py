"""No user value reaches SQL as text: a scan of the package source for SQL built by string formatting.

Why a source scan: a query that pastes a value into its text (`f"... WHERE source_id = '{source}'"`)
works in every test that uses tame values and breaks — or is subverted — on the first `o'brien`. The
metric queries are built with `sco_observatory.engine` (constant fragments, bound parameters), so:

- in `metrics/` and `engine/` **no** SQL text may be built with an f-string, `%` or `.format`;
- elsewhere in the package an f-string SQL is accepted only when everything it interpolates is an
  *identifier by construction* — a name in `IDENTIFIER_NAMES` (staging-table names made by the store,
  column and table names taken from schema constants) — or the line carries a `# sql-hygiene:` comment
  saying why the interpolated text is safe. `%` and `.format` on SQL are never accepted.

"SQL" here means a string literal part containing an upper-case SQL keyword, so prose is not flagged.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sco_observatory"
STRICT = ("metrics", "engine")
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE|DROP|COPY|WHERE|FROM|JOIN|GROUP BY|VALUES|SET)\b")
MARKER = "# sql-hygiene:"

IDENTIFIER_NAMES = {
    # staging / mapping tables the store and importers name themselves (uuid-based or numbered)
    "staging", "table", "name", "i", "tmp",
    # column names and SQL built from schema constants (store/schema.py COLUMNS, importer plans)
    "col", "cols", "columns", "column", "counts", "joins", "select", "key_cols", "keys", "condition", "value_column",
    "version", "target",
}
"""Interpolations accepted outside the strict folders: names that hold identifiers (or SQL built
only from identifiers), never values."""

SAFE_CALL = re.compile(r"(csv_source|sql_string|int)\(.*\)|', '\.join\('\?'.*\)")
"""Calls that quote what they return: `sql_string` / `csv_source` escape a path as an SQL string
literal, `int(...)` is a number, `', '.join('?' ...)` is a list of placeholders."""

REVIEWED: dict[str, set[str]] = {
    # importers: SQL fragments chosen from constants by the file's header, numbers, and paths quoted by sql_string
    "ingest/baci.py": {"', '.join(values)", "_codes_subquery(codes)"},
    # the one-scan import: conditions are the readers' constant `drop_where`/`checks` SQL and the
    # schema's constraint tests (read from duckdb_constraints()), columns and keys from schema
    # constants, relations the import's own staging names; UNNUMBERED is a module constant
    "ingest/base.py": {"mapped", "', '.join(replaces)", "' AND '.join(kept)", "''.join((' AND ' + k for k in kept[:i]))",
                       "others", "plan.select_sql", "earlier", "UNNUMBERED", "keep", "', '.join(firsts), source",
                       "source, keep", "''.join((f' AND NOT _gone{k}' for k in range(i)))", "kept", "kept, violation",
                       "c, kept", "rows, rows", "rows", "rows_sql, view, kept", "rows_sql", "source", "view", "c",
                       "violation", "', '.join(firsts)"},
    "ingest/comtrade.py": {"codes", "freq", "totals"},
    "ingest/cow_nmc.py": {"alias", "union", "factor", "code", "unit_sql", "_codes_join()"},
    "ingest/generic.py": {"unit", "estimate", "estimate_raw", "valuation"},
    "ingest/wdi.py": {"unit_sql"},  # sql_string of the unit read from the package's indicator names, or NULL::VARCHAR
    "ingest/imf_dots.py": {"year_cols", "factor"},
    "ingest/sipri.py": {"rows", "_mapping_sql()"},
    "ingest/undesa.py": {"_renamed('origin')", "_renamed('\"Dest\"')"},
    "ingest/unodc_opium.py": {"year_cols", "CODE_PREFIX"},
    # the import guard: conditions are the constants "source_id = ?" / "TRUE", keys and value columns come
    # from schema.KEYS / VALUE_COLUMN / COUNTRY_COLUMNS, tables are the store's own staging names
    "ingest/guard.py": {"c", "where_sql", "countries", "value", "keys[0]", "stored", "on",
                        "', '.join(('o.' + k for k in keys))", "TOP_CHANGES"},
    # the new readers: labels and flags are module constants, year columns are 4-digit header names,
    # the reporter is checked against the OFFICES keys before it is used
    "ingest/imf_cdis.py": {"ALL_REPORTERS"},
    "ingest/national_trade.py": {"ru", "en", "code", "NO_COUNTRY_CODE", "reporter", "totals"},
    "ingest/rosstat_fcs.py": {"WORLD_LABEL", "folded"},
    "ingest/sipri_arms.py": {"PREAMBLE_LINES + 1", "_flag('Numbers delivered is estimate')", "_flag('Delivery year is estimate')",
                             "_flag('Order date is estimate')", "_flag('Local production')",
                             "not_state.format(c='\"Supplier\"')", "not_state.format(c='\"Recipient\"')", "bad_flag"},
    "ingest/uis_students.py": {"named", "partner", "_qualifier_sql()", "TOTAL_QUALIFIER", "no_iso", "origin", "destination"},
    "ingest/wits.py": {"source", "year_cols", "flow_sql", "valuation_sql"},
    "signposts/evaluate.py": {"src"},          # a constant condition with ? placeholders
    "sources/common.py": {"types"},            # column types from a constant mapping
    "store/queries.py": {"' AND '.join(where)", "_marks(isos)", "clause"},  # conditions with ? placeholders, ? lists
    # the store: column lists from schema/catalog constants, schema names that are module constants,
    # parquet paths the store made itself quoted with ' doubled, ? placeholder lists; SCO_MEMORY_LIMIT
    # and the temp directory go in through duckdb.connect(config=...), never SQL text
    "store/db.py": {"', '.join(COLUMNS[table])", "paths", "self._hive_types(table)", "DDL_SCHEMA", "PINNED_SCHEMA",
                    "', '.join((n for n, _ in SOURCE_COLUMNS))", "', '.join(('?' for _ in SOURCE_COLUMNS))",
                    "' UNION ALL '.join(parts)", "self._scan(table, small)", "', '.join(file_cols)", "parts", "col_list",
                    "test", "typed"},  # constraint tests from duckdb_constraints(); CASTs to the schema's own types
    "store/catalog.py": {"names", "marks", "', '.join((name for name, _ in SOURCE_COLUMNS))"},
    "store/lake.py": {"select_sql", "options"},  # the store's own SELECT and quoted output path
    "web/views.py": {"marks", "','.join('?' * len(wanted)) or 'NULL'"},  # ? placeholder lists
}
"""Sites outside the strict folders read and found safe by construction (file -> interpolated expressions)."""


def _literal_text(node: ast.JoinedStr) -> str:
    return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _interpolated(node: ast.JoinedStr) -> list[str]:
    return [ast.unparse(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]


def _base_name(expr: str) -> str:
    """`', '.join(cols)` -> `cols`; `spec.column` -> `column`; `x` -> `x`."""
    m = re.fullmatch(r"(?:'[^']*'|\"[^\"]*\")\.join\((\w+)\)", expr)
    if m:
        return m.group(1)
    m = re.fullmatch(r"(?:\w+\.)*(\w+)", expr)
    return m.group(1) if m else expr


def findings(path: Path) -> list[str]:
    """Every SQL-by-formatting site in one file that the rules above do not accept."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    rel = path.relative_to(PACKAGE).as_posix()
    strict = rel.split("/")[0] in STRICT
    out = []

    def marked(node: ast.AST) -> bool:
        span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
        return any(MARKER in line for line in span)

    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.JoinedStr) and SQL.search(_literal_text(node)):
            exprs = _interpolated(node)
            if not exprs or marked(node):
                continue
            if strict:
                out.append(f"{rel}:{node.lineno}: f-string SQL interpolating {', '.join(exprs)}")
            else:
                reviewed = REVIEWED.get(rel, set())
                bad = [e for e in exprs if _base_name(e) not in IDENTIFIER_NAMES and e not in reviewed
                       and not SAFE_CALL.fullmatch(e)]
                if bad:
                    out.append(f"{rel}:{node.lineno}: f-string SQL interpolating {', '.join(bad)}")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)
              and isinstance(node.left.value, str) and SQL.search(node.left.value)):
            out.append(f"{rel}:{node.lineno}: SQL built with %")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
              and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
              and SQL.search(node.func.value.value)):
            out.append(f"{rel}:{node.lineno}: SQL built with .format")
    return out


def test_no_sql_is_built_from_values_in_the_package():
    problems = [f for path in sorted(PACKAGE.rglob("*.py")) for f in findings(path)]
    assert not problems, ("SQL built by string formatting (bind the value as a parameter, or build the query with "
                          "sco_observatory.engine):\n" + "\n".join(problems))


def test_the_scan_catches_what_it_must(tmp_path, monkeypatch):
    """The checker itself: a pasted value is caught in a strict folder and elsewhere; identifiers pass."""
    pkg = tmp_path / "sco_observatory"
    (pkg / "metrics").mkdir(parents=True)
    (pkg / "ingest").mkdir()
    (pkg / "metrics" / "bad.py").write_text(
        "def f(con, source):\n    return con.sql(f\"SELECT * FROM trade WHERE source_id = '{source}'\")\n")
    (pkg / "ingest" / "ok.py").write_text(
        "def f(con, staging):\n    return con.execute(f'SELECT count(*) FROM {staging}')\n")
    (pkg / "ingest" / "bad.py").write_text(
        "def f(con, code):\n    con.execute(f\"DELETE FROM t WHERE code = '{code}'\")\n"
        "    con.execute(\"SELECT * FROM t WHERE c = '%s'\" % code)\n"
        "    con.execute(\"SELECT * FROM t WHERE c = '{}'\".format(code))\n")
    monkeypatch.setitem(globals(), "PACKAGE", pkg)
    got = {p.relative_to(pkg).as_posix(): findings(p) for p in sorted(pkg.rglob("*.py"))}
    assert got["ingest/ok.py"] == []
    assert len(got["metrics/bad.py"]) == 1 and "source" in got["metrics/bad.py"][0]
    assert [f.split(": ", 1)[1] for f in got["ingest/bad.py"]] == [
        "f-string SQL interpolating code", "SQL built with %", "SQL built with .format"]
