"""User and imported text is never markup: not rich markup in the terminal, not HTML in the report.

The hostile strings go in through the ordinary door, a generic CSV with a sidecar, as indicator
codes, units, a source title, publisher and citation. A `javascript:` URL in the sidecar is refused
at the import (ingest/options.py); the report's own link check (`safe_href`) is tested on notes.
"""

import json

import pytest

from sco_observatory.cli import main
from sco_observatory.report.footnotes import Note

HOSTILE = ["[/]", "[bold]", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
TITLE = " ".join(HOSTILE)


@pytest.fixture
def hostile_import(tmp_path, capsys):
    data = tmp_path / "evil.csv"
    rows = ["iso3,year,code,value,unit"]
    for i, code in enumerate(HOSTILE):
        unit = HOSTILE[(i + 1) % len(HOSTILE)].replace('"', '""')
        rows += [f'KAZ,2012,"{code.replace(chr(34), chr(34) * 2)}",{i + 1},"{unit}"',
                 f'RUS,2012,"{code.replace(chr(34), chr(34) * 2)}",{i + 2},"{unit}"']
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "evil.source.json").write_text(json.dumps({
        "title": TITLE, "id": "user:evil", "publisher": "[red]pub", "citation": "<b>cite</b> [/]",
        "url": "https://example.org/evil?<b>"}), encoding="utf-8")
    assert main(["import", str(data)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return data


def test_a_javascript_url_in_a_sidecar_is_refused_at_the_import(tmp_path, capsys):
    data = tmp_path / "evil.csv"
    data.write_text("iso3,year,code,value\nKAZ,2012,X,1\n", encoding="utf-8")
    (tmp_path / "evil.source.json").write_text(json.dumps({"title": "t", "id": "user:evil",
                                                            "url": "javascript:alert(1)"}), encoding="utf-8")
    rc = main(["import", str(data)])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "http" in err
    assert main(["data", "list", "--format", "csv"]) == 0
    assert "user:evil" not in capsys.readouterr().out


def test_data_list_prints_imported_markup_literally(hostile_import, capsys):
    for fmt in ("table", "csv", "json"):
        rc = main(["data", "list", "--format", fmt])
        out, err = capsys.readouterr()
        assert rc == 0 and "Traceback" not in err, err
        assert "[red]pub" in out.replace("\n", "") or "[red]" in out


@pytest.mark.parametrize("code", HOSTILE)
def test_data_show_prints_codes_and_units_literally(hostile_import, capsys, code):
    rc = main(["data", "show", code, "--source", "user:evil"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    flat = "".join(out.split())
    assert "".join(code.upper().split()) in flat  # codes are upper-cased by the importer


@pytest.mark.parametrize("text", HOSTILE)
def test_errors_quoting_user_text_stay_one_line(capsys, text):
    rc = main(["history", text])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and text in err


def test_only_http_https_and_doi_become_links():
    assert Note(1, "k", "t", "https://example.org/a").href == "https://example.org/a"
    assert Note(1, "k", "t", "doi:10.1000/182").href == "https://doi.org/10.1000/182"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>", "vbscript:x", "file:///etc/passwd",
                "//evil.example", "java\nscript:alert(1)", None, ""):
        assert Note(1, "k", "t", bad).href is None, bad


def test_report_escapes_a_hostile_source_and_never_links_javascript(hostile_import, tmp_path, monkeypatch):
    from sco_observatory.report import builder

    real = builder._section_builders

    def with_citation():
        # one extra section that cites the imported source, so its footnote is rendered
        return real() + [lambda ctx: builder.Section("evil", TITLE, f"<p>cited{ctx.notes.marker('user:evil')}</p>")]

    monkeypatch.setattr(builder, "_section_builders", with_citation)
    out = tmp_path / "r.html"
    assert main(["report", "-o", str(out), "--as-of", "2012"]) == 0
    page = out.read_text(encoding="utf-8")
    assert 'href="javascript:' not in page.lower()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    assert "example.org/evil?&lt;b&gt;" in page and "<b>cite" not in page  # URL and citation escaped
