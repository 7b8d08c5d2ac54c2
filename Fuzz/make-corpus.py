#!/usr/bin/env python3
"""Builds the committed seed corpus from the shipped definitions (stdlib and PyYAML only).

Corpus/expressions/: every string in the shipped YAML that looks like an expression, and every
line of Tests/Fixtures/expressions/invalid.txt. Corpus/definitions/: every shipped definition
file, prefixed with the byte that tells the harness which file of its small unit it replaces
(0 the unit, 1 a workflow, 2 a rule file).
"""
import hashlib, os, pathlib, re, yaml

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(__file__).resolve().parent / "Corpus"

def save(kind, data):
    folder = out / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)

looks = re.compile(r"(==|!=|>=|<=|\band\b|\bor\b|\bnot\b|\?\?|case\.|\w+\(|\bnow\(|\d+wd\b| [<>+*/%-] )")
def strings(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node

seen = set()
for path in sorted(list(root.glob("Workflows/**/*.yaml")) + list(root.glob("Rules/**/*.yaml"))):
    text = path.read_bytes()
    kind = 0 if path.name == "unit.yaml" else (2 if "Rules" in path.parts else 1)
    save("definitions", bytes([kind]) + text)
    for s in strings(yaml.safe_load(text)):
        if looks.search(s) and s not in seen and len(s) < 4000:
            seen.add(s)
            save("expressions", s.encode())
for line in (root / "Tests/Fixtures/expressions/invalid.txt").read_text().splitlines():
    if line and not line.startswith("#"):
        save("expressions", line.removeprefix("guard: ").encode())
print(len(list((out / "expressions").iterdir())), "expressions,", len(list((out / "definitions").iterdir())), "definitions")
