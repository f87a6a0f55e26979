"""Words for readers instead of identifiers: indicator codes, column names of measures, statuses.

Why: a person reading a table or a chart should see "GDP (current US$)", "Trade intensity index"
and "dialogue partner", not `NY.GDP.MKTP.CD`, `trade_intensity` or `dialogue_partner`. The codes and
column names stay what they are in CSV, JSON and the library's frames (they are the stable
interface); only what is *rendered for people* — the CLI's rich tables, the report's charts, the
dashboard's headers through `/api/labels` — goes through this one module.

- Indicator names are the publishers' own, read from `data/indicator_names.csv`, which
  `scripts/build_indicator_names.py` builds from the source files (the WDI files' provenance list,
  World Bank bulk downloads' `Indicator Name` column; each row says where its name came from).
- Column headers of measures are this project's vocabulary (the metric's name in METHODS.md),
  kept in `COLUMN_HEADERS` (and, where a dashboard panel's table means something narrower by a column,
  in `PANEL_HEADERS`).
- Status words are the knowledge base's statuses without underscores.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

COLUMN_HEADERS: dict[str, str] = {
    # identifiers whose value is the code itself (an ISO3 country, a year, a product code)
    "iso3": "Country", "iso3_a": "Country A", "iso3_b": "Country B", "reporter": "Reporter", "partner": "Partner",
    "exporter": "Exporter", "importer": "Importer", "origin": "Origin", "destination": "Destination",
    "recipient": "Recipient", "supplier": "Supplier", "period": "Period",
    "tiv": "Arms deliveries (SIPRI TIV, million)", "total_tiv": "All suppliers (SIPRI TIV, million)",
    "flags": "Publisher's flags", "after_break": "After the source break",
    "country": "Country", "name": "Name", "year": "Year", "start": "From", "end": "To", "product": "Product (HS)",
    "code": "Indicator", "indicator": "Indicator", "value": "Value", "unit": "Unit", "source": "Source",
    "source_id": "Source id", "sources": "Sources", "status": "Status", "org": "Organisation", "kind": "Kind",
    "note": "Note", "notes": "Notes", "label": "Label", "title": "Title", "id": "Id", "rank": "Rank",
    "share": "Share", "valuation": "Valuation", "basis": "Flow basis", "formula": "Formula", "direction": "Direction",
    "estimate": "Estimate", "n": "N", "flow": "Flow",
    # power (METHODS §4.6, §5)
    "group_hhi": "Group HHI", "group_con": "Group CON (Ray–Singer)", "hhi": "HHI", "con": "CON (Ray–Singer)",
    "n_missing": "Missing values", "cinc": "CINC", "cinc_group": "CINC within the group",
    "n_estimated": "Estimated values", "group_n_estimated": "Estimated values in the group",
    "flows_estimated": "Flows the publisher estimates",
    # trade (METHODS §4)
    "trade_intensity": "Trade intensity index", "intensity": "Trade intensity index",
    "rca": "RCA (Balassa)", "rsca": "Symmetric RCA", "x_ik": "Exports of the product (US$)",
    "rca_group": "RCA, group", "rca_partner": "RCA, partner",
    "pci": "PCI", "eci": "ECI", "eci_rank": "ECI rank",
    "pci_rank": "PCI rank", "diversity": "Diversity", "ubiquity": "Ubiquity",
    "countries": "Countries", "products": "Products",
    "hh_wits": "Concentration HH (WITS)", "hh_unctad": "Concentration (UNCTAD normalised)",
    "n_products": "Products", "n_partners": "Partners", "classification": "Classification",
    "flows_reported": "Flows reported", "flows_mirror": "Flows mirror", "flows_missing": "Flows missing",
    "flagged": "Flows flagged", "flows_flagged": "Flows flagged (reported vs mirror > ×2)",
    "estimated": "Flows estimated", "partners_with_flows": "Partners with flows",
    "x_ab": "Exports A→B (US$)", "x_ba": "Exports B→A (US$)", "basis_ba": "Flow basis B→A", "valuation_ba": "Valuation B→A",
    "export_share": "Export share", "import_share": "Import share", "trade_share": "Trade share",
    "x_world": "Exports A→world (US$)", "x_a_world": "Exports A→world (US$)", "x_world_b": "World exports→B (US$)",
    "x_r": "Group exports (US$)", "m_r": "Group imports (US$)", "x_rr": "Intra-group exports (US$)",
    "members_with_totals": "Members with world totals", "pairs_possible": "Pairs possible",
    "pairs_with_flows": "Pairs with flows", "measure": "Measure", "evidence": "Evidence",
    "figure_a": "Figure (a)", "figure_b": "Figure (b)", "ratio": "Ratio",
    # the SIEI-style trade index's hypothesis test (METHODS §1.3)
    "hypothesis": "Hypothesis", "max_central_asian_pair": "Highest Central Asian pair",
    "no_ca_pair_above_1": "No Central Asian pair above 1", "top_pair_with_central_asia": "Top pair with a Central Asian state",
    "kaz_rus": "Kazakhstan–Russia", "kaz_rus_highest": "Kazakhstan–Russia highest", "matches_report": "Matches the report",
    # integration indices (METHODS §1, §2)
    "aggregation": "Aggregation", "dimension": "Dimension", "intra": "Intra-group flows", "intra_present": "Intra-group flows present",
    "scale_missing": "Scale values missing", "y_source": "Scale source", "y_sum": "Scale total",
    "composite": "Composite score", "dimensions_missing": "Dimensions missing", "missing": "Missing",
    "n_components": "Components", "components": "Components", "trade": "Trade",
    # convergence (METHODS §6)
    "beta": "β", "se_beta": "Std. error of β", "p_value": "p-value", "r2": "R²", "half_life": "Half-life (years)",
    "converging": "Converging", "cv": "Coefficient of variation", "mean": "Mean", "sd_level": "Std. dev. (level)",
    "sd_log": "Std. dev. (log)",
    # ratios and what-ifs
    "value_a": "Value A", "value_b": "Value B", "baseline": "Baseline", "changed": "Changed", "delta": "Change",
    "section": "Section",
    # claims
    "claim": "Claim", "computed": "Computed", "difference": "Difference", "metric": "Metric", "stated": "Stated",
    "tolerance": "Tolerance", "verdict": "Verdict",
    # signposts and scenarios
    "baseline_period": "Baseline period", "lit": "Lit", "lit_against": "Lit against", "lit_for": "Lit for",
    "not_evaluable": "Not evaluable", "not_lit": "Not lit", "points_to": "Points to", "reason": "Reason",
    "reference": "Reference", "scenario": "Scenario", "signpost": "Signpost", "signposts": "Signposts", "years": "Years",
    # knowledge base
    "seat": "Seat", "seat_iso3": "Seat country", "de_facto": "De facto", "next": "Next change", "since": "Since",
    "until": "Until", "events": "Events", "org_name": "Organisation name", "since_is_attested_only": "Since: attested only",
    "aliases": "Aliases", "dating_rule": "Dating rule", "dissolved": "Dissolved", "founded": "Founded", "names": "Names",
    "predecessor": "Predecessor", "successor": "Successor", "capacity": "Capacity", "investment_usd": "Investment (US$)",
    "participants": "Participants", "in_force": "In force", "place": "Place", "adopted": "Adopted", "check": "Check",
    "criterion": "Criterion", "result": "Result", "date": "Date", "event": "Event",
    "citation": "Citation", "publisher": "Publisher", "url": "URL",
    "agree": "Agree", "cow_code": "COW code", "cow_source": "COW source", "cow_status": "COW status",
    "explanation": "Explanation", "igo": "IGO", "ledger_code": "Ledger code", "ledger_org": "Ledger organisation",
    "ledger_since": "Ledger since", "ledger_source": "Ledger source", "ledger_status": "Ledger status",
    # the store and its caches
    "first_year": "First year", "last_year": "Last year", "licence": "Licence", "rows": "Rows", "vintage": "Vintage",
    "description": "Description", "format": "Format", "age": "Age", "bytes": "Bytes", "fresh": "Fresh",
    "request": "Request", "retrieved": "Retrieved", "origin_kind": "Origin",
}
"""Column name -> header shown to people (CSV and JSON keep the column name)."""

PANEL_HEADERS: dict[str, dict[str, str]] = {
    # where one panel's table gives a column a narrower meaning than the generic header (the dashboard's
    # renderTable reads these first, then COLUMN_HEADERS; /api/labels serves both)
    "trade": {"iso3_a": "Member", "iso3_b": "Partner", "export_share": "Share of exports",
              "import_share": "Share of imports", "trade_share": "Share of trade"},
    "integration": {"iso3_a": "Country", "iso3_b": "With", "value": "Index (% of the pair's GDP)"},
    "cinc": {"cinc_group": "Share of the group's capabilities"},
    "arms": {"recipient": "State", "tiv": "TIV (million)", "share": "Share of its arms imports"},
}
"""Panel -> column -> header, for the dashboard tables whose column means something narrower there."""

CODE_COLUMNS = frozenset({"code", "indicator"})
"""Columns whose values are indicator codes: a rendered table shows the indicator's name instead."""

