"""Every answer the action server gives Rasa counts as proof that it is answering.

The channels check the action server's health before handing a message to Rasa
(``bot.action_server_health``). A busy server answers its actions but may answer a
health request late; counting the actions' answers spares the health requests while
the server is busy, which is exactly when they used to time out and turn patients away.
``install()`` is called by ``components.rasa_server`` before Rasa starts.
"""

from __future__ import annotations

from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import Event

from bot.action_server_health import note_answer

_ORIGINAL_RUN = RemoteAction.run


async def run_noting_answers(self: RemoteAction, *args: Any, **kwargs: Any) -> List[Event]:
    """``RemoteAction.run`` that notes each answer of the action server."""
    try:
        events = await _ORIGINAL_RUN(self, *args, **kwargs)
    except ActionExecutionRejection:
        # A form's validation refusing a slot is an answer too.
        note_answer()
        raise
    note_answer()
    return events


def install() -> None:
    """Make every ``RemoteAction`` in this process note the action server's answers."""
    RemoteAction.run = run_noting_answers  # type: ignore[method-assign]


def installed() -> bool:
    """Whether ``install()`` has run in this process."""
    return RemoteAction.run is run_noting_answers
