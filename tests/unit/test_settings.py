"""Settings come from the environment with embedded defaults."""

from dataclasses import replace
from pathlib import Path

import pytest

from bot.settings import ENV_FILE_KEY, PROJECT_ROOT, default_database_url, load_settings


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
    # tests/conftest.py turns .env reading off for the whole run; this test is about it.
    monkeypatch.delenv(ENV_FILE_KEY, raising=False)
    (tmp_path / ".env").write_text("RASA_PORT=7000\nACTION_PORT=7100\n")
    monkeypatch.setenv("RASA_PORT", "6500")
    # Set first, so that monkeypatch removes what load_dotenv writes into os.environ.
    monkeypatch.setenv("ACTION_PORT", "")
    monkeypatch.delenv("ACTION_PORT")
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


# --- the edge: browser origins, channel and API tokens, body size, notification transports


def test_only_the_local_demo_page_may_embed_the_chat_by_default() -> None:
    assert load_settings({}).allowed_origins == (
        "http://127.0.0.1:8080",
        "http://localhost:8080",
    )
    assert load_settings({"WIDGET_PORT": "6000"}).allowed_origins == (
        "http://127.0.0.1:6000",
        "http://localhost:6000",
    )


def test_the_default_origins_follow_a_port_chosen_later() -> None:
    # Private stacks (tests, evaluators) pick a free port after loading the settings.
    settings = replace(load_settings({}), widget_port=7123)
    assert settings.allowed_origins == ("http://127.0.0.1:7123", "http://localhost:7123")


def test_allowed_origins_are_a_comma_separated_list() -> None:
    settings = load_settings(
        {"ALLOWED_ORIGINS": " https://clinic.example , https://www.clinic.example/ ,"}
    )
    assert settings.allowed_origins == ("https://clinic.example", "https://www.clinic.example")


def test_cors_origins_of_an_old_env_file_still_count() -> None:
    assert load_settings({"CORS_ORIGINS": "https://clinic.example"}).allowed_origins == (
        "https://clinic.example",
    )
    both = {"ALLOWED_ORIGINS": "https://new.example", "CORS_ORIGINS": "https://old.example"}
    assert load_settings(both).allowed_origins == ("https://new.example",)


def test_any_origin_only_when_asked_for_explicitly() -> None:
    assert load_settings({"ALLOWED_ORIGINS": "*"}).allowed_origins == ("*",)


@pytest.mark.parametrize(
    "value",
    [
        "clinic.example",
        "https://clinic.example/chat",
        "ftp://clinic.example",
        "*, https://a.example",
    ],
)
def test_an_origin_a_browser_never_sends_is_explained(value: str) -> None:
    with pytest.raises(ValueError, match="ALLOWED_ORIGINS"):
        load_settings({"ALLOWED_ORIGINS": value})
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        load_settings({"CORS_ORIGINS": value})


@pytest.mark.parametrize("key", ["RASA_API_TOKEN", "REST_CHANNEL_TOKEN"])
def test_tokens_must_be_long_when_set(key: str) -> None:
    with pytest.raises(ValueError, match=key):
        load_settings({key: "s" * 31})
    assert getattr(load_settings({key: "s" * 32}), key.lower()) == "s" * 32
    assert getattr(load_settings({key: ""}), key.lower()) == ""


@pytest.mark.parametrize(
    ("interface", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("assistant.clinic.example", False),
    ],
)
def test_whether_the_server_listens_on_loopback_only(interface: str, loopback: bool) -> None:
    assert load_settings({"RASA_INTERFACE": interface}).on_loopback is loopback


def test_request_bodies_are_limited_to_one_mebibyte_by_default() -> None:
    assert load_settings({}).request_max_size == 1_048_576
    assert load_settings({"REQUEST_MAX_SIZE": "65536"}).request_max_size == 65_536


@pytest.mark.parametrize("value", ["0", "-1", "1MB"])
def test_a_bad_request_max_size_is_explained(value: str) -> None:
    with pytest.raises(ValueError, match="REQUEST_MAX_SIZE"):
        load_settings({"REQUEST_MAX_SIZE": value})


