"""The action server hangs: the patient hears so at once, and nothing is lost.

Tried as an operator would (issue: hardening): with the action server stopped
(SIGSTOP), a patient's "yes" in the pre-check used to wait a minute for an empty reply,
and the answer was lost. Now the channels check the action server first.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.content import text
from bot.safety.flags import flags_of
from tests.integration.conftest import Assistant, running_assistant

UNAVAILABLE = "technical problem"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Iterator[Assistant]:
    with running_assistant(
        tmp_path_factory,
        f"actions-down-{uuid.uuid4().hex[:6]}",
        extra_env={"CLINIC_CONTACT": "+41 00 000 00 00", "ACTION_TIMEOUT_SECONDS": "2"},
    ) as running:
        yield running


def _action_server_pid(clinic: Assistant) -> int:
    port = clinic.env["ACTION_PORT"].encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"actions" in args and port in args:
            return int(cmdline.parent.name)
    raise AssertionError("no action server process")


@contextmanager
def stopped_action_server(clinic: Assistant) -> Iterator[None]:
    pid = _action_server_pid(clinic)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_hung_action_server_gets_an_apology_and_the_form_keeps_its_question(clinic) -> None:
    sender = f"down-{uuid.uuid4().hex[:8]}"
    assert "May the clinic store your answers" in clinic.texts(sender, "can I get this treatment?")
    with stopped_action_server(clinic):
        reply = clinic.texts(sender, "yes")
        assert UNAVAILABLE in reply and "112" in reply and "+41 00 000 00 00" in reply
    # Back: the same answer is taken as the answer to the same question.
    assert "1/4" in clinic.texts(sender, "yes")


def test_an_emergency_is_answered_and_flagged_while_the_action_server_hangs(clinic) -> None:
    sender = f"down-{uuid.uuid4().hex[:8]}"
    with stopped_action_server(clinic):
        reply = clinic.texts(sender, "I can't breathe and my lips are turning blue")
    assert "call emergency services now" in reply
    assert [flag.category for flag in flags_of(clinic.database_url, sender)] == ["breathing"]


def test_a_poisoning_in_french_gets_the_french_poison_guidance_while_it_hangs(clinic) -> None:
    sender = f"down-{uuid.uuid4().hex[:8]}"
    with stopped_action_server(clinic):
        reply = clinic.texts(sender, "mon petit a avale les comprimes de sa grand-mere")
    assert reply == text("utter_poison_fr")
    assert [flag.category for flag in flags_of(clinic.database_url, sender)] == ["poisoning"]
