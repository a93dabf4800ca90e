"""The interface is complete in French, Spanish and Portuguese: every text the code and templates use has a
translation, every plural form included, and none is left fuzzy (a reworded English text waits for a translator)."""

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

LANGUAGES = ("fr", "es", "pt")
PLACEHOLDER = re.compile(r"%\(\w+\)\d*[sdX]|\{\w+\}")


@pytest.fixture(scope="module")
def wanted(tmp_path_factory):
    """The interface's texts as `make translations` extracts them."""
    template = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l"]
    subprocess.run(
        [*command, "-o", str(template), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        texts = {message.id for message in read_po(handle) if message.id}
    assert len(texts) > 150  # the extraction found the interface
    assert any(isinstance(text, tuple) for text in texts)  # and its plural forms
    return texts


def _catalogue(language: str):
    with (ROOT / f"ddq/translations/{language}/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_text_is_translated(wanted, language):
    catalogue = _catalogue(language)
    translated = {message.id: message for message in catalogue if message.id}
    missing = []
    for text in wanted:
        message = translated.get(text)
        if message is None or message.fuzzy:
            missing.append(text)
        elif isinstance(text, tuple):  # every plural form the language has
            if len(message.string) != catalogue.num_plurals or not all(message.string):
                missing.append(text)
        elif not message.string:
            missing.append(text)
    assert sorted(map(str, missing)) == [], (
        f"texts without {language}: run `make translations` and translate them in "
        f"ddq/translations/{language}/LC_MESSAGES/messages.po"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """A translation that drops or misspells %(name)s fails at run time or shows the wrong value."""
    wrong = []
    for message in _catalogue(language):
        if not message.id or not message.string:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(sources[-1]))
        for form in forms:
            if form and set(PLACEHOLDER.findall(form)) - wanted:
                wrong.append((message.id, form))
            # a singular may say "one" instead of its number; every other form names what the English names
            if form and form is not forms[0] and set(PLACEHOLDER.findall(form)) != wanted:
                wrong.append((message.id, form))
        if not isinstance(message.id, tuple) and set(PLACEHOLDER.findall(forms[0])) != wanted:
            wrong.append((message.id, forms[0]))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_is_compiled(language):
    assert (ROOT / f"ddq/translations/{language}/LC_MESSAGES/messages.mo").is_file(), "`make test` compiles it"
