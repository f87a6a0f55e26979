"""How `sco`'s tables meet a narrow terminal (cli/output.py): no word is ever broken across lines.

A table that fits at its natural width prints as before; one that fits only with its columns narrowed
gets each column at least its longest word; one that cannot fit even so prints one block per row
("Header  value", psql's expanded display), every value whole."""

from __future__ import annotations

import re

import pytest

from sco_observatory.cli.output import Rows, _column_widths, emit

MEMBERS = Rows(["iso3", "name", "status", "since", "source"],
               [["KAZ", "Kazakhstan", "member", "2001-06-15", "koldunova2014"],
                ["KGZ", "Kyrgyzstan", "member", "2001-06-15", "koldunova2014"]])
WIDE = Rows(["org", "name", "note"], [["CIS", "Commonwealth of Independent States",
                                      "Joined the Creation Agreement at Alma-Ata; ratification_dates_in_wiki_cis_members."]])


def _printed(capsys, monkeypatch, rows, width: int) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    emit(rows, "table", title="t")
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [40, 50, 60, 80, 200])
def test_no_word_is_broken_at_any_width(capsys, monkeypatch, width):
    out = _printed(capsys, monkeypatch, MEMBERS, width)
    assert all(len(line) <= width for line in out.splitlines()), out
    for word in ("Kazakhstan", "Kyrgyzstan", "2001-06-15", "koldunova2014"):
        assert len(re.findall(rf"\b{word}\b", out)) >= 1, (word, out)
    if width >= 80:
        assert "┃" in out and "1 of 2" not in out  # it fits: a table
    if width <= 40:
        assert "1 of 2" in out and "2 of 2" in out and "┃" not in out  # records


def test_a_table_too_wide_for_its_words_prints_records_with_every_value_whole(capsys, monkeypatch):
    out = _printed(capsys, monkeypatch, WIDE, 60)
    assert "1 of 1" in out and "ratification_dates_in_wiki_cis_members." in out
    assert "Commonwealth of Independent States" in out


def test_column_widths():
    cols = [["Since", "2001-06-15"], ["Note", "one two three four five six"]]
    assert _column_widths(cols, 100) is None  # fits as it is
    assert _column_widths(cols, 8) == []  # not even the longest words fit
    widths = _column_widths(cols, 20)
    assert sum(widths) == 20 and widths[0] >= 10 and widths[1] >= 5
