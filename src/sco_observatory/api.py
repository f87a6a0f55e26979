"""The notebook entry point: ``sco.open()`` returns an :class:`Observatory` whose methods mirror the
``sco`` commands one for one and return polars DataFrames.

Why one object: before it, a Python user needed five internal imports, an explicit store, resolved
ISO3 lists and a tuple of years to get one index. Here every method takes what the CLI takes — a
group expression (``"CA5+RUS"``, ``"SCO@2016+IND+PAK"``), years as an int, a ``range``,
``"2010-2020"``, ``"2000-2020:5"`` or a list (read by :func:`sco_observatory.dates.parse_years`,
the one parser of year selections) — with the CLI options' names and defaults. The CLI is a thin
layer over these methods (parse, call, render), and a test checks both give the same rows.

Every frame keeps the library's provenance columns (``source`` and the like); ``.to_pandas()``
and ``.to_arrow()`` are one call away. Results in two parts (σ and β; signposts and their
summary) come back as named tuples, not glued together. Formulas: docs/methods.md, cited by section
("METHODS §4.2").

Examples:
    >>> import sco_observatory as sco
    >>> with sco.open() as obs:
    ...     obs.members("CA5")["iso3"].to_list()
    ['KAZ', 'KGZ', 'TJK', 'TKM', 'UZB']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Union

import polars as pl

from sco_observatory import config
from sco_observatory.dates import parse_years
from sco_observatory.errors import ObservatoryError
from sco_observatory.groups import resolve_group
from sco_observatory.limits import MAX_LIST_ITEMS

if TYPE_CHECKING:
    from sco_observatory.store import Store

Years = Union[int, str, range, Iterable[Union[int, str]]]
"""A year selection: 2012, range(2010, 2021), "2010-2020", "2000-2020:5", "2000,2010" or a list."""

Countries = Union[str, Sequence[str]]
"""A group expression ("CA5+RUS") or several of them (["CA5", "RUS"]), joined."""

TRADE_MEASURES = ("shares", "group-shares", "intensity", "group", "concentration", "rca", "complementarity",
                  "grubel-lloyd", "similarity", "product-concentration")
"""The `measure` values of :meth:`Observatory.trade` (first year only for the product-level ones)."""


class Convergence(NamedTuple):
    """σ-convergence path (one row per year) and β-convergence (one row), METHODS §6."""

    sigma: pl.DataFrame
    beta: pl.DataFrame


class Scenarios(NamedTuple):
    """Signposts per year and, per scenario and year, how many are lit for and against it."""

    signposts: pl.DataFrame
    summary: pl.DataFrame
    years: tuple[int, int]
    """The span evaluated (first, last)."""


def countries(expression: Countries) -> list[str]:
    """ISO3 codes of one group expression, or of several joined (order kept, no repeats).

    Examples:
        >>> countries("CA5+RUS")
        ['KAZ', 'KGZ', 'TJK', 'TKM', 'UZB', 'RUS']
    """
    items = [expression] if isinstance(expression, str) else list(expression)
    if len(items) > MAX_LIST_ITEMS:
        raise ObservatoryError(f"{len(items)} group expressions; no group has more than {MAX_LIST_ITEMS} countries",
                               "pass one group expression, e.g. 'IND+PAK'")
    out: list[str] = []
    for item in items:
        for iso in resolve_group(item).iso3:
            if iso not in out:
                out.append(iso)
    return out


def year_span(years: Years) -> tuple[int, int]:
    """The (first, last) span covering a year selection (the metric functions compute over a span).

    Examples:
        >>> year_span("2010-2020:5")
        (2010, 2020)
    """
    chosen = parse_years(years)
    if not chosen:
        raise ObservatoryError("empty year selection", "pass a year (2012) or a range ('2010-2020')")
    return chosen[0], chosen[-1]


_WORLD = re.compile(r"(^|[,+])\s*(wld|world)\s*(?=[,+]|$)", re.IGNORECASE)


def _scope_countries(expression: str, *, allow_world: bool = False) -> list[str]:
    """A fetch's group expression -> ISO3 list; 'WLD'/'World' allowed where a partner total makes sense."""
    world = bool(_WORLD.search(expression)) if allow_world else False
    rest = _WORLD.sub(r"\1", expression).strip(" ,+") if world else expression
    out = resolve_group(rest).iso3 if rest else []
    return out + (["WLD"] if world else [])


def _select_years(frame: pl.DataFrame, years: Years) -> pl.DataFrame:
    """Keep the chosen years where the selection has gaps ('2000-2020:5'); a plain span is kept whole."""
    chosen = parse_years(years)
    if "year" not in frame.columns or len(chosen) == chosen[-1] - chosen[0] + 1:
        return frame
    return frame.filter(pl.col("year").is_in(list(chosen)))


_PRODUCT_MEASURES = ("rca", "complementarity", "grubel-lloyd", "similarity", "product-concentration")
_PARTNER_MEASURES = ("shares", "intensity", "complementarity", "grubel-lloyd", "partners", "discrepancies")


def _refuse_unused(measure: str, **given: tuple[bool, tuple[str, ...]]) -> None:
    """An option the trade measure does not use is an error, never silently ignored."""
    for option, (value, allowed) in given.items():
        if value and measure not in allowed:
            raise ObservatoryError(f"`sco trade {measure}` does not use {option}",
                                   f"drop {option} (it applies to: {', '.join(allowed)})")


def _dimensions(dimensions: str | Sequence[str]) -> list[str]:
    items = dimensions.split(",") if isinstance(dimensions, str) else list(dimensions)
    return [d.strip().lower() for d in items if d.strip()]