SECRET = {"NOTIFY_WEBHOOK_SECRET": "s" * 32}


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.clinic.example/leads",
        "http://127.0.0.1:9000/leads",
        "http://127.8.0.1/leads",
        "http://localhost:9000/leads",
        "http://[::1]:9000/leads",
    ],
)
def test_the_webhook_is_https_unless_it_stays_on_this_machine(url: str) -> None:
    assert load_settings({"NOTIFY_WEBHOOK_URL": url, **SECRET}).notify.webhook_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.clinic.example/leads",
        "http://10.0.0.5/leads",
        "http://localhost.evil.example/leads",
        "http://127.0.0.1.evil.example/leads",
    ],
)
def test_a_plain_http_webhook_beyond_this_machine_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="NOTIFY_WEBHOOK_URL.*https"):
        load_settings({"NOTIFY_WEBHOOK_URL": url, **SECRET})


def test_an_smtp_login_needs_starttls() -> None:
    relay = {"SMTP_HOST": "mail.clinic.example", "SMTP_TO": "advisors@clinic.example"}
    login = {**relay, "SMTP_USER": "assistant", "SMTP_PASSWORD": "pw"}
    with pytest.raises(ValueError, match="SMTP_USER.*SMTP_STARTTLS"):
        load_settings(login)
    with pytest.raises(ValueError, match="SMTP_STARTTLS"):
        load_settings({**login, "SMTP_STARTTLS": "false"})
    assert load_settings({**login, "SMTP_STARTTLS": "true"}).notify.smtp_user == "assistant"
    # Without a login there is no password to leak; a local relay may be plain.
    assert load_settings(relay).notify.smtp_starttls is False


TELEGRAM = {
    "TELEGRAM_BOT_TOKEN": "123456789:AAE" + "x" * 32,
    "TELEGRAM_WEBHOOK_SECRET": "s" * 32,
}
WHATSAPP = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG" + "x" * 40,
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "WHATSAPP_APP_SECRET": "a" * 32,
    "WHATSAPP_VERIFY_TOKEN": "verify-me",
}


def test_messaging_channels_are_off_without_their_keys() -> None:
    settings = load_settings({})
    assert settings.telegram is None and settings.whatsapp is None


def test_configured_channels_are_on_with_their_defaults() -> None:
    settings = load_settings({**TELEGRAM, **WHATSAPP})
    assert settings.telegram.api_base == "https://api.telegram.org"
    assert settings.telegram.webhook_url == ""
    assert settings.whatsapp.messages_url == "https://graph.facebook.com/v21.0/1234567890/messages"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": TELEGRAM["TELEGRAM_BOT_TOKEN"]}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example/hook"}, "TELEGRAM_BOT_TOKEN"),
        ({**TELEGRAM, "TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({**TELEGRAM, "TELEGRAM_WEBHOOK_SECRET": "short"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({**TELEGRAM, "TELEGRAM_WEBHOOK_URL": "http://bot.example/hook"}, "TELEGRAM_WEBHOOK_URL"),
        ({**TELEGRAM, "TELEGRAM_API_BASE": "http://api.example"}, "TELEGRAM_API_BASE"),
        ({"WHATSAPP_ACCESS_TOKEN": "x"}, "WHATSAPP_PHONE_NUMBER_ID"),
        ({**WHATSAPP, "WHATSAPP_VERIFY_TOKEN": " "}, "WHATSAPP_VERIFY_TOKEN"),
        ({**WHATSAPP, "WHATSAPP_PHONE_NUMBER_ID": "+41 79"}, "WHATSAPP_PHONE_NUMBER_ID"),
        ({**WHATSAPP, "WHATSAPP_API_VERSION": "21"}, "WHATSAPP_API_VERSION"),
        ({**WHATSAPP, "WHATSAPP_API_BASE": "ftp://x"}, "WHATSAPP_API_BASE"),
    ],
)
def test_a_half_configured_or_malformed_channel_names_the_key(env: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        load_settings(env)


def test_local_api_servers_are_allowed_for_tests() -> None:
    settings = load_settings({**TELEGRAM, "TELEGRAM_API_BASE": "http://127.0.0.1:9000/"})
    assert settings.telegram.api_base == "http://127.0.0.1:9000"
