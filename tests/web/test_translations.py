"""The interface is complete in French: every text the code and templates use has a translation."""

import subprocess
import sys

from babel.messages.pofile import read_po

from tests.conftest import ROOT


def test_every_interface_text_has_a_french_translation(tmp_path):
    template = tmp_path / "messages.pot"
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
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with (ROOT / "ddq/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        french = {message.id: message.string for message in read_po(handle) if message.id}
    assert len(wanted) > 150  # the extraction found the interface
    # a text with plural forms is translated when every form is
    missing = sorted(
        str(text) for text in wanted if not (all(french[text]) if isinstance(text, tuple) else french.get(text))
    )
    assert missing == [], "run `make translations` after adding French to scripts/fr.py"
    assert (ROOT / "ddq/translations/fr/LC_MESSAGES/messages.mo").is_file(), "`make test` compiles the catalogue"
