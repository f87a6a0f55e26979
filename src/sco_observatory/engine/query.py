"""Metric queries as sqlglot expressions: fixed SQL fragments, unique CTE names, bound parameters.

Why: a metric's SQL used to be assembled with f-strings, so a user value (a source id such as
`o'brien`, a country code) became SQL text — it could break the parser or change the query. Here a
metric is written once as a handful of *constant* SQL fragments (DuckDB syntax, the reference
dialect) which sqlglot parses; user values only ever enter as named placeholders (`$name`) whose
values travel next to the SQL, never inside it. The same expression is then rendered for whichever
engine runs it (`Query.sql("duckdb")`, `Query.sql("spark")`).

`Builder` composes a query from fragments:

    b = Builder()
    f = b.cte("flows", "SELECT ... FROM trade WHERE year BETWEEN $y0 AND $y1", y0=1990, y1=2020)
    q = b.build("SELECT exporter, sum(value) AS v FROM flows GROUP BY exporter", flows=f)

- `cte(name, sql, **bindings)` adds a CTE and returns its unique name (`flows_1`): fragments built by
  different helpers may all call their relation `f` without clashing;
- a keyword whose value is a CTE name (`flows=f`) renames table references `flows` in the fragment to
  that CTE (the old name stays as the alias, so `flows.col` still resolves);
- any other keyword is a parameter: its placeholder is renamed uniquely (`p3_y0`) and its value stored;
  a list or tuple is spliced into its `IN (...)` or `[...]` as one placeholder per element (an empty
  list becomes `IN (NULL)`, which matches nothing);
- a placeholder without a value, or a value without a placeholder, is a programming error (raised).

Divisions in fragments are written with an explicit `NULLIF(denominator, 0)`: DuckDB returns NULL for
`x / 0`, Spark in ANSI mode raises — NULLIF makes both return NULL, the project's "missing" value.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import sqlglot
from sqlglot import exp

READ_DIALECT = "duckdb"
"""The dialect every fragment is written in (and parsed as)."""


@dataclass(frozen=True)
class CteName:
    """The unique name of a CTE inside one Builder (a marker, so it is never mistaken for a parameter)."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class Query:
    """A complete query: one sqlglot expression plus the values of its placeholders."""

    expression: exp.Expression
    params: dict[str, Any] = field(default_factory=dict)
    _text: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def sql(self, dialect: str = READ_DIALECT) -> str:
        """The query text in `dialect`; placeholders stay placeholders (`$p1_x` in DuckDB, `:p1_x` in Spark).

        Printed once per dialect and kept: a built query is not changed afterwards (the engines only
        read it), and a query kept for reuse (`trade._pair_rows_query`) is then not printed again on
        every call — sqlglot's generator was most of the fixed cost of a small answer."""
        text = self._text.get(dialect)
        if text is None:
            text = self._text[dialect] = self.expression.sql(dialect=dialect)
        return text


_PARSE_LOCK = threading.Lock()
"""sqlglot does not document its parser as thread-safe, and the web server's request threads build
queries concurrently; a fragment parsed wrongly would stay wrong in the cache for the life of the
process, so parsing is serialised. Each fragment is parsed once per process: the lock costs nothing
after the first request. (One `values without a placeholder` error was seen once under 20
concurrent clients; 8 threads x 900 uncached parses did not reproduce it, so the cause is not
proven to be the parser.)"""


@lru_cache(maxsize=512)
def _parsed(sql: str) -> exp.Expression:
    """Parse a constant fragment once per process (callers copy before changing it)."""
    with _PARSE_LOCK:
        node = sqlglot.parse_one(sql, read=READ_DIALECT)
    if node.args.get(_WITH):
        raise ValueError("a fragment must not carry its own WITH clause; add CTEs with Builder.cte")
    return node


_WITH = next(k for k in exp.Select.arg_types if k in ("with_", "with"))
"""The key of a query's WITH clause (`with_` since sqlglot 26, `with` before)."""


class Builder:
    """Collects CTEs and parameters for one query (see the module docstring)."""

    def __init__(self) -> None:
        self._ctes: list[tuple[str, exp.Expression]] = []
        self._params: dict[str, Any] = {}
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _fragment(self, sql: str, bindings: Mapping[str, Any]) -> exp.Expression:
        node = _parsed(sql).copy()
        tables = {k: v.name for k, v in bindings.items() if isinstance(v, CteName)}
        values = {k: v for k, v in bindings.items() if not isinstance(v, CteName)}
        for table in list(node.find_all(exp.Table)):
            if not table.args.get("db") and table.name in tables:
                original = table.name
                table.set("this", exp.to_identifier(tables[original]))
                if not table.alias:
                    table.set("alias", exp.TableAlias(this=exp.to_identifier(original)))
        used: set[str] = set()
        for ph in list(node.find_all(exp.Placeholder)):
            key = ph.name
            if key not in values:
                raise KeyError(f"placeholder ${key} has no value in this fragment")
            used.add(key)
            value = values[key]
            if isinstance(value, (list, tuple, set, frozenset)):
                self._splice(ph, key, list(value))
            else:
                ph.replace(self._placeholder(key, value))
        unused = set(values) - used
        if unused:
            raise KeyError(f"values without a placeholder: {', '.join(sorted(unused))}")
        return node

    def _placeholder(self, key: str, value: Any) -> exp.Placeholder:
        name = f"p{self._next()}_{key}"
        self._params[name] = value
        return exp.Placeholder(this=name)

    def _splice(self, ph: exp.Placeholder, key: str, items: list) -> None:
        parent = ph.parent
        if not isinstance(parent, (exp.In, exp.Array)) or ph.arg_key != "expressions":
            raise TypeError(f"list value ${key} must sit alone in IN (...) or [...]")
        nodes = [self._placeholder(key, v) for v in items] or [exp.Null()]
        exprs = list(parent.expressions)
        at = exprs.index(ph)
        parent.set("expressions", exprs[:at] + nodes + exprs[at + 1:])

    def cte(self, name: str, sql: str, **bindings: Any) -> CteName:
        """Add `sql` as a CTE; returns its unique name, to bind into later fragments."""
        node = self._fragment(sql, bindings)
        unique = f"{name}_{self._next()}"
        self._ctes.append((unique, node))
        return CteName(unique)

    def build(self, sql: str, **bindings: Any) -> Query:
        """The final SELECT, with every CTE added so far in front of it."""
        node = self._fragment(sql, bindings)
        if self._ctes:
            node.set(_WITH, exp.With(expressions=[
                exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(name))) for name, body in self._ctes]))
        return Query(node, dict(self._params))


def query(sql: str, **bindings: Any) -> Query:
    """A one-fragment query (no CTEs): `query("SELECT ... WHERE code = $code", code=c)`."""
    return Builder().build(sql, **bindings)
