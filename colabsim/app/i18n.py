"""The dashboard's two languages: English and Bahasa Indonesia, from gettext catalogues (Babel).

English is the source language: every visible string is written in English in the code (marked
``N_("...")`` where it is defined, so Babel's extractor finds it) or in a shipped scenario file or
the factor registry, and translated where it is shown. The Indonesian catalogue is
``colabsim/app/locale/id/LC_MESSAGES/colabsim.po``, plain text a translator edits (with any PO
editor, or by hand); ``python tools/catalogues.py`` refreshes its template and adds new strings
(see `colabsim.app.messages`).

No compiled ``.mo`` file is kept or built at install: the first time a process needs a language it
compiles the ``.po`` in memory with Babel (a few milliseconds) and keeps the result, read only. So
a fresh clone works with ``pip install -e .``, and an edited ``.po`` takes effect at the next start.

One process serves every participant, each in their own language, so nothing is installed
process-wide (no ``gettext.install``): each session holds its own `Translator`, made by
`translator`, and every text is translated through it. A `Msg` is a text not yet translated (a
run's log keeps these, so switching language mid-run translates the log too).
"""

from __future__ import annotations

import datetime
import gettext
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Union

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "ENV_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Msg",
    "Translator",
    "catalogue_path",
    "language_of",
    "one_line",
    "translator",
]

#: The languages offered: code -> name in that language.
LANGUAGES: dict[str, str] = {"en": "English", "id": "Bahasa Indonesia"}
#: The language of the source strings (needs no catalogue).
SOURCE_LANGUAGE = "en"
#: Environment variable with the default language (set by ``colabsim serve --lang``).
ENV_LANGUAGE = "COLABSIM_LANG"
#: The language a session starts in when nothing says otherwise.
DEFAULT_LANGUAGE = "en"
#: The gettext domain (the catalogue's file name).
DOMAIN = "colabsim"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(text: str) -> str:  # noqa: N802 (gettext's conventional marker name)
    """Mark `text` for translation where it is defined; it is translated where it is shown."""
    return text


Arg = Union[str, int, float, "Msg", tuple["Msg | str", ...]]


@dataclass(frozen=True)
class Msg:
    """A text to translate when shown: a catalogue message and the values to put in it.

    Args of type `float` are formatted as decimals of the language (``0.42``, ``0,42``), `Msg`
    args are translated first, tuples of them joined with commas, `str` and `int` go in as they are.

    Attributes:
        text: The English message (a catalogue key), with ``{name}`` placeholders.
        args: The values for its placeholders.
    """

    text: str
    args: tuple[tuple[str, Arg], ...] = field(default=())

    @staticmethod
    def of(text: str, /, **args: Arg) -> Msg:
        """``Msg.of("{name} leaves", name="SSVA")``."""
        return Msg(text, tuple(sorted(args.items())))


def catalogue_path(language: str) -> Path:
    """The editable catalogue (``.po``) of `language`."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def _translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language`, compiled in memory once per process (read only afterwards)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # a fuzzy (unchecked) entry shows the English
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def language_of(value: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """A supported language code from `value` (``"id"``, ``"ID"``, ``"id-ID"``), else `default`."""
    code = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else default


class Translator:
    """One session's language: translates texts and formats numbers and dates for it.

    Two translators of the same language compare equal (so a page element redraws only when the
    language changes), but each session has its own object.

    Args:
        language: A code of `LANGUAGES`.
    """

    def __init__(self, language: str) -> None:
        """Use `language` (its catalogue is compiled on first use and shared read only)."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
        self.language = language
        self.locale = Locale.parse(language)
        self._catalogue = _translations(language)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Translator) and other.language == self.language

    def __hash__(self) -> int:
        return hash(self.language)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    def __call__(self, text: str, /, **args: Arg) -> str:
        """`text` translated, with ``{name}`` placeholders filled from `args` (see `Msg`)."""
        translated = self._catalogue.gettext(text) if text else text
        if not args:
            return translated
        return translated.format(**{name: self._value(value) for name, value in args.items()})

    def context(self, context: str, text: str) -> str:
        """`text` translated in `context` (a short word that means different things in different places)."""
        return self._catalogue.pgettext(context, text) if text else text

    def plural(self, singular: str, plural: str, count: int, /, **args: Arg) -> str:
        """The singular or plural form for `count`, translated and filled (``{count}`` is set too)."""
        text = self._catalogue.ngettext(singular, plural, count)
        values = {name: self._value(value) for name, value in args.items()}
        return text.format(count=count, **values)

    def render(self, message: Msg | str) -> str:
        """A `Msg` translated and filled, or a plain text translated."""
        if isinstance(message, Msg):
            return self(message.text, **dict(message.args))
        return self(message)

    def _value(self, value: Arg) -> str:
        if isinstance(value, Msg):
            return self.render(value)
        if isinstance(value, tuple):
            return ", ".join(self.render(v) for v in value)
        if isinstance(value, float):
            return self.decimal(value)
        return str(value)

    def decimal(self, value: float, digits: int = 2) -> str:
        """`value` with `digits` decimals as the language writes it: ``0.42`` or ``0,42``."""
        pattern = "0" if digits == 0 else "0." + "0" * digits
        return format_decimal(value, pattern, locale=self.locale)

    def signed(self, value: float, digits: int = 2) -> str:
        """`value` with its sign always written: ``+0.30``, ``-0,05``."""
        pattern = "0." + "0" * digits
        return format_decimal(value, f"+{pattern};-{pattern}", locale=self.locale)

    @property
    def decimal_mark(self) -> str:
        """The language's decimal mark: ``"."`` or ``","``."""
        return self.decimal(0.5, 1)[1]

    def month(self, start: tuple[int, int], month: int) -> str:
        """Month index `month` of a run starting at `start` (year, month): ``Feb 2006``, ``Agu 2006``."""
        year, first = start
        total = first - 1 + month
        day = datetime.date(year + total // 12, total % 12 + 1, 1)
        return format_date(day, "LLL y", locale=self.locale).replace(".", "")

    def names(self, mapping: Mapping[str, str]) -> dict[str, str]:
        """Each value of `mapping` translated (for label tables such as kinds of actors)."""
        return {key: self(text) for key, text in mapping.items()}


def translator(language: str | None = None) -> Translator:
    """A new translator for `language` (default: ``$COLABSIM_LANG``, else English)."""
    return Translator(language_of(language or os.environ.get(ENV_LANGUAGE), DEFAULT_LANGUAGE))


def one_line(text: str) -> str:
    """`text` with its line breaks and runs of spaces made single spaces (a catalogue key for a file's text)."""
    return " ".join(text.split())
