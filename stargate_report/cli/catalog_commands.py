"""The commands that read the knowledge base and the bibliography: ``facts``, ``claims``, ``sources``.

Each imports what it needs inside its function, so the command's start-up loads only that."""
from __future__ import annotations

import json
import textwrap

from stargate_report.cli.commands import EXIT_OK, _table, _terminal_width
from stargate_report.exceptions import ParameterError


def _emit(df, fmt: str, extra: dict | None = None) -> None:
    if fmt == "json":
        records = json.loads(df.to_json(orient="records"))
        print(json.dumps({**(extra or {}), "records": records}, indent=1, ensure_ascii=False))
    elif fmt == "csv":
        print(df.to_csv(index=False), end="")
    else:
        rows = df.astype(str).to_dict("records")
        print(_table(rows, list(df.columns)) if rows else "(no records)")


def cmd_facts(args) -> int:
    from stargate_report.catalog import knowledge_queries as kb
    from stargate_report.catalog import source_age
    from stargate_report.present.formatting import check_lang

    check_lang(args.lang)
    # named as on the command line (the Python API calls them start and end)
    since, until = kb.as_date("since", args.since), kb.as_date("until", args.until)
    df = kb.facts_frame(lang=args.lang, entity=args.entity, site=args.site, kind=args.kind, status=args.status,
                        start=since, end=until)
    extra = {"data_as_of": source_age.data_as_of().isoformat()}
    if args.site:
        extra["site"] = kb.site_record(args.site, args.lang)
    if args.format == "table":
        if args.site:
            site = extra["site"]
            cap = "-" if site["planned_capacity_mw"] is None else f"{site['planned_capacity_mw']:g}"
            print(f"{site['name']} ({site['location']}): {cap} MW planned, "
                  f"builder {site['builder'] or '-'}, operator {site['operator'] or '-'}; "
                  f"sources: {'; '.join(site['sources'])}\n")
        df = df[["date", "id", "status", "statement", "sources"]]
    _emit(df, args.format, extra)
    return EXIT_OK


def cmd_claims(args) -> int:
    from stargate_report.catalog import knowledge_queries as kb
    from stargate_report.catalog import source_age
    from stargate_report.present.formatting import check_lang
    from stargate_report.present.i18n import t

    check_lang(args.lang)
    df = kb.claims_frame(args.lang)
    if args.format != "table":
        _emit(df, args.format, {"data_as_of": source_age.data_as_of().isoformat()})
        return EXIT_OK
    # each claim as a block, wrapped to the terminal: the statement (German: the article's words), the
    # verdict in the language, and the evidence
    width = _terminal_width()
    out = []
    for r in df.itertuples():
        statement = r.quote_de if args.lang == "de" else r.claim_en
        out += textwrap.wrap(f"{r.id}: {t(f'verdict.{r.verdict}', args.lang)}", width, break_long_words=True)
        out += textwrap.wrap(f"„{statement}“" if args.lang == "de" else f'"{statement}"', width,
                             initial_indent="    ", subsequent_indent="    ", break_long_words=True)
        label = {"en": "evidence", "de": "Beleg"}.get(args.lang, "evidence")
        out += textwrap.wrap(f"{label}: {r.evidence}", width, initial_indent="    ", subsequent_indent="      ",
                             break_long_words=True)
        out += textwrap.wrap(f"{t('col.sources', args.lang)}: {r.sources.replace(';', '; ')}", width,
                             initial_indent="    ", subsequent_indent="      ", break_long_words=True)
        out.append("")
    as_of = {"en": "data as of", "de": "Stand der Daten"}.get(args.lang, "data as of")
    out.append(f"{as_of}: {source_age.data_as_of().isoformat()}")
    print("\n".join(out))
    return EXIT_OK


def cmd_sources(args) -> int:
    from stargate_report.catalog import source_age

    if args.stale is not None and args.stale < 0:
        raise ParameterError("stale", args.stale, "a whole number of days >= 0")
    df = source_age.sources_frame(args.stale)
    if args.format == "table":
        df = df[["id", "date", "cited_by", "url"]]
    _emit(df, args.format, {"data_as_of": source_age.data_as_of().isoformat()})
    return EXIT_OK
