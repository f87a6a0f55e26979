"""Fuzz every command, option and API parameter with hostile input (issue #11).

What is asserted, for every generated case:
- no Python traceback, and no "internal error" line (the CLI's last-resort handler for bugs);
- the CLI exits 0 (the input happened to be valid) or 2 with exactly one `error: ...` line on
  stderr; the API answers 2xx or 4xx with a JSON body, never 5xx;
- no case runs past HANG_SECONDS (a watchdog, not a speed test: it catches hangs such as the
  100,000-character arguments that used to run for minutes; speed lives in benchmarks/);
- the store home is byte-for-byte unchanged: every file under it (lock files excepted) is hashed
  before and after each case.

The commands and options are enumerated by walking the click command tree, the API parameters by
reading the OpenAPI document, so a new command or parameter is fuzzed without editing this file.
Values are drawn from named classes of hostile input (VALUE_CLASSES) mixed with valid values, so
that generated command lines also get past the first check and exercise the commands' bodies.

Profiles: the default (short) profile runs SHORT_CLI + SHORT_API cases; SCO_FUZZ_LONG=1 runs the
long profile (LONG_CLI + LONG_API). SCO_FUZZ_STATS=PATH appends per-test counts as JSON lines
(tried / tracebacks / hangs / store changes / classes covered) — docs/reliability.md quotes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sco_observatory import config
from sco_observatory.cli import app, main

LONG = os.environ.get("SCO_FUZZ_LONG", "") not in ("", "0")
SHORT_CLI, SHORT_API = 400, 200
LONG_CLI, LONG_API = 4000, 1500
CLI_CASES = LONG_CLI if LONG else SHORT_CLI
API_CASES = LONG_API if LONG else SHORT_API
HANG_SECONDS = 30
MEMORY_BOUND = 1 << 30  # 1 GiB, the issue's bound on any one run

# Options whose effect is outside the program (shell rc files) or would block on a live server.
NEVER = {"--install-completion"}

VALUE_CLASSES: dict[str, list[str]] = {
    "empty/blank": ["", " ", "\t", "\n"],
    "oversize (>10,000 chars)": ["K" * 10_001, "KAZ," * 25_000, "x" * 100_000],
    "long but allowed": ["Kazakhstan+" * 800 + "RUS", "K" * 9_999, "a" * 300],
    "rich markup": ["[/]", "[bold]", "[red]x[/red]", "[link=javascript:alert(1)]x[/link]", ":smile:"],
    "html/js": ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"],
    "sql injection/quotes": ["x' OR '1'='1", "o'brien", '"; DROP TABLE indicator; --', "a\"b", "`id`"],
    "numbers out of range": ["-1", "0", "1e308", "1" * 30, "-" + "9" * 25, "NaN", "inf", "1799", "3000", "0x10", "2012.5"],
    "bad dates/ranges": ["2017-02-30", "2012-2010", "12-12", "2012-", "-2012", "2012..2013..2014", "9999-12-31", "1800-01-01"],
    "bad group expressions": ["++", "SCO@", "@2012", "SCO@2012@2013", "CA5--KAZ", "KAZ,,RUS", "SCO:nosuch@2012", "(KAZ)", "World", "WLD+EUU"],
    "typos/unknown names": ["Kazakstan", "membrs", "Uzbekistn", "XXX", "ZZ", "999", "Soviet Union", "SUN"],
    "paths": ["/dev/null", ".", "/proc/x.html", "/nonexistent/x.csv", "../../../../../../etc/passwd", "out.html", "~/x"],
    "unicode/control": ["Қазақстан", "中国", "\u202eKAZ", "\x1b[31mred", "e\u0301", "\U0001f600", "\ufeffKAZ", "\x00", "KAZ\x7f"],
    "format strings": ["%s%s%s", "{0}{1}", "{__class__}", "$(id)", "${HOME}"],
}
VALID = ["CA5", "SCO@2012", "KAZ,RUS", "SCO@2016+IND+PAK", "KAZ", "Uzbekistan", "2012", "2010-2012", "2012-12-31",
         "defence", "gdp", "MS.MIL.XPND.CD", "json", "csv", "JSON", "Table", "reported", "mirror", "best", "pair",
         "country", "trade", "migration", "embedded", "embedded:iiss-mb2013", "SCO", "CSTO", "sigma", "art63",
         "IRN", "10%", "0.1", "intensity", "group", "shares", "8000", "1", "2"]
ALL_BAD = [(cls, v) for cls, values in VALUE_CLASSES.items() for v in values]


def _leaves(command, path=()):
    subs = getattr(command, "commands", None)
    if subs:
        for name, sub in sorted(subs.items()):
            yield from _leaves(sub, path + (name,))
    else:
        yield path, command


ROOT = typer.main.get_command(app)
COMMANDS = [(path, cmd) for path, cmd in _leaves(ROOT) if path[0] != "serve"] + [(("serve",), ROOT.commands["serve"])]
ROOT_OPTIONS = [p for p in ROOT.params if p.opts[0] not in NEVER]


# -- the store home, hashed -----------------------------------------------------------------------
def home_digest(home: Path) -> dict[str, str]:
    """sha256 of every file under the store home (lock files excepted): the 'store unchanged' check."""
    out = {}
    if not home.exists():
        return out
    for path in sorted(home.rglob("*")):
        if path.is_file() and not path.name.endswith((".lock", ".lck")) and "lock" not in path.suffix:
            out[str(path.relative_to(home))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# -- running one case -----------------------------------------------------------------------------
class Hang(BaseException):
    """Raised by the watchdog alarm; a BaseException so no `except Exception` can swallow it."""


def _alarm(signum, frame):
    raise Hang()


def run_case(argv: list[str]) -> tuple[int | None, str, str, float]:
    """Run `sco ARGV` in-process; (exit code or None on a hang, stdout, stderr, seconds)."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    started = time.perf_counter()
    rc: int | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:  # nothing should exit this way, but count it rather than die
                rc = exc.code if isinstance(exc.code, int) else 1
    except Hang:
        rc = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        config.set_home(None)  # a fuzzed --home must not leak into the next case
    return rc, out.getvalue(), err.getvalue(), time.perf_counter() - started


