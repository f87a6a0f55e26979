"""Words for readers instead of identifiers: indicator codes, statuses and source keys.

One definition used by the report's charts and (through `/api/labels`) by the dashboard, so a chart
says "GDP (current US$)" and "dialogue partner", and keeps the code for its tooltip.
"""

from __future__ import annotations

INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    # code -> (label, unit)
    "NY.GDP.MKTP.CD": ("GDP", "current US$"),
    "NY.GDP.PCAP.CD": ("GDP per capita", "current US$"),
    "NY.GDP.PCAP.PP.CD": ("GDP per capita, PPP", "current international $"),
    "NY.GNP.MKTP.PP.CD": ("GNI, PPP", "current international $"),
    "NY.GDP.MKTP.KD.ZG": ("GDP growth", "annual %"),
    "SP.POP.TOTL": ("Population", "people"),
    "AG.LND.TOTL.K2": ("Land area", "km²"),
    "AG.SRF.TOTL.K2": ("Surface area", "km²"),
    "MS.MIL.XPND.CD": ("Military expenditure", "current US$"),
    "MS.MIL.XPND.GD.ZS": ("Military expenditure", "% of GDP"),
    "MS.MIL.XPND.ZS": ("Military expenditure", "% of government spending"),
    "MS.MIL.TOTL.P1": ("Armed forces personnel", "people"),
    "FP.CPI.TOTL.ZG": ("Inflation, consumer prices", "annual %"),
    "SM.POP.TOTL": ("International migrant stock", "people"),
    "SM.POP.NETM": ("Net migration", "people"),
    "BX.TRF.PWKR.CD.DT": ("Personal remittances received", "current US$"),
    "BX.KLT.DINV.CD.WD": ("Foreign direct investment, net inflows", "current US$"),
    "NE.EXP.GNFS.ZS": ("Exports of goods and services", "% of GDP"),
    "NE.IMP.GNFS.ZS": ("Imports of goods and services", "% of GDP"),
    "TG.VAL.TOTL.GD.ZS": ("Merchandise trade", "% of GDP"),
    "TX.VAL.MRCH.CD.WT": ("Merchandise exports", "current US$"),
    "TM.VAL.MRCH.CD.WT": ("Merchandise imports", "current US$"),
    "TX.VAL.FUEL.ZS.UN": ("Fuel exports", "% of merchandise exports"),
    "EG.IMP.CONS.ZS": ("Energy imports, net", "% of energy use"),
    "EG.USE.ELEC.KH.PC": ("Electric power consumption", "kWh per capita"),
    "PA.NUS.FCRF": ("Official exchange rate", "local currency per US$"),
    "COW.NMC.CINC": ("CINC (COW composite index of national capability)", "share of the world"),
    "COW.NMC.MILEX": ("Military expenditure (COW NMC)", "thousands of US$"),
    "COW.NMC.MILPER": ("Military personnel (COW NMC)", "thousands"),
    "COW.NMC.IRST": ("Iron and steel production (COW NMC)", "thousands of tons"),
    "COW.NMC.PEC": ("Primary energy consumption (COW NMC)", "thousands of coal-ton equivalents"),
    "COW.NMC.TPOP": ("Total population (COW NMC)", "thousands"),
    "COW.NMC.UPOP": ("Urban population (COW NMC)", "thousands"),
}

STATUS_WORDS: dict[str, str] = {
    "member": "member", "observer": "observer", "dialogue_partner": "dialogue partner", "partner": "partner",
    "associate": "associate", "applicant": "applicant", "suspended": "suspended",
    "added": "added (what-if)", "removed": "removed (what-if)",
}


def indicator_label(code: str, *, with_unit: bool = True) -> str:
    """'GDP (current US$)' for NY.GDP.MKTP.CD; an unknown code is returned as it is."""
    label, unit = INDICATOR_LABELS.get(code.upper(), (code, ""))
    return f"{label} ({unit})" if with_unit and unit else label


def status_word(status: str | None) -> str:
    """'dialogue partner' for dialogue_partner; unknown statuses lose their underscores."""
    if not status:
        return ""
    return STATUS_WORDS.get(status, status.replace("_", " "))
