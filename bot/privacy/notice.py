"""What the assistant tells patients about their data, and about their rights over it.

The texts are the ``utter_privacy_notice``, ``utter_data_erased*``,
``utter_consent_withdrawn*`` and ``utter_rights_failed`` responses
(data/responses/privacy.yml); this picks the one that fits and fills in the settings.
"""

from __future__ import annotations

from bot.content import Utterance
from bot.privacy.erasure import ErasureReport

RIGHTS_FAILED = Utterance("utter_rights_failed")


def privacy_notice(retention_days: int) -> Utterance:
    """The privacy notice: what is stored, why, for how long, who sees it, your rights."""
    return Utterance("utter_privacy_notice", {"retention_days": retention_days})


def erased(report: ErasureReport) -> Utterance:
    """Confirms an erasure (naming the pre-check answers when there were some)."""
    if report.removed.get("precheck_results"):
        return Utterance("utter_data_erased_with_precheck")
    return Utterance("utter_data_erased")


def consent_withdrawn(report: ErasureReport, retention_days: int) -> Utterance:
    """Confirms the withdrawal of consent."""
    name = "utter_consent_withdrawn" if report.total else "utter_consent_withdrawn_nothing_stored"
    return Utterance(name, {"retention_days": retention_days})
