"""Reports rendered for real: PDFs read back, and nothing fetched whatever the answers or the template contain."""

import http.server
import io
import shutil
import threading

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ddq.extensions import db
from ddq.library import current_library
from ddq.reporting.context import capacity_report_context, scorecard_of
from ddq.reporting.render import load_template, render_html, render_pdf
from ddq.store.models import Answer, Assessment, Organisation
from ddq.store.report_facts import assessment_facts, capacity_facts
from tests.conftest import ROOT


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def context_of(assessment, language: str = "en") -> dict:
    """The capacity report's context, read from the store as the web and the command line read it."""
    return capacity_report_context(capacity_facts(db.session, assessment), current_library(), language)


@pytest.fixture
def funder_assessment(demo_app):
    partner = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))
    return db.session.scalar(
        sa.select(Assessment).where(Assessment.subject_id == partner.id, Assessment.direction == "partner_self")
    )


@pytest.fixture
def listener():
    """A local web server that counts every request it receives."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_pdf_reads_back_with_the_partner_the_domains_and_their_scores(funder_assessment):
    library = current_library()
    html = render_html(load_template("capacity"), context_of(funder_assessment))
    pdf = render_pdf(html)
    text = pdf_text(pdf)
    assert "Fundação Horizonte" in text
    card = scorecard_of(assessment_facts(db.session, funder_assessment), library)
    for domain in card.domains:
        assert library.domains[domain.domain].title.get() in text.replace("\n", " ")
        assert f"{domain.score:.2f}" in text
    reader = PdfReader(io.BytesIO(pdf))
    assert f"1 / {len(reader.pages)}" in reader.pages[0].extract_text()  # page numbers
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged for accessibility (PDF/UA)
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVu-Sans" in font for font in fonts)


def test_breakdown_adds_up_in_the_report(funder_assessment):
    context = context_of(funder_assessment)
    for domain in context["breakdown"]:
        scored = [item for item in domain["items"] if item["points"] is not None]
        assert sum(item["points"] for item in scored) == pytest.approx(domain["points"])
        assert domain["points"] / domain["weight_sum"] == pytest.approx(domain["score"])


def test_report_in_the_readers_language(funder_assessment):
    html = render_html(
        load_template("capacity"), context_of(funder_assessment, "fr"), "fr"
    )
    assert 'lang="fr"' in html and "Profil par domaine" in html and "Gouvernance" in html


def test_hostile_answers_fetch_nothing_and_show_as_text(funder_assessment, listener):
    url, hits = listener
    hostile = (
        f'<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
        f'<img src="{url}/pixel.png"><script>alert(1)</script>'
    )
    for answer in funder_assessment.answers[:3]:
        answer.comment = hostile
    db.session.flush()
    html = render_html(load_template("capacity"), context_of(funder_assessment))
    assert "<img src=" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    pdf = render_pdf(html)
    assert hits == []
    assert PdfReader(io.BytesIO(pdf)).attachments == {}
    assert '<img src="file:///etc/passwd">' in pdf_text(pdf).replace("\n", "")


def test_hostile_template_fetches_nothing(tmp_path, listener, funder_assessment):
    url, hits = listener
    reports = tmp_path / "reports"
    shutil.copytree(ROOT / "reports" / "capacity", reports / "capacity")
    template = reports / "capacity" / "template.html"
    template.write_text(
        template.read_text(encoding="utf-8")
        .replace(
            "</head>",
            f"""
<link rel="stylesheet" href="{url}/style.css">
<link rel="attachment" href="file:///etc/passwd">
<style>@import url("{url}/import.css"); body {{ background: url("{url}/bg.png"); }}</style>
</head>""",
        )
        .replace(
            "<body>",
            f"""<body>
<img src="file:///etc/passwd" alt="x"><img src="{url}/img.png" alt="y">
<svg xmlns="http://www.w3.org/2000/svg"><image href="{url}/svg.png" width="10" height="10"/></svg>""",
        ),
        encoding="utf-8",
    )
    load_template.cache_clear()
    html = render_html(
        load_template("capacity", reports), context_of(funder_assessment)
    )
    pdf = render_pdf(html)
    load_template.cache_clear()
    assert hits == []
    assert PdfReader(io.BytesIO(pdf)).attachments == {}
    assert "root:" not in pdf_text(pdf)
    assert "Fundação Horizonte" in pdf_text(pdf)


def test_institute_disclosure_is_scored_and_reported_like_any_partner(demo_app):
    disclosure = db.session.scalar(sa.select(Assessment).where(Assessment.direction == "host_disclosure"))
    context = context_of(disclosure)
    assert context["facts"].organisation == "BIL (the institute)"
    assert len(context["domains"]) == 11 and context["reciprocity"] is None


def test_draft_answers_and_comments_appear_in_the_report(funder_assessment):
    answer = db.session.scalar(
        sa.select(Answer).where(Answer.assessment_id == funder_assessment.id, Answer.question_id == "governing_body")
    )
    answer.comment = "Our board renewed half its members in 2026."
    db.session.flush()
    context = context_of(funder_assessment)
    html = render_html(load_template("capacity"), context)
    assert "Our board renewed half its members in 2026." in html


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/font.ttf",
        "data:text/css,body{}",
        "ddq-asset:../render.py",
        "ddq-asset:fonts/../render.py",
        "ddq-asset:/etc/passwd",
        "ftp://127.0.0.1/x",
    ],
)
def test_locked_fetcher_refuses_everything_but_bundled_fonts(url):
    from ddq.reporting.render import locked_fetcher

    with pytest.raises(ValueError, match="reports fetch nothing from outside"):
        locked_fetcher().fetch(url)


def test_locked_fetcher_serves_the_bundled_fonts():
    from ddq.reporting.render import locked_fetcher

    response = locked_fetcher().fetch("ddq-asset:fonts/DejaVuSans.ttf")
    assert response.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
