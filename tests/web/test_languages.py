"""Every page, in each language, shows no interface text left in English.

The pages come from the URL map's access rules (tests/web/test_access.py): each page a person may open, opened by
that person with the language chosen from the menu. The page's visible text is compared with the catalogue's
English texts: any English text (longer than a few characters, not a name or a code, and not written the same in
that language) found on a French, Spanish or Portuguese page fails, with the page and the text.
"""

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.web.test_access import OK, RULES

LANGUAGES = ("fr", "es", "pt")
ROLES = ("anonymous", "partner_a", "staff")
PLACEHOLDER = re.compile(r"%\(\w+\)\d*[sdX]|\{\w+\}")
INVISIBLE = re.compile(r"<(script|style|template|title)\b.*?</\1>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def _catalogue(language: str) -> dict:
    with (ROOT / f"ddq/translations/{language}/LC_MESSAGES/messages.po").open("rb") as handle:
        return {message.id: message.string for message in read_po(handle) if message.id}


def _english_fragments(language: str) -> set[str]:
    """The English texts to look for: each msgid (both forms of a plural) cut at its placeholders, keeping the
    pieces of two words or more (ten characters at least), or single capitalised words of eight letters or more
    (a label), that the language writes otherwise. Shorter pieces and lower-case words also occur in names."""
    fragments = set()
    for msgid, translation in _catalogue(language).items():
        forms = msgid if isinstance(msgid, tuple) else (msgid,)
        written = " ".join(translation) if isinstance(translation, tuple) else translation
        for form in forms:
            for piece in PLACEHOLDER.split(form):
                piece = piece.strip(" .,:;()—–-“”\"'")
                words = piece.split()
                long_enough = len(words) >= 2 and len(piece) >= 10
                label = len(words) == 1 and len(piece) >= 8 and piece[0].isupper()
                if (long_enough or label) and piece not in written:
                    fragments.add(piece)
    return fragments


def _visible_text(html: str) -> str:
    text = TAG.sub(" ", INVISIBLE.sub(" ", html))
    return " ".join(unescape(text).split())


PAGES = [
    (endpoint, role)
    for endpoint, (method, template, _data, expected) in sorted(RULES.items())
    for role in ROLES
    if method == "GET" and expected[role] == OK
]


@pytest.fixture(scope="module")
def fragments():
    return {language: _english_fragments(language) for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_in_the_chosen_language(browser, ids, fragments, language):
    english = sorted(fragments[language], key=len, reverse=True)
    assert len(english) > 200  # the catalogue was read
    clients, checked, untranslated = {}, 0, []
    for endpoint, role in PAGES:
        if role not in clients:
            client = clients[role] = browser(None if role == "anonymous" else role)
            client.refresh_token("/login")
            with client.post("/language", data={"lang": language, "next": "/login"}) as response:
                assert response.status_code == 302
        url = RULES[endpoint][1].format(**ids, a_file=0)
        with clients[role].get(url) as response:
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            text = _visible_text(response.get_data(as_text=True))
        assert f'lang="{language}"' in response.get_data(as_text=True) or endpoint.startswith("reports."), url
        checked += 1
        found = [piece for piece in english if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text)]
        untranslated += [f"{role} {url}: {piece!r}" for piece in found]
    assert checked > 25, "the pages were opened"
    assert untranslated == [], "\n".join(untranslated)
