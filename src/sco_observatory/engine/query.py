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

import atexit
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from sqlglot import exp

READ_DIALECT = "duckdb"
"""The dialect every fragment is written in (and parsed as)."""


@dataclass(frozen=True)
class CteName:
    """The unique name of a CTE inside one Builder (a marker, so it is never mistaken for a parameter)."""

    name: str

    def __str__(self) -> str:
        return self.name


class Query:
    """A complete query: one sqlglot expression plus the values of its placeholders.

    A query whose DuckDB text came from the text memo (`_Memo`) holds that text and the steps it was
    built from; its sqlglot `expression` (what another dialect is printed from) is built from the steps
    only when asked, with the same names and values."""

    def __init__(self, expression: exp.Expression | None = None, params: dict[str, Any] | None = None, *,
                 text: dict[str, str] | None = None, steps: list | None = None) -> None:
        self._expression = expression
        self.params: dict[str, Any] = dict(params or {})
        self._text: dict[str, str] = dict(text or {})
        self._steps = steps

    @property
    def expression(self) -> exp.Expression:
        if self._expression is None:
            self._expression = Builder._replay(self._steps or [])[0].expression
        return self._expression

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and self.sql() == other.sql() and self.params == other.params

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    def __repr__(self) -> str:
        return f"Query({self.sql()!r}, {self.params!r})"

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
    import sqlglot

    with _PARSE_LOCK:
        node = sqlglot.parse_one(sql, read=READ_DIALECT)
    if node.args.get(_with_key()):
        raise ValueError("a fragment must not carry its own WITH clause; add CTEs with Builder.cte")
    return node


@lru_cache(maxsize=1)
def _with_key() -> str:
    """The key of a query's WITH clause (`with_` since sqlglot 26, `with` before)."""
    from sqlglot import exp

    return next(k for k in exp.Select.arg_types if k in ("with_", "with"))


_LISTS = (list, tuple, set, frozenset)
"""Values spliced into `IN (...)` / `[...]` as one placeholder per element."""

MEMO_ENTRIES = 1000
"""At most this many built queries in the memo file (a new shape beyond it is built, not kept)."""


class _Memo:
    """The DuckDB text of every query shape built before, kept in the cache dir (`SCO_CACHE_DIR`, the
    ledger's; `SCO_CACHE_DIR=""` keeps nothing) across processes.

    Why: a query's text is a pure function of its shape — the constant fragments, their names, which
    bindings are CTEs, each list's length — and of sqlglot and this module; the values only travel as
    parameters. Building it with sqlglot (importing it, parsing each fragment, copying, renaming, printing)
    was ~0.2 s of a first `sco report`'s ~2 s, the same work in every new process. A shape built before
    is answered from here: its text and where each parameter's value comes from (step, key, list index).
    A fragment's placeholders (name -> occurrences, and the names that may hold a list) are kept too, so
    a CTE's unique name is known without parsing it. Keyed by this file's content and sqlglot's
    installed version (found without importing it): either changed starts an empty memo."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fragments: dict[str, tuple[dict[str, int], frozenset[str]]] = {}
        self.queries: dict[str, tuple[str, list]] = {}
        self.dirty = False
        self.path: Path | None = None
        self.loaded = False

    @staticmethod
    def _key() -> str:
        from importlib.util import find_spec

        digest = hashlib.sha256(Path(__file__).read_bytes())
        try:
            spec = find_spec("sqlglot")
            origin = Path(spec.origin).parent if spec is not None and spec.origin else None
            for name in ("_version.py", "__init__.py"):
                st = os.stat(origin / name) if origin is not None else None
                digest.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode() if st else b"-")
        except (OSError, ImportError, ValueError):
            digest.update(b"no-sqlglot")
        return digest.hexdigest()[:32]

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        from sco_observatory.kb.cache import cache_dir

        folder = cache_dir()
        if folder is None:
            return
        self.path = folder / f"sql-text-{self._key()}.json"
        try:
            held = json.loads(self.path.read_text("utf-8"))
            self.fragments = {k: (dict(v[0]), frozenset(v[1])) for k, v in held["fragments"].items()}
            self.queries = {k: (v[0], v[1]) for k, v in held["queries"].items()}
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass
        atexit.register(self.save)

    def save(self) -> None:
        """Write the memo atomically if this process added to it (a cache that cannot be written is skipped)."""
        if not self.dirty or self.path is None:
            return
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".sql-text-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"fragments": {k: [v[0], sorted(v[1])] for k, v in self.fragments.items()},
                           "queries": self.queries}, fh)
            os.replace(tmp, self.path)
            tmp = None
            self.dirty = False
        except OSError:
            pass
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def fragment(self, sql: str) -> tuple[dict[str, int], frozenset[str]]:
        """(placeholder name -> occurrences, names every occurrence of which may hold a list) of a fragment."""
        with self.lock:
            self.load()
            found = self.fragments.get(sql)
        if found is None:
            from sqlglot import exp

            counts: dict[str, int] = {}
            single: set[str] = set()
            for ph in _parsed(sql).find_all(exp.Placeholder):
                counts[ph.name] = counts.get(ph.name, 0) + 1
                if not (isinstance(ph.parent, (exp.In, exp.Array)) and ph.arg_key == "expressions"):
                    single.add(ph.name)
            found = (counts, frozenset(counts) - single)
            with self.lock:
                self.fragments[sql] = found
                self.dirty = True
        return found


_MEMO = _Memo()


def _shape(steps: list) -> str:
    """The memo key of a query: each step's kind, name, fragment and what each binding is (never a value)."""
    out = []
    for kind, name, sql, bindings in steps:
        tags = sorted((k, ["c", v.name] if isinstance(v, CteName) else ["l", len(v)] if isinstance(v, _LISTS) else ["s"])
                      for k, v in bindings.items())
        out.append([kind, name, sql, tags])
    return hashlib.sha256(json.dumps(out).encode()).hexdigest()