class Tally:
    """Counts for docs/reliability.md (written when SCO_FUZZ_STATS is set)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts = Counter()
        self.classes = Counter()
        self.slowest = 0.0
        self.slowest_case = ""

    def timed(self, seconds: float, case: str) -> None:
        if seconds > self.slowest:
            self.slowest, self.slowest_case = seconds, case[:200]

    def write(self) -> None:
        target = os.environ.get("SCO_FUZZ_STATS")
        if target:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"test": self.name, "profile": "long" if LONG else "short",
                                     **self.counts, "slowest_s": round(self.slowest, 2), "slowest_case": self.slowest_case,
                                     "classes": dict(self.classes)}) + "\n")


def check_cli_outcome(argv, rc, out, err, before, after):
    shown = " ".join(a if len(a) < 60 else a[:57] + "..." for a in argv)
    assert rc is not None, f"ran past {HANG_SECONDS} s: sco {shown}"
    assert "Traceback" not in err + out, f"traceback for sco {shown}:\n{err[-2000:]}"
    assert "internal error" not in err, f"internal error for sco {shown}: {err[:500]}"
    assert rc in (0, 2), f"exit {rc} for sco {shown}: {err[:500]}"
    if rc == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), f"not one error line for sco {shown}: {err[:800]!r}"
    assert before == after, f"store home changed by sco {shown}"


# -- generating command lines ---------------------------------------------------------------------
@st.composite
def values(draw, label: str = "value"):
    if draw(st.integers(0, 99)) < 35:
        return "valid", draw(st.sampled_from(VALID))
    return draw(st.sampled_from(ALL_BAD))


@st.composite
def command_lines(draw, commands):
    """(argv, classes): a command from the tree with a random mix of its own options and junk."""
    path, cmd = draw(st.sampled_from(commands))
    argv: list[str] = []
    classes: list[str] = []
    if draw(st.integers(0, 99)) < 5:  # a global option first
        opt = draw(st.sampled_from(ROOT_OPTIONS))
        argv.append(opt.opts[0])
        if not opt.is_flag:
            cls, v = draw(values())
            argv.append(v if cls != "valid" else "fuzz-home")
            classes.append(cls)
        classes.append("global option")
    words = list(path)
    mutation = draw(st.integers(0, 99))
    if mutation < 4:  # a mistyped command name
        words[-1] = words[-1][:-1] + "x" if len(words[-1]) > 2 else words[-1] + "x"
        classes.append("unknown command")
    argv += words
    for param in cmd.params:
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                for _ in range(max(param.nargs, 1) if param.nargs != -1 else draw(st.integers(1, 3))):
                    cls, v = draw(values())
                    argv.append(v)
                    classes.append(cls)
            continue
        if param.opts[0] in NEVER or param.opts[0] == "--help":
            continue
        wanted = 85 if param.required else 30
        if draw(st.integers(0, 99)) >= wanted:
            continue
        name = draw(st.sampled_from(param.opts + param.secondary_opts))
        argv.append(name)
        if param.is_flag:
            continue
        for _ in range(draw(st.integers(1, 3)) if param.multiple else 1):
            if param.multiple and argv[-1] != name:
                argv.append(name)
            cls, v = draw(values())
            argv.append(v)
            classes.append(cls)
    if mutation >= 96:  # an unknown or mistyped option
        argv.insert(draw(st.integers(len(words), len(argv))), draw(st.sampled_from(["--yaer", "--formatt", "-Z", "--"])))
        classes.append("unknown option")
    if 90 <= mutation < 93 and len(argv) > len(words) + 1:  # a missing value: drop the last token
        argv.pop()
        classes.append("missing value")
    return argv, classes or ["no arguments"]


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def fuzz_env(isolated_home, tmp_path, monkeypatch):
    """A seeded store home, a deep scratch cwd, no network and no live server."""
    import httpx

    from sco_observatory.store import open_store

    open_store().close()  # seed the embedded default once, so each case starts from the same bytes
    work = tmp_path.joinpath("w", "a", "b", "c", "d", "e", "f", "g")
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("SCO_HTTP_ATTEMPTS", "1")
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "2")
    from sco_observatory.sources import http as sources_http

    def refuse(request):
        raise httpx.ConnectError("network disabled in the fuzz suite", request=request)

    real_init = sources_http.Fetcher.__init__

    def offline_init(self, *args, **kwargs):
        real_init(self, *args, **{**kwargs, "transport": httpx.MockTransport(refuse)})

    monkeypatch.setattr(sources_http.Fetcher, "__init__", offline_init)
    monkeypatch.setattr("sco_observatory.web.app.serve", lambda *a, **k: None)
    monkeypatch.setattr("sco_observatory.cli.report.print_pdf", lambda html, **k: html)
    return isolated_home


FUZZ_SETTINGS = dict(deadline=None, database=None, derandomize=not LONG, print_blob=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.data_too_large, HealthCheck.filter_too_much])


def _cli_fuzz(fuzz_env, name: str, cases: int, commands=None):
    tally = Tally(name)
    strategy = command_lines([c for c in COMMANDS if commands is None or c[0][0] in commands])

    @settings(max_examples=cases, **FUZZ_SETTINGS)
    @given(case=strategy)
    def one(case):
        argv, classes = case
        before = home_digest(fuzz_env)
        rc, out, err, seconds = run_case(argv)
        after = home_digest(fuzz_env)
        tally.counts["tried"] += 1
        tally.counts["tracebacks"] += "Traceback" in err + out or "internal error" in err
        tally.counts["hangs"] += rc is None
        tally.counts["store_changes"] += before != after
        tally.counts[f"exit_{rc}"] += 1
        tally.classes.update(set(classes))
        tally.timed(seconds, " ".join(a if len(a) < 40 else f"<{len(a)} chars>" for a in argv))
        check_cli_outcome(argv, rc, out, err, before, after)

    try:
        one()
    finally:
        tally.write()


FIRST_HALF = {path[0] for path, _ in COMMANDS[: len(COMMANDS) // 2]}


@pytest.mark.slow
def test_fuzz_cli_commands_first_half(fuzz_env):
    _cli_fuzz(fuzz_env, "cli-first-half", CLI_CASES // 2, commands=FIRST_HALF)


@pytest.mark.slow
def test_fuzz_cli_commands_second_half(fuzz_env):
    rest = {path[0] for path, _ in COMMANDS} - FIRST_HALF
    _cli_fuzz(fuzz_env, "cli-second-half", CLI_CASES - CLI_CASES // 2, commands=rest)


def test_command_tree_walk_finds_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    for expected in ("members", "power", "trade", "data show", "data list", "report", "serve", "fetch worldbank",
                     "cache clear", "crosscheck cow-igo", "criteria", "scenarios", "import"):
        assert expected in names
    assert len(COMMANDS) >= 30


@pytest.mark.parametrize("argv", [
    ["membrs"], ["members", "SCO", "--yaer", "2012"], ["members", "SCO", "--format", "JSON"],
    ["trade", "group", "CA5", "--years", "2012", "--flows", "foo"], ["criteria", "IRN", "--conflict-window", "-1"],
    ["power", "SCO@2012", "--year", "1e308"], ["power", "SCO@2012", "--year", "1" * 30],
    ["history", "[/]"], ["siei", "migration", "CA5+RUS", "--years", "2015", "--source", "o'brien"],
    ["siei", "migration", "CA5+RUS", "--years", "2015", "--source", "x' OR '1'='1"],
    ["history", "K" * 100_000], ["members", "KAZ," * 25_000], ["whatif", "SCO@2012", "--add", "X" * 100_000, "--year", "2012"],
    ["report", "-o", "."], ["report", "-o", "/proc/x.html"], ["report", "-o", "/dev/null"],
])
def test_issue_examples_are_one_line(fuzz_env, argv):
    """The inputs quoted in issue #11, each once, through the same checks as the fuzzed cases."""
    before = home_digest(fuzz_env)
    rc, out, err, _ = run_case(argv)
    check_cli_outcome(argv, rc, out, err, before, home_digest(fuzz_env))
    if argv != ["members", "SCO", "--format", "JSON"]:
        assert rc == 2


