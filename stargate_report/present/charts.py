"""Altair charts in one house style, rendered to vector SVG offline (vl-convert).

Charts are embedded in the briefing as inline SVG: no Vega script, no CDN, and the PDF
gets real vector graphics. The palette keeps series apart in black-and-white print by
lightness as well as hue.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

FONT = "DejaVu Sans"  # on the base image; vl-convert and WeasyPrint both find it
#: dark blue, light blue, ochre, grey: distinct in greyscale
PALETTE = ["#1b3a5c", "#8fb3d9", "#c9a227", "#6e6e6e", "#d95f02", "#4d9221"]
#: a chart's whole width [px], axes, labels and legend included (Vega-Lite's autosize "fit-x", see
#: :func:`to_svg`): the text width of the A4 page (162 mm = 612 CSS px) less a little, so that WeasyPrint
#: places the chart at its own size and chart text prints at its nominal size (11 px = 8.25 pt), never
#: shrunk to fit; on a narrower screen the chart scales down with the page
WIDTH = 600
#: the height of a chart's plot [px] (55 mm on paper)
HEIGHT = 200
#: the smallest chart text [px]: 8.25 pt at the chart's own size (tests/integration/test_layout.py)
FONT_SIZE = 11


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
            "background": "white",
            "padding": 8,
            "axis": {"labelOverlap": "greedy", "labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "titleFontWeight": "normal", "gridColor": "#e4e4e4",
                     "domainColor": "#555", "tickColor": "#555", "labelLimit": 260},
            # x labels centred on their ticks: flushing the first and last to the axis ends (Vega-Lite's
            # default for continuous scales) ran them into their neighbours ("2,82,9")
            "axisX": {"labelFlush": False},
            "legend": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "orient": "bottom", "labelLimit": 300},
            "header": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE},  # the panels of a faceted chart
            "title": {"fontSize": 13, "anchor": "start", "fontWeight": "bold"},
            "range": {"category": PALETTE},
            "bar": {"color": PALETTE[0]},
            "rule": {"color": "#222"},
            "point": {"color": PALETTE[0], "filled": True},
        }
    }


#: d3 format locales of vl-convert for the briefing languages (decimal comma and thousands dot in German)
FORMAT_LOCALES = {"en": "en-US", "de": "de-DE"}
#: Babel locales of the briefing languages (names of months and days on time axes)
BABEL_LOCALES = {"en": "en_US", "de": "de_DE"}


def time_format_locale(lang: str) -> dict:
    """A d3 time-format locale whose names of months and days are Babel's (CLDR), so that the German
    axes read "März", not d3's "Mrz"; the date and time patterns are d3's usual ones."""
    from babel import Locale  # Babel's locale data only when a chart is drawn

    loc = Locale.parse(BABEL_LOCALES.get(lang, "en_US"))
    order = [6, 0, 1, 2, 3, 4, 5]  # d3 weeks start on Sunday, Babel numbers Monday 0
    months, days = loc.months["format"], loc.days["format"]
    return {"dateTime": "%x, %X", "date": "%d.%m.%Y" if lang == "de" else "%-m/%-d/%Y",
            "time": "%H:%M:%S" if lang == "de" else "%-I:%M:%S %p", "periods": ["AM", "PM"],
            "days": [days["wide"][i] for i in order], "shortDays": [days["abbreviated"][i] for i in order],
            "months": [months["wide"][i] for i in range(1, 13)],
            "shortMonths": [months["abbreviated"][i] for i in range(1, 13)]}


#: the top-level keys of composite specs, which Vega-Lite cannot fit to a width
COMPOSITE = {"facet", "concat", "hconcat", "vconcat", "repeat"}


def to_svg(chart: alt.TopLevelMixin, lang: str = "en") -> str:
    """Render a chart to an SVG string with vl-convert (no browser, no network), numbers in ``lang``'s format."""
    import vl_convert as vlc  # the chart renderer only where a chart is drawn

    spec = chart.to_dict()
    config = theme()["config"]
    merged = {**config, **spec.get("config", {})}
    spec["config"] = merged
    if not COMPOSITE.intersection(spec):
        # the width given is the whole chart's: the plot gives way to long axis labels, and no chart is wider
        # than the page (Vega-Lite fits single and layered views only; a faceted chart sizes its panels)
        spec.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    locale = FORMAT_LOCALES.get(lang, "en-US")
    svg = vlc.vegalite_to_svg(spec, format_locale=locale, time_format_locale=time_format_locale(lang))
    # the XML prolog is not allowed inside HTML
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1].lstrip()
    return svg


