"""Bad input for the new readers: one ImportFormatError naming file, line and problem; nothing stored; CLI exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import import_file

FCS = "source_file,sheet,flow,year,month,partner_ru,value_usd_mn\n"
UIS = "year,origin_country_name,dest_country_lumped,value_lumped,cond_all\n"
CDIS = "year,reporter,reporter_iso3,counterpart,counterpart_iso3,value_usd_mn,marker,source_file\n"
IMS = "year,origin,origin_iso3,origin_is_region,destination,destination_iso3,destination_is_region,stock\n"
NAT = "reporter_iso3,agency,flow,year,partner_en,partner_ru,partner_code_iso_num,value_thousand_usd,note,source_file,sheet,row\n"

CASES = {
    "fcs_flow": ("fcs.csv", FCS + "94itog.xlsx,2020,exports,2020,,Казахстан,14107\n94itog.xlsx,2020,re-exports,2020,,Китай,1\n",
                 r"fcs\.csv:3: flow must be exports or imports"),
    "fcs_unknown_partner": ("fcs.csv", FCS + "94itog.xlsx,2020,exports,2020,,Атлантида,1\n",
                            r"fcs\.csv:2: unknown country 'Атлантида' in column partner"),
    "uis_cond": ("uis.csv", UIS + "2019,Kazakhstan,Russia,71368,- - - -\n2019,Kazakhstan,Turkey,2191,yes\n",
                 r"uis\.csv:3: cond_all must look like 'a b c d'"),
    "uis_negative": ("uis.csv", UIS + "2019,Kazakhstan,Russia,-5,- - - -\n", r"uis\.csv:2: negative number of students"),
    "cdis_marker": ("cdis.csv", CDIS + "2022,Kazakhstan,KAZ,Russia,RUS,1762.0,,f_2022.xlsx\n2022,Kazakhstan,KAZ,China,CHN,,x,f_2022.xlsx\n",
                    r"cdis\.csv:3: no value and no known CDIS marker"),
    "cdis_year": ("cdis.csv", CDIS + "2021,Kazakhstan,KAZ,Russia,RUS,1762.0,,CDIS_Table_6_Direct_Investment_Position_2022.xlsx\n",
                  r"cdis\.csv:2: year differs from the year in source_file"),
    "ims_region_flag": ("ims2020.csv", IMS + "2020,Kazakhstan,KAZ,0,Russia,RUS,maybe,2558907\n",
                        r"ims2020\.csv:2: origin_is_region and destination_is_region must be 0 or 1"),
    "national_note": ("nat.csv", NAT + "KGZ,NSC,exports,2023,China,Китай,,100.5,revised,x.xlsx,s,7\n",
                      r"nat\.csv:2: note must be empty or 'preliminary'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_refused_and_nothing_stored(store, tmp_path, case):
    name, text, message = CASES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = store.con.execute("SELECT count(*) FROM source").fetchone()[0]
    options = {"reporter": "KGZ"} if case.startswith("national") else {}
    with pytest.raises(ImportFormatError, match=message):
        import_file(store, path, **options)
    assert store.con.execute("SELECT count(*) FROM source").fetchone()[0] == before
    for table in ("trade", "migration", "student_mobility", "direct_investment", "arms_transfer"):
        assert store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_cli_exit_code_2_and_one_line(tmp_path):
    name, text, _ = CASES["uis_cond"]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "sco_observatory", "import", str(path)], capture_output=True, text=True,
                         env={"SCO_OBSERVATORY_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "uis.csv:3: cond_all must look like" in run.stderr
