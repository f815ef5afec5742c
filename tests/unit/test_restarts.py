"""When make run restarts a child that died, and when it gives up."""

import pytest

from bot.processes.run import KeepsDying, Restarts


def test_a_dead_child_is_restarted_after_a_doubling_pause() -> None:
    restarts = Restarts()
    delays = [restarts.record("actions", now=float(t)) for t in range(Restarts.MAX_RESTARTS)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_a_child_that_keeps_dying_stops_the_run_with_its_name() -> None:
    restarts = Restarts()
    for t in range(Restarts.MAX_RESTARTS):
        restarts.record("actions", now=float(t))
    with pytest.raises(KeepsDying, match="actions server died 6 times"):
        restarts.record("actions", now=10.0)


def test_deaths_long_ago_are_forgiven_and_children_are_counted_apart() -> None:
    restarts = Restarts()
    for t in range(Restarts.MAX_RESTARTS):
        restarts.record("rasa", now=float(t))
    assert restarts.record("actions", now=5.0) == 1.0
    assert restarts.record("rasa", now=Restarts.WINDOW_SECONDS + 10) == 1.0
