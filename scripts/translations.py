"""Extract the interface's texts and write the catalogues: `python scripts/translations.py` (make translations).

The French texts live in scripts/fr.py; a text without a translation shows in English. A text with plural forms
is looked up by its singular and translated by a pair: (singular, plural).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from fr import FR  # noqa: E402


def main() -> int:
    template = ROOT / "ddq" / "translations" / "messages.pot"
    template.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    catalog.fuzzy = False
    catalog.project, catalog.version = "ddq", "1"
    missing = []
    for message in catalog:
        if isinstance(message.id, tuple):  # plural forms: FR maps the singular to (singular, plural) in French
            forms = FR.get(message.id[0])
            forms = tuple(forms) if isinstance(forms, tuple) else ("", "")
            # French has a third form in the catalogue (large round numbers), written like the plural
            message.string = forms + (forms[-1],) * (catalog.num_plurals - len(forms))
            if not all(message.string):
                missing.append(message.id[0])
        elif message.id:
            message.string = FR.get(message.id, "")
            if not message.string:
                missing.append(message.id)
    target = ROOT / "ddq" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True)
    for text in missing:
        print(f"no French yet: {text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