# -- a few real processes: the installed script, not just main() ----------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["membrs"], ["members", "SCO", "--format", "xml"], ["power", "SCO@2012", "--yaer", "2012"],
    ["data", "show", "MS.MIL.XPND.CD", "--source", "x' OR '1'='1"], ["history", "K" * 100_000],
    ["members", "KAZ," * 25_000], ["whatif", "SCO@2012", "--add", "X" * 100_000, "--year", "2012"],
])
def test_real_processes_print_one_line(fuzz_env, argv):
    """The script as a user runs it; its peak memory stays under MEMORY_BOUND (was killed for memory)."""
    import resource

    done = subprocess.run([sys.executable, "-m", "sco_observatory", *argv], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "SCO_OBSERVATORY_HOME": str(fuzz_env)})
    # ru_maxrss of children (KiB on Linux) is the largest of any child so far: an upper bound for this one
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < MEMORY_BOUND
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")


# -- the API ---------------------------------------------------------------------------------------
def _operations(spec: dict) -> list[tuple[str, list[dict]]]:
    return [(path, op.get("parameters", [])) for path, ops in sorted(spec["paths"].items())
            for method, op in ops.items() if method == "get"]


@st.composite
def api_requests(draw, operations):
    path, params = draw(st.sampled_from(operations))
    query: dict[str, str] = {}
    classes: list[str] = []
    url = path
    for p in params:
        if p["in"] == "query" and draw(st.integers(0, 99)) >= 70:
            continue
        cls, v = draw(values())
        if p["in"] == "path":
            from urllib.parse import quote

            url = url.replace("{" + p["name"] + "}", quote(v, safe="") or "%20")
        else:
            query[p["name"]] = v
        classes.append(cls)
    if draw(st.integers(0, 99)) < 5:
        query[draw(st.sampled_from(["yaer", "grop", "__proto__"]))] = "1"
        classes.append("unknown parameter")
    return url, query, classes or ["no parameters"]


