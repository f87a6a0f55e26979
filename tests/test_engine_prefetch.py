"""engine.prefetched: a record-batch stream pulled one thread ahead (the Grubel–Lloyd dense route's
stream, metrics/trade.py) gives the same batches in the same order, re-raises the producer's error in
the caller, and after an early stop leaves the DuckDB connection usable."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from sco_observatory.engine import prefetched
from sco_observatory.store.results import arrow_batches


def test_same_batches_in_the_same_order():
    con = duckdb.connect()
    direct = [b.column(0).to_pylist() for b in arrow_batches(con, "SELECT range AS i FROM range(100000)", None, 1000)]
    ahead = [b.column(0).to_pylist() for b in prefetched(arrow_batches(con, "SELECT range AS i FROM range(100000)", None, 1000))]
    assert ahead == direct and sum(map(len, ahead)) == 100000 and ahead[0][:3] == [0, 1, 2]


def test_the_producers_error_reaches_the_caller():
    def failing():
        yield pa.record_batch([pa.array([1])], names=["i"])
        raise ValueError("the source broke")

    got = []
    with pytest.raises(ValueError, match="the source broke"):
        for batch in prefetched(failing()):
            got.append(batch)
    assert len(got) == 1


def test_an_early_stop_drains_the_stream_and_the_connection_answers_again():
    con = duckdb.connect()
    for batch in prefetched(arrow_batches(con, "SELECT range AS i FROM range(1000000)", None, 1000), depth=1):
        break  # the producer is blocked on a full queue here
    assert con.execute("SELECT 42").fetchone() == (42,)
