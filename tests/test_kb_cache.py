"""The ledger's compact cache (kb/cache.py): a hit skips the YAML and the validation, any change to a
ledger file gives a new key, and a corrupt, truncated or foreign cache file is rebuilt, never trusted."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sco_observatory.kb import cache
from sco_observatory.kb.model import FILES, _cached_tables, _load, default_directory, ledger_names


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


class Counting:
    """The ledger builder, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, directory: Path):
        self.calls += 1
        return _load(directory)


def _names(ledger) -> dict[str, str]:
    return {"KAZ": "Kazakhstan"}  # the resolver is not what these tests are about


def test_second_load_is_a_hit_and_equals_the_validated_ledger(cache_dir, ledger_copy):
    build = Counting()
    first, names = cache.cached_ledger(ledger_copy, FILES, build, _names)
    assert build.calls == 1 and names == {"KAZ": "Kazakhstan"}
    assert (cache_dir / f"ledger-{cache.ledger_key(ledger_copy, FILES)[:32]}.pickle").exists()
    second, names2 = cache.cached_ledger(ledger_copy, FILES, build, _names)
    assert build.calls == 1, "the second load must come from the cache"
    assert second == first and names2 == names
    assert second.memberships == _load(ledger_copy).memberships


def test_changed_ledger_file_is_a_new_key(cache_dir, ledger_copy):
    build = Counting()
    cache.cached_ledger(ledger_copy, FILES, build, _names)
    old = set(cache_dir.glob("ledger-*.pickle"))
    path = ledger_copy / "memberships.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    cache.cached_ledger(ledger_copy, FILES, build, _names)
    assert build.calls == 2, "an edited ledger file must not be answered from the old cache"
    new = set(cache_dir.glob("ledger-*.pickle"))
    assert len(new) == len(old) + 1 and old < new, "a new file beside the old one (another install may still use it)"


def test_only_the_most_recent_caches_are_kept(cache_dir, ledger_copy):
    path = ledger_copy / "memberships.yaml"
    text = path.read_text(encoding="utf-8")
    written = []
    for i in range(cache.KEEP + 2):
        path.write_text(text + f"\n# edit {i}\n", encoding="utf-8")
        cache.cached_ledger(ledger_copy, FILES, Counting(), _names)
        written.append(max(cache_dir.glob("ledger-*.pickle"), key=lambda p: p.stat().st_mtime_ns))
    kept = set(cache_dir.glob("ledger-*.pickle"))
    assert len(kept) == cache.KEEP and written[-1] in kept and written[0] not in kept


def test_edit_that_breaks_the_ledger_is_reported_not_hidden_by_the_cache(cache_dir, ledger_copy):
    from sco_observatory.errors import KnowledgeBaseError

    cache.cached_ledger(ledger_copy, FILES, Counting(), _names)
    path = ledger_copy / "memberships.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\n  status: member", "\n  status: overlord", 1), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="memberships.yaml"):
        cache.cached_ledger(ledger_copy, FILES, Counting(), _names)


@pytest.mark.parametrize("damage", [b"", b"not a pickle", "truncated", "foreign key", "not a dict"])
def test_corrupt_cache_is_rebuilt(cache_dir, ledger_copy, damage):
    build = Counting()
    good, _ = cache.cached_ledger(ledger_copy, FILES, build, _names)
    (path,) = cache_dir.glob("ledger-*.pickle")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "foreign key":
        payload = pickle.loads(data)
        path.write_bytes(pickle.dumps({**payload, "key": "0" * 64}))
    elif damage == "not a dict":
        path.write_bytes(pickle.dumps(["ledger"]))
    else:
        path.write_bytes(damage)
    again, _ = cache.cached_ledger(ledger_copy, FILES, build, _names)
    assert build.calls == 2, "a damaged cache file must be rebuilt"
    assert again == good
    assert pickle.loads(path.read_bytes())["key"] == cache.ledger_key(ledger_copy, FILES), "and rewritten whole"