IDENTIFIER_COLUMNS = frozenset({"source", "source_id", "sources", "ids", "formula", "rule", "url"})
"""Columns whose values are identifiers or notation themselves (a source id such as wdi:NY.GDP.MKTP.CD):
shown as they are."""

STATUS_WORDS: dict[str, str] = {
    "member": "member", "observer": "observer", "dialogue_partner": "dialogue partner", "partner": "partner",
    "associate": "associate", "applicant": "applicant", "suspended": "suspended",
    "added": "added (what-if)", "removed": "removed (what-if)",
}

SECTION_WORDS: dict[str, str] = {"power": "Power balance", "integration": "Integration"}
"""What-if frame `section` -> the words a table shows."""

MEASURE_STATS: dict[str, str] = {
    "share": "member's share", "hhi": "HHI", "con": "concentration (CON)", "largest_share": "largest member's share",
}
"""The statistic a what-if power measure ("<indicator> <stat>", e.g. "area con") names, in words (METHODS §5.3)."""

MEASURE_WORDS: dict[str, str] = {
    "intra_share_exports": "Intra-group share of exports", "intra_share_trade": "Intra-group share of trade",
    "intensity_group": "Group trade intensity", "introversion_trade": "Introversion (RTII), trade",
    "introversion_exports": "Introversion (RTII), exports", "trade measures": "Trade measures",
}
"""Whole measure names (the integration section's, METHODS §4) -> words."""