def warm_up() -> None:
    """Render a one-point chart, so the renderer's start-up (its JavaScript engine, about 0.4 s) is paid
    before the first real chart; the build runs this in each kernel while it evaluates the scenario."""
    to_svg(alt.Chart(pd.DataFrame({"x": [0.0]})).mark_point().encode(x="x:Q"))


def range_bars(df: pd.DataFrame, category: str, title_x: str, title_y: str, color: str | None = None,
               sort: list[str] | None = None, width: int = WIDTH - 200) -> alt.LayerChart:
    """Horizontal bars of P50 with a P10-P90 rule; ``df`` has columns category, p10, p50, p90. The plot is
    ``width`` wide, leaving room for labels of up to about 200 px within the A4 text width (wider charts are
    scaled down in the PDF, their text below 8 pt)."""
    enc_y = alt.Y(f"{category}:N", title=title_y or None, sort=sort or None)
    bars = alt.Chart(df).mark_bar(height=14).encode(
        y=enc_y, x=alt.X("p50:Q", title=title_x),
        color=alt.Color(f"{color}:N", legend=None) if color else alt.value(PALETTE[1]))
    rules = alt.Chart(df).mark_rule(strokeWidth=2).encode(y=enc_y, x="p10:Q", x2="p90:Q")
    ticks = alt.Chart(df).mark_tick(thickness=2, size=12, color="#222").encode(y=enc_y, x="p50:Q")
    return alt.layer(bars, rules, ticks).properties(width=width, height=max(44, 24 * len(df)))


def histogram_table(values, bins: int = 40) -> pd.DataFrame:
    """The counts of ``values`` in ``bins`` equal bins (``start, end, count``): what a histogram charts. The
    samples are counted here, so a chart carries ``bins`` rows whatever their number (Vega-Lite's own
    binning would embed every sample: Altair refuses more than 5,000 rows)."""
    import numpy as np  # numpy only where arrays are made

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return pd.DataFrame({"start": [], "end": [], "count": []})
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:  # one value: one bar around it
        pad = abs(lo) * 0.01 or 0.5
        lo, hi, bins = lo - pad, hi + pad, 1
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts.astype(int)})


def histogram(values, title_x: str, title_y: str, bins: int = 40) -> alt.Chart:
    """Bars of the counts of ``values`` in ``bins`` equal bins, counted before charting (:func:`histogram_table`)."""
    df = histogram_table(values, bins)
    return alt.Chart(df).mark_bar(color=PALETTE[0], binSpacing=1).encode(
        x=alt.X("start:Q", title=title_x, scale=alt.Scale(zero=False)), x2="end:Q",
        # y2 at zero: with a ranged x, Vega-Lite would otherwise draw each bar as a thin horizontal band at its count
        y=alt.Y("count:Q", title=title_y), y2=alt.datum(0)).properties(width=WIDTH, height=HEIGHT)


def timeline(df: pd.DataFrame, title_x: str, date_format: str = "%b %Y") -> alt.LayerChart:
    """Dated events as points on a time axis, one row per event (``date``, ``label``, ``kind``)."""
    order = list(df.sort_values("date")["label"])
    base_chart = alt.Chart(df).encode(
        x=alt.X("date:T", title=title_x, axis=alt.Axis(format=date_format, labelAngle=0),
                scale=alt.Scale(nice="month", padding=12)),
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=340)))
    rule = base_chart.mark_rule(color="#bbbbbb").encode(x2=alt.X2("start:T"))
    points = base_chart.mark_point(size=90, filled=True).encode(
        shape=alt.Shape("kind:N", legend=alt.Legend(title=None)),
        color=alt.Color("kind:N", legend=alt.Legend(title=None)))
    return alt.layer(rule, points).properties(width=WIDTH, height=max(80, 24 * len(df)))


