#!/usr/bin/env python3
"""Writes the decimal conformance vectors that DecimalConformanceTests checks.

    python3 Tests/Fixtures/decimal/generate.py [DECTEST_DIRECTORY]

Gridflow's numbers are Python's decimal.Context(prec=38, rounding=ROUND_HALF_UP, Emax=37,
Emin=-39) (Etiny = -76), trapping Overflow, DivisionByZero and InvalidOperation: at most 38
significant digits, magnitude below 10^38, at most 76 decimal places. Every expected result here
is computed by Python's decimal module at that context, never copied from a vector.

Two files, one case a line, fields separated by single spaces:

    SOURCE OP OPERAND [OPERAND] EXPECTED

    SOURCE    where the case comes from: "add.decTest:addx001" or "random:17"
    OP        add subtract multiply divide remainder compare round floor ceil sum avg parse
    OPERAND   a number as text (plain or with an exponent, as Number(text) reads it); for round the
              second operand is the number of places; for sum and avg one operand, the values
              joined by commas
    EXPECTED  the result as plain decimal text without trailing zeros ("0", "-0.5"), or
              overflow, division-by-zero; for compare -1, 0 or 1; for parse, when the text is
              refused: digits, places or magnitude

dectest.vectors comes from the General Decimal Arithmetic test files CPython ships
(Lib/test/decimaltestdata): add, subtract, multiply, divide, remainder, compare and quantize, in
their general, dd (decDouble) and dq (decQuad) forms. Vectors outside the documented domain are
skipped with a counted reason, printed at the end (README.md lists them).

random.vectors is a seeded random suite over the whole domain.
"""

import decimal
import os
import random
import re
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction

CONTEXT = decimal.Context(
    prec=38,
    rounding=decimal.ROUND_HALF_UP,
    Emax=37,
    Emin=-39,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[decimal.Overflow, decimal.DivisionByZero, decimal.InvalidOperation],
)
assert CONTEXT.Etiny() == -76

# Exact arithmetic for the values Python's context refuses but Gridflow defines (the remainder
# when the integer quotient has more than 38 digits; rounding to more places than the context
# holds): far more digits than any value in the domain can produce.
WIDE = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_UP, Emax=10**6, Emin=-(10**6), traps=[])

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DECTEST = os.path.join(
    os.path.dirname(decimal.__file__), "test", "decimaltestdata"
)

OPERATIONS = {
    "add": "add",
    "subtract": "subtract",
    "multiply": "multiply",
    "divide": "divide",
    "remainder": "remainder",
    "compare": "compare",
    "quantize": "round",
}
NAMES = ["add", "subtract", "multiply", "divide", "remainder", "compare", "quantize"]
FILES = [name + ".decTest" for name in NAMES] + [
    prefix + name.capitalize() + ".decTest" for prefix in ("dd", "dq") for name in NAMES
]

SYNTAX = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def refusal(d):
    """Why a finite decimal is outside the domain, as Number(text) says it; None when inside."""
    if d == 0:
        return None
    sign, digits, exponent = d.as_tuple()
    digits = list(digits)
    while digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    if len(digits) > 38:
        return "digits"
    if len(digits) + exponent > 38:
        return "magnitude"
    if exponent < -76:
        return "places"
    return None


def plain(d):
    """The value as Number.description writes it."""
    if d == 0:
        return "0"
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def check_domain(d):
    assert d.is_finite() and refusal(d) is None, f"result {d} is outside the domain"
    return d


def at_context(operation, *operands):
    """EXPECTED for an arithmetic operation at Gridflow's context, or None when Python refuses it
    for a reason other than overflow and division by zero."""
    try:
        return plain(check_domain(operation(*operands)))
    except decimal.Overflow:
        return "overflow"
    except decimal.DivisionByZero:
        return "division-by-zero"
    except decimal.InvalidOperation as error:
        # 0/0 is DivisionUndefined, which the C module raises as InvalidOperation([DivisionUndefined]).
        conditions = error.args[0] if error.args and isinstance(error.args[0], list) else [type(error)]
        if any(issubclass(c, decimal.DivisionUndefined) for c in conditions):
            return "division-by-zero"
        return None


