"""Usage errors, oversize input and --source at the edge: one line on stderr, exit 2, no traceback."""

import pytest

from sco_observatory.cli import main


def run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(rc, err):
    assert rc == 2, err
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("args, expected", [
    (["membrs"], "Did you mean 'members'"),
    (["members", "SCO", "--yaer", "2012"], "No such option: --yaer"),
    (["power", "SCO@2012", "--yaer", "2012"], "Possible options: --year"),
    (["criteria", "IRN", "--conflict-window", "-1"], "--conflict-window"),
    (["power", "SCO@2012", "--year", "1e308"], "valid integer"),
    (["power", "SCO@2012", "--year", "1" * 30], "less than or equal"),
    (["power", "SCO@2012", "--year", "1799"], "greater than or equal to 1800"),
    (["members", "SCO", "--format", "xml"], "'xml' is not one of"),
    (["trade", "group", "CA5", "--years", "2012", "--flows", "foo"], "unknown flow basis 'foo'"),
    (["power"], "Missing argument"),
    (["power", "SCO@2012", "--year"], "requires an argument"),
])
def test_usage_errors_are_one_line_with_the_help_hint(capsys, args, expected):
    line = one_line_error(*run(capsys, *args)[::2])
    assert expected in line
    assert "--help`" in line or "unknown flow" in line


def test_choices_are_case_insensitive(capsys):
    rc, out, err = run(capsys, "members", "KAZ,RUS", "--format", "JSON")
    assert rc == 0 and '"iso3": "KAZ"' in out
    rc, out, err = run(capsys, "members", "KAZ", "--format", "Table")
    assert rc == 0 and "Kazakhstan" in out


@pytest.mark.parametrize("args", [
    ["history", "K" * 100_000],
    ["members", "KAZ," * 25_000],
    ["whatif", "SCO@2012", "--add", "X" * 100_000, "--year", "2012"],
])
def test_oversize_arguments_are_refused_before_any_work(capsys, args):
    line = one_line_error(*run(capsys, *args)[::2])
    assert "characters long, more than 10,000" in line


def test_long_country_name_under_the_argument_limit_skips_the_resolvers(capsys):
    line = one_line_error(*run(capsys, "history", "Kazakhstan" * 900)[::2])
    assert "too long for a country name" in line


@pytest.mark.parametrize("source", ["o'brien", "x' OR '1'='1"])
@pytest.mark.parametrize("command", [
    ["siei", "migration", "CA5+RUS", "--years", "2015"],
    ["power", "SCO@2012", "--year", "2012"],
    ["data", "show", "MS.MIL.XPND.CD"],
])
def test_quoted_or_injected_source_is_refused_listing_the_sources(capsys, command, source):
    line = one_line_error(*run(capsys, *command, "--source", source)[::2])
    assert "is not a source id" in line and "embedded:iiss-mb2013" in line


def test_unknown_source_lists_the_store_sources(capsys):
    line = one_line_error(*run(capsys, "power", "SCO@2012", "--year", "2012", "--source", "nosuch")[::2])
    assert "holds no source 'nosuch'" in line and "embedded:iiss-mb2013" in line


def test_known_source_family_passes(capsys):
    rc, out, err = run(capsys, "power", "SCO@2012", "--year", "2012", "--source", "embedded", "--format", "csv")
    assert rc == 0 and "embedded:iiss-mb2013" in out


@pytest.mark.parametrize("text, shown", [
    ("a\nb", "a\\nb"), ("a\x1b[31mred", "\\x1b[31m"), ("\u202eKAZ", "\\u202e"), ("Нарнияландия", "Нарнияландия"),
])
def test_quoted_user_text_cannot_break_the_line_or_drive_the_terminal(capsys, text, shown):
    line = one_line_error(*run(capsys, "history", text)[::2])
    assert shown in line and "\x1b" not in line and "\u202e" not in line


def test_control_characters_in_a_usage_error_are_escaped(capsys):
    line = one_line_error(*run(capsys, "members", "SCO", "--format", "x\ny")[::2])
    assert "x\\ny" in line


@pytest.mark.parametrize("args", [
    ["crosscheck", "cow-igo", "K" * 5_000],  # found by the long fuzz run: ENAMETOOLONG was a traceback
    ["crosscheck", "cow-igo", "/"],
    ["import", "/dev/null"],
])
def test_unusable_paths_are_user_errors(capsys, args):
    one_line_error(*run(capsys, *args)[::2])
