"""Rasa's event classes looked up by type name in a dictionary, not a class-tree walk.

Rasa 3.6 turns every stored or received event into its class with
``Event.resolve_by_type``, which walks all subclasses of ``Event`` (with an
``inspect.isabstract`` check on each) for every single event. A turn reads the
conversation's recent events from the tracker store and the events of each action
server answer, so this walk ran a few hundred times per turn: about 15 % of the Rasa
server's CPU under load in issue 15's profile (``all_subclasses`` in
``bench/results/bench.md``).

The dictionary is built from the same walk, in the same order (the first class with a
type name wins, as in Rasa's loop). A name it does not hold (an event class imported
later, "topic", an unknown name) goes to Rasa's own method, so defaults and errors are
unchanged. ``install()`` is called by ``components.rasa_server`` before Rasa starts.
"""

from __future__ import annotations

from typing import Callable, Optional, Type

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_ORIGINAL = Event.resolve_by_type
_by_type: dict[str, Type[Event]] = {}


def _classes_by_type() -> dict[str, Type[Event]]:
    if not _by_type:
        for cls in all_subclasses(Event):
            _by_type.setdefault(cls.type_name, cls)
    return _by_type


def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """``Event.resolve_by_type`` through a dictionary built once."""
    cls = _classes_by_type().get(type_name)
    if cls is not None:
        return cls
    return _ORIGINAL(type_name, default)


def install() -> None:
    """Make ``Event.resolve_by_type`` use the dictionary in this process."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def installed() -> bool:
    """Whether ``install()`` has run in this process."""
    return Event.resolve_by_type is resolve_by_type


def original() -> Callable[..., Optional[Type[Event]]]:
    """Rasa's own implementation, for tests that compare both."""
    return _ORIGINAL
