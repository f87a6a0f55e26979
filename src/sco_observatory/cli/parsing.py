"""Parsing of CLI values shared by commands (years, dates); user errors become one-line messages."""

from __future__ import annotations

import datetime as dt

from sco_observatory.dates import parse_as_of, parse_year_range

parse_years = parse_year_range
parse_date = parse_as_of