class Builder:
    """Collects CTEs and parameters for one query (see the module docstring).

    The steps (`cte`, `build`) are recorded; a shape built before (`_MEMO`) gives its DuckDB text
    without sqlglot, any other is built by `_replay` (sqlglot), which raises what a wrong fragment or
    binding raised before."""

    def __init__(self) -> None:
        self._ctes: list[tuple[str, exp.Expression]] = []
        self._params: dict[str, Any] = {}
        self._n = 0
        self._steps: list[tuple[str, str | None, str, dict[str, Any]]] = []
        self._origin: list[list] = []  # per parameter of a replay: [name, step, key, list index or -1]
        self._step = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _record(self, kind: str, name: str | None, sql: str, bindings: Mapping[str, Any]) -> int:
        """Check `bindings` against the fragment's placeholders, record the step; the placeholders it adds.

        A fragment or binding the memo cannot vouch for (a missing or unused value, a list outside
        `IN (...)`/`[...]`, a fragment with its own WITH) is built at once with sqlglot, which raises."""
        counts, listable = _MEMO.fragment(sql)
        values = {k: v for k, v in bindings.items() if not isinstance(v, CteName)}
        if set(values) != set(counts) or any(isinstance(v, _LISTS) and k not in listable for k, v in values.items()):
            Builder()._fragment(sql, bindings)  # raises the programming error
        # lists kept as tuples: the values a memo hit reads and an expression built later (Spark) are the
        # ones of this call, even if the caller changes its list afterwards
        self._steps.append((kind, name, sql, {k: tuple(v) if isinstance(v, _LISTS) else v for k, v in bindings.items()}))
        return sum(n * (len(values[k]) if isinstance(values[k], _LISTS) else 1) for k, n in counts.items())

    @staticmethod
    def _replay(steps: list) -> tuple[Query, list]:
        """Build the recorded steps with sqlglot: the query and where each parameter's value came from."""
        b = Builder()
        for i, (kind, name, sql, bindings) in enumerate(steps):
            b._step = i
            if kind == "cte":
                b._cte_now(name, sql, bindings)
            else:
                return b._build_now(sql, bindings), b._origin
        raise ValueError("no final SELECT to replay")

    def _fragment(self, sql: str, bindings: Mapping[str, Any]) -> exp.Expression:
        from sqlglot import exp

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

    def _placeholder(self, key: str, value: Any, index: int = -1) -> exp.Placeholder:
        from sqlglot import exp

        name = f"p{self._next()}_{key}"
        self._params[name] = value
        self._origin.append([name, self._step, key, index])
        return exp.Placeholder(this=name)

    def _splice(self, ph: exp.Placeholder, key: str, items: list) -> None:
        from sqlglot import exp

        parent = ph.parent
        if not isinstance(parent, (exp.In, exp.Array)) or ph.arg_key != "expressions":
            raise TypeError(f"list value ${key} must sit alone in IN (...) or [...]")
        nodes = [self._placeholder(key, v, i) for i, v in enumerate(items)] or [exp.Null()]
        exprs = list(parent.expressions)
        at = exprs.index(ph)
        parent.set("expressions", exprs[:at] + nodes + exprs[at + 1:])

    def _cte_now(self, name: str, sql: str, bindings: Mapping[str, Any]) -> CteName:
        node = self._fragment(sql, bindings)
        unique = f"{name}_{self._next()}"
        self._ctes.append((unique, node))
        return CteName(unique)

    def _build_now(self, sql: str, bindings: Mapping[str, Any]) -> Query:
        from sqlglot import exp

        node = self._fragment(sql, bindings)
        if self._ctes:
            node.set(_with_key(), exp.With(expressions=[
                exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(name))) for name, body in self._ctes]))
        return Query(node, dict(self._params))

    def cte(self, name: str, sql: str, **bindings: Any) -> CteName:
        """Add `sql` as a CTE; returns its unique name, to bind into later fragments."""
        self._n += self._record("cte", name, sql, bindings)
        return CteName(f"{name}_{self._next()}")

    def build(self, sql: str, **bindings: Any) -> Query:
        """The final SELECT, with every CTE added so far in front of it."""
        self._record("build", None, sql, bindings)
        steps, key = self._steps, _shape(self._steps)
        with _MEMO.lock:
            held = _MEMO.queries.get(key)
        if held is None:
            built, origin = Builder._replay(steps)
            text = built.sql(READ_DIALECT)
            if len(_MEMO.queries) < MEMO_ENTRIES:
                with _MEMO.lock:
                    _MEMO.queries[key] = (text, origin)
                    _MEMO.dirty = True
            return Query(built._expression, built.params, text={READ_DIALECT: text}, steps=steps)
        text, origin = held
        params = {}
        for name, step, k, index in origin:
            value = steps[step][3][k]
            params[name] = value if index < 0 else list(value)[index]
        return Query(None, params, text={READ_DIALECT: text}, steps=steps)


def query(sql: str, **bindings: Any) -> Query:
    """A one-fragment query (no CTEs): `query("SELECT ... WHERE code = $code", code=c)`."""
    return Builder().build(sql, **bindings)
