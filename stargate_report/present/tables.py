"""Tables of a briefing as HTML: fixed column widths from their text, sources with links, citations."""
from __future__ import annotations

import html
import re
from typing import NamedTuple

import pandas as pd

from stargate_report.catalog.sources import load_sources
from stargate_report.present.i18n import t
from stargate_report.present.printed import markup_of

#: the fragment prefixes of the two sources tables: the model's (appendix) and the knowledge base's (deal)
SOURCE_ANCHOR = "src"


KNOWLEDGE_ANCHOR = "kb-src"


SOURCE_TABLES = {"model": SOURCE_ANCHOR, "knowledge": KNOWLEDGE_ANCHOR}



class FactStatement(str):
    """A statement of the knowledge base, rendered with its fact id (``<span class="fact" data-fact=...>``)."""

    def __new__(cls, text: str, fact_id: str):
        obj = super().__new__(cls, text)
        obj.fact_id = fact_id
        return obj


#: advance widths [em] of DejaVu Sans, the briefing's font, by character (from its hmtx table, to 0.01 em);
#: any other character counts as :data:`OTHER_EM`
GLYPH_EM = {c: float(w) for w, chars in (
    ("0.2", "\u202f"), ("0.27", "'"), ("0.28", "ijl"), ("0.29", "IJ"), ("0.32", " \u00a0,.’‘·"), ("0.34", "/:;\\|"),
    ("0.35", "f"), ("0.36", "-"), ("0.39", "()[]t"), ("0.4", "!²³₂"), ("0.41", "r"), ("0.46", '"'),
    ("0.5", "*_`–°"), ("0.52", "sz“”„"), ("0.53", "?"), ("0.55", "c"), ("0.56", "L"), ("0.58", "Fk"),
    ("0.59", "vxy"), ("0.6", "P"), ("0.61", "TYaoäö"), ("0.62", "e"), ("0.63", "ESbdghnpquüß"),
    ("0.64", "$0123456789{}€µ"), ("0.66", "K"), ("0.68", "AVÄ"), ("0.69", "BRXZ"), ("0.7", "C"), ("0.73", "UÜ"),
    ("0.75", "HN"), ("0.77", "DG"), ("0.78", "&"), ("0.79", "OQÖ"), ("0.82", "w"), ("0.84", "#+<=>^~−×"),
    ("0.86", "M"), ("0.95", "%"), ("0.97", "m"), ("0.99", "W"), ("1.0", "@—…")) for c in chars}
OTHER_EM = 0.65
#: bold (table headers) is wider than regular in DejaVu Sans
BOLD = 1.12
#: the text width of the A4 page (162 mm) in ems of table text (7.5 pt = 2.646 mm)
LINE_EM = 61.2
#: a cell's padding left and right (1.5 mm each) and a little room for rounding [em]
PAD_EM = 1.3
#: a column whose every cell is at most this wide [em] (a verdict, a status, a value with its unit and range)
#: keeps each cell on one line (class ``sr-nowrap``): "supported" is never hyphenated, "1.20 GW" never split
SHORT_EM = 11.0
#: no single word (a web address) claims more than this share of the line: it breaks where it must
WORD_SHARE = 0.4


def text_em(text: str) -> float:
    """The width of ``text`` in DejaVu Sans [em]."""
    return sum(GLYPH_EM.get(c, OTHER_EM) for c in text)


class TableLayout(NamedTuple):
    """Column widths [% of the table], which columns keep their cells on one line, and which rows are so
    tall that they may break across pages (:data:`TALL_ROW_LINES`)."""
    widths: list[float]
    nowrap: list[bool]
    tall: list[bool]


#: a row of more lines than this (a long formula) may break across pages: kept whole, it would leave most
#: of a page empty before it
TALL_ROW_LINES = 24


