"""Scenario files: the pydantic model and the loader that validates them.

A scenario file is YAML with up to three keys (docs/signposts.md has the full format):

    source: koldunova2014             # optional: where the scenarios come from
    scenarios:                         # may be empty in a file that only adds signposts
      - {id, title, summary, time_frame: {from, to}, baseline: 2014}
    signposts:
      - id, title, scenario (an id), evidence: for | against,
        call: {metric, group, window, ...metric arguments},
        threshold: {op, value, unit}   |   direction: {change: up|down, relative_to, by, unit},
        why, section

Validation on load (`load_scenarios`), all with the file and the entry named in one line:
- the YAML parses and every entry has the fields of its kind (unknown fields are refused);
- every metric call resolves: the metric is known, its arguments are the ones it takes, the group
  expression resolves (to one country where the metric needs one), the indicator is an alias or a
  well-formed code, the organisation is in the knowledge base, the window is a valid year range;
- every threshold or direction has a unit, and where the metric's unit is known it must match
  (a change of a percent-valued metric may be given in "percentage points");
- ids are unique across all loaded files, each signpost names a loaded scenario, and every scenario
  has at least one signpost per direction of evidence (one `for`, one `against`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sco_observatory.errors import ObservatoryError

DOC = "docs/signposts.md"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _check_id(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError("ids are lower case letters, digits, '-' and '_'")
    return value


Id = Annotated[str, AfterValidator(_check_id)]
"""A scenario or signpost id (checked the same way for both)."""
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)+$")


class ScenarioFileError(ObservatoryError):
    """A scenario file that fails validation (names the file and the entry)."""


# ------------------------------------------------------------------------------------ metrics
# metric -> (required arguments, optional arguments). The implementations are in evaluate.METRICS.
METRIC_ARGS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "indicator": (frozenset({"indicator"}), frozenset({"source", "stat"})),
    "trade_share": (frozenset({"partner"}), frozenset({"minus", "basis", "source"})),
    "trade_group": (frozenset({"measure"}), frozenset({"basis", "source"})),
    "siei_trade": (frozenset(), frozenset({"basis", "source"})),
    "sigma": (frozenset({"indicator"}), frozenset({"source"})),
    "migrant_stock": (frozenset({"origin"}), frozenset({"source"})),
    "ledger_events": (frozenset({"org", "events"}), frozenset()),
    "opium_area": (frozenset(), frozenset()),
}
TRADE_GROUP_MEASURES = {
    "intra_share_trade": "fraction of group trade", "intra_share_exports": "fraction of group exports",
    "intensity_group": "index", "introversion_trade": "index (-1 to 1)", "introversion_exports": "index (-1 to 1)",
}
# Units of the indicator codes the shipped files use (the store keeps WDI units empty).
CODE_UNITS = {
    "NY.GDP.MKTP.KD.ZG": "percent a year",
    "MS.MIL.XPND.GD.ZS": "percent of GDP",
    "MS.MIL.XPND.ZS": "percent of government expenditure",
    "NY.GDP.PCAP.CD": "current US$",
    "NY.GDP.PCAP.PP.CD": "current international $",
    "NY.GDP.MKTP.CD": "current US$",
    "MS.MIL.XPND.CD": "current US$",
    "SP.POP.TOTL": "persons",
    "SM.POP.TOTL": "persons",
    "FP.CPI.TOTL.ZG": "percent a year",
    "BX.TRF.PWKR.CD.DT": "current US$",
}


class Call(BaseModel):
    """One metric call over the store: `metric` over `group` for each year of `window`."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    group: str
    window: tuple[int, int]
    indicator: Optional[str] = None
    source: Optional[str] = None
    stat: Literal["value", "mean", "sum", "min", "max"] = "value"
    partner: Optional[str] = None
    minus: Optional[str] = None
    basis: Literal["reported", "mirror", "best"] = "reported"
    measure: Optional[str] = None
    origin: Optional[str] = None
    org: Optional[str] = None
    events: Optional[list[Literal["joined", "upgraded", "restored", "suspended", "left"]]] = None

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, v: Any) -> Any:
        if isinstance(v, str):
            from sco_observatory.dates import parse_year_range

            try:
                return parse_year_range(v)
            except ObservatoryError as exc:
                raise ValueError(exc.message) from None
        if isinstance(v, int):
            return (v, v)
        return v

    @model_validator(mode="after")
    def _arguments(self) -> "Call":
        if self.metric not in METRIC_ARGS:
            raise ValueError(f"unknown metric '{self.metric}' (use one of: {', '.join(METRIC_ARGS)})")
        if self.window[0] > self.window[1]:
            raise ValueError(f"window {self.window[0]}-{self.window[1]} runs backwards")
        required, optional = METRIC_ARGS[self.metric]
        given = {k for k in ("indicator", "source", "partner", "minus", "measure", "origin", "org", "events")
                 if getattr(self, k) is not None}
        given |= {k for k, default in (("stat", "value"), ("basis", "reported")) if getattr(self, k) != default}
        missing = sorted(required - given)
        if missing:
            raise ValueError(f"metric '{self.metric}' needs {', '.join(missing)}")
        extra = sorted(given - required - optional)
        if extra:
            raise ValueError(f"metric '{self.metric}' does not take {', '.join(extra)}")
        if self.measure is not None and self.measure not in TRADE_GROUP_MEASURES:
            raise ValueError(f"unknown trade measure '{self.measure}' (use one of: {', '.join(TRADE_GROUP_MEASURES)})")
        if self.indicator is not None:
            from sco_observatory.metrics import indicator_code

            if not CODE_RE.match(indicator_code(self.indicator)):
                raise ValueError(f"'{self.indicator}' is neither an indicator alias nor a code like NY.GDP.MKTP.KD.ZG")
        return self

    @property
    def code(self) -> str | None:
        from sco_observatory.metrics import indicator_code

        return indicator_code(self.indicator) if self.indicator else None

    def unit(self) -> str | None:
        """The unit of the metric's value, where it is known."""
        return {
            "indicator": CODE_UNITS.get(self.code or ""),
            "trade_share": "fraction of total trade",
            "trade_group": TRADE_GROUP_MEASURES.get(self.measure or ""),
            "siei_trade": "percent of combined GDP",
            "sigma": "SD of logs",
            "migrant_stock": "persons",
            "ledger_events": "events",
            "opium_area": "hectares",
        }[self.metric]

    def text(self) -> str:
        """The call as one line, e.g. `indicator(AFG, NY.GDP.MKTP.KD.ZG, source=wdi)`."""
        args = [self.group]
        for k in ("indicator", "partner", "minus", "measure", "origin", "org"):
            if getattr(self, k):
                args.append(f"{k}={getattr(self, k)}" if k not in ("indicator",) else str(self.code))
        if self.events:
            args.append("events=" + "|".join(self.events))
        if self.stat != "value":
            args.append(f"stat={self.stat}")
        if self.metric.startswith(("trade", "siei")):
            args.append(f"basis={self.basis}")
        if self.source:
            args.append(f"source={self.source}")
        return f"{self.metric}({', '.join(args)})"


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal[">", ">=", "<", "<="]
    value: float
    unit: str = Field(min_length=1)

    def text(self) -> str:
        return f"{self.op} {self.value:g} {self.unit}"


