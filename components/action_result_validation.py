"""The action server's answers validated with one compiled validator, not a new one per call.

Rasa 3.6 checks every answer of the action server with ``jsonschema.validate(result,
schema)`` (``RemoteAction._validate_action_result``). That function first checks the
schema itself against the JSON-Schema meta-schema, and Rasa's schema lists every event
type: measured here, about 120 ms of CPU per custom action call against under 2 ms for
validating the same answer with a validator built once. Under load this was the largest
single cost of a turn (issue 15's profile: about 40 % of the Rasa server's CPU).

The check itself is kept: an answer that does not match the schema is refused with the
same ``ValidationError`` and the same hint as before. ``install()`` is called by
``components.rasa_server`` before Rasa starts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_ORIGINAL = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def action_result_validator() -> Validator:
    """A validator for Rasa's action server response schema, built (and checked) once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the compiled validator."""
    try:
        action_result_validator().validate(result)
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Make every ``RemoteAction`` in this process use the compiled validator."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def installed() -> bool:
    """Whether ``install()`` has run in this process."""
    return RemoteAction._validate_action_result is validate_action_result


def original() -> Any:
    """Rasa's own implementation, for tests that compare both."""
    return _ORIGINAL
