"""What the assistant tells patients about their data, and about their rights over it.

The notice quotes the configured retention, so it lives here rather than in the
domain (a response there could not know the setting).
"""

from __future__ import annotations

from bot.privacy.erasure import ErasureReport
from bot.reply import TOPICS, Reply

DELETE_DATA = {"title": "Delete my data", "payload": "/delete_data"}


def privacy_notice(retention_days: int) -> Reply:
    """The privacy notice: what is stored, why, for how long, who sees it, your rights."""
    return Reply(
        "Privacy notice\n"
        "• What is stored: this conversation (your messages and my answers) on the "
        "clinic's server. Your pre-check answers and contact details are stored only if "
        "you agree when asked. If a message sounds like an emergency, it is flagged so "
        "staff can check that you got help.\n"
        "• Why: to continue the conversation, to prepare a consultation with a medical "
        "advisor if you want one, and to improve this assistant.\n"
        f"• How long: everything is deleted {retention_days} days after your last "
        "message, or sooner if you ask.\n"
        "• Who sees it: the clinic's medical advisors and the staff who review "
        "conversations. It is not sold or used for advertising.\n"
        '• Your rights: type "delete my data" to erase this conversation and everything '
        'stored with it, or "withdraw my consent" to delete your stored answers. Please '
        "don't type health details or contact information unless you are asked.",
        [DELETE_DATA, TOPICS],
    )


def erased(report: ErasureReport) -> Reply:
    """Confirms an erasure."""
    extra = ", including your pre-check answers" if report.removed.get("precheck_results") else ""
    return Reply(
        f"Done: I've deleted this conversation and all your data stored with it{extra}. "
        "If you write again, we start from scratch.",
        [TOPICS],
    )


def consent_withdrawn(report: ErasureReport, retention_days: int) -> Reply:
    """Confirms the withdrawal of consent."""
    removed = (
        "your stored pre-check answers are deleted"
        if report.total
        else "nothing had been stored on the basis of it"
    )
    return Reply(
        f"Done: your consent is withdrawn and {removed}. No more of your health data "
        "will be stored. This conversation itself is kept for the clinic's review for "
        f'{retention_days} days; type "delete my data" if you want it erased now.',
        [DELETE_DATA, TOPICS],
    )


RIGHTS_FAILED = Reply(
    "Sorry, a technical problem stopped me from doing that just now, so nothing was "
    "deleted yet. Please try again in a few minutes. If it keeps failing, the clinic "
    "must delete your data on request through its contact form.",
    [TOPICS],
)