class Direction(BaseModel):
    """A change against a reference: the scenario's baseline year, the previous year, or a given year."""

    model_config = ConfigDict(extra="forbid")

    change: Literal["up", "down"]
    relative_to: Union[Literal["baseline", "previous"], int] = "baseline"
    by: float = Field(0.0, ge=0)
    unit: str = Field(min_length=1)

    def text(self, baseline: int | None = None) -> str:
        ref = {"baseline": f"the {baseline} baseline" if baseline else "the baseline",
               "previous": "the previous year"}.get(self.relative_to, str(self.relative_to))  # type: ignore[arg-type]
        by = f" by more than {self.by:g} {self.unit}" if self.by else ""
        return f"{'rises above' if self.change == 'up' else 'falls below'} {ref}{by}"


class Signpost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    title: str = Field(min_length=1)
    scenario: str
    evidence: Literal["for", "against"]
    call: Call
    threshold: Optional[Threshold] = None
    direction: Optional[Direction] = None
    why: str = Field(min_length=10)
    section: str = Field(min_length=1)


    @model_validator(mode="after")
    def _condition(self) -> "Signpost":
        if (self.threshold is None) == (self.direction is None):
            raise ValueError("give exactly one of threshold or direction")
        unit = self.call.unit()
        cond = self.threshold or self.direction
        assert cond is not None
        if unit is not None and cond.unit != unit:
            change_ok = (self.direction is not None and unit.startswith("percent")
                         and cond.unit == "percentage points")
            if not change_ok:
                kind = "threshold" if self.threshold else "direction"
                also = " (or 'percentage points' for a change)" if self.direction and unit.startswith("percent") else ""
                raise ValueError(f"{kind}.unit '{cond.unit}' does not match the metric's unit '{unit}'{also}")
        return self

    def condition_text(self, baseline: int | None = None) -> str:
        return self.threshold.text() if self.threshold else self.direction.text(baseline)  # type: ignore[union-attr]


class TimeFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: int = Field(alias="from")
    end: int = Field(alias="to")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    title: str = Field(min_length=1)
    summary: str = Field(min_length=10)
    time_frame: TimeFrame
    baseline: int = 2014



@dataclass
class ScenarioSet:
    """Validated scenarios and signposts, with the file each came from."""

    scenarios: list[Scenario] = field(default_factory=list)
    signposts: list[Signpost] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # id -> file name

    def scenario(self, sid: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == sid)


# ------------------------------------------------------------------------------------ loading
def _fail(path: Path, what: str | None, problem: str) -> None:
    where = path.name + (f", {what}" if what else "")
    raise ScenarioFileError(f"scenarios: {where}: {problem}", f"fix {path} (format: {DOC})")


