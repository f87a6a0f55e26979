"""Fixed country groups that are not dated ledger entries (CA5, EU27), with where each list comes from.

A module of its own, importing nothing, so that both the group-expression parser (groups.py) and the
ledger's cached names (kb/model.py `ledger_names`) read one definition without importing each other.
"""

from __future__ import annotations

ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "CA5": ("Central Asia", ("KAZ", "KGZ", "TJK", "TKM", "UZB")),
    "EU27": ("European Union, 27 members since 2020-02-01",
             ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
              "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE")),
}
ALIAS_SOURCES: dict[str, str] = {
    "CA5": "the five post-Soviet Central Asian republics (UN M49 'Central Asia' region, code 143)",
    "EU27": "European Union, 'EU countries' (https://european-union.europa.eu/principles-countries-history/"
            "eu-countries_en): 27 member states after the United Kingdom's withdrawal on 2020-02-01. "
            "A fixed set: use it for years since 2020, or read earlier years as 'today's EU27'.",
}
"""Where each alias's membership comes from (an alias is a fixed list, not a dated ledger entry)."""
