"""Import progress reporting and reader options passed from the command line."""

import shutil
from pathlib import Path

import pytest

from sco_observatory.cli import main
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import import_file

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def test_progress_reports_each_stage(store, shared_data):
    seen = []
    import_file(store, shared_data / "wdi" / "ny.gdp.mktp.cd.csv", progress=lambda stage, f: seen.append((stage, f)))
    stages = [s for s, _ in seen]
    assert stages[0] == "reading" and ("reading", 1.0) in seen
    assert stages.index("validating") < stages.index("storing")
    assert all(f is None or 0 <= f <= 1 for _, f in seen)


def test_unknown_reader_option_is_refused(store, shared_data):
    with pytest.raises(ImportFormatError, match="takes no option 'nonsense'"):
        import_file(store, shared_data / "wdi" / "ny.gdp.mktp.cd.csv", nonsense="1")


def test_cli_passes_reader_options(tmp_path, capsys):
    data = next((FIXTURES / "baci").glob("BACI_*.csv"))
    codes = next((FIXTURES / "baci").glob("country_codes_*.csv"))
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(data, alone / data.name)  # the code file is not beside it: it must come from --option
    elsewhere = tmp_path / "codes.csv"
    shutil.copy(codes, elsewhere)
    assert main(["import", str(alone / data.name), "--option", f"country_codes={elsewhere}"]) == 0
    assert "imported" in capsys.readouterr().out
    assert main(["import", str(alone / data.name), "--option", "country_codes"]) == 2
    assert "bad --option" in capsys.readouterr().err
