"""``make bench``: our assistant under load against Rasa's stock starter bot.

In order:

1. Train our project into a temporary folder, timed; the servers then run that model
   (``--model``: another; ``--skip-train``: MODEL_PATH, training "not measured").
2. Create and train the starter (``rasa init --no-prompt``) in a temporary folder, timed.
3. Start both on free loopback ports (ours: ``bot.processes.stack.Stack`` with a
   throwaway SQLite database, as ``make run`` does; the starter: ``rasa run``), warm both
   up (not measured), then for each concurrency (``--users``) run ours and then the
   starter, alternating so that the shared machine's load drifts onto both alike.
   Memory is sampled throughout.
4. Profile our Rasa and action servers with py-spy while users talk to ours.
5. One long conversation (``--long-turns``) on SQLite, then on a throwaway PostgreSQL
   database.
6. The scaled stack (``bot.processes.scaled``: nginx, PostgreSQL, Redis) with one
   instance and then two, at ``--scaled-users``: what the second instance adds
   (``--skip-scaled`` to leave it out; ``--scaled-url`` a running one instead).
7. ``bench/results/bench.md``, ``latency.png``, ``long_conversation.png`` and a
   one-line summary.

A failing step is noted in the report and the rest goes on; every process started is
stopped at the end, also on Ctrl-C (then the partial report goes to ``var/bench/``,
not over the last full one).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench import report
from bench.load import LevelResult, Target, level
from bench.long_conversation import CHECKPOINTS, measure, throwaway_postgres
from bench.memory import MemorySampler, command_labeller, find_pids
from bench.outcome import MB, BenchRun, BotRun
from bench.profile import Recording
from bench.report import users_text
from bench.scaled import scaled_stack
from bench.scripts import Script, assistant_script, starter_script
from bench.starter import StarterBuild, build_starter, serve_starter
from bench.targets import evaluate
from bench.training import train_assistant
from bot.processes.stack import Stack, free_port
from bot.settings import ENV_FILE_KEY, PROJECT_ROOT, Settings, load_settings

RESULTS = PROJECT_ROOT / "bench" / "results"
WORK = PROJECT_ROOT / "var" / "bench"
LOGS = PROJECT_ROOT / "var" / "log" / "bench"
LOAD_TOOL = (
    "a small asyncio client over aiohttp (`bench/load.py`): each simulated user is its own"
    " conversation over the REST channel, sending its next message as soon as the reply is"
    " in (no think time); a level lasts until every user has finished a whole"
    " conversation and the level's minimum time has passed"
)
# Loading a model takes minutes on a busy 2-core machine.
START_TIMEOUT = 600.0
# Far above any bench load: the per-sender and per-address limits would turn the
# simulated users away (50 users share one loopback address).
NO_LIMIT = 1_000_000

OURS_PROCESSES = {
    "ours/rasa": ("components.rasa_server",),
    "ours/actions": ("rasa", "run", "actions"),
    "ours/notify": ("bot.notify.worker",),
    "ours/web": ("bot.processes.demo_site",),
    "ours/console": ("bot.console.server",),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (``make bench BENCH_ARGS="..."``)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,10,50", help="concurrency levels (default 1,10,50)")
    parser.add_argument("--seconds", type=float, default=15.0, help="minimum time per level")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="a level's hard limit")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up conversations per bot")
    parser.add_argument("--timeout", type=float, default=60.0, help="one turn's timeout (s)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run: 1 and 10 users, 5 s levels, long conversation to 50"
        " turns on SQLite, 5 s profile, no training of ours, no scaled stack",
    )
    parser.add_argument("--skip-train", action="store_true", help="do not time our training")
    parser.add_argument("--skip-starter", action="store_true", help="no baseline (no ratios)")
    parser.add_argument(
        "--starter-dir",
        type=Path,
        help="keep the starter here; a trained one found there is reused",
    )
    parser.add_argument(
        "--long-turns",
        default=",".join(map(str, CHECKPOINTS)),
        help="checkpoints of the long conversation (default 1,100,500)",
    )
    parser.add_argument("--skip-long", action="store_true", help="no long conversation")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server for the long conversation and the scaled stack ('' to skip)",
    )
    parser.add_argument("--profile-seconds", type=int, default=20, help="py-spy recording time")
    parser.add_argument("--profile-users", type=int, default=10, help="users while profiling")
    parser.add_argument("--skip-profile", action="store_true", help="no py-spy profile")
    parser.add_argument(
        "--model", type=Path, help="our model (default: the one just trained, else MODEL_PATH)"
    )
    parser.add_argument(
        "--url",
        help="measure ours at this base URL instead of starting it"
        " (no memory, profile or long conversation then)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("REST_CHANNEL_TOKEN", ""),
        help="Bearer token for --url/--scaled-url beyond loopback",
    )
    parser.add_argument(
        "--skip-scaled", action="store_true", help="leave out the scaled stack (1 vs 2 instances)"
    )
    parser.add_argument(
        "--scaled-users", default="10", help="concurrency levels for the scaled stack"
    )
    parser.add_argument(
        "--scaled-url", help="measure a running scaled stack at this base URL instead"
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="where the report goes (bench/results)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.users = "1,10" if args.users == "1,10,50" else args.users
        args.seconds = min(args.seconds, 5.0)
        args.warmup = min(args.warmup, 1)
        args.long_turns = (
            "1,20,50" if args.long_turns == parser.get_default("long_turns") else args.long_turns
        )
        args.postgres = ""
        args.profile_seconds = min(args.profile_seconds, 5)
        args.skip_train = True
        args.skip_scaled = True
    args.user_levels = sorted({int(u) for u in args.users.split(",") if u.strip()})
    args.checkpoints = sorted({int(c) for c in args.long_turns.split(",") if c.strip()})
    args.scaled_levels = sorted({int(u) for u in args.scaled_users.split(",") if u.strip()})
    return args


def refusal_phrases() -> tuple[tuple[str, str], ...]:
    """Our channels' "not processed, try again" replies (first sentence, lower case),
    with the error each stands for."""
    from bot.content import text

    return tuple(
        (text(name, clinic_contact="").split(".")[0].lower(), label)
        for name, label in (
            ("utter_service_unavailable", "turned away: action server health check failed"),
            ("utter_rate_limited", "turned away: rate limit"),
        )
    )


def bench_settings(model: Path, database_url: str) -> Settings:
    """A private stack's settings: free loopback ports, the given database, no .env, no
    HTTP API, and rate limits far above the bench's load."""
    defaults = load_settings(read_dotenv=False)
    return replace(
        defaults,
        database_url=database_url,
        model_path=model,
        rasa_port=free_port(),
        action_port=free_port(),
        widget_port=free_port(),
        console=replace(defaults.console, port=free_port(), interface="127.0.0.1"),
        rasa_interface="127.0.0.1",
        rasa_api_token="",
        rate_limit_burst=NO_LIMIT,
        rate_limit_per_minute=NO_LIMIT,
        rate_limit_address_burst=NO_LIMIT,
        rate_limit_address_per_minute=NO_LIMIT,
    )


