"""`python -m bot` / `callboard`: read the settings, run the bot until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import sqlite3
import sys

from pydantic import ValidationError
from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.kit.context import CallboardApp
from bot.settings import Settings, describe_error
from storage.migrations import DatabaseTooNewError

EXIT_CONFIGURATION = 2
EXIT_UNREACHABLE = 1


class _RedactToken(logging.Filter):
    """Belt and braces: no log line may carry the token, whoever formats it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token in message:
            record.msg, record.args = message.replace(self._token, "<BOT_TOKEN>"), None
        return True


class _DropStartupFailures(logging.Filter):
    """PTB logs a rejected token or an unreachable server at start-up with a traceback;
    `main` reports them in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            return False
        return not (isinstance(error, NetworkError) and "Bootstrap" in record.getMessage())


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_RedactToken(settings.bot_token.get_secret_value()))
    handler.addFilter(_DropStartupFailures())
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[handler],
    )
    # The scheduler logs two lines per run of every job, every second for the broadcasts'
    # progress: only its warnings and errors are worth reading.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)


def run(application: CallboardApp, settings: Settings) -> None:
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=3,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=3)


def fail(message: str) -> int:
    print(f"callboard: {message}", file=sys.stderr)
    return EXIT_CONFIGURATION


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        return fail(f"configuration error: {describe_error(exc)}")
    configure_logging(settings)
    try:
        application = build_application(settings, overall_rate=settings.telegram_overall_rate)
        run(application, settings)
    except InvalidToken:
        return fail("Telegram rejected BOT_TOKEN: check the token given by @BotFather")
    except NetworkError as exc:
        print(f"callboard: cannot reach {settings.telegram_base_url}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except DatabaseTooNewError as exc:
        return fail(f"DATABASE_PATH: {exc}")
    except (OSError, sqlite3.Error) as exc:
        return fail(f"DATABASE_PATH {settings.database_path} cannot be used: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