def grouped_bars(df: pd.DataFrame, category: str, value: str, group: str, title_x: str) -> alt.Chart:
    """Horizontal bars of ``value`` per ``category``, coloured by ``group`` (legend below)."""
    return alt.Chart(df).mark_bar(height=18).encode(
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        x=alt.X(f"{value}:Q", title=title_x),
        color=alt.Color(f"{group}:N", legend=alt.Legend(title=None, columns=2)),
    ).properties(width=WIDTH, height=max(60, 34 * len(df)))


#: the dispatch weeks' series: fill colours that differ in lightness as well as hue, so that each series is
#: told apart in greyscale print (grey levels, darkest to lightest above zero: grid 38, battery discharge 99,
#: firm 119, wind 172, solar 210; below zero: export 91, battery charging 143, curtailed 238)
DISPATCH_COLOURS = {"solar": "#fbd74a", "wind": "#7fb8e6", "firm": "#4f8f5f", "battery_discharge": "#7d4a9e",
                    "grid": "#262626", "battery_charge": "#a27cbd", "curtailed": "#fbf0c4", "export": "#3f6e3f"}
#: the load's line and the battery's state of charge
LOAD_COLOUR, SOC_COLOUR = "#000000", "#6a3d82"


def dispatch_weeks(df: pd.DataFrame, title_x: str, title_y: str, title_soc: str) -> alt.VConcatChart:
    """How the load is met, hour by hour, in each week (``season``, one column each): stacked areas of what
    meets it above zero and of where the surplus goes below zero, the load as a black line over them and,
    in a panel below, the battery's state of charge. ``df`` is
    :meth:`~stargate_report.present.chapters.supply.SupplyChapter.dispatch_week_frame` (``season, panel, hour,
    key, label, order, mw``). Both weeks share their scales and one legend below them."""
    balance = df[df["panel"] == "balance"]
    areas = balance[balance["key"] != "load"]
    keys = list(dict.fromkeys(areas.sort_values("order")["key"]))
    labels = [areas[areas["key"] == k]["label"].iloc[0] for k in keys]
    load_label = balance[balance["key"] == "load"]["label"].iloc[0] if (balance["key"] == "load").any() else "Load"
    colour = alt.Color("label:N", title=None, sort=labels,
                       scale=alt.Scale(domain=labels, range=[DISPATCH_COLOURS.get(k, "#999999") for k in keys]),
                       legend=alt.Legend(orient="bottom", columns=4, symbolType="square", symbolStrokeWidth=0.6,
                                         symbolStrokeColor="#555555", symbolSize=120))
    # the load: a line of its own legend
    dash = alt.StrokeDash("label:N", title=None, scale=alt.Scale(domain=[load_label], range=[[1, 0]]),
                          legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeColor=LOAD_COLOUR,
                                            symbolStrokeWidth=2))
    # one y scale for both weeks: the sums above and below zero, and the load
    up = areas[areas["mw"] > 0].groupby(["season", "hour"])["mw"].sum()
    down = areas[areas["mw"] < 0].groupby(["season", "hour"])["mw"].sum()
    top = max([float(up.max()) if len(up) else 0.0, float(balance["mw"].max()) if len(balance) else 0.0, 1.0])
    bottom = min(float(down.min()) if len(down) else 0.0, 0.0)
    soc = df[df["panel"] == "soc"]
    soc_top = max(float(soc["mw"].max()) if len(soc) else 0.0, 1.0)
    x_axis = alt.Axis(values=list(range(0, 169, 24)), labelAngle=0)
    seasons = list(dict.fromkeys(df["season"]))
    width = (WIDTH - 150) // 2
    columns = []
    for k, season in enumerate(seasons):
        y_title = title_y if k == 0 else None
        sub = balance[balance["season"] == season]
        base = alt.Chart(sub)
        top_axis = alt.Axis(values=list(range(0, 169, 24)), labels=not len(soc), ticks=True, labelAngle=0)
        stack = base.transform_filter(alt.datum.key != "load").mark_area(interpolate="step-after").encode(
            x=alt.X("hour:Q", title=None if len(soc) else title_x, scale=alt.Scale(domain=[0, 168], nice=False),
                    axis=top_axis),
            y=alt.Y("mw:Q", title=y_title, stack="zero", scale=alt.Scale(domain=[bottom, top * 1.02], nice=False)),
            color=colour, order=alt.Order("order:Q"))
        load = base.transform_filter(alt.datum.key == "load").mark_line(
            interpolate="step-after", strokeWidth=1.6, color=LOAD_COLOUR).encode(
            x=alt.X("hour:Q", title=None if len(soc) else title_x, scale=alt.Scale(domain=[0, 168], nice=False),
                    axis=top_axis), y="mw:Q", strokeDash=dash)
        panel = alt.layer(stack, load).properties(width=width, height=170,
                                                  title=alt.TitleParams(season, fontSize=11, fontWeight="normal"))
        if len(soc):
            soc_chart = alt.Chart(soc[soc["season"] == season]).mark_area(
                interpolate="step-after", color=SOC_COLOUR, opacity=0.35, line={"color": SOC_COLOUR, "strokeWidth": 1.2}
            ).encode(x=alt.X("hour:Q", title=title_x, scale=alt.Scale(domain=[0, 168], nice=False), axis=x_axis),
                     y=alt.Y("mw:Q", title=title_soc if k == 0 else None, scale=alt.Scale(domain=[0, soc_top * 1.05],
                                                                                          nice=False),
                             axis=alt.Axis(tickCount=3))).properties(width=width, height=55)
            columns.append(alt.vconcat(panel, soc_chart, spacing=6))
        else:  # no battery: no panel of stored energy
            columns.append(alt.vconcat(panel, spacing=6))
    return alt.vconcat(alt.hconcat(*columns, spacing=14)).resolve_scale(color="shared", strokeDash="shared")


