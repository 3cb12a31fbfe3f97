"""The model card: Markdown and HTML in the sections of Mitchell et al. (2019).

*Model Cards for Model Reporting* (FAT* 2019) asks for nine sections.  The
quantitative ones are filled from the audit (``results.json`` and
``manifest.json``); what an audit cannot know — intended use, out-of-scope
uses, the owner, the training data — comes from the config's ``model_card:``
section and, when missing, is listed as *to be completed*, never invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from ..config import ModelCardConfig
from ..metrics import TABLES
from ._fairness import power_statement
from ._format import ci_text, metric_label, num, pct, short, value_text
from ._render import jinja_environment, stylesheet, subject_name
from ._verdict import gate_rows

__all__ = ["MODEL_CARD_FILES", "MODEL_CARD_SECTIONS", "model_card_context", "render_model_card"]

#: The sections of Mitchell et al. (2019), in order.
MODEL_CARD_SECTIONS = (
    "Model details",
    "Intended use",
    "Factors",
    "Metrics",
    "Evaluation data",
    "Training data",
    "Quantitative analyses",
    "Ethical considerations",
    "Caveats and recommendations",
)
#: The files :func:`render_model_card` returns.
MODEL_CARD_FILES = ("model_card.md", "model_card.html")
TO_BE_COMPLETED = "To be completed"
_OVERALL = TABLES["model_card"]
_DISPARITIES = TABLES["key_disparities"]


def _estimate_row(name: str, estimate: Mapping[str, Any] | None) -> dict[str, str]:
    return {"label": metric_label(name), "value": value_text(estimate), "ci": ci_text(estimate)}


def model_card_context(results: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What the model card prints, read from the audit and the config's ``model_card:``.

    Returns
    -------
    dict
        ``card`` (each field's text, or None), ``missing`` (labels of the
        fields to be completed) and one entry per section.
    """
    config = manifest.get("config") or {}
    card = {
        name: (config.get("model_card") or {}).get(name) for name in ModelCardConfig.model_fields
    }
    missing = [
        f"`model_card.{name}`" for name, value in card.items() if not value and name != "name"
    ]
    inputs = manifest.get("inputs") or {}
    model = inputs.get("model") or {}
    data = inputs.get("data") or {}
    overall = results["overall"]
    blocks = results.get("by_attribute", {})
    gates = gate_rows(results)
    policy = results.get("policy")
    return {
        "title": subject_name(manifest),
        "sections": MODEL_CARD_SECTIONS,
        "tbc": TO_BE_COMPLETED,
        "card": card,
        "missing": missing,
        "model": {
            "path": model.get("path"),
            "format": model.get("format"),
            "sha256": model.get("sha256"),
        },
        "audited_at": manifest.get("created_at"),
        "signoff_version": manifest.get("signoff_version"),
        "results_sha256": manifest.get("results_sha256"),
        "threshold": short(results.get("threshold")),
        "positive_label": str(results.get("positive_label")),
        "bootstrap": {
            "replicates": num((results.get("bootstrap") or {}).get("replicates")),
            "confidence": pct((results.get("bootstrap") or {}).get("confidence"), None),
        },
        "factors": [
            {
                "name": name,
                "kind": block.get("kind", "attribute"),
                "privileged": block.get("privileged"),
                "groups": [
                    (group, num(entry["count"]["value"]))
                    for group, entry in block["groups"].items()
                ],
            }
            for name, block in blocks.items()
        ],
        "proxies": list(config.get("proxies") or []),
        "data": {
            "path": data.get("path"),
            "sha256": data.get("sha256"),
            "rows": num(data.get("rows")),
        },
        "base_rate": value_text(overall.get("base_rate")),
        "overall": [_estimate_row(m, overall.get(m)) for m in _OVERALL if m in overall],
        "calibration": _estimate_row(
            "expected_calibration_error", overall.get("expected_calibration_error")
        ),
        "disparity_labels": [metric_label(m) for m in _DISPARITIES],
        "disparities": [
            (name, [(value_text(block.get(m)), ci_text(block.get(m))) for m in _DISPARITIES])
            for name, block in blocks.items()
        ],
        "policy": policy,
        "counts": {s: sum(1 for g in gates if g["status"] == s) for s in ("FAIL", "WARN", "PASS")},
        "attention": [g for g in gates if g["status"] in ("ERROR", "FAIL", "WARN")],
        "warnings": list(results.get("warnings", [])),
        "power": [
            (name, power_statement(block, config.get("power_effect"), config.get("min_group_size")))
            for name, block in blocks.items()
        ],
    }


def render_model_card(results: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, bytes]:
    """Render the model card as Markdown and HTML.

    Parameters
    ----------
    results : Mapping
        ``results.json`` of an audit.
    manifest : Mapping
        Its ``manifest.json``; ``config.model_card`` supplies what the audit
        cannot know.

    Returns
    -------
    dict of str to bytes
        ``{"model_card.md": …, "model_card.html": …}``; deterministic.
    """
    context = model_card_context(results, manifest)
    environment = jinja_environment()
    markdown = environment.get_template("model_card.md.j2").render(context)
    context["stylesheet"] = Markup(stylesheet())
    html = environment.get_template("model_card.html.j2").render(context)
    return {"model_card.md": markdown.encode("utf-8"), "model_card.html": html.encode("utf-8")}
