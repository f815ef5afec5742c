"""Whether an advisor's message can reach the patient, and whether it did.

WhatsApp lets a business write freely only within 24 hours of the patient's last
message (Meta's "customer service window"); after that only pre-approved templates go
through, and a free-form message is refused (error 131047, "Re-engagement message").
An advisor's reply outside the window must be refused before it is sent, with a clear
reason, instead of vanishing: ``outside_window`` is the rule, used by the advisor's
tools (``bot.handoff.advisor.reply``) and later the staff console, and
``last_user_message`` reads its inputs from a tracker as Rasa's HTTP API returns it.

The channel records each advisor message it sends (``record_advisor_message``) and the
provider's status callbacks update it (``record_status``): a message that failed
anyway (the patient blocked the number, the window closed in between) stays in
``advisor_deliveries`` with the provider's error, for staff to follow up another way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from bot.store.db import session_scope
from bot.store.models import AdvisorDelivery

# Channels whose provider limits free-form business messages to a window after the
# patient's last message, in seconds.
WINDOWS = {"whatsapp": 24 * 60 * 60}

OUTSIDE_WINDOW = (
    "not delivered: WhatsApp only allows replies within 24 hours of the patient's last"
    " message; use the patient's other contact (see the lead)"
)

SENT, DELIVERED, READ, FAILED = "sent", "delivered", "read", "failed"
# Status callbacks may arrive out of order (a "delivered" after its "read"): a row only
# moves forward. A failure is final.
_PROGRESS = {SENT: 0, DELIVERED: 1, READ: 2, FAILED: 3}
MAX_ERROR_CHARS = 200


def outside_window(channel: str | None, last_user_message_at: float | None, now: float) -> bool:
    """Whether a free-form message to the patient would be outside ``channel``'s window.

    ``last_user_message_at`` and ``now`` are Unix timestamps. A channel without a window
    (the web widget, REST, Telegram) is never outside it. On a windowed channel, no
    known message from the patient means no open window either.
    """
    window = WINDOWS.get(channel or "")
    if window is None:
        return False
    if last_user_message_at is None:
        return True
    return now - last_user_message_at >= window


def last_user_message(events: Iterable[dict[str, Any]]) -> tuple[str | None, float | None]:
    """The input channel and timestamp of the conversation's latest user message.

    ``events`` as Rasa's HTTP API returns them; the latest ``user`` event is the one
    Rasa itself takes for the conversation's latest input channel.
    """
    latest = None
    for event in events:
        if event.get("event") == "user":
            latest = event
    if latest is None:
        return None, None
    stamp = latest.get("timestamp")
    return latest.get("input_channel"), float(stamp) if isinstance(stamp, int | float) else None


def error_text(code: Any, title: Any) -> str:
    """The provider's error as stored: code and title, e.g. "131047 Re-engagement message"."""
    parts = [str(part) for part in (code, title) if part not in (None, "")]
    return " ".join(parts)[:MAX_ERROR_CHARS] or "unknown error"


def record_advisor_message(
    database_url: str,
    conversation_id: str,
    channel: str,
    advisor: str,
    message_id: str | None,
    error: str | None = None,
) -> None:
    """An advisor's message went out (``message_id``), or was refused at once (``error``)."""
    with session_scope(database_url) as session:
        session.add(
            AdvisorDelivery(
                conversation_id=conversation_id,
                channel=channel,
                message_id=message_id,
                advisor=advisor[:100],
                status=FAILED if error is not None else SENT,
                error=error[:MAX_ERROR_CHARS] if error is not None else None,
            )
        )


def record_status(
    database_url: str, message_id: str, status: str, error: str | None = None
) -> AdvisorDelivery | None:
    """Apply a provider's status callback; the advisor's message it is about, if any.

    Returns None for messages that are not an advisor's (the assistant's own replies
    are not recorded) and for statuses this table does not follow.
    """
    if status not in _PROGRESS:
        return None
    with session_scope(database_url) as session:
        delivery = session.execute(
            select(AdvisorDelivery).where(AdvisorDelivery.message_id == message_id)
        ).scalar_one_or_none()
        if delivery is None:
            return None
        if _PROGRESS[status] > _PROGRESS.get(delivery.status, 0):
            delivery.status = status
            if status == FAILED:
                delivery.error = (error or "unknown error")[:MAX_ERROR_CHARS]
        return delivery


def failed_deliveries(
    database_url: str, conversation_id: str | None = None
) -> list[AdvisorDelivery]:
    """Advisors' messages that did not reach the patient (of one conversation), oldest first."""
    query = select(AdvisorDelivery).where(AdvisorDelivery.status == FAILED)
    if conversation_id is not None:
        query = query.where(AdvisorDelivery.conversation_id == conversation_id)
    with session_scope(database_url) as session:
        return list(session.execute(query.order_by(AdvisorDelivery.id)).scalars())


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.handoff.delivery_window [conversation]``: the failed deliveries.

    For staff until the console shows them: one line per advisor message that did not
    reach the patient, with the provider's error.
    """
    import argparse

    from bot.settings import load_settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("conversation", nargs="?")
    args = parser.parse_args(argv)
    failed = failed_deliveries(load_settings().database_url, args.conversation)
    for delivery in failed:
        print(
            f"{delivery.updated_at:%Y-%m-%d %H:%M}  {delivery.conversation_id}  {delivery.channel}"
            f"  {delivery.advisor}  {delivery.error}"
        )
    if not failed:
        print("every advisor message was delivered (or is on its way)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