def test_unwritable_cache_dir_still_loads(tmp_path, monkeypatch, ledger_copy):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    build = Counting()
    ledger, _ = cache.cached_ledger(ledger_copy, FILES, build, _names)
    assert build.calls == 1 and ledger.orgs
    assert not list(tmp_path.glob(".ledger-*")), "no temporary file left behind"


def test_empty_cache_env_turns_the_cache_off(monkeypatch, ledger_copy):
    monkeypatch.setenv(cache.CACHE_ENV, "")
    build = Counting()
    cache.cached_ledger(ledger_copy, FILES, build, _names)
    cache.cached_ledger(ledger_copy, FILES, build, _names)
    assert build.calls == 2


def test_cached_names_are_the_resolvers_names(cache_dir):
    from sco_observatory import countries

    ledger = _load(default_directory())
    names = ledger_names(ledger)
    assert {"CHN", "KAZ", "RUS", "IND", "PAK", "IRN", "TKM"} <= set(names)
    for code in ("CHN", "RUS", "KGZ", "TKM", "IND"):
        assert names[code] == countries.lookup(code).name


def _modules_after(cache_dir: Path, home: Path, *args: str) -> tuple[str, set[str]]:
    code = ("import sys; from sco_observatory.cli import main; rc = main(sys.argv[1:]); "
            "print('MODULES', ' '.join(sorted(sys.modules))); sys.exit(rc)")
    env = {**os.environ, cache.CACHE_ENV: str(cache_dir), "SCO_OBSERVATORY_HOME": str(home)}
    env.pop("SCO_ENGINE", None)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    out, _, modules = done.stdout.rpartition("MODULES ")
    return out, set(modules.split())


HEAVY = {"pandas", "country_converter", "babel", "duckdb", "sqlglot", "yaml", "fastapi", "pyarrow", "plotly", "polars"}


def test_members_with_a_warm_cache_loads_neither_pandas_nor_the_yaml(cache_dir, isolated_home):
    cold_out, cold = _modules_after(cache_dir, isolated_home, "members", "SCO@2012", "--format", "csv")
    assert "yaml" in cold, "the first run parses the YAML (and builds the cache)"
    out, warm = _modules_after(cache_dir, isolated_home, "members", "SCO@2012", "--format", "csv")
    assert out == cold_out and "KAZ,Kazakhstan" in out
    assert not (HEAVY & warm), f"heavy modules loaded by a ledger-only command: {sorted(HEAVY & warm)}"
    assert "sco_observatory.metrics" not in warm and "sco_observatory.store" not in warm


def test_codes_in_a_group_expression_resolve_from_the_cache(cache_dir, isolated_home, monkeypatch):
    """ISO3 codes outside the ledger's memberships (USA) and inside (IND) are answered as the resolver
    answers them, without building the CLDR table (babel) or loading country_converter."""
    from sco_observatory import countries

    args = ("members", "SCO@2012+IND+USA", "--format", "csv")
    cold_out, _ = _modules_after(cache_dir, isolated_home, *args)
    out, warm = _modules_after(cache_dir, isolated_home, *args)
    assert out == cold_out and "IND,India" in out
    assert not ({"babel", "country_converter", "pandas"} & warm), sorted({"babel", "country_converter", "pandas"} & warm)
    _, tables = cache.cached_ledger(default_directory(), FILES, _load, _cached_tables)
    assert {"IND", "CHN", "RUS", "USA"} <= set(tables["lookups"])
    monkeypatch.setattr(countries, "_REMEMBERED_LOOKUPS", {})  # the resolver's own answer, not the cache's
    for code, found in tables["lookups"].items():
        assert found == countries.lookup.__wrapped__(code), code


def test_version_loads_no_command_module(cache_dir, isolated_home):
    out, modules = _modules_after(cache_dir, isolated_home, "--version")
    assert out.startswith("sco-observatory ")
    assert not {m for m in modules if m.startswith("sco_observatory.cli.") and m != "sco_observatory.cli.usage"}
    assert "sco_observatory.kb.model" not in modules or "yaml" not in modules
    assert not ({"polars", "pydantic", "sco_observatory.api"} & modules), sorted({"polars", "pydantic", "sco_observatory.api"} & modules)
