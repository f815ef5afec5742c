"""The advisor's command line: readable transcripts and clear errors, no stack traces."""

from __future__ import annotations

from bot.handoff.advisor import main, transcript
from bot.handoff.queue import open_handoff
from bot.store.db import engine_for


def test_the_transcript_names_who_said_what() -> None:
    tracker = {
        "events": [
            {"event": "action", "name": "action_listen", "timestamp": 0},
            {"event": "user", "text": "I want a person", "timestamp": 60},
            {"event": "bot", "text": "May the clinic store ...", "timestamp": 61},
            {"event": "pause", "timestamp": 62},
            {
                "event": "bot",
                "text": "Hello, Dr. Weber here",
                "metadata": {"advisor": "Dr. Weber"},
                "timestamp": 120,
            },
            {"event": "resume", "timestamp": 180},
        ]
    }
    assert transcript(tracker) == [
        "1970-01-01 00:01 patient: I want a person",
        "1970-01-01 00:01 assistant: May the clinic store ...",
        "1970-01-01 00:01 --: (handed to an advisor)",
        "1970-01-01 00:02 advisor Dr. Weber: Hello, Dr. Weber here",
        "1970-01-01 00:03 --: (handed back)",
    ]


def test_listing_an_empty_queue_says_so(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine_for(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["list"]) == 0
    assert "no conversation is waiting" in capsys.readouterr().out


def test_the_queue_lists_open_handoffs(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    open_handoff(url, "conv-1", "socketio", "lead")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "conv-1" in out and "waiting" in out and "socketio" in out and "no lead" in out


def test_errors_are_explained_without_a_traceback(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RASA_API_TOKEN", "")
    assert main(["show", "conv-1"]) == 1
    assert "RASA_API_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("RASA_API_TOKEN", "t" * 32)
    assert main(["reply", "conv-unknown", "hello"]) == 1
    assert "not waiting for an advisor" in capsys.readouterr().err
    assert main(["handback", "conv-unknown"]) == 1
    assert "not handed off" in capsys.readouterr().err


def test_the_queue_names_the_lead_behind_each_handoff(tmp_path, monkeypatch, capsys) -> None:
    from bot.leads.scoring import LeadSignals, score_lead
    from bot.leads.store import LeadDetails, save_lead
    from bot.settings import load_settings

    url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    details = LeadDetails("Anna Meier", "anna@example.com", None, "email", "any", "Switzerland")
    save_lead(
        load_settings({"DATABASE_URL": url}),
        "conv-1",
        details,
        score_lead(LeadSignals(asked_for_human=True)),
        None,
        None,
    )
    open_handoff(url, "conv-1", "socketio", "lead")
    open_handoff(url, "conv-2", "rest", "lead")
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("conv-1") and lines[0].endswith("Anna Meier (warm)")
    assert lines[1].startswith("conv-2") and lines[1].endswith("no lead")
