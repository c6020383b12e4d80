"""Inline SVG charts: plain strings, no JavaScript, no fonts or files fetched (the report works
offline). Every chart is an <svg class="chart ..."> whose marks carry a class and a <title> with
the figure, so a browser shows the number on hover and a test can find the marks."""

from __future__ import annotations

import functools
import html

# Colour-blind-safe palette (Okabe-Ito), then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999", "#666666")
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 220, 20, 40


# Series names and labels recur over the charts (the same instruments in many documents): ~200,000
# escapes at 10,000 pages, of a few thousand texts.
escape = functools.lru_cache(maxsize=8192)(html.escape)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def thousands(value: float) -> str:
    """12345 -> '12.345' (Dutch grouping, as the pages print amounts)."""
    return f"{value:,.0f}".replace(",", ".")


def _scale(low: float, high: float) -> tuple[float, float, list[float]]:
    """Axis bounds and ticks that include zero and the data."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = (low // step) * step
    ticks = []
    tick = start
    while tick <= high + step * 0.001:
        ticks.append(tick)
        tick += step
    return ticks[0], max(ticks[-1], high), ticks


def _frame(kind: str, label: str, body: list[str], y_of, ticks: list[float], years: list[int], x_of) -> str:
    plot_right = WIDTH - RIGHT
    parts = [
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{plot_right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{thousands(tick)}</text>')
    every = 1 + len(years) // 10  # at most ten year labels: they must not overlap
    for year in years[::every]:
        parts.append(f'<text x="{x_of(year):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11">{year}</text>')
    parts.extend(body)
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{plot_right}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#333"/>')
    return "".join(parts)


def _legend(names: list[str]) -> list[str]:
    x = WIDTH - RIGHT + 12
    out = []
    for index, name in enumerate(names):
        y = TOP + 14 * index
        short = name if len(name) <= 32 else name[:31] + "…"
        out.append(f'<rect class="legend" x="{x}" y="{y}" width="10" height="10" fill="{colour(index)}"/>')
        out.append(f'<text x="{x + 14}" y="{y + 9}" font-size="11"><title>{escape(name)}</title>{escape(short)}</text>')
    return out


def stacked_bars(label: str, series: dict[str, dict[int, int]]) -> str:
    """One bar per year, one stacked segment per series (positive amounts up, negative down)."""
    years = sorted({year for values in series.values() for year in values})
    if not years:
        return ""
    # Each year's positive and negative totals in one pass over the figures (series in order).
    ups, downs = dict.fromkeys(years, 0), dict.fromkeys(years, 0)
    for values in series.values():
        for year, value in values.items():
            if value > 0:
                ups[year] += value
            elif value < 0:
                downs[year] += value
    low, high, ticks = _scale(min(downs.values()), max(ups.values()))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / len(years)
    span = high - low

    def y_of(value: float) -> float:
        return TOP + plot_h * (high - value) / span

    def x_of(year: int) -> float:
        return LEFT + band * (years.index(year) + 0.5)

    # Each series' name and colour, each year's x: made once per chart, not once per segment.
    marks = [(escape(name), colour(index), values) for index, (name, values) in enumerate(series.items())]
    width = f"{band * 0.7:.1f}"
    body = []
    for position, year in enumerate(years):
        x = f"{LEFT + band * (position + 0.5) - band * 0.35:.1f}"
        up = down = 0.0
        for name, fill, values in marks:
            value = values.get(year, 0)
            if value == 0:
                continue
            # y_of inlined: ~10,000 charts at 10,000 pages.
            if value > 0:
                start = up
                up = start + value
                top, bottom = TOP + plot_h * (high - up) / span, TOP + plot_h * (high - start) / span
            else:
                start = down
                down = start + value
                top, bottom = TOP + plot_h * (high - start) / span, TOP + plot_h * (high - down) / span
            body.append(
                f'<rect class="bar" x="{x}" y="{top:.1f}" width="{width}" height="{max(bottom - top, 0.5):.1f}" fill="{fill}">'
                f"<title>{name} {year}: {thousands(value)}</title></rect>"
            )
    return _frame("stacked-bars", label, body + _legend(list(series)), y_of, ticks, years, x_of) + "</svg>"


def lines(label: str, series: dict[str, dict[int, int]]) -> str:
    """One polyline per series over the years, a dot per figure."""
    years = sorted({year for values in series.values() for year in values})
    if not years:
        return ""
    values_all = [v for values in series.values() for v in values.values()]
    low, high, ticks = _scale(min(values_all), max(values_all))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(years) - 1, 1)

    def y_of(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    def x_of(year: int) -> float:
        return LEFT + (step * years.index(year) if len(years) > 1 else plot_w / 2)

    body = []
    for index, (name, values) in enumerate(series.items()):
        points = [(x_of(y), y_of(values[y]), y, values[y]) for y in years if y in values]
        body.append(
            f'<polyline class="vintage" fill="none" stroke="{colour(index)}" stroke-width="2" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)}"><title>{escape(name)}</title></polyline>'
        )
        for x, y, year, value in points:
            body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour(index)}">'
                        f"<title>{escape(name)} {year}: {thousands(value)}</title></circle>")
    return _frame("vintage-lines", label, body + _legend(list(series)), y_of, ticks, years, x_of) + "</svg>"


def share_bars(label: str, shares: list[tuple[str, float]]) -> str:
    """Horizontal bars of percentages (0..100)."""
    if not shares:
        return ""
    row, left, width = 22, 330, 320
    height = row * len(shares) + 10
    parts = [
        f'<svg class="chart shares" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for index, (name, share) in enumerate(shares):
        y = 5 + row * index
        short = name if len(name) <= 52 else name[:51] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" font-size="12">{escape(short)}</text>')
        parts.append(f'<rect class="track" x="{left}" y="{y + 3}" width="{width}" height="14" fill="#eee"/>')
        parts.append(f'<rect class="share" x="{left}" y="{y + 3}" width="{width * share / 100:.1f}" height="14" '
                     f'fill="{colour(index)}"><title>{escape(name)}: {share:g}%</title></rect>')
        parts.append(f'<text x="{left + width + 6}" y="{y + 14}" font-size="12">{share:g}%</text>')
    return "".join(parts) + "</svg>"