def measure_words(measure: str | None) -> str:
    """"Land area: concentration (CON)" for the what-if measure "area con": the indicator's name (an alias
    such as `area` read as its code, without the unit; a code with it) and the statistic in words. The frame
    keeps "area con" (its API); only rendered tables use the words."""
    m = str(measure or "")
    if m in MEASURE_WORDS:
        return MEASURE_WORDS[m]
    for stat in sorted(MEASURE_STATS, key=len, reverse=True):  # "largest_share" before "share"
        if m.endswith(" " + stat):
            return f"{measure_indicator(m[: -len(stat) - 1])}: {MEASURE_STATS[stat]}"
    return in_words(m) or m


def measure_indicator(indicator: str) -> str:
    """"Military expenditure" for the what-if indicator `defence`: the name a what-if measure ("defence hhi")
    gives its indicator, the one definition for the table's rows (`measure_words`) and the heading's years
    (report/sections._years_used), so both name it alike. An alias names one indicator (its unit is known,
    so the name drops it); a code keeps its unit, which may be all that tells it from another (military
    expenditure in US$ or in % of GDP); neither named: the alias or code in words."""
    from sco_observatory.metrics import ALIASES

    code = ALIASES.get(indicator.lower(), indicator)
    name = indicator_label(code, with_unit=indicator.lower() not in ALIASES)
    if name == code:
        return indicator.replace("_", " ").capitalize() if indicator.islower() else indicator
    return name


