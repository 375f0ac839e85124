#!/usr/bin/env python3
"""Refresh the dashboard's translation catalogues from the code, the shipped scenarios and the registry.

    python tools/catalogues.py          # write colabsim/app/locale/colabsim.pot, add new strings to each .po
    python tools/catalogues.py --check  # exit 1 if a .po lacks a string or has an untranslated one

New strings go into each language's ``.po`` untranslated (the dashboard shows them in English
until a translator fills them in); strings no longer used are kept at the end as obsolete
(``#~``), so a translation is not lost when a text moves. Edit the ``.po`` with any PO editor or
by hand; the dashboard compiles it when it starts (see `colabsim.app.i18n`).
"""

from __future__ import annotations

import argparse
import sys

from babel.messages.pofile import read_po, write_po

from colabsim.app.i18n import LANGUAGES, SOURCE_LANGUAGE, catalogue_path
from colabsim.app.messages import TEMPLATE, shipped_messages


def main() -> int:
    """Write the template and update the catalogues (or only check them); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing or untranslated strings")
    args = parser.parse_args()
    template = shipped_messages()
    status = 0
    if not args.check:
        with TEMPLATE.open("wb") as out:
            write_po(out, template, width=100, omit_header=False, sort_output=True)
        print(f"{TEMPLATE}: {len(template)} strings")
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        path = catalogue_path(language)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=language)
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=language, domain=template.domain, project="colabsim")
        catalog.update(template, no_fuzzy_matching=True)
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        if args.check:
            for text in missing:
                print(f"{path}: not translated: {text!r}")
            status = status or (1 if missing else 0)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, sort_output=True, include_previous=False)
        print(f"{path}: {len(catalog)} strings, {len(missing)} to translate")
    return status


if __name__ == "__main__":
    sys.exit(main())
