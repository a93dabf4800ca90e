"""The report charts: every series named in the legend, and no text running into another."""

import re
import xml.etree.ElementTree as ET

from ddq.reporting.charts import FONT_SIZE, LABEL_WIDTH, profile_chart

SVG = "{http://www.w3.org/2000/svg}"
#: DejaVu Sans's widest letters are about 0.62 em: a generous width for a line of text.
EM = 0.62


def texts(svg) -> list[tuple[float, float, str, str]]:
    root = ET.fromstring(str(svg))
    return [
        (float(t.get("x")), float(t.get("y")), t.get("text-anchor") or "start", t.text or "")
        for t in root.iter(f"{SVG}text")
    ]


def boxes(svg) -> list[tuple[float, float, float, float, str]]:
    """Each text's box (left, top, right, bottom) as wide as its characters could be."""
    found = []
    for x, y, anchor, text in texts(svg):
        width = len(text) * FONT_SIZE * EM
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        found.append((left, y - FONT_SIZE, left + width, y, text))
    return found


def overlaps(svg) -> list[tuple[str, str]]:
    found = boxes(svg)
    return [
        (a[4], b[4])
        for i, a in enumerate(found)
        for b in found[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


LONG = "Research quality, ethics and the responsible conduct of research with communities"
ROWS = [
    ("Governance", 3.0, 2.5),
    ("Financial management and sustainability of the organisation", 4.0, 3.75),
    (LONG, 1.5, None),
    ("People", None, 2.0),
]


def test_both_series_are_named_in_the_legend():
    svg = profile_chart(ROWS, ("Mathare Youth Voices", "BIL (the institute)"))
    words = [text for _, _, _, text in texts(svg)]
    assert "Mathare Youth Voices" in words and "BIL (the institute)" in words


def test_a_single_series_is_named_too():
    svg = profile_chart([(title, first, None) for title, first, _ in ROWS], ("Mathare Youth Voices",))
    assert "Mathare Youth Voices" in [text for _, _, _, text in texts(svg)]


def test_no_legend_entry_is_blank():
    svg = profile_chart(ROWS, ("Mathare Youth Voices", ""))
    legend = [text for x, _, _, text in texts(svg) if x == LABEL_WIDTH + 14]
    assert len(legend) == 2 and all(legend)


def test_long_legend_names_do_not_overlap():
    names = ("Université des Sciences Sociales et Humaines de l'Afrique de l'Ouest", "BIL (the institute)")
    assert overlaps(profile_chart(ROWS, names)) == []


def test_domain_names_wrap_inside_their_column_and_nothing_overlaps():
    svg = profile_chart(ROWS, ("A", "B"))
    assert overlaps(svg) == []
    for left, _, right, _, text in boxes(svg):
        if text in LONG:
            assert left >= 0 and right <= LABEL_WIDTH
    assert re.sub(r"\s+", " ", " ".join(t for *_, t in texts(svg))).count("Research quality") == 1


def test_every_text_is_escaped():
    svg = profile_chart([("<script>", 2.0, None)], ("<b>&", ""))
    ET.fromstring(str(svg))  # well formed
    assert "<script>" not in str(svg) and "&lt;b&gt;&amp;" in str(svg)


def test_the_capacity_reports_chart_names_the_partner(demo_app):
    import sqlalchemy as sa

    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.reporting.context import capacity_report_context
    from ddq.store.models import Assessment
    from ddq.store.report_facts import capacity_facts

    assessment = db.session.scalar(sa.select(Assessment).where(Assessment.direction == "partner_self"))
    context = capacity_report_context(capacity_facts(db.session, assessment), current_library(), "en")
    assert assessment.subject.name in [text for _, _, _, text in texts(context["chart"])]


# --- the portfolio PDF -------------------------------------------------------------------------------------


def text_on_the_page(page) -> str:
    """The text drawn inside the page's box (a table wider than the page is drawn past its edge, and cut off)."""
    width = float(page.mediabox.width)
    seen: list[str] = []

    def visit(text, cm, tm, font, size):
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        if text.strip() and 0 <= x < width:
            seen.append(text)

    page.extract_text(visitor_text=visit)
    return " ".join(seen)


def test_the_portfolio_pdf_shows_every_domain(demo_app):
    """Every domain is in the PDF: its column's key and its figures, read back from the PDF's text."""
    import io

    from pypdf import PdfReader

    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.reporting.overview import portfolio_context
    from ddq.reporting.render import load_template, render_html, render_pdf
    from ddq.store.staff_facts import portfolio_facts
    from ddq.web.reports import current_reports

    context = portfolio_context(portfolio_facts(db.session), current_library(), "en")
    pdf = render_pdf(render_html(load_template("portfolio", current_reports()), context, "en"))
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(text_on_the_page(page) for page in reader.pages))
    assert len(context["domains"]) >= 9
    missing = [title for _, title in context["domains"] if title not in text]
    assert missing == []
    for page in reader.pages:
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    # every row has a figure or a dash in every domain column: the last column is on the page, not cut off
    for row in context["rows"]:
        last = row["profile"].get(context["domains"][-1][0])
        assert (f"{last:.2f}" if last is not None else "—") in text
