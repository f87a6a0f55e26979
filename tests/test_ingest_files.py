"""Files as publishers ship them: zip and gzip read directly, encodings read or refused in one line.

Fixtures are made in each test from the real shared files (a slice of the World Bank bulk download
with its Metadata file, the BACI-format fixture in the exact BACI layout, the WDI GDP file).
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pytest

from sco_observatory.cli import main
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import detect_format, import_file
from sco_observatory.ingest.opening import opened

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
BULK = "API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv"
META = "Metadata_Country_API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv"


def rows_of(store, source_id: str, table: str = "indicator") -> list[tuple]:
    return store.con.execute(f"SELECT * EXCLUDE (source_id) FROM {table} WHERE source_id = ? ORDER BY ALL",
                             [source_id]).fetchall()


@pytest.fixture
def bulk_slice(shared_data, tmp_path) -> Path:
    """The real bulk file's preamble, header and first 60 countries (its own bytes, BOM and all)."""
    lines = (shared_data / "military_expenditure" / BULK).read_bytes().splitlines(keepends=True)
    target = tmp_path / "plain" / BULK
    target.parent.mkdir()
    target.write_bytes(b"".join(lines[:65]))
    return target


def test_world_bank_bulk_zip_with_metadata(store, shared_data, bulk_slice, tmp_path):
    archive = tmp_path / "API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(shared_data / "military_expenditure" / META, META)
        zf.write(bulk_slice, BULK)
        zf.writestr("Metadata_Indicator_API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv", '"INDICATOR_CODE"\n')
    with opened(archive) as inside:
        assert inside.name == BULK and detect_format(inside) == "worldbank-bulk"
    zipped = import_file(store, archive)
    assert zipped.source_id == "wdi:MS.MIL.XPND.CD" and zipped.rows > 1000
    from_zip = rows_of(store, zipped.source_id)
    assert import_file(store, bulk_slice).status == "unchanged"  # the same content: same sha256
    assert rows_of(store, zipped.source_id) == from_zip


def _baci_files(tmp_path: Path) -> tuple[Path, Path]:
    data = next((FIXTURES / "baci").glob("BACI_*.csv"))
    codes = next((FIXTURES / "baci").glob("country_codes_*.csv"))
    return data, codes