def column_layout(df: pd.DataFrame, line_em: float = LINE_EM) -> TableLayout:
    """Column widths from the text each column holds, measured in the briefing's font.

    Per column: the narrowest width is its longest word (header words in bold), or its longest cell in a
    column of short cells (:data:`SHORT_EM`), which then never wraps (as many such columns as the line holds,
    the narrowest first); the widest is its longest cell. Each adds the cell padding. If all widest widths fit on a line they share it in proportion; otherwise every
    column gets its narrowest width and the rest of the line goes, a little at a time, to the column whose
    widening shortens the table most (:func:`_fill`): the column of long evidence gets the room, not the
    column of ids. Fixed widths let WeasyPrint lay a table out in one pass instead of measuring every cell
    twice (CSS 2.1, section 17.5.2.1): the PDF of the briefing renders about twice as fast.
    """
    word, hi, longest, ems = [], [], [], []
    cap = WORD_SHARE * line_em
    for col in df.columns:
        cells = [str(v) for v in df[col].tolist()]
        # lines break at ordinary spaces and after hyphens: "0\u202fMW" (a number with its unit) is one word
        words = [text_em(w) for text in cells for w in WORD_BREAK.split(text)]
        head = [BOLD * text_em(w) for w in WORD_BREAK.split(str(col))]
        ems.append([text_em(text) for text in cells])
        longest.append(max(ems[-1] or [0.0]))
        word.append(min(max(words + head), cap) + PAD_EM)
        hi.append(max([longest[-1]] + head) + PAD_EM)  # a header wraps rather than widen its column
    short = [bool(len(df)) and n <= SHORT_EM for n in longest]

    def narrowest() -> list[float]:
        return [max(w, n + PAD_EM) if s else w for w, n, s in zip(word, longest, short, strict=True)]

    lo = narrowest()
    while sum(lo) > line_em and any(short):  # not room for every short column on one line: the widest may wrap
        short[max((n, j) for j, n in enumerate(longest) if short[j])[1]] = False
        lo = narrowest()
    if sum(hi) <= line_em:
        widths = hi
    elif sum(lo) >= line_em:
        widths = lo
    else:
        widths = _fill(lo, hi, ems, line_em)
    lines = [max([0.0] + [col[r] / max(w - PAD_EM, 1.0) for col, w in zip(ems, widths, strict=True)])
             for r in range(len(df))]
    return TableLayout([round(100.0 * w / sum(widths), 1) for w in widths], short, [n > TALL_ROW_LINES for n in lines])


#: where a line may break inside a cell: at spaces, and after a hyphen followed by a letter (Unicode line
#: breaking keeps a hyphen with a number after it: "cost-2026" is one word)
WORD_BREAK = re.compile(r"[ \t\n]+|(?<=-)(?=[^\W\d_])")


#: how much the lines of a row's other cells count beside its tallest's (:func:`_fill`)
WRAP_WEIGHT = 0.3


def _height(lines) -> float:
    return float(lines.max(axis=1).sum() + WRAP_WEIGHT * lines.sum())


def _fill(lo: list[float], hi: list[float], ems: list[list[float]], line_em: float, step: float = 0.5) -> list[float]:
    """Share the line beyond the narrowest widths ``lo``: each ``step`` goes to the column whose widening
    most shortens the table, taken as the sum over rows of the row's tallest cell (its text's width over
    the column's, in lines) plus a :data:`WRAP_WEIGHT` of every cell's lines (of two tables of one height,
    the one whose short cells wrap less); what no column can use goes in proportion to what each would
    still like."""
    import numpy as np  # numpy only where a table is laid out

    text = np.array(ems, dtype=float).T  # rows x columns [em]
    widths = np.array(lo, dtype=float)
    top = np.array(hi, dtype=float)
    spare = line_em - widths.sum()
    while spare > 1e-9 and text.size:
        inc = min(step, spare)
        lines = text / (widths - PAD_EM + 1e-9)
        height = _height(lines)
        best, gain = -1, 1e-9
        for j in np.flatnonzero(widths < top):
            trial = lines.copy()
            trial[:, j] = text[:, j] / (widths[j] + inc - PAD_EM)
            if height - _height(trial) > gain:
                best, gain = j, height - _height(trial)
        if best < 0:
            break
        widths[best] += inc
        spare -= inc
    want = np.maximum(top - widths, 0.0)
    if spare > 1e-9:
        widths += spare * (want / want.sum() if want.sum() > 0 else np.full(len(widths), 1 / len(widths)))
    return [float(w) for w in widths]


