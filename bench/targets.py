"""Issue 15's targets, judged on one run's figures (ratios to the starter in the same run).

- throughput at 10 users >= 2x the starter's
- p95 latency at 10 users <= 0.5x the starter's
- no errors at 50 users
- model <= 50 MB, training <= 3 minutes
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.outcome import BenchRun
from bench.stats import ratio

TARGET_USERS = 10
ERROR_FREE_USERS = 50
MIN_THROUGHPUT_RATIO = 2.0
MAX_P95_RATIO = 0.5
MAX_MODEL_MB = 50.0
MAX_TRAIN_S = 180.0


@dataclass(frozen=True)
class Verdict:
    """One target: what was measured and whether it is met (None: not measured)."""

    name: str
    goal: str
    value: str
    met: bool | None

    @property
    def mark(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


def _ratio_verdict(name: str, goal: str, value: float | None, ok: bool) -> Verdict:
    if value is None:
        return Verdict(name, goal, "n/a", None)
    return Verdict(name, goal, f"{value:.2f}x", ok)


def evaluate(run: BenchRun) -> list[Verdict]:
    """Every target, in the issue's order."""
    ours, starter = run.ours, run.starter
    ours_10 = ours.level(TARGET_USERS) if ours else None
    starter_10 = starter.level(TARGET_USERS) if starter else None

    throughput = ratio(
        ours_10.throughput if ours_10 else None, starter_10.throughput if starter_10 else None
    )
    p95 = ratio(ours_10.p95_ms if ours_10 else None, starter_10.p95_ms if starter_10 else None)
    verdicts = [
        _ratio_verdict(
            f"throughput at {TARGET_USERS} users, ours / starter",
            f">= {MIN_THROUGHPUT_RATIO:.1f}x",
            throughput,
            throughput is not None and throughput >= MIN_THROUGHPUT_RATIO,
        ),
        _ratio_verdict(
            f"p95 latency at {TARGET_USERS} users, ours / starter",
            f"<= {MAX_P95_RATIO:.1f}x",
            p95,
            p95 is not None and p95 <= MAX_P95_RATIO,
        ),
    ]

    ours_50 = ours.level(ERROR_FREE_USERS) if ours else None
    if ours_50 is None:
        verdicts.append(Verdict(f"errors at {ERROR_FREE_USERS} users", "0", "n/a", None))
    else:
        verdicts.append(
            Verdict(
                f"errors at {ERROR_FREE_USERS} users",
                "0",
                f"{ours_50.errors} of {ours_50.turns} turns",
                ours_50.errors == 0,
            )
        )

    model_mb = ours.model_mb if ours else None
    verdicts.append(
        Verdict("model size", f"<= {MAX_MODEL_MB:.0f} MB", "n/a", None)
        if model_mb is None
        else Verdict(
            "model size",
            f"<= {MAX_MODEL_MB:.0f} MB",
            f"{model_mb:.1f} MB",
            model_mb <= MAX_MODEL_MB,
        )
    )
    train_s = ours.train_s if ours else None
    verdicts.append(
        Verdict("training time", f"<= {MAX_TRAIN_S / 60:.0f} min", "not measured", None)
        if train_s is None
        else Verdict(
            "training time",
            f"<= {MAX_TRAIN_S / 60:.0f} min",
            f"{train_s:.0f} s",
            train_s <= MAX_TRAIN_S,
        )
    )
    return verdicts
