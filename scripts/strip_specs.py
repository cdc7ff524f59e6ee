"""Write the facts-only form of the vendors' OpenAPI documents into specs/.

The originals (../shared/specs, provenance in its SOURCES.md) carry the vendors' prose. The
repository keeps their facts only: paths, methods, parameters, request and response schemas,
enums, formats, limits, x-token-cost, operationIds, tags, security. Every prose field
(description, summary, title inside schemas, examples, externalDocs, x-tool-description, scope
explanations) is removed; where OpenAPI requires a description (responses), it is left empty.
Attio's operations have no operationId; each gets one made from its summary's words, which is
what our tool names come from, so the generator needs no prose.

Besides the documents it writes prose-fingerprints.txt: short hashes of every 8-word run of the
vendors' prose (and of each whole short text), so a test can prove our descriptions copy none of
it in a clone that has no ../shared.

Usage: python scripts/strip_specs.py [--source DIR] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "specs"
DEFAULT_OUT = ROOT / "specs"

# Source file -> facts-only file.
DOCUMENTS = {
    "pipedrive-v1.openapi.yaml": "pipedrive-v1.json",
    "pipedrive-v2.openapi.yaml": "pipedrive-v2.json",
    "attio.openapi.json": "attio.json",
}
FINGERPRINTS = "prose-fingerprints.txt"

PROSE = frozenset(
    {"description", "summary", "example", "examples", "externalDocs", "x-tool-description", "contact"}
)
# Objects whose keys are names (of paths, properties, media types, status codes ...), not keywords:
# a property literally called "description" or "title" is a fact and stays.
NAME_MAPS = frozenset(
    {
        "paths",
        "properties",
        "patternProperties",
        "responses",
        "content",
        "headers",
        "links",
        "callbacks",
        "encoding",
        "variables",
        "schemas",
        "parameters",
        "requestBodies",
        "securitySchemes",
        "pathItems",
        "webhooks",
    }
)
# Values kept exactly as they are (their strings are data: enum values, scope names, refs).
VERBATIM = frozenset({"enum", "required", "default", "const", "security", "mapping", "x-mint"})
WORD_RUN = 8
HASH_CHARS = 12


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def strip(node: Any, key: str | None = None, *, in_schema: bool = False) -> Any:
    """`node` without prose; `key` is the keyword it sits under in its parent."""
    if key in VERBATIM:
        return node
    if isinstance(node, list):
        if key == "tags":
            return [t["name"] if isinstance(t, dict) else t for t in node]
        return [strip(item, None, in_schema=in_schema) for item in node]
    if not isinstance(node, dict):
        return node
    if key in NAME_MAPS and not (key == "parameters" and isinstance(node, list)):
        schemas = key in ("properties", "patternProperties", "schemas")
        return {name: strip(value, None, in_schema=schemas) for name, value in node.items()}
    if key == "scopes":
        return dict.fromkeys(node, "")
    out: dict[str, Any] = {}
    for name, value in node.items():
        if name in PROSE or (in_schema and name == "title"):
            continue
        child_schema = in_schema or name in ("schema", "items", "additionalProperties", "not")
        if name in ("allOf", "anyOf", "oneOf"):
            child_schema = True
        out[name] = strip(value, name, in_schema=child_schema)
    return out


def facts_only(document: dict[str, Any], *, name_operations: bool) -> dict[str, Any]:
    out = strip(document)
    info = document.get("info", {})
    out["info"] = {"title": info.get("title", ""), "version": info.get("version", "")}
    if "tags" in document:
        out["tags"] = [{"name": t["name"]} for t in document["tags"]]
    for path, item in out.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            for response in operation.get("responses", {}).values():
                if isinstance(response, dict) and "$ref" not in response:
                    response["description"] = ""  # required by OpenAPI; its text is prose
            if name_operations and "operationId" not in operation:
                summary = document["paths"][path][method]["summary"]
                operation["operationId"] = "-".join(
                    w for w in re.split(r"[^a-z0-9]+", summary.lower()) if w and w not in ("a", "an", "the")
                )
    for response in out.get("components", {}).get("responses", {}).values():
        if isinstance(response, dict):
            response["description"] = ""
    return out


def prose_texts(node: Any, prose: bool = False) -> list[str]:
    """Every prose string of a document: the strings under the keys `strip` removes."""
    if isinstance(node, str):
        return [node] if prose else []
    if isinstance(node, list):
        return [text for item in node for text in prose_texts(item, prose)]
    if not isinstance(node, dict):
        return []
    found: list[str] = []
    for name, value in node.items():
        inner = prose or name in PROSE or name == "title"
        if name == "scopes" and isinstance(value, dict):
            found += [str(v) for v in value.values()]
        else:
            found += prose_texts(value, inner)
    return found


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def fingerprint(run: str) -> str:
    return hashlib.blake2b(run.encode(), digest_size=8).hexdigest()[:HASH_CHARS]


def fingerprints(texts: list[str]) -> list[str]:
    """Hashes of every WORD_RUN-word run, and of each whole text of 4 to WORD_RUN-1 words."""
    out: set[str] = set()
    for text in texts:
        w = words(text)
        if 4 <= len(w) < WORD_RUN:
            out.add(fingerprint(" ".join(w)))
        for i in range(len(w) - WORD_RUN + 1):
            out.add(fingerprint(" ".join(w[i : i + WORD_RUN])))
    return sorted(out)


def render(source: Path) -> dict[str, str]:
    """File name -> text of everything this script writes."""
    files: dict[str, str] = {}
    texts: list[str] = []
    for name, target in DOCUMENTS.items():
        document = load(source / name)
        texts += prose_texts(document)
        stripped = facts_only(document, name_operations=name.startswith("attio"))
        files[target] = json.dumps(stripped, indent=1, ensure_ascii=False) + "\n"
    header = (
        "# Hashes (blake2b, first 12 hex digits) of every 8-word run of the vendors' prose, and of each\n"
        "# whole text of 4-7 words. Written by scripts/strip_specs.py; tests use it to prove our own\n"
        "# descriptions repeat none of the vendors' wording.\n"
    )
    files[FINGERPRINTS] = header + "\n".join(fingerprints(texts)) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="fail if specs/ is not what the source makes")
    args = parser.parse_args(argv)
    files = render(args.source)
    if args.check:
        stale = [
            n
            for n, text in files.items()
            if not (args.out / n).is_file() or (args.out / n).read_text(encoding="utf-8") != text
        ]
        if stale:
            print(f"specs/ is stale ({', '.join(stale)}); run scripts/strip_specs.py", file=sys.stderr)
            return 1
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