def source_label(source_id: str | None) -> str:
    """"IMF DOTS" for imf-dots:dots_focus_reporters_1990_2020: the short publisher-and-dataset name a table
    shows for a source key (snapshot_datasets.SHORT_NAMES, the one table of them); the full citation is
    what the label links to. A key no prefix matches (a user's own source) is shown as it is."""
    from sco_observatory.snapshot_datasets import short_name

    return short_name(str(source_id or "").strip())


def section_word(section: str | None) -> str:
    """"Power balance" for the what-if section `power`."""
    return SECTION_WORDS.get(str(section or ""), str(section or "").replace("_", " "))


UNIT_PATTERN = r"\(([^()]*)\)$"
"""The unit of an indicator name: its trailing parenthesis, "GDP (current US$)" -> "current US$" (group 1).
One definition for Python's `re` (`_split`, the labels) and DuckDB's `regexp_extract` (the WDI importer's
`unit` column), so a row's unit and its label agree."""
_UNIT = re.compile(r"^(?P<label>.*?)\s*" + UNIT_PATTERN)


@lru_cache(maxsize=1)
def indicator_names() -> dict[str, tuple[str, str]]:
    """code -> (name, where the name was read from), from data/indicator_names.csv."""
    with resources.files("sco_observatory.data").joinpath("indicator_names.csv").open(encoding="utf-8", newline="") as fh:
        return {r["code"]: (r["name"], r["origin"]) for r in csv.DictReader(fh)}


def _split(name: str) -> tuple[str, str]:
    """'GDP (current US$)' -> ('GDP', 'current US$'); a name without a trailing unit keeps it all."""
    hit = _UNIT.match(name)
    return (hit["label"], hit[2]) if hit else (name, "")  # group 2: UNIT_PATTERN's own group


def indicator_label(code: str, *, with_unit: bool = True) -> str:
    """'GDP (current US$)' for NY.GDP.MKTP.CD ('GDP' without the unit); an unknown code is returned as it is."""
    found = indicator_names().get(str(code).upper())
    if found is None:
        return str(code)
    return found[0] if with_unit else _split(found[0])[0]


def indicator_labels() -> dict[str, tuple[str, str]]:
    """code -> (label, unit) for every named indicator (the dashboard's `/api/labels`)."""
    return {code: _split(name) for code, (name, _) in indicator_names().items()}


def header(column: str) -> str:
    """The header people read for a frame column: a measure's name, an indicator's name, or the
    column as it is when it is already words (an unknown snake_case name loses its underscores)."""
    if column in COLUMN_HEADERS:
        return COLUMN_HEADERS[column]
    if str(column).upper() in indicator_names():
        return indicator_label(column)
    return str(column).replace("_", " ") if "_" in str(column) else str(column)


_CODE_TOKEN = re.compile(r"(?<![\w.:])[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)+(?![\w.])")
"""An indicator-code-shaped token (NY.GDP.MKTP.CD, COW.NMC.CINC) not inside a source id (wdi:NY...)."""


def in_words(text: str | None) -> str | None:
    """A title or caption with each named indicator code replaced by the indicator's name."""
    if not text:
        return text
    names = indicator_names()
    return _CODE_TOKEN.sub(lambda m: indicator_label(m[0]) if m[0] in names else m[0], text)


def cell(column: str, value: object) -> object:
    """A cell as people read it: an indicator code in a code column becomes the indicator's name, a
    named code inside a note ("no MS.MIL.XPND.GD.ZS for UZB") its name; identifiers stay as they are."""
    if column in CODE_COLUMNS and isinstance(value, str):
        return indicator_label(value)
    if column == "status" and isinstance(value, str):
        return status_word(value)
    if isinstance(value, str) and column not in IDENTIFIER_COLUMNS:
        return in_words(value)
    return value


def status_word(status: str | None) -> str:
    """'dialogue partner' for dialogue_partner; unknown statuses lose their underscores."""
    if not status:
        return ""
    return STATUS_WORDS.get(status, status.replace("_", " "))


def __getattr__(name: str):
    if name == "INDICATOR_LABELS":  # the former typed table, now built from the sources' names
        return indicator_labels()
    raise AttributeError(name)