@contextmanager
def our_stack(settings: Settings, name: str) -> Iterator[str]:
    """Our stack (``make run``'s processes) on ``settings``; yields the Rasa server's URL."""
    stack = Stack(settings, log_dir=LOGS / name, extra_env={ENV_FILE_KEY: ""})
    stack.start(timeout=START_TIMEOUT)
    try:
        yield settings.rasa_url
    finally:
        stack.stop()


def run_levels(
    bots: list[tuple[BotRun, Target, Script]],
    args: argparse.Namespace,
    levels: list[int] | None = None,
) -> None:
    """Each concurrency level (default ``--users``) for every bot in turn (ours, then the
    starter)."""
    for users in levels or args.user_levels:
        for bot, target, script in bots:
            print(f"bench: {bot.title}, {users_text(users)} ...", flush=True)
            result: LevelResult = level(
                target,
                users,
                script,
                min_seconds=args.seconds,
                max_seconds=args.max_seconds,
                prefix=f"bench-{bot.name}",
            )
            stats = result.stats()
            bot.levels.append(stats)
            bot.error_kinds[users] = result.error_kinds()
            bot.off_script[users] = result.off_script_messages()
            print(
                f"bench:   {stats.turns} turns, p50 {stats.p50_ms:.0f} ms, p95 {stats.p95_ms:.0f} ms,"
                f" {stats.throughput:.1f} turns/s, {stats.errors} errors",
                flush=True,
            )


