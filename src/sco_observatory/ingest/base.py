"""The one import path every reader uses: stage, map codes, validate, swap in atomically.

A reader describes its file as a DuckDB SELECT over `read_csv(...)` producing the target table's
columns plus `_line` (the line in the file, for error messages). `run_import` then
1. materialises that SELECT into a staging table (DuckDB streams the file; memory stays bounded):
   the only time the file is parsed and the only copy of its rows;
2. maps publisher names/codes to ISO3 through the one resolver, once per distinct value, as a view
   joining the staging table to one small (raw, iso3) table per code column;
3. runs the validations (types, ranges, codes, duplicate keys) in one aggregate scan of that view
   and raises a one-line `ImportFormatError` naming file, line and problem at the first failure;
4. replaces the source's rows in the same transaction — the view is streamed into the source's new
   parquet files — all or nothing, idempotent by sha256.
`ImportResult.phases` says how long each step took (benchmarks/README.md, "Import: where the time goes").

A plan whose code columns all have a `domain` (BACI) takes the one-pass path instead (`_one_pass`,
issue #17): one `COPY` reads the file, maps the codes, evaluates every check and writes the good
rows as the source's parquet files (a clean file straight into its year's partition, its line
count proving no row was skipped; otherwise skipped rows as small side files that count them); a scan of
the written files gives the guard's statistics and the duplicate-key probe; the store adopts the
files by renaming them, and the commit is the same. A failing row or a repeated key hands the file
to the staged path above, which names the line exactly as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb

from sco_observatory.countries import resolve_many
from sco_observatory.errors import ImportFormatError, StoreError
from sco_observatory.ingest import guard
from sco_observatory.store import lake
from sco_observatory.store.db import ImportResult, SourceMeta, Store
from sco_observatory.store.results import first as first_row
from sco_observatory.store.results import sql_string  # noqa: F401 (importers take it from here)
from sco_observatory.store.schema import COLUMNS, COUNTRY_COLUMNS, KEYS, VALUE_COLUMN, VALUE_MAY_BE_MISSING

MIN_YEAR, MAX_YEAR = 1800, dt.date.today().year + 1


def sha256_of(path: Path) -> str:
    return digest_and_lines(path)[0]


def digest_and_lines(path: Path) -> tuple[str, int]:
    """(sha256, number of lines) of a file in one read.

    Lines are counted as a CSV reader splits records: a line ends at LF, CR or CRLF, and a last line
    without a terminator counts. No reader gives more records than lines, which is what lets the one
    pass prove that no row was skipped (`_one_pass`).

    Cost (benchmarks/README.md, "Import, session 6"): the blocks are read into one reused buffer,
    and the two-byte CRLF count runs only on a block holding a CR: a file with LF endings (BACI)
    costs the hash and one count of LF per block, 0.6 s of CPU instead of 1.4 s for a 336 MB year.
    """
    digest = hashlib.sha256()
    ends = 0
    last = -1  # the previous block's last byte
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
            ends += buffer.count(b"\n", 0, n)
            crs = buffer.count(b"\r", 0, n)
            if crs:
                ends += crs - buffer.count(b"\r\n", 0, n)
            if last == CR and buffer[0] == LF:
                ends -= 1  # a CRLF split between two blocks
            last = buffer[n - 1]
    lines = ends + (1 if last >= 0 and last not in (CR, LF) else 0)
    return digest.hexdigest(), lines


CR, LF = ord("\r"), ord("\n")


class _Digest:
    """`digest_and_lines(path)`, read now or in a thread beside the one pass (`run_import`).

    Why a thread: the sha256 and line count read the whole file (0.5-0.8 s of a 10M-row BACI
    year, 9-12 % of an import on an idle machine), and a new source needs neither before its one
    pass: the sha256 only decides "unchanged" against a stored row (there is none) and goes into
    the catalog row at adoption, the line count only proves after the COPY that no row was
    skipped. hashlib and the file reads release the GIL, and DuckDB releases it while it reads,
    so the hash runs while DuckDB parses the same (page-cached) file. `result()` waits for it and
    re-raises its error (e.g. the file cannot be read) in the caller's thread.
    """

    def __init__(self, path: Path, *, background: bool) -> None:
        self._path = path
        self._value: tuple[str, int] | None = None
        self._error: BaseException | None = None
        self._thread = None
        if background:
            import threading

            self._thread = threading.Thread(target=self._run, name="sco-import-digest", daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        try:
            self._value = digest_and_lines(self._path)
        except BaseException as exc:  # re-raised by result() in the caller's thread
            self._error = exc

    @property
    def background(self) -> bool:
        return self._thread is not None

    def result(self) -> tuple[str, int]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


@dataclass
class CodeColumn:
    """A staged column holding publisher names or codes to be mapped to ISO3.

    `keep_world`: the aggregate World (WLD) is kept (trade partner totals); other aggregates are
    dropped and counted. Unknown names are an error naming the first line they occur on.
    """

    column: str
    keep_world: bool = False
    domain: tuple[str, ...] | None = None
    """Every value the reader's SELECT gives this column in a good file, when the reader knows them
    before reading (BACI: the ISO3 codes of its country-code file). With a domain for every code
    column the import maps codes inside its one read (`_one_pass`); a value outside it sends the
    file to the staged path, which names the line."""
    in_domain: str | None = None
    """A boolean column of the reader's SELECT that is TRUE only for a value in `domain` (BACI: the
    code was found in the country-code table). When the resolver maps every domain value to itself
    (ISO3 codes, no aggregate), the one pass then checks this flag instead of joining each row to
    the domain map (`_one_pass_sql`): the reader already gives final codes. FALSE or NULL sends the
    row, as any value outside the domain, to the staged path."""


@dataclass(frozen=True)
class Format:
    """A bulk format: its name, what it is, a detector (unambiguous on the header/name) and a planner."""

    name: str
    description: str
    detect: Callable[[Path], bool]
    plan: Callable[..., "ImportPlan"]


@dataclass
class ImportPlan:
    path: Path
    meta: SourceMeta
    select_sql: str  # SELECT producing the table's columns (minus source_id) and _line
    code_columns: list[CodeColumn] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (SQL condition that is an ERROR, message)
    hint: str = "fix the file or choose another --format"
    drop_where: list[tuple[str, str]] = field(default_factory=list)  # (condition, reason) rows to skip and count
    unnumbered_sql: str | None = None  # select_sql without the row_number() window for _line (fast path)
    header_lines: int | None = None
    """The file's lines before its first data row, when the reader's SELECT gives at most one row
    per line of `path` (a strict read_csv of it: BACI, 1). The one pass then knows that rows written
    == data lines means no row was skipped or failed, and writes without routing rows (`_one_pass`)."""
    year: int | None = None
    """The one year every row of a good file has (BACI: the Y in the file's name), so the one pass
    can write straight into that year's partition; a row of another year takes the routed write."""
    dictionaries: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Stored VARCHAR columns whose values in a good file are known before the read, with those
    values (BACI: flow 'X', valuation 'FOB', constants of its SELECT). The direct write casts them
    to an ENUM of these values (`_write_rows`): DuckDB's parquet writer then writes the ENUM's
    dictionary and codes instead of hashing every row's string into a dictionary, which was about
    a quarter of the parquet writer's CPU for these two constant columns of a BACI year
    (benchmarks/README.md, "Import, session 7"). The file holds the same UTF-8 string column (the
    same values, statistics and schema as a VARCHAR write), so every reader reads the same
    values. A value outside the list fails the cast and sends the file to the staged path."""


class _NeedLines(Exception):
    """A check failed on rows staged without line numbers: stage again, numbered, to name the line."""


UNNUMBERED = 0
"""`_line` of rows staged without numbers (`ImportPlan.unnumbered_sql`): no real line is 0."""


def _fail(plan: ImportPlan, line: int | None, problem: str) -> None:
    if line == UNNUMBERED:
        raise _NeedLines
    where = f"{plan.path.name}:{line}" if line is not None else plan.path.name
    raise ImportFormatError(f"{where}: {problem}", plan.hint)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")


_CSV_REASONS = (
    re.compile(r"Expected Number of Columns: \d+ Found: \d+"),
    re.compile(r"Value with unterminated quote found"),
    re.compile(r"Error when converting column \"[^\"]*\"\. Could not convert string \"[^\"\n]*\" to '[A-Z]+'"),
    re.compile(r"Invalid unicode \(byte sequence mismatch\)[^\n]*"),
)


def _csv_error(exc: Exception) -> tuple[int, str] | None:
    """(line, problem) from DuckDB's CSV reader error, e.g. 'Expected Number of Columns: 4 Found: 5'."""
    text = str(exc)
    found = _CSV_LINE.search(text)
    if not found:
        return None
    for pattern in _CSV_REASONS:
        match = pattern.search(text)
        if match:
            return int(found.group(1)), match.group(0)
    return int(found.group(1)), "the line does not match the header"


def csv_source(path: Path, columns: list[str] | None = None, *, types: dict[str, str] | None = None,
               skip: int = 0, delim: str = ",") -> str:
    """A strict `read_csv(...)` over a file whose header is known: every column VARCHAR unless typed.

    With the dialect and columns fixed (no sniffing), a malformed line (wrong number of fields,
    unterminated quote, a value of the wrong type) fails with DuckDB's "CSV Error on Line: N", which
    `run_import` turns into `file:N: malformed CSV: ...`.
    """
    names = columns if columns is not None else header_columns(path)
    names = [n if n.strip() else f"_column{i}" for i, n in enumerate(names)]
    spec = ", ".join(f"{sql_string(n)}: {sql_string((types or {}).get(n, 'VARCHAR'))}" for n in names)
    return (f"read_csv({sql_string(path)}, header = true, auto_detect = false, skip = {skip}, "
            f"delim = {sql_string(delim)}, quote = '\"', escape = '\"', strict_mode = true, "
            f"columns = {{{spec}}})")


def _duckdb_problem(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    detail = next((ln for ln in lines if ln.lower().startswith("line")), "")
    first = lines[0] if lines else type(exc).__name__
    return f"{first}{' (' + detail + ')' if detail and detail not in first else ''}"


def _kept_after_drops(plan: ImportPlan) -> str:
    """SQL that is true for a row no `drop_where` condition skips (a NULL condition skips nothing)."""
    return " AND ".join(f"NOT coalesce(({condition}), FALSE)" for condition, _ in plan.drop_where) or "TRUE"


def _drop_counts(plan: ImportPlan) -> list[str]:
    """One count per `drop_where` reason, each among the rows the earlier reasons kept (as sequential DELETEs)."""
    out = []
    for i, (condition, _) in enumerate(plan.drop_where):
        earlier = "".join(f" AND NOT coalesce(({c}), FALSE)" for c, _ in plan.drop_where[:i])
        out.append(f"count(*) FILTER (WHERE coalesce(({condition}), FALSE){earlier})")
    return out


def _numbered(staging: str, numbered: bool) -> str:
    """The staging table with its `_line` column: the reader's line numbers, or 0 when staged without.

    Numbering the rows is a `row_number()` window over the whole read, ~40 % of a BACI year's read
    (benchmarks/README.md), and only a failing import needs a line. So a plan with `unnumbered_sql`
    is staged without; a check that fails then reports line 0, which `_fail` turns into a second,
    numbered staging (`run_import`) that names the line. Only a bad file pays for line numbers.
    """
    return staging if numbered else f"(SELECT *, {UNNUMBERED}::BIGINT AS _line FROM {staging})"


def _map_codes(store: Store, staging: str, plan: ImportPlan, skipped: dict[str, int],
               numbered: bool = True) -> tuple[str, str]:
    """Map the code columns to ISO3 without rewriting a row: returns (view of the rows before the
    aggregate drop, SQL that is true for the rows kept).

    Skipped rows (`drop_where`) are counted in one scan that also finds the first line with a missing
    country; the resolver runs once per distinct value; unknown names fail with their first line.
    The mapping is a view, `staging` joined to one small table (raw, iso3) per code column, so the
    rows are read again only by the single validation scan and by the write — the staged table is
    never copied (issue #17: a 10M-row BACI year used to be rewritten twice before its INSERT).
    """
    con = store.con
    keep = _kept_after_drops(plan)
    codes = plan.code_columns
    source = _numbered(staging, numbered)
    firsts = _drop_counts(plan) + [
        f"min(_line) FILTER (WHERE {keep} AND ({c.column} IS NULL OR trim({c.column}) = ''))" for c in codes] + [
        f"list(DISTINCT {c.column}) FILTER (WHERE {keep} AND {c.column} IS NOT NULL)" for c in codes]
    found = con.execute(f"SELECT {', '.join(firsts)} FROM {source}").fetchone() if firsts else ()
    for (_, reason), n in zip(plan.drop_where, found):
        if n:
            skipped[reason] = skipped.get(reason, 0) + n
    missing = found[len(plan.drop_where):len(plan.drop_where) + len(codes)]
    distinct = found[len(plan.drop_where) + len(codes):]
    joins, replaces, gone = [], [], []
    for i, (spec, line, values) in enumerate(zip(codes, missing, distinct)):
        col = spec.column
        if line is not None:
            _fail(plan, line, f"missing country in column {col}")
        mapping = resolve_many(sorted(values or []))
        unknown = sorted(v for v, c in mapping.items() if c is None)
        if unknown:
            line = con.execute(f"SELECT min(_line) FROM {source} WHERE {col} = ? AND {keep}", [unknown[0]]).fetchone()[0]
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            _fail(plan, line, f"unknown country '{unknown[0]}' in column {col}{more}")
        raws = list(mapping)
        isos = [None if (c.kind == "aggregate" and not (spec.keep_world and c.iso3 == "WLD")) else c.iso3
                for c in mapping.values()]
        name = f"{staging}_map{i}"
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT unnest(?::VARCHAR[]) AS raw, unnest(?::VARCHAR[]) AS iso3",
                    [raws, isos])
        joins.append(f"LEFT JOIN {name} m{i} ON s.{col} = m{i}.raw")
        replaces.append(f"m{i}.iso3 AS {col}")
        gone.append(f"m{i}.iso3 IS NULL AS _gone{i}")
    mapped = f"{staging}_mapped"
    select = f"s.* REPLACE ({', '.join(replaces)}), {', '.join(gone)}" if codes else "s.*"
    con.execute(f"CREATE TEMP VIEW {mapped} AS SELECT {select} FROM (SELECT * FROM {source} WHERE {keep}) s {' '.join(joins)}")
    kept = " AND ".join(f"NOT _gone{i}" for i in range(len(codes))) or "TRUE"
    return mapped, kept


@dataclass
class Scanned:
    """What the one validation scan found: rows kept, whether any key may repeat, the guard's statistics."""

    rows: int
    may_repeat: bool
    stats: guard.Stats


def _checks(plan: ImportPlan) -> list[tuple[str, str]]:
    """(SQL condition that is an ERROR, message): the reader's checks, then the standard ones (year,
    value present, finite, not negative where it cannot be); the reader's explain more, so they come first."""
    table = plan.meta.table_name
    value = VALUE_COLUMN[table]
    standard = [
        ("year IS NULL", "missing year"),
        (f"year < {MIN_YEAR} OR year > {MAX_YEAR}", f"impossible year (expected {MIN_YEAR}-{MAX_YEAR})"),
        (f"{value} IS NULL", f"missing {value}"),
        (f"isnan({value}) OR isinf({value})", f"{value} is not a finite number"),
    ]
    if table in VALUE_MAY_BE_MISSING:
        del standard[2]
    if table in ("trade", "migration"):
        standard.append((f"{value} < 0", f"negative {value} (trade values and migrant stocks cannot be negative)"))
    return plan.checks + standard


def _validate(store: Store, mapped: str, kept: str, plan: ImportPlan, skipped: dict[str, int]) -> Scanned:
    """Count the aggregates dropped and raise at the first failing check, in one scan of the mapped rows.

    Duplicate keys are looked for by `count(DISTINCT hash(keys))`: equal keys have equal hashes, so
    as many distinct hashes as rows proves every key distinct (the common case, one 64-bit hash
    table instead of a five-column DISTINCT); fewer sends the rows to the exact check below, which
    also tells identical repeats (kept once) from conflicting ones (an error).
    """
    con = store.con
    table = plan.meta.table_name
    checks = _checks(plan)
    n_codes = len(plan.code_columns)
    # Aggregates are counted column by column, each among the rows the previous columns kept.
    aggregates = [f"count(*) FILTER (WHERE _gone{i}{''.join(f' AND NOT _gone{k}' for k in range(i))})"
                  for i in range(n_codes)]
    keys = ", ".join(KEYS[table])
    constraints = store.constraint_tests(table)
    countries = COUNTRY_COLUMNS[table]
    found = con.execute(
        "SELECT " + ", ".join(
            aggregates
            + [f"min(_line) FILTER (WHERE {kept} AND ({condition}))" for condition, _ in checks]
            + [f"count(*) FILTER (WHERE {kept} AND ({violation}))" for violation, _ in constraints]
            + [f"list(DISTINCT {c}) FILTER (WHERE {kept})" for c in countries]
            + [f"count(DISTINCT year) FILTER (WHERE {kept})", f"min(year) FILTER (WHERE {kept})",
               f"max(year) FILTER (WHERE {kept})",
               f"count(*) FILTER (WHERE {kept})", f"count(DISTINCT hash({keys})) FILTER (WHERE {kept})"])
        + f" FROM {mapped}"
    ).fetchone()
    found = list(found)
    take = lambda n: [found.pop(0) for _ in range(n)]  # noqa: E731 - reads the row in SELECT order
    for spec, n in zip(plan.code_columns, take(n_codes)):
        if n:
            skipped[f"rows with an aggregate in {spec.column}"] = n
    for (_, message), line in zip(checks, take(len(checks))):
        if line is not None:
            _fail(plan, line, message)
    for (_, message), n in zip(constraints, take(len(constraints))):
        if n:  # what an INSERT into the typed table would have refused (run_import's "could not be stored")
            raise StoreError(f"{plan.path.name}: could not be stored: {message} ({n:,} rows)",
                             "check the file; the store is unchanged")
    seen: set[str] = set()
    for values in take(len(countries)):
        seen.update(v for v in values or [] if v is not None)
    years, first, last, rows, hashes = found
    return Scanned(rows, hashes < rows, guard.Stats(rows, len(seen), years, first, last))


def _repeats(store: Store, rows: str, plan: ImportPlan) -> bool:
    """The exact duplicate-key check: raise on conflicting repeats; return whether identical ones exist."""
    con = store.con
    table = plan.meta.table_name
    keys = ", ".join(KEYS[table])
    n, distinct_keys = con.execute(
        f"SELECT (SELECT count(*) FROM {rows}), (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {rows}))"
    ).fetchone()
    if n == distinct_keys:
        return False
    # Conflicting = same key, any other column different (value, unit, valuation or estimate flag).
    others = ", ".join(c for c in COLUMNS[table] if c not in KEYS[table] and c != "source_id")
    conflict = con.execute(
        f"""SELECT {keys}, min(_line) AS first, max(_line) AS last FROM {rows}
            GROUP BY {keys} HAVING count(DISTINCT ({others})) > 1 ORDER BY first LIMIT 1"""
    ).fetchone()
    if conflict:
        key_text = ", ".join(str(v) for v in conflict[:-2])
        _fail(plan, conflict[-1], f"duplicate key ({key_text}) with conflicting values (first at line {conflict[-2]})")
    return True


Progress = Callable[[str, "float | None"], None]
"""progress(stage, fraction): stage is 'reading', 'validating' or 'storing'; fraction in [0, 1] or None."""


def _execute_reporting(con: duckdb.DuckDBPyConnection, sql: str, stage: str, progress: Progress | None) -> list:
    """Run one long statement and return its result rows; with a progress callback, poll DuckDB's
    query progress from this thread.

    DuckDB reports a running query's progress through `query_progress()`, callable from another
    thread; the statement runs in a worker and its exception, if any, is re-raised here.
    """
    if progress is None:
        return con.execute(sql).fetchall()
    import threading

    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET progress_bar_time = 0")
    failure: list[BaseException] = []
    result: list[list] = []

    def work() -> None:
        try:
            result.append(con.execute(sql).fetchall())
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        done = con.query_progress()
        progress(stage, done / 100 if done is not None and done >= 0 else None)
    if failure:
        raise failure[0]
    progress(stage, 1.0)
    return result[0]


def run_import(store: Store, plan: ImportPlan, *, before_commit: Callable[[], None] | None = None,
               progress: Progress | None = None, replace: bool | str = False) -> ImportResult:
    """Stage, map, validate and swap in the rows of one file (all or nothing).

    `replace=True` accepts a new version that loses rows, countries or years (see `guard`);
    `replace="diff"` stops before the swap and raises `guard.DiffReady` with the comparison.
    """
    started = time.perf_counter()
    phases: dict[str, float] = {}
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - clock[0]
        clock[0] = now

    previous = first_row(store.con, "SELECT sha256, rows FROM source WHERE source_id = ?", [plan.meta.source_id])
    digest = None
    if not plan.meta.sha256:
        # a new source read in one pass hashes its file beside the read (`_Digest`); else the
        # sha256 comes first, since an unchanged file must stop the import before any read
        digest = _Digest(plan.path, background=previous is None and one_pass_ready(plan))
        if not digest.background:
            plan.meta.sha256 = digest.result()[0]
    lap("sha256")
    plan.meta.file_name = plan.meta.file_name or plan.path.name
    table = plan.meta.table_name
    cols = [c for c in COLUMNS[table] if c != "source_id"]
    staging = store.staging_name()
    skipped: dict[str, int] = {}
    if previous and previous[0] == plan.meta.sha256:
        return ImportResult(plan.meta.source_id, table, "unchanged", previous[1], seconds=time.perf_counter() - started)
    fast = plan.unnumbered_sql is not None
    result = None
    if one_pass_ready(plan):
        try:
            result = _one_pass(store, plan, cols, skipped, lap, before_commit=before_commit, progress=progress,
                               replace=replace, digest=digest)
        except _Staged as staged:  # the file needs the staged path: a bad row to name, or repeated keys
            skipped.clear()
            fast = fast and not staged.numbered
    if digest is not None and not plan.meta.sha256:  # the staged path's catalog row needs it
        plan.meta.sha256 = digest.result()[0]
    try:
        if result is None:
            result = _stage_and_swap(store, plan, staging, cols, skipped, lap, numbered=not fast,
                                     before_commit=before_commit, progress=progress, replace=replace)
    except _NeedLines:  # a fast staging found a bad row: stage again with line numbers to name it
        skipped.clear()
        result = _stage_and_swap(store, plan, store.staging_name(), cols, skipped, lap, numbered=True,
                                 before_commit=before_commit, progress=progress, replace=replace)
        raise StoreError(f"{plan.path.name}: a check failed without line numbers but passed with them",
                         "report this as a bug; the store is unchanged") from None  # _stage_and_swap raised
    result.phases = phases
    result.skipped = skipped
    result.seconds = time.perf_counter() - started
    return result


def _stage_and_swap(store: Store, plan: ImportPlan, staging: str, cols: list[str], skipped: dict[str, int], lap,
                    *, numbered: bool, before_commit, progress, replace) -> ImportResult:
    """One transaction: stage the file, map, validate, guard and write (the steps of the module docstring)."""
    select = plan.select_sql if numbered else plan.unnumbered_sql
    with store.transaction() as con:
        lap("lock, recover, pin")
        try:
            _execute_reporting(con, f"CREATE TEMP TABLE {staging} AS {select}", "reading", progress)
        except (duckdb.Error, ValueError) as exc:
            located = _csv_error(exc)
            if located:
                _fail(plan, located[0], f"malformed CSV ({located[1]})")
            _fail(plan, None, f"cannot be read as {plan.meta.format}: {_duckdb_problem(exc)}")
        lap("read (staging table)")
        if progress:
            progress("validating", None)
        view, kept = _map_codes(store, staging, plan, skipped, numbered)
        lap("map codes")
        scanned = _validate(store, view, kept, plan, skipped)
        lap("validate (one scan)")
        rows_sql = f"{staging}_rows"
        con.execute(f"CREATE TEMP VIEW {rows_sql} AS SELECT {', '.join(cols)}, _line FROM {view} WHERE {kept}")
        target, rows = rows_sql, scanned.rows
        if scanned.may_repeat and _repeats(store, rows_sql, plan):
            # identical repeated rows (conflicting ones failed validation): keep one of each
            target = f"{staging}_dedup"
            con.execute(f"CREATE TEMP TABLE {target} AS SELECT DISTINCT {', '.join(cols)} FROM {rows_sql}")
            deduped = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
            skipped["identical duplicate rows"] = rows - deduped
            rows = deduped
            scanned.stats.rows = deduped  # identical repeats drop rows only, never a country or a year
        lap("duplicates")
        if rows == 0:
            _fail(plan, None, "no data rows after validation")
        if progress:
            progress("storing", None)
        guard.before_swap(store, plan, target, replace=replace, new=scanned.stats)
        lap("guard")
        try:
            result = store.replace_source(plan.meta, target, rows=rows, checked=True)
        except duckdb.Error as exc:  # e.g. out of memory while writing: nothing was kept
            raise StoreError(
                f"{plan.path.name}: could not be stored: {_duckdb_problem(exc)}",
                "free memory or close other programs and retry; the store is unchanged",
            ) from None
        lap("write files")
        if before_commit is not None:
            before_commit()
        for name in (rows_sql, view):
            con.execute(f"DROP VIEW {name}")
        con.execute(f"DROP TABLE IF EXISTS {staging}_dedup")
        for i in range(len(plan.code_columns)):
            con.execute(f"DROP TABLE {staging}_map{i}")
        con.execute(f"DROP TABLE {staging}")
    lap("commit")
    return result


class _Staged(Exception):
    """The one-pass import cannot finish this file; run the staged path (`numbered`: with line
    numbers at once, because a row is known to fail and its line must be named)."""

    def __init__(self, numbered: bool) -> None:
        super().__init__("staged" if numbered else "staged, unnumbered")
        self.numbered = numbered


OK, BAD = "ok", "x"
"""`_status` of a row the one pass writes as data, and of a row that fails (drops are 'd<i>', aggregates 'a<i>')."""


def one_pass_ready(plan: ImportPlan) -> bool:
    """Whether `run_import` reads this plan in one pass: it reads without line numbers and every code
    column has a `domain`, so the code map exists before the file is read."""
    return plan.unnumbered_sql is not None and all(c.domain is not None for c in plan.code_columns)


def _domain_maps(store: Store, staging: str, plan: ImportPlan) -> list[str | None]:
    """One small temp table (raw, iso3) per code column, resolved from its domain before the read;
    iso3 NULL marks an aggregate to drop. A domain value the resolver does not know is left out, so
    its rows fail the one pass and the staged path reports them (unknown country, with the line).

    None instead of a table for a column whose reader flags its domain (`CodeColumn.in_domain`) when
    the resolver maps every domain value to itself: there is nothing to map, only the flag to check."""
    names: list[str | None] = []
    for i, spec in enumerate(plan.code_columns):
        mapping = {raw: c for raw, c in resolve_many(sorted({v for v in spec.domain if v and v.strip()})).items()
                   if c is not None}
        isos = [None if (c.kind == "aggregate" and not (spec.keep_world and c.iso3 == "WLD")) else c.iso3
                for c in mapping.values()]
        if spec.in_domain is not None and len(mapping) == len(set(spec.domain)) and list(mapping) == isos:
            names.append(None)
            continue
        name = f"{staging}_dom{i}"
        store.con.execute(f"CREATE TEMP TABLE {name} AS SELECT unnest(?::VARCHAR[]) AS raw, unnest(?::VARCHAR[]) AS iso3",
                          [list(mapping), isos])
        names.append(name)
    return names


def _one_pass_sql(store: Store, plan: ImportPlan, maps: list[str], file_cols: list[str]) -> str:
    """The one statement's SELECT: the reader's rows, codes mapped by joins to the small domain
    tables, cast to the schema's types, each with a `_status` saying where it goes.

    `_status` follows the staged path's order (`_map_codes`, `_validate`): a `drop_where` reason
    first ('d<i>', counted and skipped), then a code outside the map or missing (BAD), then an
    aggregate per code column ('a<i>', counted and skipped), then any failing check or schema
    constraint (BAD), else OK. The drop conditions see the reader's raw values, the checks the mapped ones.
    """
    table = plan.meta.table_name
    drops = "".join(f", coalesce(({condition}), FALSE) AS _d{i}" for i, (condition, _) in enumerate(plan.drop_where))
    codes = plan.code_columns
    joined = [(i, c, name) for i, (c, name) in enumerate(zip(codes, maps)) if name is not None]
    joins = " ".join(f"LEFT JOIN {name} m{i} ON s.{c.column} = m{i}.raw" for i, c, name in joined)
    replaces = ", ".join(f"m{i}.iso3 AS {c.column}" for i, c, _ in joined)
    # a joined column: unknown = no map row, gone = mapped to an aggregate; a flagged one
    # (`CodeColumn.in_domain`, domain mapped to itself): unknown = the reader's flag is not TRUE.
    flags = "".join(f", m{i}.raw IS NULL AS _unk{i}, m{i}.iso3 IS NULL AS _gone{i}" if name is not None
                    else f", NOT coalesce(s.{c.in_domain}, FALSE) AS _unk{i}, FALSE AS _gone{i}"
                    for i, (c, name) in enumerate(zip(codes, maps)))
    # the reader's constant SELECT and drop conditions, schema column names, numbered flags:
    mapped = (f"SELECT s.*{' REPLACE (' + replaces + ')' if replaces else ''}{flags} "  # sql-hygiene: see above
              f"FROM (SELECT *{drops} FROM ({plan.unnumbered_sql})) s {joins}")  # sql-hygiene: see above
    cases = [f"WHEN _d{i} THEN 'd{i}'" for i in range(len(plan.drop_where))]
    if codes:
        cases.append(f"WHEN {' OR '.join(f'_unk{i}' for i in range(len(codes)))} THEN '{BAD}'")
    cases += [f"WHEN _gone{i} THEN 'a{i}'" for i in range(len(codes))]
    failing = [condition for condition, _ in _checks(plan)] + [v for v, _ in store.constraint_tests(table)]
    cases.append(f"WHEN {' OR '.join(f'coalesce(({c}), FALSE)' for c in failing)} THEN '{BAD}'")
    kinds = store.column_types(table)
    typed = ", ".join(f"CAST({c} AS {kinds[c]}) AS {c}" for c in file_cols)
    return f"SELECT {typed}, CASE {' '.join(cases)} ELSE '{OK}' END AS _status FROM ({mapped})"  # sql-hygiene: casts to the schema's types, constant conditions and statuses


def _one_pass(store: Store, plan: ImportPlan, cols: list[str], skipped: dict[str, int], lap, *,
              before_commit, progress, replace, digest: _Digest | None = None) -> ImportResult:
    """Read, map, check and write the file in one statement, then check the written rows and adopt them.

    One `COPY` of `_one_pass_sql` parses the file once and writes each good row once, as the parquet
    files the source will hold (`_write_rows`): for a clean BACI year straight into its year's
    partition, proved complete by the file's line count; otherwise routed by `_status`, the skipped
    rows as small files whose counts (`RETURN_STATS`) are the skip counts. A BAD row, or repeated
    keys, hands the file to the staged path (`_Staged`). Then one aggregate scan of the written
    files (columnar, a few columns) gives the guard's statistics and the duplicate-key probe, the
    guard runs, and the store adopts the files by renaming them (`adopt_source_files`). Nothing is
    visible before the commit; the scratch directory is deleted whatever happens, and a crash
    leaves only untracked files that `recover` deletes. Issue #17: one read of the CSV, one write.
    """
    table = plan.meta.table_name
    inner = [p for p in lake.partition_columns(table) if p != "source_id"]
    file_cols = [c for c in cols if c in COLUMNS[table]]
    staging = store.staging_name()
    scratch = None
    try:
        with store.transaction() as con:
            lap("lock, recover, pin")
            scratch = store.scratch_dir()
            maps = _domain_maps(store, staging, plan)
            select = _one_pass_sql(store, plan, maps, file_cols)
            lap("map codes (domains)")
            out = scratch / "rows"
            if plan.header_lines is not None and digest is None:  # the sha256 was given: count the lines alone
                digest = _Digest(plan.path, background=True)

            def lines() -> int:
                """The file's line count (waits for the digest read beside the COPY)."""
                found = digest.result()
                if not plan.meta.sha256:
                    plan.meta.sha256 = found[0]
                return found[1]

            counts, good = _write_rows(store, plan, select, file_cols, out, inner,
                                       lines if digest is not None else None, progress)
            lap("read, map, check, write (one pass)")
            if digest is not None:
                lines()  # the catalog row needs the sha256, whichever way the rows were written
                lap("sha256 (the rest, read beside the one pass)")
            if counts.get(BAD):
                raise _Staged(numbered=True)
            for i, (_, reason) in enumerate(plan.drop_where):
                if counts.get(f"d{i}"):
                    skipped[reason] = skipped.get(reason, 0) + counts[f"d{i}"]
            for i, spec in enumerate(plan.code_columns):
                if counts.get(f"a{i}"):
                    skipped[f"rows with an aggregate in {spec.column}"] = counts[f"a{i}"]
            rows = counts.get(OK, 0)
            if rows == 0:
                _fail(plan, None, "no data rows after validation")
            if progress:
                progress("validating", None)
            kinds = store.column_types(table)
            hive = ("hive_partitioning = true, hive_types = {" + ", ".join(f"'{p}': {kinds[p]}" for p in inner) + "}"
                    if inner else "hive_partitioning = false")
            rows_sql = f"{staging}_rows"
            files = ", ".join(sql_string(path) for path, _, _ in good)
            con.execute(f"CREATE TEMP VIEW {rows_sql} AS SELECT {', '.join(c for c in cols if c in COLUMNS[table])} "
                        f"FROM read_parquet([{files}], {hive})")  # sql-hygiene: paths quoted by sql_string, schema types
            stats = _written_stats(store, rows_sql, table)
            if stats.rows != rows:
                raise StoreError(f"{plan.path.name}: the one-pass import wrote {rows:,} rows but reads back {stats.rows:,}",
                                 "report this as a bug; the store is unchanged")
            if stats.may_repeat:
                raise _Staged(numbered=False)  # repeated keys: the staged path tells identical from conflicting
            lap("validate (scan of the written files)")
            if progress:
                progress("storing", None)
            guard.before_swap(store, plan, rows_sql, replace=replace, new=stats.stats)
            lap("guard")
            result = store.adopt_source_files(plan.meta, out / f"_status={OK}", good, rows_sql, rows=rows)
            lap("adopt files")
            if before_commit is not None:
                before_commit()
            con.execute(f"DROP VIEW {rows_sql}")
            for name in maps:
                if name is not None:
                    con.execute(f"DROP TABLE {name}")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    lap("commit")
    return result


def _written(result: list, out: Path) -> tuple[dict[str, int], list[tuple[Path, int, int]]]:
    """(rows per `_status`, the OK files as (path, rows, bytes)) from a COPY's RETURN_STATS rows."""
    counts: dict[str, int] = {}
    good: list[tuple[Path, int, int]] = []
    for name, rows, size, *_ in result:
        status = Path(name).relative_to(out).parts[0].partition("=")[2]
        counts[status] = counts.get(status, 0) + int(rows)
        if status == OK:
            good.append((Path(name), int(rows), int(size)))
    return counts, good


@contextmanager
def _code_tables_built(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Keep DuckDB from building its join hash tables on the file's rows during the one pass.

    Why: DuckDB estimates a `read_csv` with fixed columns at a few dozen rows (`EXPLAIN`: "~42
    rows" for a 3M-row BACI year), fewer than the reader's 250-row code table, so its
    `build_side_probe_side` optimizer turns the first `LEFT JOIN` to the code table into a RIGHT
    join that builds a hash table of every row of the file and probes it with the 250 codes. In
    `EXPLAIN ANALYZE` of the direct COPY (3M rows, one thread) that join took 0.36-0.76 s against
    0.06 s for the same join built on the code table (benchmarks/README.md, "Import, session 7").
    A RIGHT join's build is blocking: the whole file is held in its hash table (spilling at the
    1 GB memory limit for a 10M-row year) before a row leaves, and the rows then leave in hash
    order. Built on the code table, the rows stream in the file's order. The joined rows are the
    same either way (only the physical build side changes), so the optimizer is switched off for
    the one statement and the connection's setting restored after it. A DuckDB without the
    setting runs as before.
    """
    try:
        before = con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]
        con.execute("SET disabled_optimizers = '" + ",".join([*filter(None, before.split(",")), "build_side_probe_side"]) + "'")  # sql-hygiene: optimizer names from DuckDB's own setting and a constant
    except duckdb.Error:
        yield
        return
    try:
        yield
    finally:
        con.execute("SET disabled_optimizers = " + sql_string(before))


def _dictionary_cast(column: str, values: tuple[str, ...]) -> str:
    """`CAST(column AS ENUM(values)) AS column` (`ImportPlan.dictionaries`), the values quoted."""
    return f"CAST({column} AS ENUM({', '.join(sql_string(v) for v in sorted(set(values)))})) AS {column}"  # sql-hygiene: a schema column name, values quoted by sql_string


def _write_rows(store: Store, plan: ImportPlan, select: str, file_cols: list[str], out: Path, inner: list[str],
                lines: Callable[[], int] | None, progress) -> tuple[dict[str, int], list[tuple[Path, int, int]]]:
    """Write the OK rows of the one-pass SELECT under `out/_status=ok/` and count every status.

    Direct (a plan with `header_lines`, and `year` when the table is partitioned by year): one COPY of
    the OK rows into one file of the year's partition, no routing. A strict CSV read gives at most
    one row per line, so OK rows == the file's data lines proves that no row was skipped or failed —
    the common case, and the whole import then reads and writes once. Otherwise one aggregate read
    of the same SELECT counts the statuses: a failing row hands the file to the staged path, a row
    of another year to the routed write; else the direct file stands and the counts are the skips.
    Routed (every other plan, and that fallback): `COPY ... PARTITION_BY (_status, year)`, the
    statuses' row counts from RETURN_STATS. Partitioning by the status cost about 15 % of the
    one pass's CPU (benchmarks/README.md, "Import at the limit"), so only a file that needs it pays.
    """
    con = store.con
    direct = (plan.header_lines is not None and lines is not None
              and (not inner or (inner == ["year"] and plan.year is not None)))
    if direct:
        where = f"_status = '{OK}'" + (f" AND year = {int(plan.year)}" if inner else "")
        folder = out / f"_status={OK}" / (f"year={int(plan.year)}" if inner else "")
        folder.mkdir(parents=True)
        stored = ", ".join(_dictionary_cast(c, plan.dictionaries[c]) if c in plan.dictionaries else c
                           for c in file_cols if c not in inner)
        try:
            with _code_tables_built(con):
                result = _execute_reporting(
                    con, f"COPY (SELECT {stored} FROM ({select}) WHERE {where}) "  # sql-hygiene: schema column names, constant status and year
                         f"TO {sql_string(folder / f'part-{uuid.uuid4()}.parquet')} (FORMAT parquet, RETURN_STATS true)",
                    "reading", progress)
        except (duckdb.Error, ValueError):
            raise _Staged(numbered=True) from None  # the staged path names the line (or the problem)
        counts, good = _written(result, out)
        data_lines = lines() - plan.header_lines  # counted beside the COPY (`_Digest`)
        if counts.get(OK, 0) == data_lines:
            return counts, good
        with _code_tables_built(con):
            found = con.execute(f"SELECT _status, year = {int(plan.year) if inner else 'year'}, count(*) "  # sql-hygiene: constant year
                                f"FROM ({select}) GROUP BY ALL").fetchall()
        statuses: dict[str, int] = {}
        other_year = False
        for status, same_year, n in found:
            statuses[status] = statuses.get(status, 0) + int(n)
            other_year = other_year or (status == OK and not same_year)
        if statuses.get(BAD):
            raise _Staged(numbered=True)
        if not other_year:
            if statuses.get(OK, 0) != counts.get(OK, 0):
                raise StoreError(f"{plan.path.name}: the one-pass import wrote {counts.get(OK, 0):,} rows but counts "
                                 f"{statuses.get(OK, 0):,}", "report this as a bug; the store is unchanged")
            return statuses, good
        shutil.rmtree(out)
    try:
        with _code_tables_built(con):
            result = _execute_reporting(
                con, f"COPY ({select}) TO {sql_string(out)} (FORMAT parquet, PARTITION_BY ({', '.join(['_status', *inner])}), "  # sql-hygiene: partition columns from lake.PARTITIONS
                     "FILENAME_PATTERN 'part-{uuid}', RETURN_STATS true)", "reading", progress)
    except (duckdb.Error, ValueError):
        raise _Staged(numbered=True) from None  # the staged path names the line (or the problem)
    return _written(result, out)


def _written_stats(store: Store, rows_sql: str, table: str) -> Scanned:
    """Rows, the guard's statistics and the duplicate-key probe (`_validate`) over the written rows.

    The statistics are one aggregate scan of a few columns of the written parquet. The probe is
    `_repeat_probe`: the same question as `_validate`'s `count(DISTINCT hash(keys)) < count(*)`,
    answered by sorting the hashes in numpy, which measured about 2x faster than DuckDB's
    10M-group distinct aggregate on a 10M-row BACI year (benchmarks/README.md, "Import").
    """
    countries = COUNTRY_COLUMNS[table]
    found = list(store.con.execute(
        "SELECT " + ", ".join([f"list(DISTINCT {c})" for c in countries]
                              + ["count(DISTINCT year)", "min(year)", "max(year)", "count(*)"]) + f" FROM {rows_sql}").fetchone())
    seen: set[str] = set()
    for values in found[:len(countries)]:
        seen.update(v for v in values or [] if v is not None)
    years, first, last, rows = found[len(countries):]
    return Scanned(rows, _repeat_probe(store, rows_sql, table, rows), guard.Stats(rows, len(seen), years, first, last))


def _repeat_probe(store: Store, rows_sql: str, table: str, rows: int) -> bool:
    """Whether any key may repeat: two equal 64-bit hashes of the key columns (equal keys hash
    equal, so no equal neighbour after sorting proves every key distinct; a collision only sends
    the file to the exact check of the staged path).

    The hashes are streamed in Arrow batches into one preallocated array (8 bytes a row, 80 MB for
    a 10M-row year, never a second copy) and sorted in place."""
    import numpy as np
    import pyarrow as pa

    hashes = np.empty(rows, dtype=np.uint64)
    filled = 0
    keys = ", ".join(KEYS[table])
    result = store.con.execute(f"SELECT hash({keys}) AS h FROM {rows_sql}")
    batches = getattr(result, "to_arrow_reader", None) or result.fetch_record_batch  # DuckDB 1.5 renamed it
    reader = batches(1 << 20)
    for batch in reader:
        column = batch.column(0)
        if column.null_count or column.type != pa.uint64():  # a hash is never NULL; else let the exact check decide
            return True
        # the values buffer read in place (`to_numpy` would import pandas, ~0.5 s of a process)
        part = np.frombuffer(column.buffers()[1], dtype=np.uint64, count=len(column), offset=column.offset * 8)
        if filled + len(part) > rows:
            return True  # more rows than counted: let the exact check decide
        hashes[filled:filled + len(part)] = part
        filled += len(part)
    hashes = hashes[:filled]
    hashes.sort()
    return bool(filled != rows or (len(hashes) > 1 and (hashes[1:] == hashes[:-1]).any()))


def package_data(name: str) -> Path:
    """Path of a CSV shipped in `sco_observatory/data` (code tables read by DuckDB inside a plan)."""
    return Path(__file__).resolve().parent.parent / "data" / name


def first_line(path: Path, *, encoding: str = "utf-8-sig") -> str:
    """The first line of a text file (format detection), or '' for an unreadable/binary file."""
    try:
        with open(path, encoding=encoding, errors="strict") as fh:
            return fh.readline().strip()
    except (UnicodeDecodeError, OSError):
        return ""


def header_columns(path: Path) -> list[str]:
    import csv

    line = first_line(path)
    return next(csv.reader([line])) if line else []


def require_columns(path: Path, columns: Iterable[str], fmt: str) -> None:
    have = set(header_columns(path))
    missing = [c for c in columns if c not in have]
    if missing:
        raise ImportFormatError(
            f"{path.name}:1: not a {fmt} file: missing column(s) {', '.join(missing)}",
            "check the file, or pass the right --format (sco import --help lists them)",
        )
