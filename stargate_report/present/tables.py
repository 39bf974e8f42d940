"""Tables of a briefing as HTML: fixed column widths from their text, sources with links, citations."""
from __future__ import annotations

import html
import re

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


#: characters of table text (7.5 pt DejaVu Sans, about 1.46 mm each) across the 162 mm text width of A4
TABLE_LINE_CHARS = 110


def column_widths_pct(df: pd.DataFrame, line_chars: int = TABLE_LINE_CHARS) -> list[float]:
    """Column widths [% of the table] from the text each column holds, as automatic layout would give.

    Per column: the narrowest width is its longest word (header included), the widest its longest cell;
    each adds two characters of padding. If all widest widths fit on a line they share it in proportion;
    otherwise every column gets its narrowest width and the rest of the line is shared in proportion to
    what each column would still like (the CSS 2.1 automatic table layout, section 17.5.2.2). Fixed
    widths let WeasyPrint lay a table out in one pass instead of measuring every cell twice (section
    17.5.2.1): the PDF of the briefing renders about twice as fast.
    """
    lo, hi = [], []
    for col in df.columns:
        cells = [str(v) for v in df[col].tolist()]
        # lines break at ordinary spaces only: "0\u202fMW" (a number with its unit) is one word
        words = [len(w) for text in cells + [str(col)] for w in re.split(r"[ \t\n]+", text)] or [1]
        lo.append(max(words) + 2)
        hi.append(max([len(text) for text in cells] + words) + 2)  # a header wraps rather than widen its column
    if sum(hi) <= line_chars:
        widths = hi
    elif sum(lo) >= line_chars:
        widths = lo
    else:
        spare = line_chars - sum(lo)
        want = [h - m for h, m in zip(hi, lo, strict=True)]
        widths = [m + spare * w / sum(want) for m, w in zip(lo, want, strict=True)]
    return [round(100.0 * w / sum(widths), 1) for w in widths]


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
    cols = "".join(f'<col style="width: {w}%">' for w in column_widths_pct(df))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(f'<tr id="{anchor}-{html.escape(i)}"><td>{html.escape(i)}</td><td>{reg[i].citation_html()}</td></tr>'
                   for i in df[columns[0]])
    return (f'<table class="dataframe {css}"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def table_html(df: pd.DataFrame, css: str = "sr-table") -> str:
    """A data frame as an HTML table with fixed column widths (see :func:`column_widths_pct`); a cell that
    is :class:`~stargate_report.present.printed.Printed` shows its tagged markup, any other is escaped."""
    cols = "".join(f'<col style="width: {w}%">' for w in column_widths_pct(df))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{markup_of(v)}</td>" for v in row) + "</tr>\n"
                   for row in df.itertuples(index=False, name=None))
    return (f'<table class="dataframe {css}">\n<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}</tbody></table>")
