"""French and English catalogs (gettext `.po` files read with Babel) and locale formatting.

Message ids are stable keys (`onboarding.ask_company_name`); both catalogs must define every
key with the same `{placeholders}` (checked by the test suite). Values substituted into a
message are HTML-escaped unless they are `Html`, so user text can never break the markup.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from importlib import resources
from typing import Literal

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po

from bot.money import babel_locale, format_money

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")


class Html(str):
    """Text that is already valid Telegram HTML and must not be escaped again."""


def language_for(code: str | None, default: Language) -> Language:
    """Telegram's language_code → our language: fr → French, other → English, none → default."""
    if not code:
        return default
    return "fr" if code.lower().split("-")[0] == "fr" else "en"


def load_catalog(language: Language) -> dict[str, str]:
    source = resources.files("bot") / "locales" / language / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {str(message.id): str(message.string) for message in catalog if message.id}


class Translator:
    def __init__(self, language: Language, messages: dict[str, str], currency: str) -> None:
        self.language = language
        self._messages = messages
        self._currency = currency

    def __call__(self, key: str, **values: object) -> Html:
        """The message as Telegram HTML, with every non-`Html` value escaped."""
        escaped = {
            name: value if isinstance(value, Html) else html.escape(str(value), quote=False)
            for name, value in values.items()
        }
        return Html(self._messages[key].format(**escaped))

    def plain(self, key: str, **values: object) -> str:
        """The message as plain text, for button labels and command descriptions."""
        return self._messages[key].format(**values)

    def money(self, cents: int) -> Html:
        return Html(format_money(cents, self.language, self._currency))

    def date(self, day: date) -> Html:
        return Html(format_date(day, format="medium", locale=babel_locale(self.language)))

    def datetime(self, moment: datetime) -> Html:
        return Html(format_datetime(moment, format="short", locale=babel_locale(self.language)))


class Catalogs:
    def __init__(self, default: Language, currency: str = "EUR") -> None:
        self.default = default
        self._translators = {
            language: Translator(language, load_catalog(language), currency)
            for language in LANGUAGES
        }

    def __getitem__(self, language: str) -> Translator:
        known = language if language in LANGUAGES else self.default
        return self._translators[known]

    def for_code(self, code: str | None) -> Translator:
        return self[language_for(code, self.default)]
