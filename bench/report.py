"""The bench's outputs: ``bench/results/bench.md``, ``latency.png`` (latency against
concurrency, both bots), ``long_conversation.png``, and the one-line summary."""

from __future__ import annotations

import math
from pathlib import Path

from bench.outcome import BenchRun, BotRun
from bench.stats import ratio
from bench.targets import TARGET_USERS, Verdict

# Reference from issue 15 (12-turn conversations via REST, before this bench existed).
EARLIER = (
    "Earlier measurement (issue 15, 12-turn conversations via REST): starter 39 ms p50 at"
    " 1 user, 355/949 ms p50/p95 at 10 users, 23 turns/s, 2.2 s p95 at 50 users, 1.3 GB"
    " RSS; ours 53 ms, 525/821, 18.5 turns/s, 4.4 s, Rasa 1.8 GB + actions 0.7 GB."
)


# Messages named in the report's off-script line (the most frequent first).
OFF_SCRIPT_SHOWN = 6


def users_text(users: int) -> str:
    """ "1 user", "10 users"."""
    return f"{users} user" if users == 1 else f"{users} users"


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _bots(run: BenchRun) -> list[BotRun]:
    return [b for b in (run.ours, run.starter, *run.scaled) if b is not None]


def summary_line(run: BenchRun, verdicts: list[Verdict]) -> str:
    """One line: the 10-user figures as ratios to the starter, errors, model, targets."""
    parts = []
    ours_10 = run.ours.level(TARGET_USERS) if run.ours else None
    starter_10 = run.starter.level(TARGET_USERS) if run.starter else None
    if ours_10 is not None:
        throughput = ratio(ours_10.throughput, starter_10.throughput if starter_10 else None)
        p95 = ratio(ours_10.p95_ms, starter_10.p95_ms if starter_10 else None)
        parts.append(
            f"{TARGET_USERS} users: {_num(ours_10.throughput, 1)} turns/s ({_x(throughput)}"
            f" starter), p95 {_num(ours_10.p95_ms)} ms ({_x(p95)})"
        )
    if run.ours is not None and run.ours.levels:
        most = max(run.ours.levels, key=lambda lv: lv.users)
        parts.append(f"{most.users} users: {most.errors} errors")
    if run.ours is not None and run.ours.model_mb is not None:
        parts.append(f"model {run.ours.model_mb:.1f} MB")
    if run.ours is not None:
        parts.append(
            "training not measured"
            if run.ours.train_s is None
            else f"training {run.ours.train_s:.0f} s"
        )
    judged = [v for v in verdicts if v.met is not None]
    parts.append(f"targets met {sum(bool(v.met) for v in judged)}/{len(verdicts)}")
    return "bench: " + "; ".join(parts)


def _targets(verdicts: list[Verdict]) -> list[str]:
    lines = ["| target | goal | this run | |", "| --- | --- | --- | --- |"]
    lines += [f"| {v.name} | {v.goal} | {v.value} | {v.mark} |" for v in verdicts]
    return lines


