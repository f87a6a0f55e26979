"""Cross-check of the ledger against the Correlates of War IGO data, version 3 (state-year codes to 2014).

Input: COW's IGO-year file in the "format 3" layout, one row per IGO-year and one column per state
(``igo_year_format3_eurasian_regional_igos_all_states.csv``; see shared/data/cow_igo/PROVENANCE.md).
Codes: 1 full member, 2 associate, 3 observer, 0 none, -9 missing, -1 state not in the system.

For every IGO the ledger also holds and every state that either side codes as a participant, each COW
year is compared with the ledger's status on **31 December** of that year, mapped to COW's codes
(member 1, associate 2, observer 3; dialogue partner, applicant, suspended and no status 0). Each
row says whether the two agree and, when they do not, why (rules below, first match wins):

- the IGO did not exist yet in the ledger but its predecessor did (COW dates the SCO from 1996 because
  it codes the Shanghai Five as the SCO);
- COW records no observer status for this IGO (every SCO observer is coded 0);
- the ledger has the state suspended, which COW cannot code;
- the status changed during the year (the ledger compares on 31 December);
- the ledger's start is only an attestation date (real start earlier, not yet sourced);
- the ledger records the status in a sub-body (observers of the CSTO Parliamentary Assembly);
- the ledger holds no fact for this state in this organisation (to be sourced);
- otherwise the two sources date the status differently.

Reference: Pevehouse, J. C. W., Nordstrom, T., McManus, R. W., & Jamison, A. S. (2020). Tracking
organizations in the world: The Correlates of War IGO Version 3.0 datasets. Journal of Peace Research
57(3), 492-503.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from sco_observatory.errors import ImportFormatError
from sco_observatory.kb.model import Ledger, Membership, code_name, load_ledger

COW_SOURCE_ID = "cow_igo_v3"

# COW ioname -> ledger organisation ids COW treats as that IGO (in date order).
COW_TO_LEDGER: dict[str, list[str]] = {
    "SCO": ["SCO"],
    "CIS": ["CIS"],
    "CSTO": ["CSTO"],
    "EAEC": ["EURASEC"],
    "ECO": ["ECO"],
    "SAARC": ["SAARC"],
    "CICA": ["CICA"],
    "CAECC": ["CAEC", "CACO"],  # COW: "Central Asian Economic Community/.../Central Asian Cooperation Organization"
}

# COW state column names -> ISO3 (the states either side codes in these IGOs).
COW_STATE_ISO3: dict[str, str] = {
    "afghanistan": "AFG", "armenia": "ARM", "australia": "AUS", "azerbaijan": "AZE", "bahrain": "BHR",
    "bangladesh": "BGD", "belarus": "BLR", "bhutan": "BTN", "cambodia": "KHM", "china": "CHN",
    "egypt": "EGY", "georgia": "GEO", "india": "IND", "iran": "IRN", "iraq": "IRQ", "israel": "ISR",
    "japan": "JPN", "jordan": "JOR", "kazakhstan": "KAZ", "kyrgyzstan": "KGZ", "maldives": "MDV",
    "mauritius": "MUS", "moldova": "MDA", "mongolia": "MNG", "myanmar": "MMR", "nepal": "NPL",
    "pakistan": "PAK", "qatar": "QAT", "russia": "RUS", "sokorea": "KOR", "srilanka": "LKA",
    "tajikistan": "TJK", "thailand": "THA", "turkey": "TUR", "turkmenistan": "TKM", "uae": "ARE",
    "ukraine": "UKR", "usa": "USA", "uzbekistan": "UZB", "vietnam": "VNM", "yugoslaviaserb": "SRB",
    "saudiarabia": "SAU", "kuwait": "KWT", "brazil": "BRA", "soafrica": "ZAF", "indonesia": "IDN",
    "malaysia": "MYS", "philippines": "PHL", "singapore": "SGP", "laos": "LAO", "brunei": "BRN",
    "ethiopia": "ETH",
}

LEDGER_CODE = {"member": 1, "associate": 2, "observer": 3}
COW_LABEL = {1: "full member", 2: "associate member", 3: "observer", 0: "none", -9: "missing", -1: "not in system"}

SCHEMA = {
    "igo": pl.Utf8, "ledger_org": pl.Utf8, "iso3": pl.Utf8, "name": pl.Utf8, "year": pl.Int64,
    "cow_code": pl.Int64, "cow_status": pl.Utf8, "ledger_status": pl.Utf8, "ledger_code": pl.Int64,
    "ledger_since": pl.Utf8, "ledger_source": pl.Utf8, "cow_source": pl.Utf8, "agree": pl.Boolean,
    "explanation": pl.Utf8,
}


def _read_cow(path: Path) -> tuple[pl.DataFrame, list[str]]:
    if not path.exists():
        raise ImportFormatError(
            f"COW IGO file not found: {path}",
            "pass the path of igo_year_format3_eurasian_regional_igos_all_states.csv (shared/data/cow_igo/)",
        )
    try:
        df = pl.read_csv(path, infer_schema_length=0)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise ImportFormatError(f"cannot read {path} as CSV: {exc}", "is this the COW IGO format-3 CSV?") from None
    if not {"ioname", "year", "sdate"} <= set(df.columns):
        raise ImportFormatError(
            f"{path.name} is not a COW IGO-year (format 3) file: no ioname/year/sdate columns",
            "use igo_year_format3_eurasian_regional_igos_all_states.csv",
        )
    cols = df.columns
    states = cols[cols.index("year") + 1: cols.index("sdate")]
    df = df.with_columns(pl.col("year").cast(pl.Int64))
    return df, states


def _status_on(rows: list[Membership], day: dt.date) -> Membership | None:
    """The status held on `day`; an application running beside it comes second."""
    for m in sorted(rows, key=lambda m: m.status == "applicant"):
        if m.active_on(day):
            return m
    return None


def _code(m: Membership | None) -> int:
    return LEDGER_CODE.get(m.status, 0) if m is not None else 0


def igo_crosscheck(path: str | Path, *, ledger: Ledger | None = None) -> pl.DataFrame:
    """Compare the ledger with COW IGO v3, state by state and year by year (to 2014).

    Returns one row per (IGO, state, year) where either side codes a status:
    ``igo, ledger_org, iso3, name, year, cow_code, cow_status, ledger_status, ledger_code,
    ledger_since, ledger_source, cow_source, agree, explanation``. ``agree`` is null where COW has
    no usable code (missing, not in system).
    """
    lg = ledger if ledger is not None else load_ledger()
    df, states = _read_cow(Path(path))
    out: list[dict] = []
    for igo, org_ids in COW_TO_LEDGER.items():
        sub = df.filter(pl.col("ioname") == igo).sort("year")
        if sub.height == 0:
            continue
        years = sub["year"].to_list()
        main = lg.orgs[org_ids[-1]]
        pred = lg.orgs.get(main.predecessor) if main.predecessor and main.predecessor not in org_ids else None
        ledger_codes = {m.iso3 for m in lg.memberships if m.org in org_ids}
        cow_has_observers = any(v == "3" for c in states for v in sub[c].to_list())
        for col in states:
            iso3 = COW_STATE_ISO3.get(col)
            raw = sub[col].to_list()
            cow_codes = [int(v) if v not in (None, "") else None for v in raw]
            if iso3 is None:
                if any(c in (1, 2, 3) for c in cow_codes):
                    iso3 = col.upper()  # unmapped state: reported, never silently dropped
                else:
                    continue
            if iso3 not in ledger_codes and not any(c in (1, 2, 3) for c in cow_codes):
                continue
            rows = sorted((m for m in lg.memberships if m.org in org_ids and m.iso3 == iso3),
                          key=lambda m: m.start.value)
            pred_rows = [m for m in lg.memberships if pred is not None and m.org == pred.id and m.iso3 == iso3]
            for year, cow in zip(years, cow_codes):
                out.append(_compare(lg, igo, org_ids, main, pred, iso3, year, cow, rows, pred_rows, cow_has_observers))
        # states the ledger has but COW has no column for (e.g. Palestine)
        cow_iso = {COW_STATE_ISO3.get(c) for c in states}
        for iso3 in sorted(ledger_codes - cow_iso):
            rows = sorted((m for m in lg.memberships if m.org in org_ids and m.iso3 == iso3),
                          key=lambda m: m.start.value)
            for year in years:
                m = _status_on(rows, dt.date(year, 12, 31))
                if m is None:
                    continue
                out.append(_row(igo, org_ids, iso3, year, None, m, m.source, None,
                                f"{code_name(iso3)} is not a state in COW's system: no column to compare"))
    return pl.DataFrame(out, schema=SCHEMA)


def _row(igo, org_ids, iso3, year, cow, m, source, agree, explanation) -> dict:
    return {
        "igo": igo, "ledger_org": m.org if m is not None else "/".join(org_ids), "iso3": iso3,
        "name": code_name(iso3), "year": year, "cow_code": cow,
        "cow_status": COW_LABEL.get(cow, None) if cow is not None else None,
        "ledger_status": m.status if m is not None else None, "ledger_code": _code(m),
        "ledger_since": m.start.iso() if m is not None else None, "ledger_source": source,
        "cow_source": COW_SOURCE_ID, "agree": agree, "explanation": explanation,
    }


def _compare(lg: Ledger, igo, org_ids, main, pred, iso3, year, cow, rows, pred_rows, cow_has_observers) -> dict:
    dec31 = dt.date(year, 12, 31)
    m = _status_on(rows, dec31)
    lcode = _code(m)
    nearest = m or (min(rows, key=lambda r: abs((r.start.value - dec31).days)) if rows else None)
    source = nearest.source if nearest is not None else None
    if cow is None or cow < 0:
        return _row(igo, org_ids, iso3, year, cow, m, source, None,
                    f"COW has no usable code for this state-year ({COW_LABEL.get(cow, 'empty')})")
    if cow == lcode:
        return _row(igo, org_ids, iso3, year, cow, m, source, True, "")

    # 1. the ledger's organisation did not exist yet; COW codes its predecessor as the same IGO
    if main.founded is not None and dec31 < main.founded.value and pred is not None:
        pm = _status_on(pred_rows, dec31)
        if pm is not None:
            return _row(igo, org_ids, iso3, year, cow, m, pm.source, False,
                        f"COW dates {igo} from its predecessor: it codes the {pred.name} ({pred.id}, "
                        f"{pred.founded.iso() if pred.founded else '?'}) as {igo}; the ledger keeps them apart "
                        f"({main.id} founded {main.founded.iso()}; {code_name(iso3)} a {pred.id} {pm.status} "
                        f"since {pm.start.iso()})")
        return _row(igo, org_ids, iso3, year, cow, m, lg.orgs[main.id].source, False,
                    f"COW codes {igo} before the ledger's founding date ({main.founded.iso()})")
    # 2. observers COW does not record
    if m is not None and m.status == "observer" and cow == 0 and not cow_has_observers:
        return _row(igo, org_ids, iso3, year, cow, m, source, False,
                    f"COW v3 does not record {igo} observer status: it codes every {igo} observer 0")
    # 3. suspension
    if m is not None and m.status == "suspended":
        return _row(igo, org_ids, iso3, year, cow, m, source, False,
                    f"ledger: suspended since {m.start.iso()}; COW has no code for a suspended member "
                    f"and codes {COW_LABEL[cow]}")
    # 4. status changed during the year
    year_codes = {_code(r) for r in rows if r.start.value <= dec31 and (r.end is None or r.end.value > dt.date(year, 1, 1))}
    if not any(r.start.value <= dt.date(year, 1, 1) and (r.end is None or r.end.value > dt.date(year, 1, 1)) for r in rows):
        year_codes.add(0)
    if cow in year_codes:
        changes = [r for r in rows if r.start.value.year == year or (r.end is not None and r.end.value.year == year)]
        when = ", ".join(sorted({(r.start.iso() if r.start.value.year == year else r.end.iso()) for r in changes}))
        return _row(igo, org_ids, iso3, year, cow, m, source, False,
                    f"status changed during {year} (ledger dates: {when}); the ledger is compared on 31 December")
    # 5. attested start only
    later = [r for r in rows if r.start.value > dec31]
    if m is None and later and later[0].start_attested and cow == _code(later[0]):
        return _row(igo, org_ids, iso3, year, cow, m, later[0].source, False,
                    f"the ledger's start ({later[0].start.iso()}) is only the date a source attests the status; "
                    f"the real start is earlier and not yet sourced (docs/kb-todo.md)")
    # 6. a status in a sub-body (the CSTO Parliamentary Assembly) that COW codes as one in the IGO
    sub = [b for b in lg.body_statuses if b.org in org_ids and b.iso3 == iso3 and b.active_on(dec31)]
    if m is None and sub:
        b = sub[0]
        return _row(igo, org_ids, iso3, year, cow, m, b.source, False,
                    f"COW codes {code_name(iso3)} {COW_LABEL[cow]} of {igo}; the ledger records {b.status} status "
                    f"in the {b.org} {b.body} since {b.start.iso()}, a sub-body, not in the {b.org} itself")
    # 7. nothing in the ledger
    if not rows:
        return _row(igo, org_ids, iso3, year, cow, m, None, False,
                    f"the ledger holds no {'/'.join(org_ids)} fact for {code_name(iso3)}: COW codes "
                    f"{COW_LABEL[cow]}; to be sourced (docs/kb-todo.md)")
    # 7. dates differ
    spans = "; ".join(
        f"{r.status} {r.start.iso()}-{r.end.iso() if r.end else 'ongoing'} ({r.source})" for r in rows
    )
    return _row(igo, org_ids, iso3, year, cow, m, source, False,
                f"the sources date it differently: COW codes {COW_LABEL[cow]} in {year}; ledger: {spans}")
