"""Small SVG charts for reports, written by hand: no plotting library, every text escaped."""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

from ..core.questions import SCORE_MAX

FONT = "DejaVu Sans"  # WeasyPrint falls back to a serif face in SVG text unless told
FONT_SIZE = 11
#: Widest DejaVu Sans characters are about 0.62 em: a line of this many characters fits the label column.
LABEL_WIDTH, LABEL_CHARS = 250, 36
BAR_WIDTH, VALUE_WIDTH = 280, 40
LINE, LEGEND_LINE = 13, 16
COLOURS = ("#0b5cad", "#bf8700")


def _label_lines(label: str) -> list[str]:
    """A domain's name in at most two lines that fit the label column; a longer name ends with an ellipsis."""
    lines = textwrap.wrap(label, LABEL_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_CHARS, placeholder="…")]
    return lines


def profile_chart(rows: list[tuple[str, float | None, float | None]], series: tuple[str, ...] = ()) -> Markup:
    """Horizontal bars per domain on the 1-4 scale, a second bar per row when rows carry a second value.

    `series` names the bars (the partner, the institute; before, after): each series drawn is named in a legend
    under the chart, one line each, so that long names never run into each other. A domain's name wraps onto a
    second line rather than running into its bars.
    """
    two = any(second is not None for _, _, second in rows) or (len(series) > 1 and bool(series[1]))
    drawn = 2 if two else 1
    names = [(series[index] if index < len(series) else "") or "—" for index in range(drawn)]
    named = any(series[:drawn])
    labels = [_label_lines(label) for label, _, _ in rows]
    heights = [max(len(lines) * LINE + 4, 14 * drawn + 6) for lines in labels]
    top = 20
    chart_bottom = top + sum(heights)
    legend = (LEGEND_LINE * drawn + 8) if named else 0
    height = chart_bottom + legend + 4
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    title = " / ".join(series[:drawn]) if named else "Domain profile"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="{FONT}" font-size="{FONT_SIZE}">'
    ]
    for level in range(1, SCORE_MAX + 1):
        x = LABEL_WIDTH + BAR_WIDTH * level / SCORE_MAX
        parts.append(
            f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{chart_bottom}" stroke="#d0d7de"/>'
            f'<text x="{x:.1f}" y="10" text-anchor="middle" fill="#57606a">{level}</text>'
        )
    y = top
    for (_, *values), lines, row_height in zip(rows, labels, heights, strict=True):
        for number, line in enumerate(lines):
            parts.append(
                f'<text x="{LABEL_WIDTH - 8}" y="{y + 11 + number * LINE}" text-anchor="end">{escape(line)}</text>'
            )
        for offset, value, colour in zip((0, 14), values[:drawn], COLOURS, strict=False):
            if value is None:
                continue
            length = BAR_WIDTH * value / SCORE_MAX
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 2 + offset}" width="{length:.1f}" height="10" fill="{colour}"/>'
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 11 + offset}">{value:.2f}</text>'
            )
        y += row_height
    if named:
        for index, (name, colour) in enumerate(zip(names, COLOURS, strict=False)):
            line_y = chart_bottom + 8 + LEGEND_LINE * (index + 1) - 4
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{line_y - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{LABEL_WIDTH + 14}" y="{line_y}">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside was escaped above
