"""Nothing lost on import: cut files, shrinking versions and borrowed source ids are refused; options are values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sco_observatory.cli import main
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import diff_file, import_file

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
INJECTION = "code=X' || (SELECT string_agg(source_id, ',') FROM source) || '"


def snapshot() -> tuple:
    from sco_observatory.store import open_store

    with open_store() as store:
        con = store.con
        return tuple(con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("source", "indicator", "trade"))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def gdp(shared_data, tmp_path) -> Path:
    target = tmp_path / "good" / "ny.gdp.mktp.cd.csv"
    target.parent.mkdir()
    shutil.copy(shared_data / "wdi" / "ny.gdp.mktp.cd.csv", target)
    return target


def test_truncated_wdi_file_is_refused_with_the_change(gdp, tmp_path, capsys):
    assert run(capsys, "import", str(gdp))[0] == 0
    cut = tmp_path / "t" / gdp.name
    cut.parent.mkdir()
    cut.write_bytes(gdp.read_bytes()[:-9])  # head -c -9: Zimbabwe's 2025 GDP loses two digits and the line end
    before = snapshot()
    code, out, err = run(capsys, "import", str(cut))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "refused to replace source wdi:NY.GDP.MKTP.CD" in err and "no line end" in err
    assert "ZWE 2025 NY.GDP.MKTP.CD 51,215,643,906 -> 512,156,439 (-99.0%)" in err and "--replace" in err
    assert snapshot() == before
    code, out, _ = run(capsys, "import", str(cut), "--replace")
    assert code == 0 and "replaced 11,828 rows" in out


def test_fewer_rows_countries_or_years_need_replace(store, tmp_path):
    data = next((FIXTURES / "baci").glob("BACI_*.csv"))
    folder = tmp_path / "baci"
    folder.mkdir()
    shutil.copy(next((FIXTURES / "baci").glob("country_codes_*.csv")), folder)
    target = folder / data.name
    lines = data.read_text().splitlines(keepends=True)
    target.write_text("".join(lines))
    full = import_file(store, target)
    target.write_text("".join(lines[: len(lines) // 2]))  # a year cut part-way, at a line end
    with pytest.raises(ImportFormatError, match=rf"refused to replace source {full.source_id}: fewer rows \({full.rows:,} -> "):
        import_file(store, target)
    assert store.con.execute("SELECT rows FROM source WHERE source_id = ?", [full.source_id]).fetchone()[0] == full.rows
    change = diff_file(store, target)
    assert change.old.rows == full.rows and change.new.rows < full.rows and change.removed_keys == full.rows - change.new.rows
    assert import_file(store, target, replace=True).status == "replaced"


def test_more_rows_replace_without_asking(store, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("iso3,year,code,value\nKAZ,2012,MY.X,1\n")
    import_file(store, path, source_title="Mine")
    path.write_text("iso3,year,code,value\nKAZ,2012,MY.X,1\nKAZ,2013,MY.X,2\n")
    assert import_file(store, path, source_title="Mine").status == "replaced"


def test_generic_csv_cannot_claim_a_publisher_source(gdp, tmp_path, capsys):
    assert run(capsys, "import", str(gdp))[0] == 0
    before = snapshot()
    mine = tmp_path / "g.csv"
    mine.write_text("iso3,year,code,value\nKAZ,2020,NY.GDP.MKTP.CD,1\n")
    for replace in ((), ("--replace",)):  # not even with --replace
        code, _, err = run(capsys, "import", str(mine), "-o", "source_title=x", "-o", "source_id=wdi:NY.GDP.MKTP.CD", *replace)
        assert code == 2 and "belongs to the wdi: publisher datasets" in err and len(err.strip().splitlines()) == 1
    assert snapshot() == before


def test_one_user_format_cannot_take_another_formats_source(store, tmp_path):
    ind = tmp_path / "a.csv"
    ind.write_text("iso3,year,code,value\nKAZ,2012,MY.X,1\n")
    import_file(store, ind, source_title="A", source_id="me:a")
    flows = tmp_path / "b.csv"
    flows.write_text("reporter,partner,year,flow,product,value_usd\nKAZ,RUS,2012,X,TOTAL,5\n")
    with pytest.raises(ImportFormatError, match="held by a generic-indicator dataset"):
        import_file(store, flows, source_title="B", source_id="me:a", replace=True)


def test_reader_option_injection_is_refused(gdp, capsys):
    assert run(capsys, "import", str(gdp))[0] == 0
    before = snapshot()
    code, out, err = run(capsys, "import", str(gdp), "--format", "wdi-long", "-o", INJECTION)
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "option code=" in err and "NY.GDP.MKTP.CD" in err
    assert snapshot() == before


@pytest.mark.parametrize("options, message", [
    ({"scale": "1e400"}, "outside"), ({"scale": "400x"}, "not a number"), ({"scale": "nan"}, "outside"),
])
def test_imf_scale_is_a_checked_number(store, tmp_path, options, message):
    path = tmp_path / "dots.csv"
    path.write_text('"Country Name","Country Code","Indicator Name","Indicator Code","Counterpart Country Name",'
                    '"Counterpart Country Code","Attribute","2012"\n')
    with pytest.raises(ImportFormatError, match=message):
        import_file(store, path, "imf-dots-bulk", **options)


@pytest.mark.parametrize("options, message", [
    ({"source_year": "2012; DROP TABLE source"}, "not a whole number"),
    ({"source_year": "1066"}, "outside"),
    ({"source_url": "javascript:alert(1)"}, "not of the expected form"),
    ({"source_id": "me:a'b"}, "not of the expected form"),
    ({"source_title": "two\nlines"}, "control characters"),
])
def test_generic_options_are_checked(store, tmp_path, options, message):
    path = tmp_path / "mine.csv"
    path.write_text("iso3,year,code,value\nKAZ,2012,MY.X,1\n")
    with pytest.raises(ImportFormatError, match=message):
        import_file(store, path, **{"source_title": "Mine", **options})


def test_undesa_edition_is_a_year(store, shared_data):
    path = next((shared_data / "migration").glob("*.csv"))
    with pytest.raises(ImportFormatError, match="edition"):
        import_file(store, path, "undesa-stock", edition="2019' OR 1=1")


def test_data_diff_outputs_and_leaves_store_unchanged(gdp, tmp_path, capsys, embedded_only):
    cut = tmp_path / "t" / gdp.name
    cut.parent.mkdir()
    cut.write_bytes(gdp.read_bytes()[:-9])
    code, out, _ = run(capsys, "data", "diff", str(gdp), "--format", "json")
    assert code == 0 and json.loads(out)[0]["change"] == "new source"
    assert run(capsys, "import", str(gdp))[0] == 0
    before = snapshot()
    code, out, _ = run(capsys, "data", "diff", str(cut), "--format", "csv")
    assert code == 0
    assert "value ZWE 2025 NY.GDP.MKTP.CD,\"51,215,643,906\",\"512,156,439\",-99.0%" in out
    assert "file looks cut" in out
    rows = {r["what"]: r for r in json.loads(run(capsys, "data", "diff", str(gdp), "--format", "json")[1])}
    assert rows["source"]["change"] == "identical file" and rows["rows"]["file"] == "11,828"
    code, out, _ = run(capsys, "data", "diff", str(cut))
    assert code == 0 and "ZWE 2025" in out
    assert snapshot() == before


def test_every_data_table_names_its_country_columns():
    """The guard counts countries of any data table, so each table in COLUMNS declares them."""
    from sco_observatory.store.schema import COLUMNS, COUNTRY_COLUMNS

    assert set(COUNTRY_COLUMNS) == set(COLUMNS)
    for table, columns in COUNTRY_COLUMNS.items():
        assert set(columns) <= set(COLUMNS[table]), table
