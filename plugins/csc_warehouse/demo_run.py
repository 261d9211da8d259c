"""`make run`: the demo end to end, one line per step, and where to look afterwards."""

from __future__ import annotations

from pathlib import Path

from csc_warehouse import orchestration, settings
from csc_warehouse.console import Say


def run_and_explain(say: Say, *, log_path: Path | None) -> int:
    """Start the services, write the demo deliveries, run the weekly DAG for each demo week, then
    build the docs and the committee report. 0 when every week succeeded."""
    from csc_warehouse import demo, services, transforming, warehouse
    from csc_warehouse.quality import data_docs_index
    from csc_warehouse.report import write_report

    for name, where in services.start().items():
        say(f"{name}: {where}")
    warehouse.migrate()
    landing = settings.landing_dir()
    figures = demo.generate(landing)
    say(f"demo deliveries for authority {demo.DEMO_LA_CODE}: {landing} ({len(figures)} weeks)")
    failed = []
    for as_at in figures:
        result = orchestration.run_week(as_at)
        say(orchestration.week_progress(as_at, result))
        if not result.succeeded:
            failed.append(as_at)
    docs = transforming.generate_docs()
    say("dbt docs: written")
    report = write_report(demo.DEMO_LA_CODE, max(figures))
    say(f"committee report for {demo.DEMO_LA_CODE} as at {max(figures)}: written")
    if failed:
        say(f"FAILED weeks: {', '.join(map(str, failed))} (the full log says why)")
    say("")
    say("Where to look:")
    say(f"  warehouse: {settings.redacted(settings.warehouse_url())}")
    say('  tables:    .venv/bin/csc sql "select * from reporting.lac_weekly order by as_at"')
    say(f"  emails:    {settings.mail_dir()}  (one .eml file per message)")
    say('  summaries: .venv/bin/csc sql "select run_id, state, summary from dq.runs order by finished_at"')
    say(f"  dbt docs:  {docs}")
    say(f"  checks:    {data_docs_index()}  (Great Expectations Data Docs)")
    say(f"  report:    {report.markdown}  (and report.html, charts beside it)")
    if log_path is not None:
        say(f"  logs:      {log_path}  (every Airflow and dbt line; CSC_VERBOSE=1 shows them here)")
    return 1 if failed else 0
