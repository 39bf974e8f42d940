"""What the briefing tests read in a built briefing's text: English prose left in a German edition."""
from __future__ import annotations

import html
import re

#: words of English prose that German text does not use (a heuristic: a line with two of them is English)
#: (not "in", "an", "was", "it": German words too, or IT)
ENGLISH_WORDS = re.compile(r"\b(the|and|of|with|from|for|is|are|were|by|which|that|not|only|per|read|this|its|at|"
                           r"or|as|on|to)\b")
#: names that contain such words
NAMES = ("The Green Grid", "Today in Energy")


def english_lines(markup: str) -> list[str]:
    """Lines of the briefing's visible text that read as English prose, outside quoted sources: the source
    tables' citations (titles, publishers, locators) and web addresses are the sources' own words, ids and
    file hashes are no language, and chart markup is not text."""
    from stargate_report.catalog.sources import load_sources

    markup = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", markup, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", markup))
    quoted = [re.sub(r"\s+https?://\S+$", "", " ".join(s.citation().split())) for s in load_sources().values()]
    found = []
    for line in (" ".join(part.split()) for part in text.split("\n")):
        for q in (*quoted, *NAMES):
            line = line.replace(q, " ")
        line = re.sub(r"https?://\S+|\b[\w.-]+:[\w.-]+\b", " ", line)  # web addresses, ids such as fact:x
        if len(set(ENGLISH_WORDS.findall(line.lower()))) >= 2:
            found.append(line)
    return found
