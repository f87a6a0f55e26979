"""The HTML report: the knowledge base and the metrics, as one sourced, self-contained file."""

from sco_observatory.report.builder import build_report

__all__ = ["build_report"]