def _threshold(value: float | str) -> float:
    """0.10, '0.10' or '10%' -> 0.10 (the CLI's --threshold forms)."""
    from sco_observatory.kb.criteria import BadThresholdError

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raw = str(value).strip()
    try:
        share = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise BadThresholdError(f"threshold '{value}' is not a number", "write a share (0.10) or a percentage (10%)") from None
    if share > 1 and not raw.endswith("%"):
        raise BadThresholdError(f"threshold {value} is more than 1", f"write a share (0.10) or a percentage ({value}%)")
    return share


class Observatory:
    """The observatory's data and measures behind one object (what `sco` does, as frames).

    Open it with :func:`open`; use it as a context manager or call :meth:`close`. The store is
    opened on first use and kept open until :meth:`close`.

    `lang` (a CLDR locale code: ru, zh, zh_Hant, kk, uz, uz_Cyrl, ky, tg, fa, hi, ur; None = English) is the
    language of the names in the frames that name countries or organisations (members, history, overlap,
    timeline, orgs, graph, power) and of the report: country names from CLDR, organisation names from the
    ledger's sourced ``names:`` (English where none is given). Codes are never translated (docs/kb.md).
    """

    def __init__(self, home: str | Path | None = None, *, read_only: bool = False, engine: str | None = None,
                 lang: str | None = None) -> None:
        from sco_observatory.countries import check_language

        self.lang = check_language(lang)  # an unknown language is one line before any work
        self.home = Path(home).expanduser() if home is not None else config.home_dir()
        self.read_only = read_only
        if engine is not None:
            from sco_observatory.engine import set_engine

            set_engine(engine)  # validated here (one line if unknown); the engine is chosen per process
        self.engine = engine
        self._store: Store | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        """Where the store lives: `home`/store (a legacy `home`/observatory.duckdb is migrated on first open)."""
        return self.home / config.STORE_DIR

    @property
    def store(self) -> "Store":
        """The open store (opened, created and seeded with the embedded default on first use)."""
        if self._store is None:
            from sco_observatory.store import open_store

            self._store = open_store(self.store_path, read_only=self.read_only)
        return self._store

    def close(self) -> None:
        """Close the store (the object can be reopened by using it again)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> "Observatory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._store is not None else "not yet opened"
        mode = ", read-only" if self.read_only else ""
        engine = f", engine={self.engine!r}" if self.engine else ""
        lang = f", lang={self.lang!r}" if self.lang else ""
        return f"<Observatory store={str(self.store_path)!r} ({state}{mode}{engine}{lang})>"

    def _check_source(self, source: str | None) -> None:
        from sco_observatory.source_ids import check_source

        check_source(self.store, source)

    # -- ledger ----------------------------------------------------------------------------------
    def members(self, expression: str) -> pl.DataFrame:
        """Members of a group expression: iso3, name, status, since, de_facto, next, source.

        Rule: an organisation's members with the status they held on the date (`@YYYY` = 31 December;
        no date = today), from the sourced ledger (docs/kb.md); `+` adds, `-` removes, `,` lists.

        Examples:
            >>> open().members("SCO@2012")["iso3"].to_list()
            ['CHN', 'KAZ', 'KGZ', 'RUS', 'TJK', 'UZB']
        """
        from sco_observatory.groups import group_frame
        from sco_observatory.kb.names import localise

        return localise(group_frame(resolve_group(expression)), self.lang)

    def history(self, country: str) -> pl.DataFrame:
        """Every membership of a country in every organisation, in date order, with sources.

        Rule: formal statuses, de facto states and sub-body statuses, told apart by `kind` (docs/kb.md).

        Examples:
            >>> "SCO" in open().history("Uzbekistan")["org"].to_list()
            True
        """
        from sco_observatory import kb
        from sco_observatory.kb.names import localise

        iso3, _ = kb.resolve_country(country)
        return localise(kb.history(iso3), self.lang)

    def overlap(self, as_of: str | dt.date | None = None, countries: str | None = None,
                orgs: str | Sequence[str] | None = None) -> pl.DataFrame:
        """Country × organisation matrix of statuses on a date (default today).

        Rule: a cell is the status the ledger records on that day (docs/kb.md).

        Examples:
            >>> open().overlap("2014-12-31", countries="CA5").height
            5
        """
        from sco_observatory import kb

        clist = resolve_group(countries).iso3 if countries else None
        olist = ([o.strip() for o in orgs.split(",") if o.strip()] if isinstance(orgs, str) else list(orgs)) if orgs else None
        from sco_observatory.kb.names import localise

        return localise(kb.overlap(as_of, clist, orgs=olist), self.lang)

    def criteria(self, country: str | None = None, org: str = "SCO", as_of: str | dt.date | None = None,
                 threshold: float | str = "10%", flows: Literal["reported", "mirror", "best"] = "reported",
                 conflict_window: int = 0) -> pl.DataFrame:
        """The SCO's 2010 admission criteria; with a country, evaluated on a date (pass / fail / unknown).

        Rule: location (UN M49), partner status (ledger), trade share with the members ≥ `threshold`
        (METHODS §4.1 intra-group share; unknown without data), UN sanctions, interstate conflicts.

        Examples:
            >>> open().criteria("IRN", as_of="2012-12-31").columns
            ['criterion', 'result', 'evidence', 'source']
        """
        from sco_observatory import kb

        if country is None:
            return kb.admission_criteria(org)
        return kb.criteria.evaluate(country, org, as_of, store=self.store, threshold=_threshold(threshold),
                                    basis=flows, conflict_window=conflict_window)

    def orgs(self) -> pl.DataFrame:
        """The organisations in the knowledge base, with founding and dissolution dates and successors.

        Rule: one row per organisation of the ledger's ``organisations.yaml``, each date and successor
        with its source (docs/kb.md, "Organisations").

        Examples:
            >>> "SCO" in open().orgs()["id"].to_list()
            True
        """
        from sco_observatory import kb
        from sco_observatory.kb.names import org_name

        frame = kb.organisations()
        if self.lang is None:
            return frame
        return frame.with_columns(pl.Series("name", [org_name(i, self.lang) for i in frame["id"].to_list()], dtype=pl.Utf8))

    def timeline(self, org: str) -> pl.DataFrame:
        """All status changes of an organisation in date order (joined, upgraded, suspended, left).

        Rule: an event is the start or end of a status in the ledger (docs/kb.md, "The as-of rule"):
        a start is "joined" or "became", an end with a later status "left" or "suspended".

        Examples:
            >>> open().timeline("SCO").filter(pl.col("iso3") == "IND")["date"].to_list()[:1]
            ['2005-07-05']
            >>> open().timeline("SCO").height > 10
            True
        """
        from sco_observatory import kb

        from sco_observatory.kb.names import localise

        return localise(kb.timeline(kb.organisation(org).id), self.lang)

    def bodies(self) -> pl.DataFrame:
        """SCO bodies with seats and dates (RATS in Bishkek, then Tashkent), from the sourced ledger.

        Rule: each body, seat and date as the founding document states it (``bodies.yaml``, docs/kb.md).

        Examples:
            >>> open().bodies().height > 0
            True
        """
        from sco_observatory import kb

        return kb.bodies()

    def documents(self) -> pl.DataFrame:
        """Basic SCO documents (charter, conventions, declarations) with dates, from the sourced ledger.

        Rule: signature and entry-into-force dates as the depositary or the text gives them
        (``documents.yaml``, docs/kb.md).

        Examples:
            >>> open().documents().height > 0
            True
        """
        from sco_observatory import kb

        return kb.documents()

    def projects(self) -> pl.DataFrame:
        """Pipelines, railways, roads, corridors, power links and bases, with participants and dates.

        Rule: capacity only where a source states it, never estimated (``projects.yaml``, docs/kb.md).

        Examples:
            >>> open().projects().height > 0
            True
        """
        from sco_observatory import kb

        return kb.projects()

    def sources(self) -> pl.DataFrame:
        """The sources the knowledge base cites (the store's own sources: :meth:`data`).

        Rule: every ledger fact names one of these ids; each has a title, publisher, date and URL
        (``sources.yaml``, docs/kb.md).

        Examples:
            >>> open().sources().height > 0
            True
        """
        from sco_observatory import kb

        return kb.sources()

    def graph(self, as_of: str | dt.date | None = None) -> dict[str, Any]:
        """Membership network on a date: countries and organisations as nodes, statuses as edges (JSON-ready).

        Rule: an edge country → organisation for each status held on the date (the as-of rule of
        docs/kb.md), labelled with the status and its source.

        Examples:
            >>> {"nodes", "edges"} <= set(open().graph("2012-12-31"))
            True
        """
        from sco_observatory import kb
        from sco_observatory.kb.names import graph_labels

        return graph_labels(kb.membership_graph(as_of), self.lang)

    # -- power -----------------------------------------------------------------------------------
    def power(self, expression: str, indicator: str = "defence", year: int = 2012, source: str | None = None,
              nearest: int = 0) -> pl.DataFrame:
        """Each member's share s_i = x_i / Σx of the group total, its rank, and the group's HHI and CON.

        HHI = Σ s_i² (METHODS §4.6); CON = sqrt((HHI − 1/N) / (1 − 1/N)) (Ray–Singer, METHODS §5.3),
        as columns `group_hhi`, `group_con`; `estimate` marks a value its publisher flags as an estimate
        and `group_n_estimated` counts them among the shares' inputs. `indicator="cinc"` recomputes COW NMC CINC within the
        group (METHODS §5.1; v7.0 to 2022, v6.0 to 2016); `"cinc-proxy"` is the documented proxy for the years after.

        Examples:
            >>> frame = open().power("SCO@2012", "defence", 2012)
            >>> round(frame["share"].sum(), 6)
            1.0
        """
        from sco_observatory.kb.names import with_names
        from sco_observatory.metrics import power

        isos = countries(expression)
        self._check_source(source)
        if indicator.lower() == "cinc":
            return with_names(power.cinc(self.store, isos, (year, year), source=source), self.lang)
        if indicator.lower() == "cinc-proxy":
            return with_names(power.cinc_extended(self.store, isos, year, source=source), self.lang)
        shares = power.shares(self.store, isos, indicator, year, source=source, nearest=nearest)
        conc = power.concentration(shares)
        return with_names(shares.with_columns(pl.lit(conc["hhi"][0]).alias("group_hhi"),
                                              pl.lit(conc["con"][0]).alias("group_con"),
                                              pl.lit(conc["n_estimated"][0]).alias("group_n_estimated")), self.lang)

    def ratio(self, a: str, b: str, indicator: str = "defence", year: int = 2012,
              source: str | None = None) -> pl.DataFrame:
        """The ratio of one indicator between two countries in one year, from one source.

        Formula: ratio = value_A / value_B, both values from the same source and year (METHODS §5,
        arithmetic; a ratio across two sources is refused). The report's "China outspends Kyrgyzstan 966 times" is on its IISS table (by default the source
        covering the most countries is used, e.g. the World Bank's series of the open-data snapshot):

        Examples:
            >>> round(open().ratio("CHN", "KGZ", "defence", 2012, source="embedded:iiss-mb2013")["value"][0])
            966
        """
        from sco_observatory.metrics import power

        a3, b3 = countries(a)[0], countries(b)[0]
        self._check_source(source)
        return power.ratio(self.store, a3, b3, indicator, year, source=source)

    # -- trade and integration -------------------------------------------------------------------
    def trade(self, measure: str, expression: str, years: Years, partners: Countries | None = None,
              flows: Literal["reported", "mirror", "best"] | None = None, source: str | None = None, *,
              pairs: bool = False, factor: float | None = None, partial: bool = False) -> pl.DataFrame:
        """A standard trade indicator (WITS/UNCTAD, METHODS §4) on one flow basis, valuation stated.

        `measure`: partners (the group's trade with each partner or partner group and its share of the
        group's trade with the world; missing flows leave the sum empty unless `partial`), discrepancies
        (flows whose reported and mirror figures, or consecutive years, differ by more than `factor`),
        shares / group-shares (METHODS §4.1), intensity I_ij = (x_ij/X_i)/(M_j/M_w) (§4.2), group,
        concentration (HHI, §4.6), rca (Balassa, §4.5), complementarity (Michaely, §4.4), grubel-lloyd
        (§4.8), similarity (Finger–Kreinin, §4.9), product-concentration (one year each). `flows`
        defaults to `best` for partners and `reported` otherwise. An option the measure does not use is
        an error, never ignored. Every answer read from bilateral totals (partners, shares,
        group-shares, intensity, group, concentration) has `flows_flagged`: how many of the flows the row reads have
        reported and mirror figures more than a factor 2 apart (metrics/flag_rules.py).

        Examples:
            >>> frame = open().trade("group", "CA5", 2012)
            >>> sorted(set(frame["measure"]))[:2], frame["basis"].unique().to_list()
            (['intensity_group', 'intra_share_exports'], ['reported'])
        """
        from sco_observatory.groups import partner_sets
        from sco_observatory.metrics import quality, trade

        m = measure.lower()
        known = ("partners", "discrepancies", *trade.MEASURES)
        if m not in known:
            raise ObservatoryError(f"unknown trade measure '{measure}'", "use one of: " + ", ".join(dict.fromkeys(known)))
        _refuse_unused(m, **{"--partners": (bool(partners), _PARTNER_MEASURES), "--pairs": (pairs, ("shares", "intensity")),
                             "--factor": (factor is not None, ("partners", "discrepancies")),
                             "--partial": (partial, ("partners",)),
                             "--flows": (bool(flows), tuple(x for x in known if x != "discrepancies"))})
        if pairs and partners:
            raise ObservatoryError("--pairs (pairs within the group) and --partners contradict each other", "pass one of them")
        if factor is not None:
            quality.check_factor(factor)
        isos, ys = countries(expression), parse_years(years)
        span = (ys[0], ys[-1])
        if m in _PRODUCT_MEASURES and len(ys) > 1:
            raise ObservatoryError(f"`sco trade {m}` is computed for one year; got {len(ys)}", f"pass one year, e.g. --years {ys[-1]}")
        if m == "partners" and not partners:
            raise ObservatoryError("`sco trade partners` needs --partners", "e.g. --partners CHN,RUS or --partners EU27")
        basis = flows or (trade.DEFAULT_GROUP_BASIS if m == "partners" else "reported")
        psets = partner_sets(partners if isinstance(partners, (list, tuple)) else [partners]) if partners else {}
        parts = sorted({c for v in psets.values() for c in v}) or None
        store = self.store
        self._check_source(source)
        calls = {
            "partners": lambda: trade.trade_partners(store, isos, psets, ys, basis, source=source, partial=partial, factor=factor),
            "discrepancies": lambda: quality.discrepancies(store, isos, ys, parts, factor=factor or quality.DEFAULT_FACTOR, source=source),
            "shares": lambda: trade.trade_shares(store, isos, span, basis, partners=parts, source=source),
            "group-shares": lambda: trade.group_shares(store, isos, span, basis, source=source),
            "intensity": lambda: trade.trade_intensity(store, isos, span, basis, partners=parts, source=source),
            "group": lambda: trade.group_indicators(store, isos, span, basis, source=source),
            "concentration": lambda: trade.market_concentration(store, isos, span, basis, source=source),
            "rca": lambda: trade.rca(store, isos, span[0], basis, source=source),
            "complementarity": lambda: trade.complementarity(store, isos, parts or isos, span[0], basis, source=source),
            "grubel-lloyd": lambda: trade.grubel_lloyd(store, isos, span[0], basis, partners=parts, source=source),
            "similarity": lambda: trade.export_similarity(store, isos, span[0], basis, source=source),
            "product-concentration": lambda: trade.product_concentration(store, isos, span[0], basis, source=source),
        }
        frame = calls[m]()
        return frame if m in _PRODUCT_MEASURES or m in ("partners", "discrepancies") else _select_years(frame, ys)

    def trade_series(self, expression: str, partners: Countries, years: Years = "2000-2023",
                     extend_with: Literal["national"] | None = None) -> pl.DataFrame:
        """Bilateral trade as each reporter of `expression` records it with each partner, by year and flow.

        Default: IMF DOTS only (one source per call). `extend_with="national"` continues each
        reporter's series after its last DOTS year with its national statistics (KGZ, KAZ, UZB to 2023;
        Russia's FCS to 2021); every row of a crossing series names the break in `source_break`
        (metrics/trade_series.py). Values as published; missing years absent, never zero.
        `flows_flagged` is 1 on an IMF DOTS row whose flow has reported and mirror figures more than a
        factor 2 apart (metrics/flag_rules.py), else 0.

        Examples:
            >>> open().trade_series("KGZ", "RUS", "2019-2023", extend_with="national")["source_break"][0]
            'IMF DOTS to 2020, national statistics (national:KGZ-nsc) from 2021'
        """
        from sco_observatory.metrics import trade
        from sco_observatory.metrics.trade_series import DOTS_PREFIX, bilateral_series

        reporters, parts, span = countries(expression), countries(partners), year_span(years)
        frame = _select_years(bilateral_series(self.store, reporters, parts, span, extend_with=extend_with), years)
        # flows_flagged: 1 where the row's flow (X: reporter→partner, M: partner→reporter) has IMF DOTS
        # reported and mirror figures more than a factor 2 apart (metrics/flag_rules.py); national rows 0
        dots_years = frame.filter(pl.col("source").str.starts_with(DOTS_PREFIX))["year"].unique().to_list()
        flagged = trade.flagged_set(self.store, reporters, [p for p in parts if p != "WLD"], dots_years,
                                    DOTS_PREFIX.rstrip(":")) if dots_years else None
        exporter = pl.when(pl.col("flow") == "X").then(pl.col("reporter")).otherwise(pl.col("partner"))
        importer = pl.when(pl.col("flow") == "X").then(pl.col("partner")).otherwise(pl.col("reporter"))
        keyed = frame.with_columns(exporter.alias("_e"), importer.alias("_i"))
        if flagged is not None and flagged.height:
            marks = flagged.select(pl.col("exporter").alias("_e"), pl.col("importer").alias("_i"), "year",
                                   pl.lit(1, dtype=pl.UInt32).alias("_f"))
            keyed = keyed.join(marks, on=["_e", "_i", "year"], how="left", maintain_order="left")
        else:
            keyed = keyed.with_columns(pl.lit(None, dtype=pl.UInt32).alias("_f"))
        dots = pl.col("source").str.starts_with(DOTS_PREFIX)
        return keyed.with_columns(pl.when(dots).then(pl.col("_f").fill_null(0)).otherwise(0).cast(pl.UInt32)
                                  .alias("flows_flagged")).drop("_e", "_i", "_f")
    def trade_products(self, expression: str, partner: Countries, year: Years, top: int = 10,
                       flows: Literal["reported", "mirror", "best"] | None = None,
                       source: str | None = None) -> pl.DataFrame:
        """The group's top `top` products in its exports to and imports from `partner` in one year:
        value, share of the direction's total, Balassa RCA of the group and of the partner in each
        product, and the product's complexity PCI (METHODS §4.5, §4.11). Formula: share_k = v_k / Σ_k v_k
        in each direction; RCA_k = (x_k / X) / (x_Wk / X_W) (Balassa 1965). Needs a product-level
        dataset (CEPII BACI, UN Comtrade by HS code); `flows` defaults to reported.

        Examples:
            >>> "pci" in open().trade_products("CA5", "CHN", 2020).columns  # doctest: +SKIP
            True
        """
        from sco_observatory.metrics import products

        isos, parts, ys = countries(expression), countries(partner), parse_years(year)
        if len(ys) != 1:
            raise ObservatoryError(f"`sco trade products` is computed for one year; got {len(ys)}",
                                   f"pass one year, e.g. --year {ys[-1]}")
        self._check_source(source)
        return products.trade_products(self.store, isos, parts, ys[0], flows or "reported", top=products.check_top(top),
                                       source=source)

    def complexity(self, year: Years, expression: str | None = None,
                   flows: Literal["reported", "mirror", "best"] | None = None, source: str | None = None,
                   level: Literal["countries", "products"] = "countries") -> pl.DataFrame:
        """Economic complexity of one year (Hidalgo & Hausmann 2009, METHODS §4.11): ECI of every
        exporter of the product-level dataset (`level="countries"`; with `expression`, that group's
        rows, ranked among all), or PCI of every product (`level="products"`).

        Examples:
            >>> open().complexity(2020, "CA5").columns[:3]  # doctest: +SKIP
            ['iso3', 'year', 'eci']
        """
        from sco_observatory.metrics import products

        ys = parse_years(year)
        if len(ys) != 1:
            raise ObservatoryError(f"economic complexity is computed for one year; got {len(ys)}", f"pass one year, e.g. --year {ys[-1]}")
        if level not in ("countries", "products"):
            raise ObservatoryError(f"unknown complexity level '{level}'", "use countries or products")
        if level == "products" and expression:
            raise ObservatoryError("PCI is per product, not per group", "drop the group, or use level='countries'")
        isos = countries(expression) if expression else None
        self._check_source(source)
        result = products.complexity(self.store, ys[0], flows or "reported", source=source)
        if level == "products":
            return result.products
        return result.countries.filter(pl.col("iso3").is_in(isos)) if isos else result.countries

    def siei(self, dimension: str, expression: str, years: Years, level: Literal["pair", "country", "group"] = "pair",
             flows: Literal["reported", "mirror", "best"] | None = None, hypotheses: bool = False,
             source: str | None = None) -> pl.DataFrame:
        """SIEI-style integration index of one dimension (documented proxies, METHODS §1.4; not the EDB's formulas).

        trade: I_ij = (x_ij / X_i) / (X_j / X_w) style intensity over the group (METHODS §1.3–1.4);
        migration, agriculture, convergence, energy, education, investment as in METHODS §1.4.
        `hypotheses=True` (trade) runs the METHODS §1.3 test (H1–H3) for the first year. `flows`
        (default reported) applies to trade and agriculture, `source` to those and migration: an option
        the dimension does not use is an error, never ignored.

        Examples:
            >>> pairs = open().siei("trade", "CA5+RUS", years="2010-2012")
            >>> pairs.filter((pl.col("iso3_a") == "KAZ") & (pl.col("iso3_b") == "RUS"))["year"].to_list()
            [2010, 2011, 2012]
        """
        from sco_observatory.metrics import siei

        dim = dimension.lower()
        if dim in siei.DIMENSIONS:
            for option, given, used in (("--hypotheses", hypotheses, ("trade",)),
                                        ("--flows", flows is not None, ("trade", "agriculture")),
                                        ("--source", bool(source), ("trade", "agriculture", "migration"))):
                if given and dim not in used:
                    raise ObservatoryError(f"`sco siei {dim}` does not use {option}",
                                           f"drop {option} (it applies to: {', '.join(used)})")
        isos, span = countries(expression), year_span(years)
        self._check_source(source)
        if hypotheses:
            h = siei.trade_hypotheses(self.store, isos, span[0], source=source)
            return siei.hypothesis_verdicts(h)
        return _select_years(siei.siei(self.store, dimension, isos, span, level, flows or "reported", source=source), years)

    def arms(self, expression: str, years: Years = "2000-2023", suppliers: Countries = "RUS,CHN",
             period: int = 1) -> pl.DataFrame:
        """Each state's share of its arms imports by supplier (the named ones, then "Others"), SIPRI TIV.

        share = Σ TIV(supplier→recipient) / Σ TIV(all suppliers→recipient) over each period of
        `period` years (1: every year; 5: SIPRI-style five-year blocks) [V]. Null share where the
        recipient received nothing; `flags` counts SIPRI's uncertain deliveries. The register is not
        shipped (SIPRI's terms): without it the error says which file to import (docs/metrics.md,
        "Arms-transfer dependence").

        Examples:
            >>> try:
            ...     open().arms("CA5", "2020-2023")
            ... except ObservatoryError as exc:
            ...     print(exc.message[:52])
            SIPRI's Arms Transfers Database (trade register) has
        """
        from sco_observatory.metrics import arms

        span = year_span(years)
        frame = arms.dependence(self.store, countries(expression), span, countries(suppliers), period=period)
        if period == 1:
            return _select_years(frame.with_columns(pl.col("first_year").alias("year")), years).drop("year")
        return frame

    def composite(self, expression: str, years: Years, dimensions: str | Sequence[str] = "trade,migration",
                  level: Literal["pair", "country", "group"] = "pair", partial: bool = False) -> pl.DataFrame:
        """SIEI-style composite: sub-indices min–max normalised over the panel, equal weights.

        score = (x − min) / (max − min) per component, then the mean (ARII 2016 method, METHODS §3.3);
        scores are relative to this panel (these countries and years).

        Examples:
            >>> frame = open().composite("CA5+RUS", "2010-2012")
            >>> frame["composite"].drop_nulls().is_between(0, 1).all(), sorted(set(frame["year"]))
            (True, [2010, 2011, 2012])
        """
        from sco_observatory.metrics.composite import siei_composite

        isos, span = countries(expression), year_span(years)
        frame = siei_composite(self.store, isos, span, dimensions=_dimensions(dimensions), level=level, partial=partial)
        return _select_years(frame, years)

    def convergence(self, expression: str, indicator: str | None = None, start: int | None = None,
                    end: int | None = None, measure: Literal["sigma", "beta", "both", "art63"] = "both",
                    source: str | None = None, *, years: Years | None = None,
                    significance: float = 0.05) -> Union[Convergence, pl.DataFrame]:
        """σ- and β-convergence of an indicator across a group (METHODS §6).

        σ: sd of log x per year (§6.1); β: OLS of the annualised growth (1/T)·ln(x_iT/x_i0) on ln x_i0,
        λ = −ln(1 + Tβ)/T, half-life ln 2/λ (§6.2); "converging" only where β < 0 is significant at
        `significance` (two-sided), otherwise "no evidence of β-convergence". Years: `years` (a span, or
        a selection whose σ rows are kept) or `start`/`end`. The default indicator is the first of PPP,
        constant-price and current-US$ GDP per capita the store holds. `measure="both"` returns a
        :class:`Convergence` pair; `sigma`, `beta` or `art63` (EAEU Treaty Art. 63, last year) one frame.

        Examples:
            >>> result = open().convergence("CA5", start=2000, end=2012)
            >>> type(result).__name__, result.sigma.height > 0
            ('Convergence', True)
        """
        from sco_observatory.metrics import convergence

        measure_l = measure.lower()
        if measure_l not in ("sigma", "beta", "both", "art63"):
            raise ObservatoryError(f"unknown convergence measure '{measure}'", "use sigma, beta, both or art63")
        if years is not None and (start is not None or end is not None):
            raise ObservatoryError("--years and --from/--to both given", "pass one of them, e.g. --years 2000-2019")
        if years is not None:
            ys = parse_years(years)
        elif start is not None and end is not None:
            ys = parse_years(f"{start}-{end}")
        else:
            raise ObservatoryError("no years given", "pass --years 2000-2019 (or --from 2000 --to 2019)")
        first, last = ys[0], ys[-1]
        isos = countries(expression)
        self._check_source(source)
        if measure_l == "art63":
            return convergence.eaeu_art63(self.store, isos, last)
        code = indicator or convergence.default_income_indicator(self.store)
        sig = (_select_years(convergence.sigma(self.store, isos, code, (first, last), source=source), ys)
               if measure_l in ("sigma", "both") else None)
        bet = (convergence.beta(self.store, isos, code, first, last, source=source, level=significance)
               if measure_l in ("beta", "both") else None)
        if measure_l == "sigma":
            return sig  # type: ignore[return-value]
        if measure_l == "beta":
            return bet  # type: ignore[return-value]
        return Convergence(sig, bet)  # type: ignore[arg-type]

    def whatif(self, base: str, add: Countries | None = None, remove: Countries | None = None, year: int = 2012,
               indicators: Sequence[str] | None = None, nearest: int = 0) -> pl.DataFrame:
        """Baseline vs changed group side by side: power shares, HHI, CON, integration, with deltas.

        Same formulas as :meth:`power` (METHODS §4.6, §5.3) on both groups; delta = changed − baseline.

        Examples:
            >>> open().whatif("SCO@2012", add="IND+PAK", year=2012).height > 0
            True
        """
        from sco_observatory.metrics import DEFAULT_POWER_INDICATORS
        from sco_observatory.whatif import whatif

        return whatif(self.store, countries(base), countries(add) if add else [], countries(remove) if remove else [],
                      year, indicators=list(indicators) if indicators else DEFAULT_POWER_INDICATORS, nearest=nearest)

    def claims(self, ids: str | Sequence[str] | None = None) -> pl.DataFrame:
        """The 2014 report's quantitative statements recomputed: agree / disagree / cannot-check, with evidence.

        Rule: each claim's number recomputed from the store with the formula it states (docs/metrics.md).

        Examples:
            >>> set(open().claims()["verdict"]) <= {"agree", "disagree", "cannot-check"}
            True
        """
        from sco_observatory.metrics import claims

        chosen = [ids] if isinstance(ids, str) else (list(ids) if ids else None)
        return claims.check(self.store, chosen)

    def scenarios(self, first: int | None = None, last: int | None = None,
                  scenarios: str | Path | Sequence[str | Path] | None = None) -> Scenarios:
        """Signposts of the report's two scenarios evaluated per year, and the per-scenario summary.

        Rule: a signpost points to its scenario when its value crosses its stated reference
        (docs/signposts.md); missing data is "not evaluable", never evidence.

        Examples:
            >>> result = open().scenarios(2012, 2014)
            >>> sorted(set(result.signposts["year"]))
            [2012, 2013, 2014]
        """
        from sco_observatory.dates import parse_year_range
        from sco_observatory.signposts import evaluate, load_scenarios, summary
        from sco_observatory.signposts.evaluate import FIRST_YEAR, latest_year

        files = [scenarios] if isinstance(scenarios, (str, Path)) else (list(scenarios) if scenarios else None)
        sset = load_scenarios([str(f) for f in files] if files else None)
        y0 = first if first is not None else FIRST_YEAR
        y1 = last if last is not None else latest_year(self.store)
        span = parse_year_range(f"{y0}-{y1}")
        frame = evaluate(self.store, sset, span)
        return Scenarios(frame, summary(frame), span)

    # -- report, data ----------------------------------------------------------------------------
    def report(self, output: str | Path = "sco-report.html", as_of: str | dt.date | None = None,
               group: str | None = None, follow_symlinks: bool = False,
               progress: Callable[[str], None] | None = None) -> Path:
        """Write the sourced, self-contained HTML report and return its path (`progress(section)` per section).

        Each section states its formula and cites its sources (docs/methods.md; ledger: docs/kb.md).

        Examples:
            >>> import tempfile, pathlib
            >>> open().report(pathlib.Path(tempfile.mkdtemp()) / "sco.html", as_of="2012").name
            'sco.html'
        """
        from sco_observatory.report import build_report
        from sco_observatory.safe_output import check_target

        check_target(output, follow_symlinks=follow_symlinks)  # a bad path fails before the store is opened
        return build_report(output, as_of=as_of, group=group, store=self.store, follow_symlinks=follow_symlinks,
                            progress=progress, lang=self.lang)

    def import_file(self, paths: str | Path | Sequence[str | Path], format: str = "auto",
                    options: dict[str, str] | None = None, replace: bool = False,
                    progress: Callable[[str, float | None], None] | None = None) -> pl.DataFrame:
        """Import bulk files into the store (each all or nothing, idempotent); one row per file.

        Columns: file, source_id, summary, seconds. Formats: docs/formats.md. `progress(stage,
        fraction)` is called while each file is read.

        Rule: a file is validated whole before anything is written; the same file again (same sha256) is
        "unchanged", a new version of a source replaces its rows (docs/reliability.md).

        Examples:
            >>> import json, tempfile, pathlib
            >>> folder = pathlib.Path(tempfile.mkdtemp())
            >>> _ = (folder / "mine.csv").write_text("iso3,year,code,value,unit\\nKAZ,2012,MY.INDEX,1.5,index\\n")
            >>> _ = (folder / "mine.source.json").write_text(json.dumps({"title": "My numbers", "id": "user:mine",
            ...     "publisher": "me", "url": "https://example.org/"}))
            >>> with open(folder) as obs:
            ...     obs.import_file(folder / "mine.csv")["source_id"].to_list()
            ['user:mine']
        """
        from sco_observatory.ingest import import_file

        items = [paths] if isinstance(paths, (str, Path)) else list(paths)
        rows = []
        for path in items:
            result = import_file(self.store, Path(path), format, progress=progress, replace=replace, **(options or {}))
            rows.append({"file": Path(path).name, "source_id": getattr(result, "source_id", None),
                         "summary": result.summary(), "seconds": float(result.seconds)})
        return pl.DataFrame(rows, schema={"file": pl.String, "source_id": pl.String, "summary": pl.String,
                                          "seconds": pl.Float64})

    def fetch(self, source: Literal["worldbank", "comtrade", "imf"], countries: str, years: Years, *,
              indicators: str | Sequence[str] | None = None, partners: str | None = None, hs: str = "TOTAL",
              flows: str = "X,M", offline: bool = False, refresh: bool = False, max_age: float | None = None,
              concurrency: int | None = None, replace: bool = False, per_page: int | None = None,
              progress: Any = None) -> list[str]:
        """Fetch from a public API (cached, retried, resumable) into the store; returns the report's lines.

        `countries` are the countries (worldbank) or the reporters (comtrade, imf); `partners` a group
        expression where WLD means the World; `max_age` days a cached answer stays fresh. The store
        is opened only once every answer is in (not held during the downloads).

        Rule: each request is answered from the cache while fresh, else fetched with retries that honour
        Retry-After; `offline=True` reads the cache only and says what it lacks (docs/sources.md).

        Examples:
            >>> open().fetch("worldbank", "KAZ", 2012, indicators="SP.POP.TOTL", offline=True)  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            sco_observatory.sources.http.OfflineMissing: --offline: 1 of 1 World Bank API responses are not in the cache: https://api.worldbank.org/v2/country/KAZ/indicator/SP.POP.TOTL?...
        """
        from sco_observatory.sources import comtrade, imf, worldbank
        from sco_observatory.sources.http import DAY, HttpSettings, Progress

        span = year_span(years)
        name = source.lower()
        modules = {"worldbank": worldbank, "comtrade": comtrade, "imf": imf}
        if name not in modules:
            raise ObservatoryError(f"unknown fetch source '{source}'", "use worldbank, comtrade or imf")
        settings = HttpSettings.from_env(modules[name].DEFAULTS, offline=offline or None, refresh=refresh or None,
                                         max_age=max_age * DAY if max_age is not None else None, concurrency=concurrency)
        bar = progress if progress is not None else Progress()
        target: Any = self._store if self._store is not None else self._opener
        report: Any
        if name == "worldbank":
            if not indicators:
                raise ObservatoryError("fetch('worldbank') needs indicators", "e.g. indicators='NY.GDP.MKTP.CD'")
            codes = [c.strip() for c in (indicators.split(",") if isinstance(indicators, str) else indicators) if c.strip()]
            extra = {"per_page": per_page} if per_page is not None else {}
            report = worldbank.fetch(target, codes, _scope_countries(countries, allow_world=True), span, settings=settings,
                                     progress=bar, replace=replace, **extra)
        else:
            if not partners:
                raise ObservatoryError(f"fetch('{name}') needs partners", "e.g. partners='RUS,CHN,WLD'")
            rep, par = _scope_countries(countries), _scope_countries(partners, allow_world=True)
            if name == "comtrade":
                report = comtrade.fetch(target, rep, par, span, hs=hs, flows=flows.split(","), settings=settings,
                                        progress=bar, replace=replace)
            else:
                report = imf.fetch(target, rep, par, span, settings=settings, progress=bar, replace=replace)
        return list(report.lines())

    def update(self, dataset: str | None = None, *, offline: bool = False, refresh: bool = False,
               replace: bool = False, progress: Any = None) -> list[str]:
        """Refresh snapshot datasets from their live APIs or bulk URLs (`sco data update`); returns the report's lines.

        `dataset`: a snapshot dataset key (`wdi`, `wdi-milex` by the World Bank API; `cow-nmc-7`,
        `uis-students` by the publisher's file); None: every dataset that can be refreshed online. Rule: all or nothing over the network — if the publisher cannot be reached nothing is
        written, the snapshot stays in force and `UpdateUnavailableError` says how to retry
        (docs/data.md, "Refreshing the snapshot online").

        Examples:
            >>> open().update("imf-cdis")
            Traceback (most recent call last):
            ...
            sco_observatory.sources.update.NotUpdatableError: 'imf-cdis' (International Monetary Fund) has no live API or stable download URL
        """
        from sco_observatory.sources import update as upd
        from sco_observatory.sources import worldbank
        from sco_observatory.sources.http import HttpSettings, Progress

        keys = [dataset.strip().lower()] if dataset else sorted(upd.UPDATABLE)
        settings = HttpSettings.from_env(worldbank.DEFAULTS, offline=offline or None, refresh=refresh or None)
        target: Any = self._store if self._store is not None else self._opener
        lines: list[str] = []
        for key in keys:
            lines += upd.update(target, key, settings=settings, progress=progress or Progress(), replace=replace).lines
        return lines

    def _opener(self) -> "Store":
        """A fresh connection for a caller that closes it when done (the fetchers, after the downloads)."""
        from sco_observatory.store import open_store

        return open_store(self.store_path, read_only=self.read_only)

    def data(self, code: str | None = None, countries: str | None = None, years: Years | None = None,
             source: str | None = None) -> pl.DataFrame:
        """Without `code`: the store's catalogue (`sco data list`: each source's years, rows, publisher,
        vintage, licence, URL and origin — snapshot, embedded or import); with it: the indicator's
        values with sources.

        Rule: values as the source published them (no fill, no interpolation); with several sources of
        one code, every source's rows, each named (docs/data.md).

        Examples:
            >>> open().data("MS.MIL.XPND.CD", "KGZ", 2012, source="embedded:iiss-mb2013")["value"].to_list()
            [106000000.0]
            >>> "origin" in open().data().columns
            True
        """
        from sco_observatory.snapshot import origin_columns
        from sco_observatory.store.queries import catalog, indicator_values

        if code is None:
            return origin_columns(self.store, catalog(self.store))
        isos = resolve_group(countries).iso3 if countries else None
        self._check_source(source)
        frame = indicator_values(self.store, code, isos, year_span(years) if years is not None else None, source)
        return _select_years(frame, years) if years is not None else frame

    def indicators(self) -> pl.DataFrame:
        """The indicator codes the store holds: one row per code and source with first_year, last_year and
        the number of countries (what `/api/indicators` answers). Rule: first_year = min(year),
        last_year = max(year), countries = count(DISTINCT iso3) over the rows of the pinned commit;
        the datasets behind the codes are in docs/data.md.

        Examples:
            >>> "first_year" in open().indicators().columns
            True
        """
        from sco_observatory.store.queries import indicator_spans

        return indicator_spans(self.store)


def open(home: str | Path | None = None, *, read_only: bool = False, engine: str | None = None,
         lang: str | None = None) -> Observatory:
    """Open the observatory: `home` holds the store (default: --home / $SCO_OBSERVATORY_HOME / the
    platform's data directory); `read_only` never writes; `engine` picks the query engine of the
    metrics, "duckdb" (default) or "spark" (for the whole process, as `sco --engine` does); `lang`
    the language of country and organisation names in the frames and the report (`--lang`).

    Examples:
        >>> open(read_only=True).read_only
        True
    """
    return Observatory(home, read_only=read_only, engine=engine, lang=lang)