def heatmap(df: pd.DataFrame, x: str, y: str, value: str, title_x: str, title_y: str, title_value: str) -> alt.Chart:
    """A week-by-hour heat map in a greyscale-safe sequential scheme (light: little, dark: much), in five
    classes of 20 points each: a legend of swatches (a gradient legend does not survive the PDF's images)."""
    return alt.Chart(df).mark_rect().encode(
        x=alt.X(f"{x}:O", title=title_x, axis=alt.Axis(values=list(range(1, 53, 4)), labelAngle=0)),
        y=alt.Y(f"{y}:O", title=title_y, axis=alt.Axis(values=list(range(0, 24, 3)))),
        color=alt.Color(f"{value}:Q", title=title_value,
                        scale=alt.Scale(type="quantize", domain=[0, 1], nice=False, scheme={"name": "blues", "count": 5}),
                        legend=alt.Legend(format=".0%", orient="right", symbolType="square", symbolSize=160,
                                          symbolStrokeColor="#555555", symbolStrokeWidth=0.5)),
    ).properties(width=WIDTH - 150, height=160)


def cost_curve(df: pd.DataFrame, title_x: str, title_y: str, lit: pd.DataFrame | None = None,
               title_premium: str = "", label_model: str = "This model") -> alt.VConcatChart | alt.LayerChart:
    """Cost per MWh against the hourly CFE target, with the annual-matching cost as a dashed rule; with
    ``lit`` (:meth:`~stargate_report.present.chapters.supply.SupplyChapter.literature_frame`), a second
    panel sets the model's premium over annual matching beside the published premiums: a range bar per
    study and target, a grey band where a study states no target."""
    hourly = df[df["policy"] == "hourly"] if "policy" in df else df
    x_scale = alt.Scale(domain=[78, 100], nice=False)
    line = alt.Chart(hourly).mark_line(point=alt.OverlayMarkDef(size=60, filled=True), color=PALETTE[0]).encode(
        x=alt.X("target:Q", title=None if lit is not None else title_x, scale=x_scale),
        y=alt.Y("cost:Q", title=title_y))
    rule = alt.Chart(df).mark_rule(strokeDash=[5, 4], color=PALETTE[3]).encode(y="mean(annual_matching):Q")
    top = alt.layer(line, rule).properties(width=WIDTH - 150, height=130)
    if lit is None:
        return top
    at = lit[lit["target"].notna()]
    band = lit[lit["target"].isna()]
    layers = []
    if len(band):  # no CFE level stated: a band across the targets, labelled at its top left
        layers.append(alt.Chart(band).mark_rect(opacity=0.15, color="#555555", stroke="#555555", strokeWidth=0.8,
                                                strokeDash=[3, 2]).encode(
            x=alt.X(datum=78, type="quantitative", scale=x_scale, title=title_x), x2=alt.X2(datum=100),
            y=alt.Y("low:Q", title=title_premium), y2="high:Q"))
        layers.append(alt.Chart(band).mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=11,
                                                color="#333333").encode(
            x=alt.X(datum=78, type="quantitative", scale=x_scale), y="high:Q", text="label:N"))
    shape = alt.Shape("label:N", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=520))
    if len(at):
        layers.append(alt.Chart(at).mark_rule(strokeWidth=3, color="#555555").encode(
            x=alt.X("x:Q", scale=x_scale, title=title_x), y=alt.Y("low:Q", title=title_premium), y2="high:Q"))
        layers.append(alt.Chart(at).mark_point(filled=True, size=45, color="#555555").encode(
            x="x:Q", y="low:Q", shape=shape))
        layers.append(alt.Chart(at).mark_point(filled=True, size=45, color="#555555").encode(
            x="x:Q", y="high:Q", shape=shape))
    model = hourly.assign(who=label_model)
    layers.append(alt.Chart(model).mark_line(color=PALETTE[0], point=alt.OverlayMarkDef(size=60, filled=True,
                                                                                        color=PALETTE[0])).encode(
        x=alt.X("target:Q", scale=x_scale, title=title_x), y=alt.Y("premium:Q", title=title_premium)))
    layers.append(alt.Chart(model.tail(1)).mark_text(align="right", dx=-8, dy=-4, fontSize=11, color=PALETTE[0]).encode(
        x=alt.X("target:Q", scale=x_scale), y="premium:Q", text="who:N"))
    layers.append(alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#999999", strokeWidth=0.8).encode(y="y:Q"))
    bottom = alt.layer(*layers).properties(width=WIDTH - 150, height=150)
    return alt.vconcat(top, bottom, spacing=10)


def bars(df: pd.DataFrame, category: str, value: str, title_x: str) -> alt.Chart:
    """Horizontal bars of one value per category, in the order given."""
    return alt.Chart(df).mark_bar(height=11, color=PALETTE[1]).encode(
        y=alt.Y(f"{category}:N", title=None, sort=list(df[category])), x=alt.X(f"{value}:Q", title=title_x),
    ).properties(width=WIDTH, height=max(60, 16 * len(df)))


def tornado(df: pd.DataFrame, title_x: str) -> alt.LayerChart:
    """Tornado: for each assumption a bar from the output at its low value to the output at its high value,
    with the base case as a vertical rule (``label, at_low, at_high, base``; largest swing first)."""
    order = list(df["label"])
    bars = alt.Chart(df).mark_bar(height=16, color=PALETTE[1]).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=340)),
        x=alt.X("at_low:Q", title=title_x, scale=alt.Scale(zero=False)), x2="at_high:Q")
    base_rule = alt.Chart(df).mark_rule(color="#222", strokeWidth=1.5).encode(x="mean(base):Q")
    return alt.layer(bars, base_rule).properties(width=WIDTH, height=max(60, 26 * len(df)))