def column_widths_pct(df: pd.DataFrame, line_em: float = LINE_EM) -> list[float]:
    """Column widths [% of the table] from the text each column holds (:func:`column_layout`)."""
    return column_layout(df, line_em).widths


def cite_links(ids, anchor: str = KNOWLEDGE_ANCHOR) -> str:
    """Source ids as links to their rows of a sources table (:func:`sources_html`), comma-separated."""
    return ", ".join(f'<a href="#{anchor}-{html.escape(i)}">{html.escape(i)}</a>' for i in ids)


def sources_html(df: pd.DataFrame, lang: str, anchor: str = SOURCE_ANCHOR, css: str = "sr-table sr-sources") -> str:
    """A sources frame (columns: source id, citation) as a table like :func:`table_html`'s, with each
    citation's web address a link and each row the target ``#<anchor>-<source id>``."""
    columns = [t("col.id", lang), t("col.sources", lang)]
    if list(df.columns) != columns:
        raise ValueError(f"a sources frame has the columns {columns}, not {list(df.columns)}")
    reg = load_sources()
    layout = column_layout(df)
    classes = _cell_classes(df, layout)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(f'<tr id="{anchor}-{html.escape(i)}"><td{classes[0]}>{html.escape(i)}</td>'
                   f"<td{classes[1]}>{reg[i].citation_html()}</td></tr>" for i in df[columns[0]])
    return _wrapped(f'<table class="dataframe {css}">{_colgroup(layout)}<thead><tr>{head}</tr></thead>'
                    f"<tbody>{rows}</tbody></table>")


def table_html(df: pd.DataFrame, css: str = "sr-table") -> str:
    """A data frame as an HTML table with column widths and cell classes (see :func:`column_layout`), in a
    wrapper that scrolls sideways on a screen narrower than the table's longest words. A cell that is
    :class:`~stargate_report.present.printed.Printed` shows its tagged markup, any other is escaped."""
    layout = column_layout(df)
    classes = _cell_classes(df, layout)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for r, values in enumerate(df.itertuples(index=False, name=None)):
        tr = '<tr class="sr-tall">' if r < len(layout.tall) and layout.tall[r] else "<tr>"
        rows.append(tr + "".join(f"<td{classes[c]}>{markup_of(v)}</td>" for c, v in enumerate(values)) + "</tr>\n")
    return _wrapped(f'<table class="dataframe {css}">\n{_colgroup(layout)}<thead><tr>{head}</tr></thead>'
                    f'<tbody>\n{"".join(rows)}</tbody></table>')


#: words of prose: letters, with a trailing punctuation mark at most (not ids, formulas, numbers or addresses)
_PROSE_WORD = re.compile(r"^[(„“\"']?[^\W\d_]+[)“”\"',.;:!?]*$")


def _cell_classes(df: pd.DataFrame, layout: TableLayout) -> list[str]:
    """The class attribute of each column's cells: ``sr-nowrap`` for short cells, ``sr-prose`` (which may
    be hyphenated) for words, none for ids, formulas and numbers (which break at spaces and hyphens only)."""
    out = []
    for col, nowrap in zip(df.columns, layout.nowrap, strict=True):
        words = [w for v in df[col].tolist() for w in str(v).split()]
        prose = bool(words) and sum(bool(_PROSE_WORD.match(w)) for w in words) >= 0.6 * len(words)
        out.append(' class="sr-nowrap"' if nowrap else ' class="sr-prose"' if prose else "")
    return out


def _colgroup(layout: TableLayout) -> str:
    return "<colgroup>" + "".join(f'<col style="width: {w}%">' for w in layout.widths) + "</colgroup>"


def _wrapped(table: str) -> str:
    return f'<div class="sr-table-wrap">{table}</div>'
