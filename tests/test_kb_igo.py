"""Cross-check against the real COW IGO v3 file (skipped where ../shared/data is absent)."""

from __future__ import annotations

import polars as pl
import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.kb import igo_crosscheck, load_ledger

COW_FILE = "igo_year_format3_eurasian_regional_igos_all_states.csv"


@pytest.fixture(scope="module")
def check(shared_data):
    return igo_crosscheck(shared_data / "cow_igo" / COW_FILE)


def test_known_disagreements_are_found(check):
    bad = check.filter(pl.col("agree") == False)  # noqa: E712
    # COW codes every SCO observer as a non-member
    sco_obs = bad.filter((pl.col("igo") == "SCO") & (pl.col("ledger_status") == "observer"))
    assert set(sco_obs["iso3"]) == {"MNG", "IND", "IRN", "PAK", "AFG"}
    assert sco_obs["explanation"].str.contains("does not record SCO observer").all()
    # COW dates the SCO from 1996 (the Shanghai Five)
    early = bad.filter((pl.col("igo") == "SCO") & (pl.col("year") < 2001))
    assert set(early["iso3"]) == {"CHN", "KAZ", "KGZ", "RUS", "TJK"}
    assert early["explanation"].str.contains("Shanghai Five").all()
    # Uzbekistan in the CSTO before 2006: suspended in the ledger, member in COW
    uzb = bad.filter((pl.col("igo") == "CSTO") & (pl.col("iso3") == "UZB"))
    assert set(uzb["year"]) == {2002, 2003, 2004, 2005}


def test_ledger_side_of_every_disagreement_is_sourced_or_flagged(check):
    sources = set(load_ledger().sources)
    bad = check.filter(pl.col("agree") == False)  # noqa: E712
    for row in bad.iter_rows(named=True):
        if row["ledger_source"] is None:
            assert "to be sourced" in row["explanation"], row
        else:
            assert row["ledger_source"] in sources, row
        assert row["explanation"], row


def test_agreements_cover_the_founders(check):
    ok = check.filter((pl.col("igo") == "SCO") & (pl.col("year") == 2012) & (pl.col("agree") == True))  # noqa: E712
    assert {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"} <= set(ok["iso3"])


def test_bad_file(tmp_path):
    with pytest.raises(ImportFormatError):
        igo_crosscheck(tmp_path / "missing.csv")
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFormatError, match="not a COW IGO-year"):
        igo_crosscheck(bad)
