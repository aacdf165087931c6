"""A trend chart drawn on the server as SVG (for PDFs: no browser, no script). Pure: days and
scores in, SVG text out. Dates are written in the reader's language (portal.lib.formats)."""

from datetime import date
from xml.sax.saxutils import escape

from portal.lib import formats

COLOURS = ("#b00020", "#1f5fbf", "#2e7d32", "#8e24aa")
WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 120, 10, 26


def trend_svg(series: dict[str, list[tuple[date, int]]], *, first: date, last: date) -> str:
    """One line per named series of 0-10 scores over [first, last]; gaps where days are
    missing. The legend is at the right."""
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * (day - first).days / span

    def y(score: int) -> float:
        return TOP + plot_h * (10 - score) / 10

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
    ]
    for score in (0, 5, 10):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(score):.1f}" y2="{y(score):.1f}" '
            'stroke="#ccc" stroke-width="0.6"/>'
            f'<text x="{LEFT - 6}" y="{y(score) + 3:.1f}" font-size="9" text-anchor="end">'
            f"{score}</text>"
        )
    for day, anchor in ((first, "start"), (last, "end")):
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - 8}" font-size="9" text-anchor="{anchor}">'
            f"{escape(formats.day(day))}</text>"
        )
    for index, (name, points) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        runs, run, previous = [], [], None
        for day, score in sorted(points):
            if not first <= day <= last:
                continue
            if previous is not None and (day - previous).days > 1:
                runs.append(run)
                run = []
            run.append(f"{x(day):.1f},{y(score):.1f}")
            previous = day
        runs.append(run)
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="1.8" fill="{colour}"/>')
            elif run:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="1.4" '
                    f'points="{" ".join(run)}"/>'
                )
        legend_y = TOP + 12 + 14 * index
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 10}" x2="{WIDTH - RIGHT + 24}" y1="{legend_y - 3}" '
            f'y2="{legend_y - 3}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{WIDTH - RIGHT + 28}" y="{legend_y}" font-size="9">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
