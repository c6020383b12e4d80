"""side_by_side: the independent statements of a full publication run on two connections at once."""

import threading
import time

import duckdb
import pytest

from pipeline.store.connections import side_by_side


def test_every_job_runs_once_after_the_jobs_it_waits_for_each_on_a_connection_to_the_same_database(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE source AS SELECT range AS n FROM range(1000)")
    ran = []

    def copy(target, source):
        def work(cursor):
            cursor.execute(f"CREATE TABLE {target} AS SELECT n FROM {source}")
            ran.append(target)
        return work

    side_by_side(con, {
        "b": (copy("b", "a"), ("a",)),
        "a": (copy("a", "source"), ()),
        "c": (copy("c", "b"), ("b", "not_a_job")),  # a name that is no job waits for nothing
        "d": (copy("d", "source"), ()),
    })

    assert sorted(ran) == ["a", "b", "c", "d"]
    assert ran.index("a") < ran.index("b") < ran.index("c")
    assert con.execute("SELECT count(*), sum(n) FROM c").fetchone() == (1000, 499500)


def test_two_jobs_run_at_the_same_time():
    con = duckdb.connect()
    both_running = threading.Barrier(2, timeout=10)

    def meet(cursor):
        both_running.wait()  # times out (BrokenBarrierError) unless the other job runs meanwhile

    side_by_side(con, {"one": (meet, ()), "two": (meet, ())})


def test_an_error_is_raised_once_the_lanes_stopped_and_no_later_job_starts():
    con = duckdb.connect()
    started = []

    def fail(cursor):
        started.append("fail")
        raise ValueError("broken")

    def slow(cursor):
        started.append("slow")
        time.sleep(0.2)

    def later(cursor):
        started.append("later")

    with pytest.raises(ValueError, match="broken"):
        side_by_side(con, {"fail": (fail, ()), "slow": (slow, ()), "later": (later, ("fail", "slow"))})
    assert "later" not in started


def test_statements_run_single_threaded_meanwhile_and_the_setting_is_restored():
    con = duckdb.connect(config={"threads": 2})
    seen = []
    side_by_side(con, {"look": (lambda cursor: seen.append(cursor.execute("SELECT current_setting('threads')").fetchone()[0]), ())})
    assert seen == [1]
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2
