"""Settings come from the environment with embedded defaults."""

from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, default_database_url, load_settings


def test_defaults_need_no_environment() -> None:
    settings = load_settings({})
    assert settings.database_url == default_database_url()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/assistant.db")
    assert (settings.rasa_port, settings.action_port) == (5005, 5055)
    assert settings.rasa_api_token == ""
    assert settings.model_path == PROJECT_ROOT / "models" / "ra-assistant.tar.gz"
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"


def test_environment_overrides() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://u:p@127.0.0.1:5432/assistant",
            "RASA_PORT": "6000",
            "RASA_INTERFACE": "0.0.0.0",
            "MODEL_PATH": "/tmp/m.tar.gz",
        }
    )
    assert settings.database_url.startswith("postgresql://")
    assert settings.rasa_url == "http://127.0.0.1:6000"
    assert settings.model_path == Path("/tmp/m.tar.gz")


def test_relative_model_path_is_resolved_from_the_project() -> None:
    assert (
        load_settings({"MODEL_PATH": "models/x.tar.gz"}).model_path
        == PROJECT_ROOT / "models/x.tar.gz"
    )


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_bad_ports_are_explained(value: str) -> None:
    with pytest.raises(ValueError, match="RASA_PORT"):
        load_settings({"RASA_PORT": value})


def test_dotenv_does_not_override_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("bot.settings.PROJECT_ROOT", tmp_path)
    (tmp_path / ".env").write_text("RASA_PORT=7000\nACTION_PORT=7100\n")
    monkeypatch.setenv("RASA_PORT", "6500")
    monkeypatch.delenv("ACTION_PORT", raising=False)
    settings = load_settings()
    assert settings.rasa_port == 6500
    assert settings.action_port == 7100


def test_privacy_and_rate_limit_defaults_and_overrides() -> None:
    defaults = load_settings({})
    assert (defaults.retention_days, defaults.rate_limit_burst, defaults.rate_limit_per_minute) == (
        180,
        15,
        30,
    )
    custom = load_settings(
        {"RETENTION_DAYS": "30", "RATE_LIMIT_BURST": "5", "RATE_LIMIT_PER_MINUTE": "10"}
    )
    assert (custom.retention_days, custom.rate_limit_burst, custom.rate_limit_per_minute) == (
        30,
        5,
        10,
    )


@pytest.mark.parametrize("key", ["RETENTION_DAYS", "RATE_LIMIT_BURST", "RATE_LIMIT_PER_MINUTE"])
@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_limits_must_be_positive_whole_numbers(key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key):
        load_settings({key: value})
