"""The report's view of the one label table, `sco_observatory.labels` (kept so report modules and
the dashboard routes import it as before): a chart says "GDP (current US$)" and "dialogue partner",
and keeps the code for its tooltip."""

from __future__ import annotations

from sco_observatory.labels import (COLUMN_HEADERS, MEASURE_STATS, MEASURE_WORDS, SECTION_WORDS,  # noqa: F401
                                    STATUS_WORDS, header, indicator_label, indicator_labels, indicator_names,
                                    measure_indicator, measure_words, section_word, source_label, status_word)


def __getattr__(name: str):
    if name == "INDICATOR_LABELS":
        return indicator_labels()
    raise AttributeError(name)
