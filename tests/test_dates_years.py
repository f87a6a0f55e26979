"""The one parser of year selections (CLI, library, API): every accepted form and the refusals."""

from __future__ import annotations

import pytest

from sco_observatory.dates import parse_years
from sco_observatory.errors import BadDateError


@pytest.mark.parametrize("value, expected", [
    (2012, (2012,)),
    ("2012", (2012,)),
    (" 2000, 2010,2020 ", (2000, 2010, 2020)),
    ("2010-2012", (2010, 2011, 2012)),
    ("2000-2020:5", (2000, 2005, 2010, 2015, 2020)),
    ("2000-2009:4", (2000, 2004, 2008)),
    ("1995,2000-2002", (1995, 2000, 2001, 2002)),
    (range(2010, 2013), (2010, 2011, 2012)),
    ([2020, "2000", 2020], (2000, 2020)),
    ((2001,), (2001,)),
])
def test_accepted_forms(value, expected):
    assert parse_years(value) == expected


@pytest.mark.parametrize("value", [
    "", "20x0", "2012-2010", "2000-2020:0", "1799", "3000", "1e308", "9" * 30, True, 2.5, [], range(0),
    "2000-2020:5:5", [1700], "2000," * 2000, range(1, 100000),
])
def test_refusals_are_one_line_errors(value):
    with pytest.raises(BadDateError) as info:
        parse_years(value)
    assert "\n" not in info.value.message and info.value.hint