def remainder(a, b, notes):
    expected = at_context(CONTEXT.remainder, a, b)
    if expected is not None:
        return expected
    if b == 0:
        return "division-by-zero"
    # DivisionImpossible: the integer quotient has more than 38 digits. Gridflow's % is the exact
    # remainder of truncating division, always in the domain.
    notes["remainder: Python at our context raises DivisionImpossible; expected is the exact remainder"] += 1
    return plain(check_domain(WIDE.remainder(a, b)))


def rounded(a, places, notes):
    """round(a, places): a quantized to 10^-places, half away from zero."""
    quantum = Decimal((0, (1,), -places))
    if places > 200:
        # Far beyond the 76 places a value has: the value itself (WIDE holds 400 digits).
        exact = a
    else:
        exact = a.quantize(quantum, rounding=decimal.ROUND_HALF_UP, context=WIDE)
    try:
        at = CONTEXT.quantize(a, quantum)
        assert at == exact, (a, places, at, exact)
    except decimal.InvalidOperation:
        # The quantized coefficient would have more than 38 digits, or the exponent is below -76:
        # Python's quantize refuses, while the rounded value itself is in the domain.
        notes["round: Python's quantize raises InvalidOperation (coefficient over 38 digits or exponent below -76); expected is the exact rounding"] += 1
    return plain(check_domain(exact))


def compare(a, b):
    return str(int(CONTEXT.compare(a, b)))


def tokens(line):
    """The words of a decTest line; quoted words keep their spaces, doubled quotes unquote."""
    out = []
    i = 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            i += 1
        elif c in "'\"":
            j = i + 1
            word = ""
            while j < len(line):
                if line[j] == c:
                    if j + 1 < len(line) and line[j + 1] == c:
                        word += c
                        j += 2
                        continue
                    break
                word += line[j]
                j += 1
            out.append(word)
            i = j + 1
        elif line.startswith("--", i):
            break
        else:
            j = i
            while j < len(line) and not line[j].isspace():
                j += 1
            out.append(line[i:j])
            i = j
    return out


def dectest(directory):
    cases = []
    reasons = Counter()
    notes = Counter()
    read = 0
    for name in FILES:
        path = os.path.join(directory, name)
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                words = tokens(line)
                if "->" not in words or words[0].endswith(":"):
                    continue
                read += 1
                arrow = words.index("->")
                identifier, operation, operands = words[0], words[1].lower(), words[2:arrow]
                source = f"{name}:{identifier}"
                if operation not in OPERATIONS:
                    reasons[f"operation {operation} (not one of ours)"] += 1
                    continue
                if not all(SYNTAX.match(text) for text in operands):
                    reasons["an operand is not a finite decimal (NaN, Infinity, sNaN, #hex, bad syntax)"] += 1
                    continue
                values = [Decimal(text) for text in operands]
                refused = [refusal(v) for v in values]
                if operation == "quantize":
                    a, quantum = values
                    if refused[0]:
                        reasons[f"operand outside the domain ({refused[0]})"] += 1
                        continue
                    if quantum.as_tuple().exponent > 0:
                        reasons["quantize to a positive exponent (round takes 0 or more places)"] += 1
                        continue
                    places = -quantum.as_tuple().exponent
                    cases.append((source, "round", [operands[0], str(places)], rounded(a, places, notes)))
                    continue
                if any(refused):
                    reason = next(r for r in refused if r)
                    reasons[f"operand outside the domain ({reason})"] += 1
                    continue
                a, b = values
                if operation == "compare":
                    expected = compare(a, b)
                elif operation == "remainder":
                    expected = remainder(a, b, notes)
                else:
                    method = getattr(CONTEXT, operation)
                    expected = at_context(method, a, b)
                    assert expected is not None, (source, operation, a, b)
                cases.append((source, operation, operands, expected))
    return cases, reasons, notes, read


