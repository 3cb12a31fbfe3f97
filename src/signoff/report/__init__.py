"""Reports for people who will not read JSON: the audit report (HTML, PDF) and the model card.

Both are faces over an audit's ``results.json`` and ``manifest.json``: pure
functions from the two documents to bytes, deterministic, printing only
numbers read from them.  :func:`load_audit` and :func:`write_files` are the
I/O at their edge.
"""

from ._files import NOT_AUDIT_SHAPE, AuditDocuments, load_audit, write_files
from ._model_card import (
    MODEL_CARD_FILES,
    MODEL_CARD_SECTIONS,
    model_card_context,
    render_model_card,
)
from ._pdf import html_to_pdf, pdf_available
from ._render import (
    REPORT_FORMATS,
    SECTION_TITLES,
    ReportFormat,
    parse_formats,
    render_report,
    report_context,
)

__all__ = [
    "MODEL_CARD_FILES",
    "MODEL_CARD_SECTIONS",
    "NOT_AUDIT_SHAPE",
    "REPORT_FORMATS",
    "SECTION_TITLES",
    "AuditDocuments",
    "ReportFormat",
    "html_to_pdf",
    "load_audit",
    "model_card_context",
    "parse_formats",
    "pdf_available",
    "render_model_card",
    "render_report",
    "report_context",
    "write_files",
]
