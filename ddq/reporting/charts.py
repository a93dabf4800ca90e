"""Small SVG charts for reports, written by hand: no plotting library, every text escaped."""

from __future__ import annotations

from markupsafe import Markup, escape

from ..core.questions import SCORE_MAX

FONT = "DejaVu Sans"  # WeasyPrint falls back to a serif face in SVG text unless told


def profile_chart(rows: list[tuple[str, float | None, float | None]], series: tuple[str, str] = ("", "")) -> Markup:
    """Horizontal bars per domain on the 1-4 scale; a second bar per row when a second series is given."""
    label_width, bar_width, row_height = 250, 280, 30 if any(r[2] is not None for r in rows) else 20
    rows = [(label if len(label) <= 40 else label[:38] + "…", first, second) for label, first, second in rows]
    height = 24 + row_height * len(rows) + (22 if series[1] else 0)
    width = label_width + bar_width + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(series[0] or "Domain profile")}" font-family="{FONT}" font-size="11">'
    ]
    for level in range(1, SCORE_MAX + 1):
        x = label_width + bar_width * level / SCORE_MAX
        parts.append(
            f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - (22 if series[1] else 0)}" '
            f'stroke="#d0d7de"/><text x="{x:.1f}" y="10" text-anchor="middle" fill="#57606a">{level}</text>'
        )
    for index, (label, first, second) in enumerate(rows):
        y = 20 + index * row_height
        parts.append(f'<text x="{label_width - 8}" y="{y + 12}" text-anchor="end">{escape(label)}</text>')
        for offset, value, colour in ((0, first, "#0b5cad"), (12, second, "#bf8700")):
            if value is None:
                continue
            length = bar_width * value / SCORE_MAX
            parts.append(
                f'<rect x="{label_width}" y="{y + 3 + offset}" width="{length:.1f}" height="10" fill="{colour}"/>'
                f'<text x="{label_width + length + 4:.1f}" y="{y + 12 + offset}">{value:.2f}</text>'
            )
    if series[1]:
        legend_y = height - 8
        parts.append(
            f'<rect x="{label_width}" y="{legend_y - 9}" width="10" height="10" fill="#0b5cad"/>'
            f'<text x="{label_width + 14}" y="{legend_y}">{escape(series[0])}</text>'
            f'<rect x="{label_width + 160}" y="{legend_y - 9}" width="10" height="10" fill="#bf8700"/>'
            f'<text x="{label_width + 174}" y="{legend_y}">{escape(series[1])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside was escaped above