def _entry(kind: str, i: int, row: Any) -> str:
    label = row.get("id") if isinstance(row, dict) else None
    return f"{kind} {i}" + (f" ({label})" if label else "")


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    msg = str(first["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def _resolve_call(call: Call) -> None:
    """Every name in the call resolves (raises ObservatoryError with the resolver's message)."""
    from sco_observatory.groups import resolve_group

    group = resolve_group(call.group)
    single = call.metric == "opium_area" or (call.metric == "indicator" and call.stat == "value")
    if single and len(group.iso3) != 1:
        raise ValueError(f"group '{call.group}' must be one country for metric '{call.metric}'"
                         + (" (or give stat: mean|sum|min|max)" if call.metric == "indicator" else ""))
    if call.metric == "opium_area" and group.iso3 != ["AFG"]:
        raise ValueError("metric 'opium_area' covers Afghanistan only (group: AFG)")
    for name in ("partner", "minus", "origin"):
        value = getattr(call, name)
        if value is None:
            continue
        isos = resolve_group(value).iso3
        if len(isos) != 1:
            raise ValueError(f"{name} '{value}' must be one country")
        if name != "origin" and isos[0] in group.iso3:
            raise ValueError(f"{name} '{value}' is in the group '{call.group}'; a partner must be outside it")
    if call.org is not None:
        from sco_observatory.kb import queries as kb

        kb.organisation(call.org)


def _read_file(path: Path, out: ScenarioSet, origin: dict[str, tuple[Path, int, str]]) -> None:
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where built in (~10x faster)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except OSError as exc:
        _fail(path, None, f"cannot be read ({exc.strerror or exc})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        _fail(path, f"line {mark.line + 1}" if mark else None,
              f"not valid YAML ({getattr(exc, 'problem', None) or exc})".replace("\n", " "))
    if not isinstance(data, dict) or not set(data) <= {"source", "scenarios", "signposts"}:
        _fail(path, None, "must be a mapping with the keys scenarios and signposts (and optionally source)")
    for key in ("scenarios", "signposts"):
        if not isinstance(data.get(key) or [], list):
            _fail(path, None, f"'{key}' must be a list")
    for i, row in enumerate(data.get("scenarios") or [], start=1):
        what = _entry("scenario", i, row)
        if not isinstance(row, dict):
            _fail(path, what, "must be a mapping")
        try:
            sc = Scenario(**row)
        except ValidationError as exc:
            _fail(path, what, _first_error(exc))
        if sc.id in origin:
            _fail(path, what, f"id '{sc.id}' is already used in {origin[sc.id][0].name}")
        origin[sc.id] = (path, i, "scenario")
        out.scenarios.append(sc)
        out.files[sc.id] = path.name
    for i, row in enumerate(data.get("signposts") or [], start=1):
        what = _entry("signpost", i, row)
        if not isinstance(row, dict):
            _fail(path, what, "must be a mapping")
        try:
            sp = Signpost(**row)
            _resolve_call(sp.call)
        except ValidationError as exc:
            _fail(path, what, _first_error(exc))
        except ValueError as exc:
            _fail(path, what, f"call: {exc}")
        except ObservatoryError as exc:
            _fail(path, what, f"call does not resolve: {exc.message}")
        if sp.id in origin:
            _fail(path, what, f"id '{sp.id}' is already used in {origin[sp.id][0].name}")
        origin[sp.id] = (path, i, "signpost")
        out.signposts.append(sp)
        out.files[sp.id] = path.name


def default_files() -> list[Path]:
    """The shipped scenario files (package data `signposts/data/*.yaml`)."""
    folder = Path(str(resources.files("sco_observatory.signposts").joinpath("data")))
    return sorted(folder.glob("*.yaml"))


def _expand(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
            if not found:
                raise ScenarioFileError(f"scenarios: {p} holds no .yaml files", "pass a scenario file or a folder of them")
            out += found
        elif not p.exists():
            raise ScenarioFileError(f"scenarios: {p}: no such file", "check the path given to --scenarios")
        else:
            out.append(p)
    return out


def load_scenarios(paths: list[str | Path] | None = None, *, builtin: bool = True) -> ScenarioSet:
    """Read and validate the shipped scenario files and any user files or folders in `paths`."""
    if builtin and not paths:
        return _builtin()
    files = (default_files() if builtin else []) + _expand(list(paths or []))
    return _load(tuple(files))


@lru_cache(maxsize=1)
def _builtin() -> ScenarioSet:
    return _load(tuple(default_files()))


def _load(files: tuple[Path, ...]) -> ScenarioSet:
    out = ScenarioSet()
    origin: dict[str, tuple[Path, int, str]] = {}
    for path in files:
        _read_file(path, out, origin)
    known = {s.id for s in out.scenarios}
    for sp in out.signposts:
        if sp.scenario not in known:
            path, i, _ = origin[sp.id]
            _fail(path, f"signpost {i} ({sp.id})",
                  f"scenario '{sp.scenario}' is not defined (known: {', '.join(sorted(known)) or 'none'})")
    for sc in out.scenarios:
        path, i, _ = origin[sc.id]
        for side in ("for", "against"):
            if not any(sp.scenario == sc.id and sp.evidence == side for sp in out.signposts):
                _fail(path, f"scenario {i} ({sc.id})",
                      f"needs at least one signpost with evidence: {side} (every scenario needs one per direction of evidence)")
    return out
