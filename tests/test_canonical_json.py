"""RFC 8785 (JCS) canonical JSON: the RFC's own test vectors, and untrusted JSON refused."""

from __future__ import annotations

import json
import re
import struct

import pytest

from signoff._canonical import (
    INTEGER_TOO_LARGE,
    MAX_DEPTH,
    NOT_FINITE,
    TOO_DEEP,
    canonical_json,
    format_number,
    parse_json,
)

# RFC 8785 §3.2.2, the example of number, string and literal serialisation.
RFC_3_2_2_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_3_2_2_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)

# RFC 8785 §3.2.3, sorting by UTF-16 code units (the emoji's surrogates sort before U+FB33).
RFC_3_2_3_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC_3_2_3_ORDER = ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis"]
RFC_3_2_3_ORDER += ["Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"]

# RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript string form.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def _double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


def test_rfc_8785_serialisation_example():
    assert canonical_json(json.loads(RFC_3_2_2_INPUT)).decode("utf-8") == RFC_3_2_2_OUTPUT


def test_rfc_8785_sorting_example():
    document = json.loads(RFC_3_2_3_INPUT)
    assert list(json.loads(canonical_json(document)).values()) == RFC_3_2_3_ORDER
    # Python sorts code points, which would put U+FB33 before the emoji.
    assert sorted(document)[-1] == "\U0001f600"


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_rfc_8785_appendix_b_numbers(bits: str, expected: str):
    assert format_number(_double(bits)) == expected
    assert canonical_json([_double(bits)]) == f"[{expected}]".encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_rfc_8785_appendix_b_nan_and_infinity_are_refused(bits: str):
    with pytest.raises(ValueError, match="must be finite"):
        canonical_json({"x": _double(bits)})


def test_whole_floats_are_integers_and_small_ones_switch_to_exponents():
    assert canonical_json({"a": 1.0, "b": 1e-7, "c": 1e21, "d": 1e20, "e": -0.0}) == (
        b'{"a":1,"b":1e-7,"c":1e+21,"d":100000000000000000000,"e":0}'
    )


def test_integers_beyond_two_to_the_53_are_refused():
    assert canonical_json(2**53) == b"9007199254740992"
    with pytest.raises(ValueError, match="beyond") as caught:
        canonical_json({"n": 2**53 + 1})
    assert str(caught.value) == INTEGER_TOO_LARGE.format(digits=16)


def test_keys_that_are_not_strings_and_lone_surrogates_are_refused():
    with pytest.raises(TypeError):
        canonical_json({1: 2})
    with pytest.raises(ValueError, match="lone surrogate"):
        canonical_json({"k": "\ud800"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"x": NaN}', NOT_FINITE.format(value="NaN")),
        ('{"x": -Infinity}', NOT_FINITE.format(value="-Infinity")),
        ('{"x": 1e999}', "the number 1e999 is too large"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), TOO_DEEP.format(limit=MAX_DEPTH)),
        ('{"x": ' + "9" * 5000 + "}", "Exceeds the limit"),
    ],
    ids=["nan", "infinity", "overflow", "deep", "5000-digits"],
)
def test_parse_json_refuses_what_cannot_be_hashed(text: str, message: str):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_json(text)


def test_parse_json_reads_deep_strings_that_only_look_nested():
    text = json.dumps({"s": "[" * 10_000})
    assert parse_json(text.encode()) == {"s": "[" * 10_000}
