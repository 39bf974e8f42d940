"""Per-chapter content from results: tables, charts, text; formatting and translations."""