def warm_up(target: Target, script: Script, conversations: int, title: str) -> None:
    """Whole conversations, one at a time, not measured: every code path and cache warm.

    Raises when not one turn was answered (the bot is not really up)."""
    if conversations < 1:
        return
    print(f"bench: warming up {title} ...", flush=True)
    turns = []
    for k in range(conversations):
        # Each warm-up conversation is another user's script.
        result = level(
            target,
            1,
            lambda user, k=k: script(user + k),
            min_seconds=0,
            max_seconds=120,
            prefix="bench-warmup",
        )
        turns += result.turns
    if all(t.error is not None for t in turns):
        raise RuntimeError(f"{title} answered none of {len(turns)} warm-up turns")


class Bench:
    """One run: its options, what it found, and its scratch space."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = load_settings(read_dotenv=False)
        self.model = (args.model or self.settings.model_path).resolve()
        self.run = BenchRun(
            started=datetime.now().astimezone().isoformat(timespec="seconds"),
            machine=machine(),
            command="python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
            load_tool=LOAD_TOOL,
        )
        self.ours = BotRun("ours", "ours", script_turns=len(assistant_script(0)))
        self.starter = BotRun("starter", "starter", script_turns=len(starter_script(0)))
        self.run.ours = self.ours
        self.refusals = refusal_phrases()

    def note(self, text: str) -> None:
        self.run.notes.append(text)

    def attempt(self, name: str, func: Any, *a: Any) -> tuple[bool, Any]:
        """Run one step: (whether it worked, its value). A failure is noted (and
        printed) and the run goes on."""
        try:
            return True, func(*a)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - one step's failure must not end the run
            traceback.print_exc()
            self.note(f"{name} failed: {type(exc).__name__}: {exc}")
            return False, None

    def execute(self, scratch: Path) -> None:
        """Every step, in order."""
        args = self.args
        LOGS.mkdir(parents=True, exist_ok=True)
        self.note(
            "Rate limits raised for the bench (RATE_LIMIT_BURST, RATE_LIMIT_PER_MINUTE,"
            f" RATE_LIMIT_ADDRESS_BURST, RATE_LIMIT_ADDRESS_PER_MINUTE = {NO_LIMIT:,}): the"
            " simulated users send faster than a person and share one address."
        )
        self.note(
            f"Warm-up: {args.warmup} whole conversation(s) per bot before the levels, not"
            " counted. Latencies are of answered turns; errors are turns with no reply, an"
            ' HTTP error, a timeout or a "try again later" reply; off-script are answers'
            " without the phrase the script expects (the flow may have changed)."
        )
        self.attempt("training our model", self.train_ours, scratch)
        build = None
        if not args.skip_starter:
            _, build = self.attempt("creating the starter", self.build_starter, scratch)
            if build is not None:
                self.run.starter = self.starter
                self.note(
                    "The starter runs as `rasa init` makes it: Rasa's default config, an"
                    " in-memory tracker store, no action server. Ours runs as `make run` does:"
                    " SQL tracker store (SQLite), action server, channel checks, and the"
                    " outbox worker, demo page and staff console beside them."
                )
        else:
            self.note("The starter was not measured (--skip-starter): no ratios.")
        self.attempt("the load levels", self.measure_load, build, scratch)
        if args.postgres and not args.skip_long and not args.url:
            self.attempt("the long conversation on PostgreSQL", self.long_postgres, scratch)
        elif not args.postgres:
            self.note("The long conversation was not run on PostgreSQL (no --postgres server).")
        if args.scaled_url:
            self.attempt("the scaled stack", self.measure_scaled_url)
        elif args.skip_scaled or args.url:
            self.note("The scaled stack was not measured (--skip-scaled, --quick or --url).")
        elif not args.postgres:
            self.note("The scaled stack was not measured: it needs PostgreSQL (--postgres).")
        else:
            for instances in (1, 2):
                self.attempt(
                    f"the scaled stack with {instances} instance(s)", self.measure_scaled, instances
                )

    def train_ours(self, scratch: Path) -> None:
        if self.args.skip_train:
            self.ours.train_note = "training not measured (--skip-train)"
            self.ours.model_mb = self.model.stat().st_size / MB
            self.ours.model_note = f"model size of {self._shown(self.model)}"
            return
        print("bench: training our model (timed) ...", flush=True)
        trained = train_assistant(scratch / "ours-model", LOGS / "train-ours.log")
        self.ours.train_s = trained.train_s
        self.ours.model_mb = trained.model_bytes / MB
        if self.args.model is None:
            # Measure what was just trained: the figures then belong together, whatever
            # state models/ is in.
            self.model = trained.model
        self.ours.train_note = (
            "`rasa train --num-threads 2` of the project from an empty cache into a temporary"
            f" folder; the servers ran {self._shown(self.model)}"
        )

    def build_starter(self, scratch: Path) -> StarterBuild:
        directory = self.args.starter_dir or scratch / "starter"
        print(f"bench: creating and training the starter in {directory} ...", flush=True)
        build = build_starter(directory.resolve(), LOGS / "starter-init.log", reuse=True)
        self.starter.train_s = build.train_s
        self.starter.model_mb = build.model_bytes / MB
        self.starter.train_note = (
            "`rasa init --no-prompt` (creates the project and trains it with Rasa's default"
            " config), timed whole"
            if build.train_s is not None
            else f"reused the starter trained earlier in {directory}: training not measured"
        )
        return build

    def measure_load(self, build: StarterBuild | None, scratch: Path) -> None:
        args = self.args
        labels = {**OURS_PROCESSES}
        if build is not None:
            labels["starter/rasa"] = ("run", str(build.directory))
        labeller = command_labeller(labels)
        with MemorySampler(labeller) as sampler, ExitStack() as servers:
            bots: list[tuple[BotRun, Target, Script]] = []
            ours_target = None
            if args.url:
                ours_target = Target(args.url, args.token, self.refusals, args.timeout)
                self.note(
                    f"Ours was measured at {args.url} (started elsewhere): no memory figures."
                )
            else:
                print("bench: starting our stack (SQLite) ...", flush=True)
                settings = bench_settings(self.model, f"sqlite:///{scratch}/ours.db")
                started, url = self.attempt(
                    "starting our stack", servers.enter_context, our_stack(settings, "ours")
                )
                if started:
                    ours_target = Target(url, "", self.refusals, args.timeout)
            starter_target = None
            if build is not None:
                print("bench: starting the starter ...", flush=True)
                started, url = self.attempt(
                    "starting the starter",
                    servers.enter_context,
                    serve_starter(build, LOGS / "starter.log", START_TIMEOUT),
                )
                if started:
                    starter_target = Target(url, "", (), args.timeout)
            warm = (
                ours_target is not None
                and self.attempt(
                    "warming up ours", warm_up, ours_target, assistant_script, args.warmup, "ours"
                )[0]
            )
            if warm:
                bots.append((self.ours, ours_target, assistant_script))
            if (
                starter_target is not None
                and self.attempt(
                    "warming up the starter",
                    warm_up,
                    starter_target,
                    starter_script,
                    args.warmup,
                    "the starter",
                )[0]
            ):
                bots.append((self.starter, starter_target, starter_script))
            run_levels(bots, args)
            # Only a stack that answered its warm-up is worth profiling or a long talk.
            ours_running = warm and not args.url
            if ours_running and not args.skip_profile:
                self.attempt("the profile", self.profile, ours_target, labeller)
            if ours_running and not args.skip_long:
                self.attempt(
                    "the long conversation on SQLite", self.long_run, ours_target, "SQLite"
                )
        self.ours.memory_mb = sampler.peaks_mb("ours")
        self.starter.memory_mb = sampler.peaks_mb("starter")
        if build is not None and starter_target is None:
            self.starter.note = "not measured: its server did not start"

    def profile(self, target: Target, labeller: Any) -> None:
        args = self.args
        pids = find_pids(labeller)
        chosen = {
            name.split("/")[1]: pid
            for name, pid in pids.items()
            if name in ("ours/rasa", "ours/actions")
        }
        print(f"bench: profiling {', '.join(chosen)} for {args.profile_seconds} s ...", flush=True)
        recording = Recording(chosen, WORK, args.profile_seconds)
        try:
            level(
                target,
                args.profile_users,
                assistant_script,
                min_seconds=args.profile_seconds,
                max_seconds=args.profile_seconds,
                prefix="bench-profile",
            )
            summaries = recording.finish()
        finally:
            recording.stop()
        for summary in summaries:
            if summary.raw_path:
                summary = replace(summary, raw_path=self._shown(Path(summary.raw_path)))
            self.run.profiles.append(summary)
        self.run.profile_users = args.profile_users
        self.run.profile_seconds = args.profile_seconds

    def long_run(self, target: Target, database: str) -> None:
        turns = max(self.args.checkpoints)
        print(f"bench: one conversation of {turns} turns on {database} ...", flush=True)
        self.run.long_runs.append(measure(target, database, self.args.checkpoints))

    def long_postgres(self, scratch: Path) -> None:
        with throwaway_postgres(self.args.postgres) as url:
            print("bench: starting our stack (PostgreSQL) ...", flush=True)
            with our_stack(bench_settings(self.model, url), "ours-postgresql") as base:
                target = Target(base, "", self.refusals, self.args.timeout)
                warm_up(target, assistant_script, 1, "ours on PostgreSQL")
                self.long_run(target, "PostgreSQL")

    def measure_scaled(self, instances: int) -> None:
        args = self.args
        plural = "s" if instances > 1 else ""
        scaled = BotRun(
            f"scaled-{instances}",
            f"scaled, {instances} instance{plural}",
            script_turns=len(assistant_script(0)),
        )
        with throwaway_postgres(args.postgres) as database_url:
            print(f"bench: starting the scaled stack, {instances} instance{plural} ...", flush=True)
            settings = bench_settings(self.model, database_url)
            with scaled_stack(
                settings, instances, LOGS / f"scaled-{instances}", START_TIMEOUT
            ) as url:
                self.run.scaled.append(scaled)
                target = Target(url, "", self.refusals, args.timeout)
                warm_up(target, assistant_script, args.warmup, scaled.title)
                run_levels([(scaled, target, assistant_script)], args, args.scaled_levels)

    def measure_scaled_url(self) -> None:
        args = self.args
        scaled = BotRun(
            "scaled-url", "scaled (at --scaled-url)", script_turns=len(assistant_script(0))
        )
        self.run.scaled.append(scaled)
        self.note(
            f"The scaled stack was measured at {args.scaled_url} (started elsewhere) and"
            " compared with our single stack of this run (SQLite, no nginx)."
        )
        target = Target(args.scaled_url, args.token, self.refusals, args.timeout)
        warm_up(target, assistant_script, args.warmup, scaled.title)
        run_levels([(scaled, target, assistant_script)], args, args.scaled_levels)

    @staticmethod
    def _shown(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(PROJECT_ROOT))
        except ValueError:
            return str(path)


def machine() -> str:
    """What the figures were measured on."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    memory = psutil.virtual_memory().total / 1024**3
    return (
        f"{os.cpu_count()} CPUs, {memory:.0f} GB, Linux {platform.release()},"
        f" Python {platform.python_version()}, load average {load} at the start"
    )


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the bench; 0 when ours was measured (whether or not the targets are met)."""
    args = parse_args(argv)
    # `kill` ends the run as Ctrl-C does: through the clean-ups below.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    bench = Bench(args)
    started = time.monotonic()
    interrupted = False
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        bench.execute(scratch)
    except KeyboardInterrupt:
        interrupted = True
        bench.note("Interrupted (Ctrl-C): the figures are partial.")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    bench.run.duration_s = time.monotonic() - started
    verdicts = evaluate(bench.run)
    directory = WORK / "partial" if interrupted else args.results
    path = report.write(bench.run, verdicts, directory)
    print(f"bench: report in {Bench._shown(path)}")
    print(report.summary_line(bench.run, verdicts))
    return 0 if bench.ours.levels else 1


if __name__ == "__main__":
    sys.exit(main())
