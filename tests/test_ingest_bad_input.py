"""Bad input: one ImportFormatError naming file, line and problem; the store exactly as before; CLI exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import import_file

WDI_HEADER = "Country Name,Country Code,Year,Value\n"
TRADE_HEADER = "reporter,partner,year,flow,product,value_usd\n"


def dump(store) -> dict[str, list]:
    return {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("source", "indicator", "trade", "migration")}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if name.startswith("flows"):
        (tmp_path / f"{path.stem}.source.json").write_text('{"title": "test flows"}')
    return path


CASES = {
    "malformed_quote": ("ny.gdp.mktp.cd.csv", WDI_HEADER + 'Kazakhstan,KAZ,2012,1\n"Kyrgyz,KGZ,2012,2\nTajikistan,TJK,2012,3\n',
                        r"ny\.gdp\.mktp\.cd\.csv:3: malformed CSV \(Value with unterminated quote found\)"),
    "malformed_columns": ("sp.pop.totl.csv", WDI_HEADER + "Kazakhstan,KAZ,2012,1\nKyrgyzstan,KGZ,2012,2,7\n",
                          r"sp\.pop\.totl\.csv:3: malformed CSV \(Expected Number of Columns: 4 Found: 5\)"),
    "unknown_format": ("whatever.csv", "a,b,c\n1,2,3\n", r"whatever\.csv:1: format not recognised \(header: a,b,c\)"),
    "unknown_country": ("sp.pop.totl.csv", WDI_HEADER + "Kazakhstan,KAZ,2012,1\nAtlantis,ATL,2012,2\n",
                        r"sp\.pop\.totl\.csv:3: unknown country 'ATL' in column iso3"),
    "negative_trade": ("flows.csv", TRADE_HEADER + "KAZ,RUS,2012,X,TOTAL,100\nKAZ,CHN,2012,X,TOTAL,-5\n",
                       r"flows\.csv:3: negative value_usd"),
    "impossible_year": ("sp.pop.totl.csv", WDI_HEADER + "Kazakhstan,KAZ,2012,1\nKazakhstan,KAZ,3012,2\n",
                        r"sp\.pop\.totl\.csv:3: impossible year"),
    "conflicting_duplicates": ("flows.csv", TRADE_HEADER + "KAZ,RUS,2012,X,TOTAL,100\nKAZ,CHN,2012,X,TOTAL,5\n"
                                                          "Kazakhstan,Russia,2012,X,TOTAL,101\n",
                               r"flows\.csv:4: duplicate key \(KAZ, RUS, 2012, X, TOTAL\) with conflicting values \(first at line 2\)"),
    "not_a_number": ("sp.pop.totl.csv", WDI_HEADER + "Kazakhstan,KAZ,2012,lots\n", r"sp\.pop\.totl\.csv:2: Value is not a number"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_file_line_problem_and_changes_nothing(store, tmp_path, case):
    (tmp_path / "ok").mkdir()
    import_file(store, write(tmp_path / "ok", "ok_flows.csv", TRADE_HEADER + "KAZ,RUS,2011,X,TOTAL,1\n"), source_title="ok")
    before = dump(store)
    name, text, pattern = CASES[case]
    with pytest.raises(ImportFormatError, match=pattern) as info:
        import_file(store, write(tmp_path, name, text))
    assert info.value.hint  # and says how to fix it
    assert dump(store) == before


def test_bad_baci_value(store, tmp_path):
    codes = "country_code,country_name,country_iso2,country_iso3\n398,Kazakhstan,KZ,KAZ\n643,Russia,RU,RUS\n"
    write(tmp_path, "country_codes_V202401b.csv", codes)
    path = write(tmp_path, "BACI_HS17_Y2012_V202401b.csv", "t,i,j,k,v,q\n2012,398,643,270900,1.5,1\n2012,398,643,270910,abc,1\n")
    before = dump(store)
    with pytest.raises(ImportFormatError, match=r'BACI_HS17_Y2012_V202401b\.csv:3: malformed CSV \(.*"abc".*\)'):
        import_file(store, path)
    unknown = write(tmp_path, "BACI_HS17_Y2013_V202401b.csv", "t,i,j,k,v,q\n2013,398,643,270900,1.5,1\n2013,398,999,270900,1,1\n")
    with pytest.raises(ImportFormatError, match=r"BACI_HS17_Y2013_V202401b\.csv:3: unknown country 'BACI code 999' in column partner"):
        import_file(store, unknown, country_codes=tmp_path / "country_codes_V202401b.csv")
    assert dump(store) == before


def test_bad_baci_row_deep_in_a_large_file_names_its_line(store, tmp_path):
    """A file read by several threads: the line of a bad row is still its line in the file."""
    codes = "country_code,country_name,country_iso2,country_iso3\n398,Kazakhstan,KZ,KAZ\n643,Russia,RU,RUS\n156,China,CN,CHN\n"
    write(tmp_path, "country_codes_V202401b.csv", codes)
    pairs = [(398, 643), (643, 398), (156, 398), (398, 156)]
    rows = [f"2012,{a},{b},{k:06d},{1 + k % 7}.5,1" for k in range(120_000) for a, b in pairs]  # 480,000 rows
    bad = 431_207  # 0-based data row: file line bad + 2
    rows[bad] = rows[bad].replace(",1.5,", ",-3.5,").replace(",2.5,", ",-3.5,").replace(",3.5,", ",-3.5,")
    rows[bad] = ",".join(rows[bad].split(",")[:4] + ["-3.5", "1"])
    path = write(tmp_path, "BACI_HS17_Y2012_V202401b.csv", "t,i,j,k,v,q\n" + "\n".join(rows) + "\n")
    before = dump(store)
    with pytest.raises(ImportFormatError, match=rf"BACI_HS17_Y2012_V202401b\.csv:{bad + 2}: negative value_usd"):
        import_file(store, path)
    rows[bad] = ",".join(rows[bad].split(",")[:3] + ["1234567", "1", "1"])
    path.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n")
    with pytest.raises(ImportFormatError, match=rf"\.csv:{bad + 2}: product code k must be an HS6 code"):
        import_file(store, path)
    assert dump(store) == before


def test_sipri_unknown_marker_and_cow_unknown_code(store, tmp_path):
    sipri = write(tmp_path, "sipri.csv", "measure,unit,region,subregion,country,notes,year,value,raw_marker,sipri_flag\n"
                                         "milex_current_usd_mn,u,Asia,Central Asia,Kazakhstan,,2012,2177.5,,\n"
                                         "milex_current_usd_mn,u,Asia,Central Asia,Kazakhstan,,2013,,??,\n")
    with pytest.raises(ImportFormatError, match=r"sipri\.csv:3: no value and no known SIPRI marker"):
        import_file(store, sipri)
    cow = write(tmp_path, "NMC-60-abridged.csv", "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\n"
                                                 "KZK,705,2012,1,2,3,4,5,6,0.1,2021\nXXX,999,2012,1,2,3,4,5,6,0.1,2021\n")
    with pytest.raises(ImportFormatError, match=r"NMC-60-abridged\.csv:3: unknown country 'COW ccode 999 in 2012'"):
        import_file(store, cow)
    wrong_abb = write(tmp_path, "NMC-60-abridged.csv", "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\n"
                                                       "KAZ,705,2012,1,2,3,4,5,6,0.1,2021\n")
    with pytest.raises(ImportFormatError, match=r"NMC-60-abridged\.csv:2: stateabb does not match ccode"):
        import_file(store, wrong_abb)


def test_cli_bad_import_exits_2_with_one_line_and_no_traceback(tmp_path, capsys):
    from sco_observatory.cli import main

    bad = write(tmp_path, "sp.pop.totl.csv", WDI_HEADER + "Kazakhstan,KAZ,2012,1\nKazakhstan,KAZ,3012,2\n")
    rc = main(["import", str(bad)])
    captured = capsys.readouterr()
    assert rc == 2
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1, captured.err
    assert "sp.pop.totl.csv:3: impossible year" in lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_cli_unknown_format_exits_2(tmp_path, capsys):
    from sco_observatory.cli import main

    bad = write(tmp_path, "notes.csv", "x,y\n1,2\n")
    assert main(["import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notes.csv:1: format not recognised" in err