def parse_cases(cases, directory):
    """Number(text) for every distinct operand text of the decTest files that has number syntax:
    the value, or why it is refused."""
    seen = set()
    out = []
    for name in FILES:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            for line in handle:
                words = tokens(line)
                if "->" not in words or len(words) < 3:
                    continue
                for text in words[2 : words.index("->")]:
                    if text in seen or not SYNTAX.match(text):
                        continue
                    seen.add(text)
                    d = Decimal(text)
                    out.append((f"{name}:{words[0]}", "parse", [text], refusal(d) or plain(d)))
    return out


# Random operands across the domain.


def random_operand(rng):
    kind = rng.choice(
        ["small", "small", "money", "tiny", "huge", "full", "full", "trailing", "unit", "power", "half", "exponent"]
    )
    sign = "-" if rng.random() < 0.35 else ""
    if kind == "small":
        digits = rng.randint(1, 18)
        scale = rng.randint(0, min(18, digits + 2))
        return sign + text_of(rng.randrange(10 ** (digits - 1), 10**digits), scale)
    if kind == "money":
        return sign + text_of(rng.randrange(0, 10**9), rng.choice([0, 1, 2, 2, 4]))
    if kind == "tiny":
        digits = rng.randint(1, 38)
        scale = rng.randint(max(digits, 39), 76)
        return sign + text_of(rng.randrange(10 ** (digits - 1), 10**digits), scale)
    if kind == "huge":
        digits = rng.randint(30, 38)
        return sign + str(rng.randrange(10 ** (digits - 1), 10**digits))
    if kind == "full":
        return sign + text_of(rng.randrange(10**37, 10**38), rng.randint(0, 76))
    if kind == "trailing":
        # Few significant digits written with many zeros: after the point, or before it.
        digits = rng.randint(1, 6)
        value = rng.randrange(10 ** (digits - 1), 10**digits)
        scale = rng.randint(0, 30)
        text = text_of(value, scale)
        if rng.random() < 0.5:
            text = text + ("" if "." in text else ".") + "0" * rng.randint(1, 60)
        else:
            zeros = rng.randint(0, max(0, 38 - digits - 1))
            text = str(value) + "0" * zeros
        return sign + text
    if kind == "unit":
        return sign + rng.choice(["0", "1", "2", "3", "7", "9", "10", "0.1", "0.5", "0.3", "100", "1000000"])
    if kind == "power":
        return sign + text_of(1, rng.randint(-37, 76))
    if kind == "half":
        # Ties for rounding: ...5 at the last place.
        digits = rng.randint(1, 38)
        value = rng.randrange(10 ** (digits - 1), 10**digits) // 10 * 10 + 5
        if value >= 10**38:
            value -= 10
        return sign + text_of(value, rng.randint(0, 76))
    # exponent notation
    digits = rng.randint(1, 38)
    coefficient = rng.randrange(10 ** (digits - 1), 10**digits)
    exponent = rng.randint(-76, 38 - digits)
    return f"{sign}{coefficient}E{exponent:+d}"


def text_of(value, scale):
    """value / 10^scale written plainly; a negative scale appends zeros."""
    if scale <= 0:
        return str(value) + "0" * (-scale)
    text = str(value).rjust(scale + 1, "0")
    return text[:-scale] + "." + text[-scale:]


