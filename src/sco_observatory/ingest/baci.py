"""CEPII BACI: reconciled bilateral trade by HS6 product, one file per year (~10M rows).

`baci`: columns `t,i,j,k,v,q` — year, exporter, importer (CEPII numeric country codes), HS6 product,
value in thousands of US$ (FOB), quantity in tonnes (not imported). Each row becomes one trade row
reported by the exporter: reporter = i, partner = j, flow X, valuation FOB, value_usd = v x 1000,
product = k as a six-character string (zero-padded: BACI writes 10121 for 010121 in some releases).

Country codes are read from the release's country-code file (`country_codes_V202x.csv`:
`country_code,country_name,country_iso2,country_iso3`; older releases `country_code,
country_name_abbreviation,country_name_full,iso_2digit_alpha,iso_3digit_alpha`), given as the option
`country_codes=PATH` or found beside the data file. Codes whose meaning differs from the ISO code in
that file (490 "Other Asia, nes" = Taiwan, 58 Belgium-Luxembourg, "nes" areas) are taken from
`sco_observatory/data/comtrade_codes.csv`, the same table the Comtrade reader uses; "nes" areas are
dropped and counted.

DuckDB reads the file (streaming, typed columns); no Python loop touches a row. The staged rows
carry no line number: a BACI year is ~10M rows, and numbering them with a window during the read
cost ~40 % of it, so a good file is staged without them and only a failing one is read again,
numbered, to name the bad line (`ImportPlan.unnumbered_sql`, `base._numbered`). Source id
`baci:<file stem>` (e.g. baci:BACI_HS17_Y2022_V202401b), so each year is its own source.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest.base import Format, CodeColumn, ImportPlan, csv_source, header_columns, package_data, sql_string
from sco_observatory.store.db import SourceMeta

COLUMNS = ("t", "i", "j", "k", "v", "q")
TYPES = {"t": "INTEGER", "i": "INTEGER", "j": "INTEGER", "k": "VARCHAR", "v": "DOUBLE", "q": "VARCHAR"}
URL = "http://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37"
LICENCE = "Etalab Open Licence 2.0 (CEPII BACI)"
CITATION = "Gaulier, G. and Zignago, S. (2010). BACI: International Trade Database at the Product-Level. CEPII Working Paper 2010-23"
HINT = "check the file against docs/formats.md (CEPII BACI), or pass the right --format"


def looks_like_baci(path: Path) -> bool:
    return [c.strip() for c in header_columns(path)] == list(COLUMNS)


def find_country_codes(path: Path, country_codes: str | Path | None = None) -> Path:
    """The country-code file: the option if given, else the one `country_codes_V*.csv` beside the data."""
    if country_codes is not None:
        found = Path(country_codes)
        if not found.is_file():
            raise ImportFormatError(f"{path.name}: country code file {found} not found", "pass country_codes=PATH to an existing file")
        return found
    candidates = sorted(path.parent.glob("country_codes_V*.csv"))
    version = path.stem.rsplit("_V", 1)[-1] if "_V" in path.stem else None
    if version and len(candidates) > 1:
        candidates = [c for c in candidates if c.stem.endswith(f"_V{version}")] or candidates
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ImportFormatError(
            f"{path.name}: BACI needs its country code file (country_codes_V202x.csv) and none is beside it",
            "put the release's country_codes_V*.csv next to the file, or pass country_codes=PATH",
        )
    raise ImportFormatError(f"{path.name}: several country code files beside it ({', '.join(c.name for c in candidates)})",
                            "pass country_codes=PATH to choose one")


def _overrides() -> dict[int, tuple[str | None, bool]]:
    """Comtrade-style codes whose meaning we fix ourselves: code -> (iso3 or None, is an aggregate)."""
    with open(package_data("comtrade_codes.csv"), encoding="utf-8", newline="") as fh:
        return {int(r["code"]): (r["iso3"] or None, r["kind"] == "aggregate") for r in csv.DictReader(fh)}


LOOKUPS_FORMAT = 2  # bumped when the cached lookups' layout changes
LOOKUPS_KEEP = 8  # cached lookup files kept in the cache dir, the most recent first


def _lookups_file(texts: list[str]) -> Path | None:
    """Where the resolver's answers for these texts are cached, keyed by everything they depend on:
    the texts, the resolver's code and tables and the libraries it reads (as the ledger cache,
    kb/cache.py); None when the cache is off."""
    import hashlib
    import sys

    from sco_observatory.kb import cache
    from sco_observatory.version import __version__

    folder = cache.cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256()
    for part in [f"format={LOOKUPS_FORMAT}", f"sco-observatory={__version__}", f"python={sys.version}",
                 *cache._library_versions(), *texts]:  # the same library fingerprint as the ledger cache
        digest.update(part.encode("utf-8") + b"\0")
    package = Path(__file__).resolve().parents[1]
    for path in [package / "countries.py", *(package / "data" / name for name in cache._RESOLVER_TABLES)]:
        digest.update(path.read_bytes() + b"\0")
    return folder / f"baci-lookups-{digest.hexdigest()[:32]}.json"


def _remember_cached_lookups(texts: list[str]) -> Path | None:
    """Answer this code file's ISO3 lookups from the cache if it holds them (`countries.remember_lookups`).

    Why: resolving a release's ~250 ISO3 codes loads country_converter (pandas) and the CLDR name
    index, about 1.5 s of a `sco import` that otherwise takes a few seconds more than the read
    itself (benchmarks/README.md, "Import at the limit"); every BACI year of a release shares the
    file. Returns the cache file to write after resolving when it is missing or unreadable."""
    import json

    from sco_observatory.countries import Country, remember_lookups

    path = _lookups_file(texts)
    if path is None:
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        found = {text: Country(*entry) for text, entry in payload["found"].items() if entry is not None}
        missing = {text for text, entry in payload["found"].items() if entry is None}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return path
    remember_lookups(found)
    _UNKNOWN.update(missing)
    return None


_UNKNOWN: set[str] = set()
"""Texts the cached lookups say the resolver does not know (`remember_lookups` keeps only answers)."""


def _lookup(text: str):
    """`countries.lookup`, answering a text the cache knows as unknown without asking the resolver."""
    from sco_observatory.countries import lookup

    return None if text in _UNKNOWN else lookup(text)


def _cache_lookups(path: Path, texts: list[str]) -> None:
    """Write the resolver's answers for `texts` (null for a text it does not know) atomically; a
    cache that cannot be written changes nothing. Files beyond LOOKUPS_KEEP are removed."""
    import json
    import os
    import tempfile

    from sco_observatory.countries import lookup

    found = {t: [c.iso3, c.name, c.kind] if (c := lookup(t)) is not None else None for t in texts}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".baci-lookups-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"found": found}, fh)
        os.replace(tmp, path)
        tmp = None
        others = sorted((p for p in path.parent.glob("baci-lookups-*.json") if p != path),
                        key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in others[LOOKUPS_KEEP - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _code_table(codes: Path) -> list[tuple[int, str | None, bool]]:
    """The code file as rows (code, iso3, agg), a few hundred rows read in Python.

    The release's own ISO3 is used where the resolver knows it; otherwise (e.g. S19 for 490 'Other
    Asia, nes', or a 'nes' area) the code is looked up in comtrade_codes.csv; what is in neither is
    left as is and fails in the resolver with the line of its first row.
    """
    with open(codes, encoding="utf-8-sig", errors="replace", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [c.strip() for c in rows[0]] if rows else []
    iso_col = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in header), None)
    if "country_code" not in header or iso_col is None:
        raise ImportFormatError(
            f"{codes.name}:1: not a BACI country code file (needs country_code and country_iso3 columns)",
            "pass country_codes=PATH to the release's country_codes_V*.csv",
        )
    ci, ii = header.index("country_code"), header.index(iso_col)
    texts = sorted({row[ii].strip() for row in rows[1:] if ii < len(row) and row[ii].strip()})
    write_cache = _remember_cached_lookups(texts)
    overrides = _overrides()
    values = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        code = row[ci].strip() if ci < len(row) else ""
        if not code.isdigit():
            raise ImportFormatError(f"{codes.name}:{number}: country_code '{code}' is not a number", HINT)
        iso3 = (row[ii].strip() if ii < len(row) else "") or None
        found = _lookup(iso3) if iso3 else None
        agg = False
        if (found is None or found.kind == "aggregate") and int(code) in overrides:
            iso3, agg = overrides[int(code)]
        values.append((int(code), iso3, agg))
    if not values:
        raise ImportFormatError(f"{codes.name}: no country codes in the file", HINT)
    if write_cache is not None:  # the file's codes and the final ones (overrides), which `_domain` resolves
        _cache_lookups(write_cache, sorted(set(texts) | {iso3 for _, iso3, _ in values if iso3}))
    return values


def _codes_subquery(table: list[tuple[int, str | None, bool]]) -> str:
    """The code table (`_code_table`) as a VALUES subquery (code, iso3, agg, dom); `dom` is TRUE for
    a code whose ISO3 is in `_domain` and which is not an aggregate (the reader's `in_domain` flag)."""
    domain = _domain(table)
    values = [f"({code}, {sql_string(iso3) if iso3 else 'NULL'}, {str(agg).upper()}, {str(bool(iso3 in domain and not agg)).upper()})"
              for code, iso3, agg in table]
    return f"(SELECT * FROM (VALUES {', '.join(values)}) AS t(code, iso3, agg, dom))"


def _domain(table: list[tuple[int, str | None, bool]]) -> set[str]:
    """The reporters/partners a good file gives: the table's ISO3 codes that the resolver maps to
    themselves and are not aggregates. A code outside (a code missing from the file, which becomes
    'BACI code N', or an ISO3 the resolver reads as another code or an aggregate) is not flagged, so
    its rows take the staged path, which maps, counts or reports them with their line as before."""
    from sco_observatory.countries import resolve_many

    found = resolve_many(iso3 for _, iso3, agg in table if iso3 and not agg)
    return {raw for raw, c in found.items() if c is not None and c.iso3 == raw and c.kind != "aggregate"}


def _file_year(path: Path) -> int | None:
    """The year in a BACI file's name (BACI_HS17_Y2022_V202401b -> 2022), which every row of it has
    (`ImportPlan.year`); None when the name carries none. A row of another year is still imported,
    through the one pass's routed write."""
    found = re.search(r"_Y(\d{4})(?:_|$)", path.stem)
    return int(found.group(1)) if found else None


def plan_baci(path: Path, country_codes: str | Path | None = None) -> ImportPlan:
    if not looks_like_baci(path):
        raise ImportFormatError(f"{path.name}:1: not a BACI file: the header must be t,i,j,k,v,q", HINT)
    codes = _code_table(find_country_codes(path, country_codes))
    domain = _domain(codes)
    # One join per country column to the code table gives the final ISO3 code, the 'nes' flag and
    # whether the code is in the domain (`_dom_i`, `_dom_j`: the one pass checks them instead of
    # mapping the codes again, `CodeColumn.in_domain`).
    template = f"""
        WITH src AS (SELECT t, i, j, trim(k) AS k, v/*line*/ FROM {csv_source(path, list(COLUMNS), types=TYPES)}),
             cc AS {_codes_subquery(codes)}
        SELECT coalesce(ci.iso3, 'BACI code ' || src.i::VARCHAR) AS reporter,
               coalesce(cj.iso3, 'BACI code ' || src.j::VARCHAR) AS partner,
               src.t AS year, 'X' AS flow,
               CASE WHEN length(src.k) < 6 THEN lpad(src.k, 6, '0') ELSE src.k END AS product,
               src.v * 1000 AS value_usd, 'FOB' AS valuation, FALSE AS estimate,
               coalesce(ci.agg, FALSE) OR coalesce(cj.agg, FALSE) AS _agg,
               src.k IS NULL OR src.k = '' OR length(src.k) > 6 AS _bad_k,
               coalesce(ci.dom, FALSE) AS _dom_i, coalesce(cj.dom, FALSE) AS _dom_j/*line_out*/
        FROM src LEFT JOIN cc ci ON ci.code = src.i LEFT JOIN cc cj ON cj.code = src.j"""
    select = template.replace("/*line*/", ", row_number() OVER () + 1 AS _line").replace("/*line_out*/", ", src._line")
    meta = SourceMeta(
        source_id=f"baci:{path.stem}", title=f"CEPII BACI: {path.stem}", publisher="CEPII", url=URL,
        licence=LICENCE, citation=CITATION, format="baci", table_name="trade",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter", domain=tuple(sorted(domain)), in_domain="_dom_i"),
                      CodeColumn("partner", domain=tuple(sorted(domain)), in_domain="_dom_j")],
        checks=[("_bad_k", "product code k must be an HS6 code of up to 6 characters")],
        drop_where=[("_agg", "rows with a 'nes' area or customs union as exporter or importer")],
        hint=HINT,
        unnumbered_sql=template.replace("/*line*/", "").replace("/*line_out*/", ""),  # line numbers only for a bad file (base._numbered)
        header_lines=1,  # a strict read_csv: at most one row per line after the header
        year=_file_year(path),
        dictionaries={"flow": ("X",), "valuation": ("FOB",)},  # the SELECT's constants, written as ENUMs (base.ImportPlan)
    )


FORMATS = [
    Format("baci", "CEPII BACI t,i,j,k,v,q (thousand US$, FOB) with country_codes_V*.csv beside it or country_codes=PATH",
                      looks_like_baci, plan_baci),
]
