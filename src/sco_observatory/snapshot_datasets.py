"""Which open datasets the embedded snapshot ships, and why some are only fetch recipes.

One definition, read by `scripts/build_snapshot.py` (what to build) and `sco data list` /
docs/data.md (what to say). Each entry names the files in the shared data folder (relative to
`$SCO_SHARED_DATA`), the source ids the readers make of them that may be shipped, and the facts of
provenance a reader cannot know from the file: the vintage, the date the copy was taken (the date
of the repository commit the file was copied from, per the folder's PROVENANCE.md), the
publisher's URL and licence, and the redistribution decision with its reason.

Licence check (publishers' terms, 2026-12):
- World Bank WDI: CC BY 4.0 — redistribution with attribution. Shipped (incl. MS.MIL.XPND.CD,
  SIPRI's numbers as republished by the World Bank under its licence).
- IMF (DOTS, CDIS): the IMF's special terms for data (Copyright and Usage, 2020) let users copy,
  publish and distribute IMF data with attribution ("Source: IMF, ..."). Shipped, attributed.
- UN DESA International Migrant Stock: CC BY 3.0 IGO. Shipped.
- COW NMC: free to use and share with citation of the dataset. Shipped.
- UIS student mobility via 360info: 360info files CC BY 4.0; UIS data CC BY-SA 3.0 IGO. Shipped,
  attributed to both.
- KGZ National Statistical Committee: CC BY (as listed by the copying repository). Shipped.
- SIPRI (milex database, arms transfers register): SIPRI's user rules allow download and citation
  but exclude commercial use without agreement and ask not to re-host copies; an MIT package may
  be used commercially, so NOT shipped: fetch recipe (`sco import` of the publisher's file).
- KAZ Bureau of National Statistics, UZB Statistics Agency, Rosstat: no licence stated. NOT
  shipped: fetch recipe.
- UNODC Afghanistan Opium Survey: UNODC's terms limit reuse to acknowledged non-commercial
  purposes. NOT shipped: fetch recipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    publisher: str
    vintage: str
    retrieved: str  # ISO date the copy was taken (commit date of the copied repository)
    url: str
    licence: str
    files: tuple[str, ...]  # relative to the shared data folder
    ship: bool = True
    sources: tuple[str, ...] = ()  # source ids to ship (empty: every source the files make)
    reason: str = ""  # why not shipped (ship=False), or what is left out
    options: dict = field(default_factory=dict)
    derive: str = ""  # a derivation of scripts/build_snapshot.py over already-built sources (no files)


WDI_FILES = tuple(f"wdi/{code}.csv" for code in (
    "ag.lnd.totl.k2", "ag.srf.totl.k2", "bx.klt.dinv.cd.wd", "bx.trf.pwkr.cd.dt", "eg.imp.cons.zs",
    "eg.use.elec.kh.pc", "fp.cpi.totl.zg", "ms.mil.xpnd.gd.zs", "ms.mil.xpnd.zs", "ne.exp.gnfs.zs",
    "ne.imp.gnfs.zs", "ny.gdp.mktp.cd", "ny.gdp.mktp.kd.zg", "ny.gdp.pcap.cd", "ny.gdp.pcap.pp.cd",
    "ny.gnp.mktp.pp.cd", "pa.nus.fcrf", "sm.pop.netm", "sm.pop.totl", "sp.pop.totl", "tg.val.totl.gd.zs",
    "tm.val.mrch.cd.wt", "tx.val.fuel.zs.un", "tx.val.mrch.cd.wt"))

DATASETS: tuple[Dataset, ...] = (
    Dataset("wdi", "World Development Indicators (24 indicators, all countries)", "World Bank",
            "1960-2025 (per indicator; 2025 partial)", "2026-07-01", "https://data.worldbank.org",
            "CC BY 4.0", WDI_FILES),
    Dataset("wdi-milex", "World Development Indicators: military expenditure (current US$, from SIPRI)", "World Bank",
            "1960-2022 (last updated 2024-03-28)", "2024-04-23",
            "https://data.worldbank.org/indicator/MS.MIL.XPND.CD", "CC BY 4.0",
            ("military_expenditure/API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv",)),
    Dataset("wdi-milex-derived",
            "Military expenditure, current US$, derived: MS.MIL.XPND.GD.ZS / 100 x NY.GDP.MKTP.CD (WDI)",
            "World Bank (derived by sco-observatory)", "years after the last MS.MIL.XPND.CD year (2023-2024)",
            "2026-07-01", "https://data.worldbank.org/indicator/MS.MIL.XPND.GD.ZS", "CC BY 4.0",
            (), derive="milex_usd",
            reason="estimate: SIPRI's share of GDP uses IMF GDP, so share x WDI GDP approximates SIPRI's US$ "
                   "figure; every row is flagged estimate. Import SIPRI's database for its own US$ series"),
    Dataset("imf-dots", "IMF Direction of Trade Statistics (bilateral goods trade)", "International Monetary Fund",
            "1990-2020", "2022-05-09", "https://data.imf.org (DOTS)",
            "IMF terms of use for data: reuse with attribution ('Source: IMF, Direction of Trade Statistics')",
            ("trade_imf_dots/dots_focus_reporters_1990_2020.csv",
             "trade_imf_dots/dots_other_reporters_to_focus_partners_1990_2020.csv")),
    Dataset("national-trade-kgz", "Kyrgyz Republic foreign trade by partner", "National Statistical Committee of the Kyrgyz Republic",
            "1994-2023 (2023 imports preliminary)", "2025-01-09", "https://stat.gov.kg",
            "CC BY (as listed by the copying repository)",
            ("trade_national_kaz_kgz_uzb/national_trade_by_partner_kgz_kaz_uzb.csv",),
            sources=("national:KGZ-nsc",),
            reason="the same file's KAZ and UZB tables are not shipped (no licence stated): "
                   "`sco import` the file to add them"),
    Dataset("undesa-ims-2020", "UN DESA International Migrant Stock 2020", "UN DESA Population Division",
            "1990-2020, five-yearly", "2023-12-05",
            "https://www.un.org/development/desa/pd/content/international-migrant-stock", "CC BY 3.0 IGO",
            ("migration_ims2020/ims2020_stock_origin_destination_long.csv",)),
    Dataset("undesa-ims-2019", "UN DESA International Migrant Stock 2019", "UN DESA Population Division",
            "1990-2019, five-yearly", "2021-04-30",
            "https://www.un.org/development/desa/pd/content/international-migrant-stock", "CC BY 3.0 IGO",
            ("migration/UN_MigrantStockByOriginAndDestination_2019_clean.csv",)),
    Dataset("cow-nmc-7", "Correlates of War National Material Capabilities v7.0", "Correlates of War Project",
            "1816-2022", "2026-07-01", "https://correlatesofwar.org/data-sets/national-material-capabilities/",
            "free use with citation (Singer, Bremer & Stuckey 1972)",
            ("cow_nmc_v7/NMC-70-abridged_from_peacesciencer.csv",)),
    Dataset("uis-students", "UNESCO UIS international student mobility (top-10 partners, via 360info)",
            "UNESCO Institute for Statistics; 360info", "1998-2020", "2023-01-09", "http://data.uis.unesco.org",
            "UIS data CC BY-SA 3.0 IGO; 360info files CC BY 4.0",
            ("student_mobility_uis/popular-destinations-by-origin.csv",
             "student_mobility_uis/popular-origins-by-destination.csv")),
    Dataset("imf-cdis", "IMF Coordinated Direct Investment Survey, outward positions (Table 6-o)",
            "International Monetary Fund", "end-2009 - end-2022", "2024-09-26", "https://data.imf.org (CDIS)",
            "IMF terms of use for data: reuse with attribution ('Source: IMF, Coordinated Direct Investment Survey')",
            ("fdi_imf_cdis/cdis_table6o_outward_positions_2009_2022_focus.csv",)),
    # -- not shipped: fetch recipes ------------------------------------------------------------
    Dataset("sipri-milex", "SIPRI Military Expenditure Database", "Stockholm International Peace Research Institute",
            "1949-2024", "2025-06-25", "https://www.sipri.org/databases/milex",
            "© SIPRI: free use with citation; no commercial use without agreement; copies not to be re-hosted",
            ("military_expenditure/sipri_milex_1949_2024_long.csv",), ship=False,
            reason="SIPRI's terms exclude commercial use and re-hosting; the MIT package may be used commercially. "
                   "Download the database from SIPRI and `sco import` it (format sipri)"),
    Dataset("sipri-arms", "SIPRI Arms Transfers Database (trade register)", "Stockholm International Peace Research Institute",
            "deliveries 2000-2023", "2025-01-03", "https://www.sipri.org/databases/armstransfers",
            "© SIPRI: free use with citation; no commercial use without agreement",
            ("arms_transfers_sipri/sipri_trade_register_2000_2023.csv",), ship=False,
            reason="as for SIPRI milex: download the trade register and `sco import` it (format sipri-arms-register)"),
    Dataset("national-trade-kaz-uzb", "Kazakhstan and Uzbekistan foreign trade by partner",
            "Bureau of National Statistics of Kazakhstan; Statistics Agency of Uzbekistan", "KAZ 2018-2023, UZB 2010-2023",
            "2025-01-09", "https://stat.gov.kz, https://stat.uz", "no licence stated (official statistics)",
            ("trade_national_kaz_kgz_uzb/national_trade_by_partner_kgz_kaz_uzb.csv",), ship=False,
            reason="no licence stated: `sco import` the national-trade-ca file"),
    Dataset("rosstat-fcs", "Russia foreign trade by partner (Rosstat, FCS data)", "Rosstat",
            "1994-2021", "2025-01-09", "https://rosstat.gov.ru", "no licence stated (official statistics)",
            ("trade_russia_fcs/russia_fcs_trade_by_partner.csv",), ship=False,
            reason="no licence stated: `sco import` the rosstat-fcs file"),
    Dataset("unodc-opium", "UNODC/NSIA Afghanistan Opium Survey (district cultivation)", "UNODC",
            "2010-2020", "2022-03-05", "https://www.unodc.org/unodc/en/crop-monitoring/",
            "UNODC: reuse with acknowledgement for non-commercial purposes",
            tuple(f"opium_afghanistan/afg_district_poppy_cultivation_ha_2010_2020_part{i}.csv" for i in (1, 2, 4, 5, 6, 7, 8)),
            ship=False, reason="UNODC's terms are non-commercial: `sco import` the survey files (format unodc-opium)"),
)


def shipped() -> tuple[Dataset, ...]:
    return tuple(d for d in DATASETS if d.ship)


def by_key(key: str) -> Dataset | None:
    return next((d for d in DATASETS if d.key == key), None)


SHORT_NAMES: tuple[tuple[str, str], ...] = (
    ("wdi-derived:", "World Bank WDI"), ("wdi:", "World Bank WDI"), ("worldbank:", "World Bank WDI"),
    ("imf-dots:", "IMF DOTS"), ("imf:", "IMF IMTS"), ("imf-cdis:", "IMF CDIS"),
    ("national:", "national statistics"), ("rosstat:", "Rosstat (FCS)"),
    ("undesa:", "UN DESA migrant stock"), ("cow:nmc", "COW NMC"), ("cow:", "Correlates of War"),
    ("uis:", "UNESCO UIS"), ("sipri:arms", "SIPRI Arms Transfers Database"), ("sipri:", "SIPRI"),
    ("baci:", "CEPII BACI"), ("comtrade:", "UN Comtrade"), ("wits:", "WITS"), ("unodc:", "UNODC"),
    ("embedded:iiss", "IISS (via the 2014 report)"), ("embedded:", "the 2014 report's tables"),
)
"""Short publisher-and-dataset names by source-id prefix (first match), for headings ("World Bank WDI, 2024")."""


def short_name(source_id: str) -> str:
    """"World Bank WDI" for "wdi:NY.GDP.MKTP.CD"; the id itself where no prefix matches (a user's own source)."""
    return next((name for prefix, name in SHORT_NAMES if source_id.startswith(prefix)), source_id)


def short_names(source_ids) -> str:
    """The distinct short names of several source ids, in first-seen order, joined by " + "."""
    ids = [s for v in source_ids if v for s in str(v).replace(",", ";").split(";") if s.strip()]
    return " + ".join(dict.fromkeys(short_name(s.strip()) for s in ids))