@pytest.mark.slow
def test_fuzz_api_parameters(fuzz_env):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    tally = Tally("api")
    application = create_app()
    operations = _operations(application.openapi())
    assert len(operations) >= 15
    with TestClient(application, raise_server_exceptions=False) as client:
        @settings(max_examples=API_CASES, **FUZZ_SETTINGS)
        @given(case=api_requests(operations))
        def one(case):
            url, query, classes = case
            before = home_digest(fuzz_env)
            started = time.perf_counter()
            try:
                response = client.get(url, params=query)
            except Exception as exc:  # the client itself refuses some URLs (e.g. >64 KB query)
                if "too long" in str(exc):
                    tally.counts["refused_by_client"] += 1
                    return
                raise
            seconds = time.perf_counter() - started
            after = home_digest(fuzz_env)
            tally.counts["tried"] += 1
            tally.counts[f"status_{response.status_code // 100}xx"] += 1
            tally.counts["store_changes"] += before != after
            tally.counts["hangs"] += seconds > HANG_SECONDS
            tally.classes.update(set(classes))
            tally.timed(seconds, f"{url[:80]} {str(query)[:100]}")
            shown = f"{url[:80]} {str(query)[:200]}"
            assert response.status_code < 500, f"{response.status_code} for {shown}: {response.text[:300]}"
            assert seconds < HANG_SECONDS, f"ran {seconds:.0f} s: {shown}"
            assert before == after, f"store home changed by {shown}"
            if response.status_code >= 400 and url.startswith("/api"):
                body = response.json()
                assert ("error" in body and "hint" in body) or "detail" in body, shown

        try:
            one()
        finally:
            tally.write()
