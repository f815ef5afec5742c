"""The compiled validator accepts and refuses exactly what Rasa's own check does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from components import action_result_validation

VALID = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "active_infection", "value": "no", "timestamp": None},
            {"event": "active_loop", "name": "precheck_form"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"response": "utter_ask_cancer_last_5_years", "buttons": []}],
    },
]
INVALID = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": "slot", "value": "no"}], "responses": []},  # no slot name
    {"events": "not a list"},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_precheck", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass_both_checks(action: RemoteAction, result: dict) -> None:
    assert action_result_validation.original()(action, result) is True
    assert action_result_validation.validate_action_result(action, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_are_refused_by_both_with_rasas_hint(
    action: RemoteAction, result: dict
) -> None:
    with pytest.raises(ValidationError):
        action_result_validation.original()(action, result)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_result_validation.validate_action_result(action, result)


def test_install_replaces_the_method_for_every_remote_action(
    action: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", action_result_validation.original()
    )
    assert not action_result_validation.installed()
    action_result_validation.install()
    assert action_result_validation.installed()
    with pytest.raises(ValidationError):
        action._validate_action_result(INVALID[0])


def test_the_validator_is_built_once() -> None:
    assert (
        action_result_validation.action_result_validator()
        is action_result_validation.action_result_validator()
    )
