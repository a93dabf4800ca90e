"""Plain report data -> HTML (a sandboxed, autoescaping Jinja) -> PDF (WeasyPrint with a locked URL fetcher).

A report template is a folder of data under `reports/`: `template.html`, `theme.css` and `metadata.yaml`.
Rendering fetches nothing from anywhere: the only resources a report may use are the fonts bundled here,
addressed as `ddq-asset:fonts/<file>`. Every other URL — http, file, data, anything — is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from . import labels

ASSETS = Path(__file__).resolve().parent
ASSET_SCHEME = "ddq-asset:"
TRANSLATIONS = ASSETS.parent / "translations"
DEFAULT_REPORTS = ASSETS.parent.parent / "reports"


class ReportError(ValueError):
    """A report that cannot be rendered; the message says why."""


@dataclass(frozen=True)
class ReportTemplate:
    name: str
    folder: Path
    css: str
    metadata: dict[str, Any]


@lru_cache(maxsize=16)
def load_template(name: str, reports: str | Path = DEFAULT_REPORTS) -> ReportTemplate:
    folder = Path(reports) / name
    if not (folder / "template.html").is_file():
        raise ReportError(f"no report template {name!r} in {reports}")
    metadata = (
        yaml.safe_load((folder / "metadata.yaml").read_text(encoding="utf-8"))
        if (folder / "metadata.yaml").is_file()
        else {}
    )
    return ReportTemplate(name, folder, (folder / "theme.css").read_text(encoding="utf-8"), metadata or {})


@lru_cache(maxsize=32)
def _environment(folder: str, language: str) -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = Translations.load(str(TRANSLATIONS), [language]) if language != "en" else NullTranslations()
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    gettext = translations.gettext
    environment.globals["label"] = lambda kind, code: labels.label(kind, code, gettext)
    environment.globals["labels"] = lambda kind, codes: labels.labels(kind, codes, gettext)
    environment.filters["number"] = lambda value, digits=2: number(value, language, digits)
    environment.filters["score"] = lambda value, digits=2: score(value, language, gettext, digits)
    environment.filters["percent"] = lambda value: "—" if value is None else format_percent(value, locale=language)
    environment.filters["day"] = lambda value: day(value, language)
    environment.filters["money"] = lambda value, currency=None: money(value, currency, language)
    return environment


def number(value: float | None, language: str, digits: int = 2) -> str:
    """A number with the reader's decimal sign and digit grouping (2.50, 2,50); none is a dash."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=language)


def score(value: float | None, language: str, gettext, digits: int = 2) -> str:
    """A score as a number, or "not assessed" in words where nothing could be scored."""
    return gettext("not assessed") if value is None else number(value, language, digits)


def day(value: dt.date | str | None, language: str) -> str:
    """A date as the reader's language writes it; a date already written out (ISO text) is read first."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, "medium", locale=language)


def money(value: float | None, currency: str | None, language: str) -> str:
    if value is None:
        return "—"
    return format_currency(value, currency, locale=language) if currency else format_decimal(value, locale=language)


def render_html(template: ReportTemplate, context: dict[str, Any], language: str = "en") -> str:
    """The report as a complete HTML page (its stylesheet inlined), from plain data only."""
    page = _environment(str(template.folder), language).get_template("template.html")
    # the stylesheet is part of the template folder, trusted like the template itself
    stylesheet = Markup(template.css)  # noqa: S704
    return page.render(**context, css=stylesheet, lang=language, meta=template.metadata)


def for_browser(html: str, fonts_url: str) -> str:
    """Report HTML for a browser: the bundled fonts addressed where the web app serves them (`fonts_url`, ending
    in a slash), as a browser knows no `ddq-asset:` scheme and would log an error for each font."""
    return html.replace(f"{ASSET_SCHEME}fonts/", fonts_url)


def bundled_font(name: str) -> Path | None:
    """The bundled font file of that name, or None: nothing outside the fonts folder is ever named."""
    folder = (ASSETS / "fonts").resolve()
    path = (folder / name).resolve()
    return path if path.parent == folder and path.suffix == ".ttf" and path.is_file() else None


def render_pdf(html: str) -> bytes:
    """Turn report HTML into a tagged, accessible PDF without fetching anything outside the bundled fonts."""
    from weasyprint import HTML  # costs over a second to import: only when a PDF is wanted

    return HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=locked_fetcher()).write_pdf(pdf_variant="pdf/ua-1")


def locked_fetcher():
    """A WeasyPrint URL fetcher that serves the bundled fonts and refuses every other URL."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class LockedFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=set(), allow_redirects=False, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith(ASSET_SCHEME):
                relative = url[len(ASSET_SCHEME) :].lstrip("/")
                path = (ASSETS / relative).resolve()
                if path.is_file() and path.parent == (ASSETS / "fonts").resolve():
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": "font/ttf"})
            raise ValueError(f"reports fetch nothing from outside: {url[:80]!r} refused")

    return LockedFetcher()
