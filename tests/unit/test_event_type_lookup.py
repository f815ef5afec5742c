"""The event-class dictionary answers exactly as Rasa's own lookup does."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from components import event_type_lookup

TYPE_NAMES = sorted({cls.type_name for cls in all_subclasses(Event)})


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_every_event_type_resolves_to_the_same_class(type_name: str) -> None:
    original = event_type_lookup.original()
    assert event_type_lookup.resolve_by_type(type_name) is original(type_name)


def test_unknown_names_keep_rasas_default_and_error() -> None:
    assert event_type_lookup.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert event_type_lookup.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        event_type_lookup.resolve_by_type("no_such_event")


def test_installed_it_deserialises_stored_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(event_type_lookup.original()))
    assert not event_type_lookup.installed()
    event_type_lookup.install()
    assert event_type_lookup.installed()
    events = [
        UserUttered("hello", {"name": "greet", "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        SlotSet("consent_precheck", True),
    ]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events
