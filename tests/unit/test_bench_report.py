"""The bench's pure parts: percentiles, ratios and targets, the profile's summary, the
long conversation's checkpoints, and the report (Markdown, PNG, one-line summary)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import report
from bench.long_conversation import LongRun, checkpoint_latencies, window_of
from bench.outcome import BenchRun, BotRun
from bench.profile import ProfileSummary, summarise
from bench.scripts import Turn, assistant_script
from bench.stats import LevelStats, percentile, ratio
from bench.targets import evaluate


def test_percentiles_interpolate_between_ranks_like_numpy() -> None:
    values = [float(v) for v in range(10, 0, -1)]  # order does not matter
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 5.5
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile(values, 100) == 10.0
    assert percentile([42.0], 99) == 42.0


def test_a_percentile_of_nothing_is_not_a_number_and_out_of_range_is_refused() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_a_level_counts_errors_as_turns_but_not_as_throughput_or_latency() -> None:
    stats = LevelStats.of(10, [100.0, 200.0, 300.0], errors=1, off_script=1, wall_s=2.0)
    assert stats.turns == 4
    assert stats.throughput == 1.5  # three answered turns in two seconds
    assert stats.p50_ms == 200.0


def test_a_ratio_needs_both_figures_and_a_non_zero_baseline() -> None:
    assert ratio(2.0, 4.0) == 0.5
    assert ratio(None, 4.0) is None
    assert ratio(2.0, 0.0) is None
    assert ratio(math.nan, 4.0) is None


def test_a_reply_is_on_script_when_it_has_any_expected_phrase() -> None:
    turn = Turn("hello", ("automated assistant", "hi there"))
    assert turn.on_script("Hi there! I'm an AUTOMATED assistant.")
    assert not turn.on_script("What is RA?")
    assert Turn("anything").on_script("")


def test_our_script_walks_faq_pre_check_and_lead_form_and_users_differ() -> None:
    texts = [t.text for t in assistant_script(0)]
    assert texts[0] == "hello"
    assert texts.index("can I get this treatment?") < texts.index("I'd like to talk to a person")
    assert texts[-3] == "Switzerland"  # the lead form's last answer, then thanks, goodbye
    assert assistant_script(0) != assistant_script(1)
    # The lead form refuses a name with digits: the script's names have none.
    names = {assistant_script(user)[-7].text for user in range(80)}
    assert len(names) == 80 and not any(ch.isdigit() for name in names for ch in name)


def _level(users: int, p95: float, throughput: float, errors: int = 0) -> LevelStats:
    return LevelStats(
        users,
        turns=100,
        errors=errors,
        off_script=0,
        wall_s=100 / throughput,
        p50_ms=p95 / 2,
        p95_ms=p95,
        p99_ms=p95 * 1.2,
    )


def _run(ours_10: LevelStats, ours_50: LevelStats, starter_10: LevelStats | None) -> BenchRun:
    ours = BotRun(
        "ours",
        "ours",
        levels=[ours_10, ours_50],
        model_mb=30.0,
        train_s=150.0,
        memory_mb={"rasa": 900.0, "actions": 300.0, "all": 1250.0},
        script_turns=20,
    )
    starter = None
    if starter_10 is not None:
        starter = BotRun(
            "starter",
            "starter",
            levels=[starter_10],
            model_mb=25.0,
            train_s=60.0,
            memory_mb={"rasa": 800.0, "all": 800.0},
            script_turns=12,
        )
    return BenchRun(
        started="2025-01-01T00:00:00+00:00",
        machine="2 CPUs",
        command="python -m bench",
        load_tool="asyncio",
        ours=ours,
        starter=starter,
        notes=["rate limits raised"],
    )


def test_targets_are_ratios_to_the_starter_in_the_same_run() -> None:
    run = _run(_level(10, 400, 40), _level(50, 2000, 45), _level(10, 900, 20))
    verdicts = {v.name: v for v in evaluate(run)}
    assert verdicts["throughput at 10 users, ours / starter"].met is True  # 2.0x
    assert verdicts["p95 latency at 10 users, ours / starter"].met is True  # 0.44x
    assert verdicts["errors at 50 users"].met is True
    assert verdicts["model size"].met is True and verdicts["training time"].met is True


def test_missed_targets_and_missing_figures_are_told_apart() -> None:
    run = _run(_level(10, 400, 30), _level(50, 2000, 45, errors=3), None)
    run.ours.train_s = None
    run.ours.model_mb = 80.0
    verdicts = {v.name: v for v in evaluate(run)}
    assert verdicts["throughput at 10 users, ours / starter"].met is None  # no starter
    assert verdicts["p95 latency at 10 users, ours / starter"].value == "n/a"
    assert verdicts["errors at 50 users"].met is False
    assert verdicts["errors at 50 users"].value == "3 of 100 turns"
    assert verdicts["model size"].mark == "MISSED"
    assert verdicts["training time"].mark == "not measured"


RAW = """\
<module> (rasa/__main__.py:10);run (asyncio/base_events.py:5);handle_message (rasa/core/processor.py:1);parse_message (rasa/core/processor.py:7);predict (tensorflow/x.py:2) 6
<module> (rasa/__main__.py:10);run (asyncio/base_events.py:5);handle_message (rasa/core/processor.py:3);save (rasa/core/tracker_store.py:4);fetch (sqlalchemy/engine.py:9) 3
<module> (rasa/__main__.py:10);run (asyncio/base_events.py:5) 1
<module> (rasa/__main__.py:10);serve (sanic/server/runners.py:8) 40
not a sample line
"""


def test_a_profile_is_summarised_in_shares_of_busy_samples_without_the_trunk() -> None:
    summary = summarise("rasa", RAW)
    # The event loop waiting in C (uvloop under Sanic's serve) is idle, not work.
    assert (summary.samples, summary.idle_samples) == (10, 40)
    inclusive = {r.function: r.inclusive for r in summary.rows}
    # Lines of one function count together; the trunk in every sample is left out.
    assert inclusive["handle_message (rasa/core/processor.py)"] == 0.9
    assert "<module> (rasa/__main__.py)" not in inclusive
    assert summary.hot[0].function == "predict (tensorflow/x.py)"
    assert summary.hot[0].self_share == 0.6
    assert dict(summary.packages) == {"tensorflow": 0.6, "sqlalchemy": 0.3, "asyncio": 0.1}


def test_each_busy_sample_counts_in_one_stage_of_the_turn() -> None:
    stages = dict(summarise("rasa", RAW).stages)
    assert stages == {
        "NLU: parse the message": 0.6,
        "tracker store: write (Rasa's save, our summaries and erasure checks)": 0.3,
        "HTTP, JSON and the event loop": 0.1,
    }


def test_long_conversation_checkpoints_are_medians_of_five_turns() -> None:
    assert list(window_of(1, 500)) == [1, 2, 3, 4, 5]
    assert list(window_of(100, 500)) == [96, 97, 98, 99, 100]
    latencies = [10.0] * 5 + [20.0] * 90 + [30.0, 30.0, math.nan, 31.0, 1000.0]
    found = checkpoint_latencies(latencies, [1, 100, 500])
    assert found == {1: 10.0, 100: 30.5}  # the failed turn left out; 500 never reached


def test_the_report_shows_targets_ratios_memory_scaling_and_notes(tmp_path: Path) -> None:
    run = _run(_level(10, 400, 40), _level(50, 2000, 45), _level(10, 900, 20))
    run.long_runs = [LongRun("SQLite", 500, {1: 50.0, 100: 60.0, 500: 100.0}, 0, [50.0] * 500)]
    run.profiles = [
        summarise("rasa", RAW, raw_path="var/bench/profile-rasa.txt"),
        ProfileSummary("actions", 0, note="py-spy failed: permission denied"),
    ]
    run.scaled = [
        BotRun("scaled-1", "scaled, 1 instance", levels=[_level(10, 800, 20)]),
        BotRun("scaled-2", "scaled, 2 instances", levels=[_level(10, 500, 36)]),
    ]
    verdicts = evaluate(run)
    path = report.write(run, verdicts, tmp_path)
    text = path.read_text()
    assert "| throughput at 10 users, ours / starter | >= 2.0x | 2.00x | met |" in text
    assert "| 10 | 0.44x | 0.44x | 0.44x | 2.00x |" in text
    assert "| all (peak of the sum) | 1,250 | 800 |" in text
    assert "| SQLite | 50 | 60 | 100 | 2.00x | 0 |" in text
    assert "py-spy failed: permission denied" in text
    assert "- rate limits raised" in text
    assert "| 10 | 20.0 | 36.0 | 1.80x | 800 | 500 | 0 |" in text  # two instances / one
    for png in ("latency.png", "long_conversation.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    line = report.summary_line(run, verdicts)
    assert line.startswith("bench: 10 users: 40.0 turns/s (2.00x starter), p95 400 ms (0.44x)")
    assert "50 users: 0 errors" in line and line.endswith("targets met 5/5")
