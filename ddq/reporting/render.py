"""Plain report data -> HTML (a sandboxed, autoescaping Jinja) -> PDF (WeasyPrint with a locked URL fetcher).

A report template is a folder of data under `reports/`: `template.html`, `theme.css` and `metadata.yaml`.
Rendering fetches nothing from anywhere: the only resources a report may use are the fonts bundled here,
addressed as `ddq-asset:fonts/<file>`. Every other URL — http, file, data, anything — is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.support import NullTranslations, Translations
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

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
    environment.filters["number"] = _number
    environment.filters["percent"] = lambda value: "—" if value is None else f"{value * 100:.0f}%"
    return environment


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


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
