"""Window data quality: schema, null share change, range, unseen categories and PII."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signoff.monitor import (
    find_pii,
    iban_valid,
    luhn_valid,
    make_spec,
    profile_frame,
    window_quality,
)

REFERENCE = pd.DataFrame(
    {
        "income": np.linspace(1000, 5000, 200),
        "purpose": np.tile(["car", "home", "study", "other"], 50).astype(object),
        "age": np.arange(200) % 50 + 20,
    }
)
SPEC = make_spec(REFERENCE, features=["income", "purpose", "age"], score=None)
KINDS = {"income": "numeric", "purpose": "categorical", "age": "numeric"}


def _quality(window: pd.DataFrame):
    return window_quality(
        window, profile_frame(window, SPEC), profile_frame(REFERENCE, SPEC), reference_kinds=KINDS
    )


def test_schema_missing_extra_and_retyped_columns_are_named():
    window = REFERENCE.drop(columns=["age"]).assign(
        income=["n/a"] + [str(v) for v in REFERENCE["income"][1:]], new_col=1
    )
    quality = _quality(window)
    assert quality.schema.missing == ("age",)
    assert quality.schema.extra == ("new_col",)
    assert dict(quality.schema.retyped) == {"income": ("numeric", "categorical")}
    assert quality.summary()["schema_change_count"] == 3


def test_null_share_change_out_of_range_and_unseen_categories():
    window = REFERENCE.copy()
    window.loc[:19, "income"] = np.nan  # 10 % nulls
    window.loc[20:29, "income"] = 10_000.0  # above the reference maximum
    window.loc[:49, "purpose"] = "crypto"  # a quarter unseen
    quality = _quality(window)
    income = quality.columns["income"]
    assert income.null_share_change == pytest.approx(0.10)
    assert income.out_of_range_share == pytest.approx(10 / 180)
    purpose = quality.columns["purpose"]
    assert purpose.unseen_share == pytest.approx(0.25)
    assert purpose.unseen_examples == ("crypto",)
    summary = quality.summary()
    assert summary["null_share_change"] == pytest.approx(0.10)
    assert summary["unseen_category_share"] == pytest.approx(0.25)


def test_luhn_and_iban_checks():
    assert luhn_valid(
        ["4111 1111 1111 1111", "4111 1111 1111 1112", "5500-0000-0000-0004"]
    ).tolist() == [True, False, True]
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")


def test_pii_in_column_names_and_sampled_values():
    rows = 3000
    frame = pd.DataFrame(
        {
            "contact": [f"user{i}@example.com" for i in range(rows)],
            "customer_phone": ["n/a"] * rows,
            "note": ["4111 1111 1111 1111", "078-05-1120", "DE89370400440532013000"] * (rows // 3),
            "digits": ["4111 1111 1111 1112"] * rows,  # fails Luhn: not a card
            "phone_like": ["+44 20 7946 0958"] * rows,
            "amount": np.arange(rows, dtype=float),
        }
    )
    found = {f.column: f for f in find_pii(frame)}
    assert set(found) == {"contact", "customer_phone", "note", "phone_like"}
    assert found["contact"].kinds == ("email",)
    assert found["contact"].sampled == 1000
    assert found["customer_phone"].in_name
    assert not found["customer_phone"].kinds
    assert found["note"].kinds == ("card_number", "us_ssn", "iban")
    assert found["phone_like"].kinds == ("phone",)
