"""Scenarios and signposts: the 2014 report's two post-2014 scenarios as data, evaluated year by year.

A scenario file (YAML, `signposts/data/*.yaml` ships the report's two; users add their own with
`--scenarios PATH`) names scenarios and signposts. A signpost is a metric call over the store (a
group expression, a metric or indicator, a window), a threshold or a direction with a unit, the
scenario it speaks to and whether, when lit, it is evidence *for* or *against* that scenario, and
why (a sentence and the report section). `model.load_scenarios` validates; `evaluate.evaluate`
returns one row per signpost and year and `evaluate.summary` one row per scenario and year.
"""

from sco_observatory.signposts.evaluate import evaluate, summary
from sco_observatory.signposts.model import ScenarioFileError, ScenarioSet, load_scenarios

__all__ = ["ScenarioFileError", "ScenarioSet", "evaluate", "load_scenarios", "summary"]