def test_baci_yearly_zip_with_country_codes_beside_it(store, tmp_path):
    data, codes = _baci_files(tmp_path)
    plain = import_file(store, data)
    expected = rows_of(store, plain.source_id, "trade")
    folder = tmp_path / "zipped"
    folder.mkdir()
    shutil.copy(codes, folder)
    archive = folder / (data.stem + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(data, data.name)
    assert import_file(store, archive).status == "unchanged"  # same member bytes as the plain file
    store.con.execute("DELETE FROM trade WHERE source_id = ?", [plain.source_id])
    store.con.execute("DELETE FROM source WHERE source_id = ?", [plain.source_id])
    result = import_file(store, archive)
    assert result.source_id == plain.source_id and rows_of(store, plain.source_id, "trade") == expected


def test_baci_release_zip_holding_its_country_codes(store, tmp_path):
    data, codes = _baci_files(tmp_path)
    archive = tmp_path / "BACI_HS17_V202401b.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(data, data.name)
        zf.write(codes, codes.name)
        zf.writestr("product_codes_HS17_V202401b.csv", "code,description\n010121,Horses\n")
        zf.writestr("Readme.txt", "BACI\n")
    assert import_file(store, archive).rows == import_file(store, data).rows


def test_zip_with_several_data_files_names_them_and_member_picks_one(store, tmp_path, shared_data):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(shared_data / "wdi" / "sp.pop.totl.csv", "sp.pop.totl.csv")
        zf.write(shared_data / "wdi" / "ny.gdp.mktp.cd.csv", "ny.gdp.mktp.cd.csv")
    with pytest.raises(ImportFormatError, match=r"holds 2 data files \(sp.pop.totl.csv, ny.gdp.mktp.cd.csv\)") as err:
        import_file(store, archive)
    assert "-o member=NAME" in err.value.hint
    assert import_file(store, archive, member="ny.gdp.mktp.cd.csv").source_id == "wdi:NY.GDP.MKTP.CD"


def test_gzip_is_read_and_a_cut_gzip_refused(store, shared_data, tmp_path, capsys):
    source = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    packed = tmp_path / "ny.gdp.mktp.cd.csv.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    result = import_file(store, packed)
    assert result.source_id == "wdi:NY.GDP.MKTP.CD" and result.rows == 11828
    cut = tmp_path / "cut" / packed.name
    cut.parent.mkdir()
    cut.write_bytes(packed.read_bytes()[: packed.stat().st_size // 2])
    assert main(["import", str(cut)]) == 2
    err = capsys.readouterr().err
    assert "gzip stream is damaged or cut" in err and len(err.strip().splitlines()) == 1


GENERIC = "iso3,year,code,value,unit\nKAZ,2012,MY.X,1.5,Tenge café\nKyrgyz Republic,2012,MY.X,2,points\n"


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
])
def test_utf8_bom_and_utf16_with_bom_are_read(store, tmp_path, encoding, bom):
    path = tmp_path / "mine.csv"
    path.write_bytes(bom + GENERIC.replace("\n", "\r\n").encode(encoding))  # CRLF line ends too
    result = import_file(store, path, source_title="Mine")
    assert result.rows == 2
    assert store.con.execute("SELECT unit FROM indicator WHERE source_id = 'user:mine' AND iso3 = 'KAZ'").fetchone()[0] \
        == "Tenge café"


def test_latin1_is_refused_naming_the_encoding_option_then_read_with_it(store, tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_bytes(GENERIC.encode("latin-1"))
    assert main(["import", str(path), "-o", "source_title=Mine"]) == 2
    err = capsys.readouterr().err
    assert "mine.csv:2: not UTF-8 text (byte 0xE9)" in err and "-o encoding=latin-1" in err
    assert len(err.strip().splitlines()) == 1
    assert import_file(store, path, source_title="Mine", encoding="latin-1").rows == 2
    unit = store.con.execute("SELECT unit FROM indicator WHERE source_id = 'user:mine' AND iso3 = 'KAZ'").fetchone()[0]
    assert unit == "Tenge café"


def test_utf16_without_bom_and_unknown_encoding_are_refused(store, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_bytes(GENERIC.encode("utf-16-le"))
    with pytest.raises(ImportFormatError, match="UTF-16 without a byte-order mark") as err:
        import_file(store, path, source_title="Mine")
    assert "encoding=utf-16-le" in err.value.hint
    assert import_file(store, path, source_title="Mine", encoding="utf-16-le").rows == 2
    with pytest.raises(ImportFormatError, match="unknown encoding 'ebcdic'"):
        import_file(store, path, source_title="Mine", encoding="ebcdic")


def test_latin1_byte_past_the_sniffed_head_names_the_line_and_encoding(store, tmp_path):
    path = tmp_path / "mine.csv"
    body = "".join(f"KAZ,{1800 + i % 200},MY.X{i // 200},{i},pts\n" for i in range(5000))
    path.write_bytes(b"iso3,year,code,value,unit\n" + body.encode() + "KGZ,2012,MY.Y,1,café\n".encode("latin-1"))
    with pytest.raises(ImportFormatError, match=r"mine.csv:5002: malformed CSV \(not UTF-8 text") as err:
        import_file(store, path, source_title="Mine")
    assert "encoding=latin-1" in err.value.hint


@pytest.mark.slow
def test_million_row_file_with_a_bad_last_line_leaves_the_store_untouched(tmp_path, capsys):
    path = tmp_path / "flows.csv"
    partners = ["RUS", "CHN", "KGZ", "UZB", "TJK"]
    with open(path, "w") as fh:
        fh.write("reporter,partner,year,flow,product,value_usd\n")
        for i in range(1_000_000):
            fh.write(f"KAZ,{partners[i % 5]},{1990 + (i // 5) % 30},X,{100000 + i // 150},{i + 1}\n")
        fh.write("KAZ,RUS,2012,X,TOTAL,12O\n")  # letter O for a zero on line 1,000,002
    from sco_observatory.store import open_store

    with open_store() as s:
        before = s.con.execute("SELECT * FROM source ORDER BY ALL").fetchall()
        trade_rows = s.con.execute("SELECT count(*) FROM trade").fetchone()[0]  # the snapshot's DOTS rows
    assert main(["import", str(path), "-o", "source_title=Flows"]) == 2
    err = capsys.readouterr().err
    assert "flows.csv:1000002: value_usd is not a number" in err and len(err.strip().splitlines()) == 1
    with open_store() as s:
        assert s.con.execute("SELECT * FROM source ORDER BY ALL").fetchall() == before
        assert s.con.execute("SELECT count(*) FROM trade").fetchone()[0] == trade_rows


def test_zip_member_larger_than_the_free_disk_is_refused_before_unpacking(store, tmp_path, monkeypatch, shared_data):
    import collections

    archive = tmp_path / "gdp.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(shared_data / "wdi" / "ny.gdp.mktp.cd.csv", "ny.gdp.mktp.cd.csv")
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10_000, 9_000, 1_000))
    with pytest.raises(ImportFormatError, match=r"unpacks to [\d,]+ bytes, more than the 1,000 free"):
        import_file(store, archive)
