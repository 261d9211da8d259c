"""The report's charts, drawn from the same figures as its sentences (PNG, matplotlib)."""

from __future__ import annotations

from pathlib import Path

from csc_warehouse.report.figures import ReportFigures


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no screen on a worker
    import matplotlib.pyplot as plt

    return plt


def weekly_counts(figures: ReportFigures, path: Path) -> Path:
    """Two panels on one time axis: the counts differ too much in size to share a y axis."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    for axis, (label, weeks, colour) in zip(
        axes,
        (
            ("Children on a child protection plan", figures.children_on_plan, "#c0504d"),
            ("Looked-after children", figures.children_looked_after, "#4f81bd"),
        ),
        strict=True,
    ):
        axis.set_title(label, fontsize=10)
        axis.set_ylabel("children")
        if not weeks:
            axis.text(0.5, 0.5, "not published", transform=axis.transAxes, ha="center", color="#888")
            continue
        axis.plot([w.as_at for w in weeks], [w.value for w in weeks], marker="o", color=colour)
        for week in weeks:
            axis.annotate(
                str(week.value),
                (week.as_at, week.value),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
        axis.margins(y=0.25)
    axes[-1].set_xlabel("as at (the Monday of each weekly delivery)")
    fig.suptitle(f"Authority {figures.la_code}: children by week")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def brief_returns(figures: ReportFigures, path: Path) -> Path:
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(8, 3.5))
    weeks = figures.brief_returns_by_week
    axis.bar([w.as_at.isoformat() for w in weeks], [w.value for w in weeks], color="#c0504d")
    axis.set_title("Brief periods of care (3 days or less) ending in a return home, by week")
    axis.set_ylabel("periods of care")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def audit_results(figures: ReportFigures, path: Path) -> Path:
    plt = _pyplot()
    findings = figures.audits
    fig, axis = plt.subplots(figsize=(8, 0.6 * max(len(findings), 1) + 1.2))
    labels = [f.question_text if len(f.question_text) < 60 else f.question_text[:57] + "..." for f in findings]
    axis.barh(labels, [f.pct_met for f in findings], color="#4f81bd")
    for index, finding in enumerate(findings):
        axis.text(finding.pct_met + 1, index, f"{finding.pct_met}% ({finding.ratio})", va="center")
    if not findings:  # as the weekly charts say it, not an empty frame with a meaningless axis
        axis.text(0.5, 0.5, "not published", transform=axis.transAxes, ha="center", color="#888")
        axis.set_yticks([])
    axis.set_xlim(0, 115)
    axis.invert_yaxis()
    axis.set_xlabel("% of applicable cases met")
    axis.set_title("Case audit results by question")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