def _levels(run: BenchRun) -> list[str]:
    lines = [
        "| bot | users | turns | conversations | p50 ms | p95 ms | p99 ms | turns/s | errors | off-script |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for bot in _bots(run):
        for lv in bot.levels:
            lines.append(
                f"| {bot.title} | {lv.users} | {lv.turns} | {lv.conversations} | {_num(lv.p50_ms)}"
                f" | {_num(lv.p95_ms)} | {_num(lv.p99_ms)} | {_num(lv.throughput, 1)}"
                f" | {lv.errors} | {lv.off_script} |"
            )
        if bot.note:
            lines.append(f"| {bot.title} | | | | | | | | | {bot.note} |")
    for bot in _bots(run):
        for users, kinds in sorted(bot.error_kinds.items()):
            if kinds:
                listed = ", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items()))
                lines += ["", f"Errors of {bot.title} at {users_text(users)}: {listed}."]
        for users, messages in sorted(bot.off_script.items()):
            if messages:
                ranked = sorted(messages.items(), key=lambda item: (-item[1], item[0]))
                listed = ", ".join(f'"{text}" {n}x' for text, n in ranked[:OFF_SCRIPT_SHOWN])
                if len(ranked) > OFF_SCRIPT_SHOWN:
                    listed += f" and {len(ranked) - OFF_SCRIPT_SHOWN} other messages"
                lines += [
                    "",
                    f"Off-script answers of {bot.title} at {users_text(users)}, to: {listed}.",
                ]
    return lines


def _ratios(run: BenchRun) -> list[str]:
    if run.ours is None or run.starter is None:
        return ["No ratios: the starter was not measured in this run."]
    lines = [
        "| users | p50 | p95 | p99 | throughput |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for lv in run.ours.levels:
        theirs = run.starter.level(lv.users)
        if theirs is None:
            continue
        lines.append(
            f"| {lv.users} | {_x(ratio(lv.p50_ms, theirs.p50_ms))} | {_x(ratio(lv.p95_ms, theirs.p95_ms))}"
            f" | {_x(ratio(lv.p99_ms, theirs.p99_ms))} | {_x(ratio(lv.throughput, theirs.throughput))} |"
        )
    return lines


def _memory(run: BenchRun) -> list[str]:
    bots = [b for b in _bots(run) if b.memory_mb]
    if not bots:
        return ["Not measured (no process of this run to watch)."]
    names = []
    for bot in bots:
        names += [n for n in bot.memory_mb if n not in names and n != "all"]
    lines = ["| process | " + " | ".join(f"{b.title} MB" for b in bots) + " |"]
    lines.append("| --- | " + " | ".join("---:" for _ in bots) + " |")
    for name in [*names, "all"]:
        label = "all (peak of the sum)" if name == "all" else name
        lines.append(f"| {label} | " + " | ".join(_num(b.memory_mb.get(name)) for b in bots) + " |")
    return lines


def _training(run: BenchRun) -> list[str]:
    ours, starter = run.ours, run.starter
    lines = ["| | ours | starter | ours / starter |", "| --- | ---: | ---: | ---: |"]
    train = (ours.train_s if ours else None, starter.train_s if starter else None)
    model = (ours.model_mb if ours else None, starter.model_mb if starter else None)
    train_cells = ["not measured" if v is None else f"{v:.0f} s" for v in train]
    lines.append(f"| training | {train_cells[0]} | {train_cells[1]} | {_x(ratio(*train))} |")
    lines.append(
        f"| model size | {_num(model[0], 1)} MB | {_num(model[1], 1)} MB | {_x(ratio(*model))} |"
    )
    for bot in (ours, starter):
        if bot is not None:
            for note in (bot.train_note, bot.model_note):
                if note:
                    lines += ["", f"{bot.title}: {note}"]
    return lines


def _long(run: BenchRun) -> list[str]:
    if not run.long_runs:
        return ["Not measured in this run."]
    checkpoints = sorted(
        {c for r in run.long_runs for c in r.at_turn_ms} | {r.turns for r in run.long_runs}
    )
    lines = [
        "| tracker store | "
        + " | ".join(f"turn {c} ms" for c in checkpoints)
        + " | last / first | errors |",
        "| --- | " + " | ".join("---:" for _ in checkpoints) + " | ---: | ---: |",
    ]
    for r in run.long_runs:
        if r.note:
            lines.append(
                f"| {r.database} | " + " | ".join("" for _ in checkpoints) + f" | | {r.note} |"
            )
            continue
        cells = " | ".join(_num(r.at_turn_ms.get(c)) for c in checkpoints)
        lines.append(f"| {r.database} | {cells} | {_x(r.growth)} | {r.errors} |")
    return lines


def _profiles(run: BenchRun) -> list[str]:
    if not run.profiles:
        return ["Not recorded in this run."]
    lines = [
        f"py-spy (sampling at 100 Hz, `--nonblocking`) while {run.profile_users} users talked"
        f" to our assistant for {run.profile_seconds} s, in a run of its own after the measured"
        " levels. Shares are of each process's busy samples (CPU time): waiting for the"
        " action server, the database or the network is not in them, nor is an idle event loop.",
    ]
    for p in run.profiles:
        total = p.samples + p.idle_samples
        busy = f", busy in {p.samples / total:.0%} of them" if total else ""
        lines += ["", f"### {p.process} ({total} samples{busy})"]
        if p.note:
            lines += ["", p.note]
        if not p.samples:
            continue
        lines += ["", "Where its CPU time goes, by stage of a turn:", ""]
        lines += ["| stage | share |", "| --- | ---: |"]
        lines += [f"| {name} | {share:.1%} |" for name, share in p.stages]
        packages = ", ".join(f"{name} {share:.0%}" for name, share in p.packages[:8])
        lines += ["", f"Self time by package: {packages}.", ""]
        lines += [
            "Hottest functions (self):",
            "",
            "| function | self | inclusive |",
            "| --- | ---: | ---: |",
        ]
        lines += [f"| `{r.function}` | {r.self_share:.1%} | {r.inclusive:.1%} |" for r in p.hot]
        lines += [
            "",
            "Top functions by inclusive share (the trunk every request shares left out):",
            "",
        ]
        lines += ["| function | inclusive | self |", "| --- | ---: | ---: |"]
        lines += [f"| `{r.function}` | {r.inclusive:.1%} | {r.self_share:.1%} |" for r in p.rows]
        if p.raw_path:
            lines += ["", f"Raw stacks (collapsed, for a flame graph): `{p.raw_path}`."]
    return lines


def _scaled(run: BenchRun) -> list[str]:
    if not run.scaled:
        return ["Not measured in this run (see the notes)."]
    by_name = {bot.name: bot for bot in run.scaled}
    two = by_name.get("scaled-2") or by_name.get("scaled-url")
    one = by_name.get("scaled-1") or (run.ours if "scaled-url" in by_name else None)
    if two is None or one is None:
        return ["Incomplete: " + ", ".join(b.title for b in run.scaled) + " only (see the notes)."]
    lines = [
        f"One: {one.title}. Two: {two.title}.",
        "",
        "| users | one: turns/s | two: turns/s | two / one | one: p95 ms | two: p95 ms | two: errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for lv in two.levels:
        base = one.level(lv.users)
        lines.append(
            f"| {lv.users} | {_num(base.throughput if base else None, 1)} | {_num(lv.throughput, 1)}"
            f" | {_x(ratio(lv.throughput, base.throughput if base else None))}"
            f" | {_num(base.p95_ms if base else None)} | {_num(lv.p95_ms)} | {lv.errors} |"
        )
    return lines


def render(run: BenchRun, verdicts: list[Verdict]) -> str:
    """The Markdown report."""
    # The scaled stack runs our script.
    turns = ", ".join(
        f"{b.title} {b.script_turns}" for b in (run.ours, run.starter) if b and b.script_turns
    )
    lines = [
        "# `make bench`: our assistant against the stock Rasa starter",
        "",
        f"Run {run.started} on {run.machine}: `{run.command}`, {run.duration_s / 60:.1f} min.",
        "",
        f"**{summary_line(run, verdicts)}**",
        "",
        "## Targets (ratios to the starter in the same run)",
        "",
        *_targets(verdicts),
        "",
        "## Latency per turn and throughput",
        "",
        f"Load tool: {run.load_tool}. Turns per scripted conversation: {turns}.",
        "",
        *_levels(run),
        "",
        "Ours as a ratio to the starter (below 1 is faster for latency, above 1 is more for throughput):",
        "",
        *_ratios(run),
        "",
        "![p50 and p95 latency per turn against concurrent users, both bots](latency.png)",
        "",
        "## Peak memory (RSS, each process with its children)",
        "",
        *_memory(run),
        "",
        "## Training and model size",
        "",
        *_training(run),
        "",
        "## Turn latency along one long conversation (SQL tracker store)",
        "",
        "Median of five turns: turns 1-5 for the first checkpoint, the five turns ending at each later one.",
        "",
        *_long(run),
        "",
        *(
            ["![turn latency along one conversation](long_conversation.png)", ""]
            if any(r.latencies_ms for r in run.long_runs)
            else []
        ),
        "## Where a turn's time goes (profile of our servers under load)",
        "",
        *_profiles(run),
        "",
        "## Scaled stack: two instances against one",
        "",
        *_scaled(run),
        "",
        "## Notes",
        "",
        *[f"- {note}" for note in run.notes],
        f"- {EARLIER}",
        "",
    ]
    return "\n".join(lines)


def plot_latency(run: BenchRun, path: Path) -> None:
    """p50 and p95 latency against concurrent users, one colour per bot (log scales)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    colours = {
        "ours": "tab:blue",
        "starter": "tab:orange",
        "scaled-1": "tab:purple",
        "scaled-2": "tab:green",
        "scaled-url": "tab:green",
    }
    for bot in _bots(run):
        if not bot.levels:
            continue
        users = [lv.users for lv in bot.levels]
        colour = colours.get(bot.name, "tab:gray")
        ax.plot(
            users, [lv.p50_ms for lv in bot.levels], "o-", color=colour, label=f"{bot.title} p50"
        )
        ax.plot(
            users, [lv.p95_ms for lv in bot.levels], "s--", color=colour, label=f"{bot.title} p95"
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = sorted({lv.users for bot in _bots(run) for lv in bot.levels})
    if ticks:
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
    # Plain milliseconds at 1-2-5 steps, not powers of ten.
    shown = [lv.p50_ms for b in _bots(run) for lv in b.levels] + [
        lv.p95_ms for b in _bots(run) for lv in b.levels
    ]
    shown = [v for v in shown if v == v and v > 0]
    if shown:
        steps = [m * 10**e for e in range(0, 7) for m in (1, 2, 5)]
        ax.set_yticks([t for t in steps if min(shown) / 2 <= t <= max(shown) * 2])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("concurrent users")
    ax.set_ylabel("latency per turn (ms)")
    ax.set_title("Latency per turn against concurrency")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:  # an empty run has nothing to name
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_long(run: BenchRun, path: Path) -> None:
    """Each turn's latency along the long conversation, one line per tracker store."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for r in run.long_runs:
        if r.latencies_ms:
            ax.plot(
                range(1, len(r.latencies_ms) + 1), r.latencies_ms, linewidth=0.8, label=r.database
            )
    ax.set_xlabel("turn of the conversation")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Turn latency along one conversation")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:  # an empty run has nothing to name
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(run: BenchRun, verdicts: list[Verdict], directory: Path) -> Path:
    """Write the report and its plots into ``directory``; returns the report's path."""
    directory.mkdir(parents=True, exist_ok=True)
    report = directory / "bench.md"
    report.write_text(render(run, verdicts), encoding="utf-8")
    plot_latency(run, directory / "latency.png")
    if any(r.latencies_ms for r in run.long_runs):
        plot_long(run, directory / "long_conversation.png")
    return report
