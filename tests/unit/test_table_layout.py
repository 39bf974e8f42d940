"""Table column widths from the text measured in the briefing's font, and the cell classes that go with them."""
from __future__ import annotations

import pandas as pd
import pytest

from stargate_report.present.tables import LINE_EM, PAD_EM, column_layout, table_html, text_em

EVIDENCE = ("Supported: the aim of building very large AI infrastructure, OpenAI's announcement of 21 January 2025 "
            "(the same text as SoftBank's release) says: 'The Stargate Project is a new company which intends to "
            "invest USD 500 billion over the next four years building new AI infrastructure for OpenAI'. ") * 2


def claims(verdict: str = "partly supported") -> pd.DataFrame:
    return pd.DataFrame({
        "Article (German)": ["„die weltweit größte und leistungsfähigste KI-Infrastruktur zu schaffen“", "„Europa und Japan“"],
        "Claim": ["The alliance aims to create the world's largest infrastructure.", "Europe and Japan."],
        "Verdict": [verdict, "not supported"],
        "Evidence": [EVIDENCE, "No source ties the SB Energy deal to Europe or Japan."],
        "Sources": ["openai-stargate-2025; softbank-stargate-2025", "prn-stargate-norway; epoch-1gw-cost-2026"],
    })


def test_text_is_measured_in_the_fonts_widths():
    assert text_em("supported") == pytest.approx(5.09, abs=0.05)  # DejaVu Sans, from its advance widths
    assert text_em("mmmm") > text_em("iiii") * 3


@pytest.mark.parametrize("verdict", ["supported", "partly supported", "teilweise belegt"])
def test_a_verdict_keeps_to_one_line_in_a_column_wide_enough_for_it(verdict):
    df = claims(verdict)
    layout = column_layout(df)
    assert layout.nowrap == [False, False, True, False, False]
    width_em = layout.widths[2] / 100 * LINE_EM
    assert width_em >= max(text_em(v) for v in df["Verdict"]) + PAD_EM - 0.1  # "suppor-ted" no more
    assert sum(layout.widths) == pytest.approx(100.0, abs=0.3)


def test_the_longest_text_gets_the_room():
    widths = column_layout(claims()).widths
    assert widths[3] == max(widths)  # the evidence, not the ids of the sources
    assert widths[3] > 1.5 * widths[4]


def test_a_hyphen_before_a_number_does_not_break():
    # "epoch-1gw-cost-2026" breaks after "epoch-" and "1gw-" only: its column is at least as wide as "cost-2026;"
    df = pd.DataFrame({"Sources": ["epoch-1gw-cost-2026"], "Note": ["x " * 200]})
    assert column_layout(df).widths[0] / 100 * LINE_EM >= text_em("cost-2026") + PAD_EM - 0.1


def test_cells_are_classed_and_the_table_scrolls_in_a_wrapper():
    markup = table_html(claims())
    assert markup.startswith('<div class="sr-table-wrap"><table') and markup.endswith("</table></div>")
    assert markup.count('<td class="sr-nowrap">') == 2  # the verdicts
    assert markup.count('<td class="sr-prose">') == 6  # article, claim, evidence: may be hyphenated on paper
    assert markup.count("<td>") == 2  # the source ids: never hyphenated
    assert markup.count("<col ") == 5


def test_a_row_of_most_of_a_page_may_break_across_pages():
    df = pd.DataFrame({"Quantity": ["supply_cost_usd_per_mwh", "it_capex_usd"],
                       "Formula": ["(solar_mw_cfe * KW_PER_MW * cost.capital_recovery_factor(discount_rate)) + " * 40,
                                   "accelerator_count * it_capex_usd_per_accelerator"]})
    assert column_layout(df).tall == [True, False]
    assert table_html(df).count('<tr class="sr-tall">') == 1
