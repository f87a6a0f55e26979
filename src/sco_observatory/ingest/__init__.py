"""Readers of the standard bulk formats, all feeding the one transactional import path.

`FORMATS` maps a format name to (detector, planner). `import_file` detects the format where that
is unambiguous, builds the reader's plan and runs it through `base.run_import`.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import baci, comtrade, cow_nmc, generic, imf_dots, sipri, undesa, unodc_opium, wdi
from sco_observatory.ingest import imf_cdis, national_trade, rosstat_fcs, sipri_arms, uis_students, undesa_long, wits
from sco_observatory.ingest import guard, opening
from sco_observatory.ingest.base import Format, run_import
from sco_observatory.store.db import ImportResult, Store

READERS = (wdi, imf_dots, baci, comtrade, sipri, cow_nmc, undesa, unodc_opium, generic,
           undesa_long, wits, rosstat_fcs, national_trade, uis_students, imf_cdis, sipri_arms)
FORMATS: dict[str, Format] = {fmt.name: fmt for reader in READERS for fmt in reader.FORMATS}


def detect_format(path: Path) -> str:
    matches = [f.name for f in FORMATS.values() if f.detect(path)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(sorted(FORMATS))
    if not matches:
        from sco_observatory.ingest.base import first_line

        header = first_line(path)[:80] or "empty or not UTF-8 text"
        raise ImportFormatError(f"{path.name}:1: format not recognised (header: {header})",
                                f"pass --format, one of: {names} (docs/formats.md describes each)")
    raise ImportFormatError(f"{path.name}: ambiguous format ({', '.join(matches)})", "pass --format to choose")


def import_file(store: Store, path: str | Path, fmt: str = "auto", *, progress=None, replace: bool = False,
                encoding: str | None = None, member: str | None = None, **options) -> ImportResult:
    """Import one file into the store (all or nothing; re-importing the same file changes nothing).

    `options` go to the format's reader (e.g. BACI's `country_codes=PATH`, the generic CSV's
    `source_title=...`); `progress(stage, fraction)` is called while it runs. `.zip` and `.gz`
    files are read directly and `encoding=` names a non-UTF-8 encoding (see `opening`); `member=`
    picks the data file of a zip holding several. A new version that would lose rows, countries or
    years, or whose last line is cut, is refused unless `replace=True` (see `guard`).
    """
    path = _existing(path)
    with opening.opened(path, encoding=encoding, member=member) as readable:
        plan = _plan(readable, fmt, options)
        try:
            if isinstance(plan, list):
                return _import_several(store, plan, progress, replace)
            return run_import(store, plan, progress=progress, replace=replace)
        except ImportFormatError as exc:
            raise _with_encoding_hint(exc) from None


def diff_file(store: Store, path: str | Path, fmt: str = "auto", *, encoding: str | None = None,
              member: str | None = None, **options) -> guard.Change:
    """What importing `path` would change (rows, countries, years, largest value changes); imports nothing."""
    path = _existing(path)
    with opening.opened(path, encoding=encoding, member=member) as readable:
        plan = _plan(readable, fmt, options)
        if isinstance(plan, list):
            if len(plan) != 1:
                ids = ", ".join(p.meta.source_id for p in plan)
                raise ImportFormatError(f"{path.name} holds {len(plan)} sources ({ids}); diff compares one",
                                        "choose one with the reader's option, e.g. -o reporter=KGZ")
            plan = plan[0]
        try:
            result = run_import(store, plan, replace="diff")
        except guard.DiffReady as ready:
            return ready.change
        except ImportFormatError as exc:
            raise _with_encoding_hint(exc) from None
    # The store already holds this exact file (same sha256): nothing would change.
    stored = guard.stored_stats(store.con, result.source_id, result.table)
    return guard.Change(result.source_id, result.table, path.name, stored, stored, identical=True)


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise ImportFormatError(f"{path}: no such file", "check the path")
    if path.is_dir():
        raise ImportFormatError(f"{path}: is a directory", "import the files in it one at a time")
    return path


def _plan(path: Path, fmt: str, options: dict):
    name = detect_format(path) if fmt == "auto" else fmt
    if name not in FORMATS:
        raise ImportFormatError(f"unknown format '{fmt}'", f"use one of: auto, {', '.join(sorted(FORMATS))}")
    import inspect

    accepted = inspect.signature(FORMATS[name].plan).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unknown = [] if takes_any else [k for k in options if k not in accepted]
    if unknown:
        allowed = [p for p in accepted if p != "path"] + ["encoding", "member"]
        raise ImportFormatError(
            f"format {name} takes no option '{unknown[0]}'",
            f"its options: {', '.join(allowed)}",
        )
    return FORMATS[name].plan(path, **options)


class _DryRun(Exception):
    """Raised just before commit to roll a fully validated import back."""


def _import_several(store: Store, plans: list, progress, replace: bool | str = False) -> ImportResult:
    """A file holding several sources (one per publisher): validate every plan, then land each.

    Each plan is first run to the point of commit and rolled back, so a file with one bad table
    changes nothing; then each lands in its own transaction. Returns one combined result.
    """
    def dry() -> None:
        raise _DryRun

    for plan in plans:
        try:
            run_import(store, plan, before_commit=dry, replace=replace)
        except _DryRun:
            pass
    results = [run_import(store, plan, progress=progress, replace=replace) for plan in plans]
    skipped: dict[str, int] = {}
    for result in results:
        for why, n in result.skipped.items():
            skipped[why] = skipped.get(why, 0) + n
    statuses = {r.status for r in results}
    status = statuses.pop() if len(statuses) == 1 else ("replaced" if "replaced" in statuses else "imported")
    return ImportResult(", ".join(r.source_id for r in results), results[0].table, status,
                        sum(r.rows for r in results), sum(r.previous_rows for r in results), skipped,
                        sum(r.seconds for r in results))


def _with_encoding_hint(exc: ImportFormatError) -> ImportFormatError:
    """DuckDB's 'Invalid unicode' past the sniffed head: name the encoding option in the hint."""
    if "Invalid unicode" in exc.message:
        return ImportFormatError(exc.message.replace("Invalid unicode (byte sequence mismatch)", "not UTF-8 text"),
                                 "if the file is Latin-1 or Windows-1252 pass -o encoding=latin-1 (or cp1252); "
                                 + opening.ENCODING_HINT)
    return exc
