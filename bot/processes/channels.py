"""Which channels the Rasa server opens, from the settings.

REST and socket.io (the web widget) are always on; Telegram and WhatsApp only when
their credentials are set (``bot.settings``). Their secrets reach the Rasa server in its
environment, never in the credentials file Rasa reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT, Settings

# The always-on channels and their options (REST, socket.io).
BASE_CREDENTIALS = PROJECT_ROOT / "credentials.yml"
TELEGRAM_CHANNEL = "bot.channels.telegram.TelegramInput"
WHATSAPP_CHANNEL = "bot.channels.whatsapp.WhatsAppInput"


def channel_credentials(settings: Settings, base: Path = BASE_CREDENTIALS) -> dict[str, Any]:
    """Rasa's credentials: the base file plus each configured messaging channel."""
    credentials: dict[str, Any] = yaml.safe_load(base.read_text()) or {}
    if settings.telegram is not None:
        credentials[TELEGRAM_CHANNEL] = None
    if settings.whatsapp is not None:
        credentials[WHATSAPP_CHANNEL] = None
    return credentials


def channel_environment(settings: Settings) -> dict[str, str]:
    """The channel keys for the Rasa server's environment, exactly as ``settings`` say.

    Keys of a channel that is off are set empty: a token left in the parent's
    environment must not turn a channel on in the child.
    """
    telegram, whatsapp = settings.telegram, settings.whatsapp
    return {
        "WIDGET_PORT": str(settings.widget_port),
        "WIDGET_SESSION_SECRET": settings.widget_session_secret,
        "TELEGRAM_BOT_TOKEN": telegram.bot_token if telegram else "",
        "TELEGRAM_WEBHOOK_SECRET": telegram.webhook_secret if telegram else "",
        "TELEGRAM_WEBHOOK_URL": telegram.webhook_url if telegram else "",
        "TELEGRAM_API_BASE": telegram.api_base if telegram else "",
        "WHATSAPP_ACCESS_TOKEN": whatsapp.access_token if whatsapp else "",
        "WHATSAPP_PHONE_NUMBER_ID": whatsapp.phone_number_id if whatsapp else "",
        "WHATSAPP_APP_SECRET": whatsapp.app_secret if whatsapp else "",
        "WHATSAPP_VERIFY_TOKEN": whatsapp.verify_token if whatsapp else "",
        "WHATSAPP_API_BASE": whatsapp.api_base if whatsapp else "",
        "WHATSAPP_API_VERSION": whatsapp.api_version if whatsapp else "",
    }
