"""Settings for the whole test run, before any test imports the project's settings."""

import os

from bot.settings import ENV_FILE_KEY

# Never the developer's .env: a configured webhook or SMTP relay would receive test
# leads. The servers the integration tests start inherit this environment.
os.environ[ENV_FILE_KEY] = ""