def random_cases(count_per_operation=500, seed=20241129):
    rng = random.Random(seed)
    notes = Counter()
    cases = []

    def operand():
        while True:
            text = random_operand(rng)
            if refusal(Decimal(text)) is None:
                return text

    def add(operation, operands, expected):
        cases.append((f"random:{len(cases) + 1}", operation, operands, expected))

    for operation in ["add", "subtract", "multiply", "divide", "remainder", "compare"]:
        for _ in range(count_per_operation):
            a, b = operand(), operand()
            if rng.random() < 0.05:
                b = rng.choice(["0", "-0", "0.000"]) if operation in ("divide", "remainder") else a
            x, y = Decimal(a), Decimal(b)
            if operation == "compare":
                expected = compare(x, y)
            elif operation == "remainder":
                expected = remainder(x, y, notes)
            else:
                expected = at_context(getattr(CONTEXT, operation), x, y)
            add(operation, [a, b], expected)
    for _ in range(count_per_operation):
        a = operand()
        places = rng.choice([0, 0, 1, 2, 2, 3, 4, 6, 8, 10, rng.randint(0, 80)])
        add("round", [a, str(places)], rounded(Decimal(a), places, notes))
    for operation, rounding in [("floor", decimal.ROUND_FLOOR), ("ceil", decimal.ROUND_CEILING)]:
        for _ in range(count_per_operation // 2):
            a = operand()
            add(operation, [a], plain(check_domain(Decimal(a).to_integral_value(rounding=rounding))))
    for operation in ["sum", "avg"]:
        for _ in range(count_per_operation // 4):
            values = [operand() for _ in range(rng.randint(1, 8))]
            if rng.random() < 0.3:
                # Partial sums past 10^38 that come back.
                big = str(rng.randrange(6 * 10**37, 10**38))
                values = [big, big, "-" + big] + values
            exact = Decimal(0)
            for v in values:
                exact = WIDE.add(exact, Decimal(v))
            assert exact == sum(Fraction(v) for v in values)
            if operation == "sum":
                expected = at_context(CONTEXT.plus, exact)
            else:
                expected = at_context(CONTEXT.divide, exact, Decimal(len(values)))
            add(operation, [",".join(values)], expected)
    for _ in range(count_per_operation // 2):
        # Parsing: text near the edges of the domain, in and out.
        digits = rng.randint(30, 42)
        value = rng.randrange(10 ** (digits - 1), 10**digits)
        text = text_of(value, rng.randint(-4, 80))
        if rng.random() < 0.3:
            text = text + ("" if "." in text else ".") + "0" * rng.randint(1, 50)
        d = Decimal(text)
        add("parse", [text], refusal(d) or plain(d))
    return cases, notes


def write(path, cases):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# Generated by generate.py; expected results from Python's decimal at Gridflow's context.\n")
        for source, operation, operands, expected in cases:
            assert all(" " not in text for text in operands)
            handle.write(" ".join([source, operation, *operands, expected]) + "\n")


REFUSALS = ("digits", "places", "magnitude")


def errors(cases):
    expected = Counter(e for *_, e in cases)
    return f"{expected['overflow']} overflow, {expected['division-by-zero']} division by zero"


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DECTEST
    cases, reasons, notes, read = dectest(directory)
    parses = parse_cases(cases, directory)
    write(os.path.join(HERE, "dectest.vectors"), cases + parses)
    print(f"decTest: {read} vectors read from {len(FILES)} files, {len(cases)} cases written, "
          f"{read - len(cases)} skipped; {len(parses)} parse cases from their operands")
    by_operation = Counter(operation for _, operation, _, _ in cases)
    print("  cases by operation: " + ", ".join(f"{k} {v}" for k, v in sorted(by_operation.items())))
    print("  " + errors(cases) + f"; {sum(1 for *_, e in parses if e in REFUSALS)} parse cases refused")
    print("  skipped:")
    for reason, count in reasons.most_common():
        print(f"  {count:5d}  {reason}")
    print("  kept, with Gridflow's exact definition where Python's context refuses:")
    for reason, count in notes.most_common():
        print(f"  {count:5d}  {reason}")
    random_list, random_notes = random_cases()
    write(os.path.join(HERE, "random.vectors"), random_list)
    by_operation = Counter(operation for _, operation, _, _ in random_list)
    print(f"random: {len(random_list)} cases (seed 20241129): "
          + ", ".join(f"{k} {v}" for k, v in sorted(by_operation.items())))
    print("  " + errors(random_list))
    for reason, count in random_notes.most_common():
        print(f"  {count:5d}  {reason}")


if __name__ == "__main__":
    main()
