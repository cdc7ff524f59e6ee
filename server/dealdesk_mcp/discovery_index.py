"""search_operations' ranking: one BM25 index (bm25s) per part of each tool's text, and the score of
a parsed query over them (discovery_query reads the query; discovery_words holds the weights).

bm25s and numpy are imported when an index is built, on the first search, not when the server starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dealdesk_mcp import discovery_words as words
from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.catalog import Catalog, ToolEntry
from dealdesk_mcp.discovery_query import Aliases, Concept, Stemmer, Term, parse, split_words

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def tool_kind(entry: ToolEntry) -> str:
    """What a tool does, from the verb its name starts with (else: reads or writes by its method)."""
    verb = split_words(entry.name.removeprefix("attio_"))[0]
    return words.VERB_KINDS.get(verb, "write" if entry.writes else "read")


def agrees(kind: str, kinds: frozenset[str]) -> bool:
    """Whether a tool of `kind` does what a request asking `kinds` asks ("write" is any change)."""
    if not kinds or kind in kinds:
        return True
    changes = kinds & words.WRITE_KINDS
    return (kind == "write" and bool(changes)) or ("write" in kinds and kind in words.WRITE_KINDS)


def pair_token(a: str, b: str) -> str:
    """Two stems near each other, in either order, as one token of the "pairs" index."""
    return "+".join(sorted((a, b)))


def near_pairs(stems: Sequence[str]) -> list[str]:
    """Every two different stems at most PAIR_WINDOW words apart."""
    return [
        pair_token(a, b)
        for i, a in enumerate(stems)
        for b in stems[i + 1 : i + 1 + words.PAIR_WINDOW]
        if a != b
    ]


def _parameter_text(schema: Mapping[str, Any]) -> str:
    parts: list[str] = []
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, spec in properties.items():  # pyright: ignore[reportUnknownVariableType]
            parts.append(str(name))  # pyright: ignore[reportUnknownArgumentType]
            if isinstance(spec, dict):
                parts.append(str(spec.get("description", "")))  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
    return " ".join(parts)


def tool_fields(entry: ToolEntry, toolset_summary: str) -> dict[str, str]:
    """The parts of a tool's text that are indexed, by FIELD_WEIGHTS key ("pairs" is made from
    the words of "pairs" by near_pairs)."""
    name = " ".join(split_words(entry.name))
    return {
        "name": name,
        "title": entry.title,
        "text": f"{entry.description} {' '.join(split_words(entry.toolset))} {toolset_summary}",
        "params": _parameter_text(entry.input_schema),
        "exact": name,
        "pairs": f"{entry.title}. {entry.description}",
    }


@dataclass(frozen=True, slots=True)
class Hit:
    entry: ToolEntry
    score: float


class SearchIndex:
    """One BM25 index per part of a tool's text, over every tool of the catalog."""

    def __init__(self, tools: Sequence[ToolEntry], toolset_summaries: Mapping[str, str]) -> None:
        import bm25s  # pyright: ignore[reportMissingTypeStubs]
        import numpy

        # bm25s sets its logger to DEBUG at import; its progress notes are not ours to log.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._np = numpy
        self.tools = list(tools)
        self.stem = Stemmer()
        self.aliases = Aliases(self.stem)
        self._indexes: dict[str, Any] = {}
        texts = [tool_fields(e, toolset_summaries.get(e.toolset, "")) for e in self.tools]
        for field in words.FIELD_WEIGHTS:
            corpus: list[list[str]] = []
            for fields in texts:
                kept = [w for w in split_words(fields[field]) if w not in words.STOPWORDS]
                if field == "exact":
                    corpus.append(kept)
                elif field == "pairs":
                    corpus.append(near_pairs([self.stem(w) for w in kept]))
                else:
                    corpus.append([self.stem(w) for w in kept])
            if not any(corpus):
                continue  # no tool has words here (bm25s cannot index an empty corpus)
            index: Any = bm25s.BM25(k1=words.BM25_K1, b=words.BM25_B)
            index.index(corpus, show_progress=False)
            self._indexes[field] = index
        self._deprecated = numpy.array([words.DEPRECATED_FACTOR if e.deprecated else 1.0 for e in self.tools])
        self._kinds = [tool_kind(e) for e in self.tools]

    def _term_scores(self, field: str, token: str) -> NDArray[np.float32] | None:
        index = self._indexes.get(field)
        if index is None or token not in index.vocab_dict:
            return None
        scores: NDArray[np.float32] = index.get_scores([token])
        return scores

    def _term_total(self, term: Term) -> NDArray[np.float64]:
        """Per tool, a term's weight times its weighted BM25 scores over the fields."""
        np = self._np
        score = np.zeros(len(self.tools), dtype=np.float64)
        for field, weight in words.FIELD_WEIGHTS.items():
            if field == "pairs":
                continue
            scores = self._term_scores(field, term.word if field == "exact" else term.stem)
            if scores is not None:
                score += weight * scores
        return term.weight * score

    def _concept_scores(self, concept: Concept) -> NDArray[np.float64]:
        """Per tool, the concept's best alternative plus each word it implies."""
        np = self._np
        best = np.zeros(len(self.tools), dtype=np.float64)
        for term in concept.alternatives.values():
            np.maximum(best, self._term_total(term), out=best)
        for term in concept.implied.values():
            best += self._term_total(term)
        return best

    def _pair_scores(self, first: Concept, second: Concept) -> NDArray[np.float64]:
        """Per tool, the best pair of a term of each concept found near each other in its text."""
        np = self._np
        best = np.zeros(len(self.tools), dtype=np.float64)
        for a in first.alternatives.values():
            for b in second.alternatives.values():
                if a.stem == b.stem:
                    continue
                scores = self._term_scores("pairs", pair_token(a.stem, b.stem))
                if scores is not None:
                    np.maximum(best, a.weight * b.weight * scores, out=best)
        return best * words.FIELD_WEIGHTS["pairs"]

    def _known(self, concept: Concept) -> bool:
        """Whether any tool has any of the concept's words (a customer's name or a sum has none)."""
        return any(t.stem in index.vocab_dict for t in concept.terms for index in self._indexes.values())

    def parts(self, query: str, apis: frozenset[str] = frozenset()) -> Parts:
        """Every tool's score for `query` in its parts (`apis`: as for discovery_query.parse)."""
        np = self._np
        parsed = parse(query, self.stem, self.aliases, apis)
        size = len(self.tools)
        words_part = np.zeros(size, dtype=np.float64)
        matched = np.zeros(size, dtype=np.float64)
        counted = 0
        for concept in parsed.concepts:
            scores = self._concept_scores(concept)
            words_part += concept.weight * scores
            if concept.counted and self._known(concept):
                counted += 1
                matched += scores > 0
        pairs_part = np.zeros(size, dtype=np.float64)
        own = [c for c in parsed.concepts if c.counted]
        for i, first in enumerate(own):
            for second in own[i + 1 : i + 1 + words.PAIR_WINDOW]:
                pairs_part += self._pair_scores(first, second)
        ones = np.ones(size, dtype=np.float64)
        return Parts(
            words=words_part,
            pairs=pairs_part,
            coverage=(matched / counted) ** words.COVERAGE_POWER if counted else ones,
            kind=np.array([1.0 if agrees(k, parsed.kinds) else words.VERB_FACTOR for k in self._kinds]),
            api=np.array(
                [
                    1.0 if not parsed.apis or e.api in parsed.apis else words.OTHER_API_FACTOR
                    for e in self.tools
                ]
            ),
            deprecated=self._deprecated,
        )

    def scores(self, query: str, apis: frozenset[str] = frozenset()) -> NDArray[np.float64]:
        """Every tool's score for `query`, in catalog order."""
        return self.parts(query, apis).total()

    def rank(self, query: str, apis: frozenset[str] = frozenset()) -> list[Hit]:
        """Every tool the query matches at all, best first. `apis`: the APIs a query that names
        none means (a server with one API's credentials means that one); empty: any."""
        scored = zip(self.tools, self.scores(query, apis).tolist(), strict=True)
        hits = [Hit(entry, score) for entry, score in scored if score > 0]
        hits.sort(key=lambda h: (-h.score, h.entry.name))
        return hits

    def explain(self, query: str, name: str, apis: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Why `name` scores what it does for `query`: each term's part per field, the pairs, and
        the factors the sum is scaled by."""
        at = next(i for i, e in enumerate(self.tools) if e.name == name)
        terms: dict[str, dict[str, float]] = {}
        for concept in parse(query, self.stem, self.aliases, apis).concepts:
            for term in concept.terms:
                for field, weight in words.FIELD_WEIGHTS.items():
                    if field == "pairs":
                        continue
                    scores = self._term_scores(field, term.word if field == "exact" else term.stem)
                    if scores is not None and scores[at] > 0:
                        part = terms.setdefault(f"{term.word} ({term.weight:g})", {})
                        part[field] = round(float(weight * term.weight * scores[at]), 3)
        parts = self.parts(query, apis)
        return {
            "score": round(float(parts.total()[at]), 3),
            "words": round(float(parts.words[at]), 3),
            "pairs": round(float(parts.pairs[at]), 3),
            "factors": {
                "coverage": round(float(parts.coverage[at]), 3),
                "kind": float(parts.kind[at]),
                "api": float(parts.api[at]),
                "deprecated": float(parts.deprecated[at]),
            },
            "terms": terms,
        }


@dataclass(frozen=True, slots=True)
class Parts:
    """A query's score per tool, in its parts: (words + pairs) x coverage x kind x api x deprecated."""

    words: NDArray[np.float64]
    pairs: NDArray[np.float64]
    coverage: NDArray[np.float64]
    kind: NDArray[np.float64]
    api: NDArray[np.float64]
    deprecated: NDArray[np.float64]

    def total(self) -> NDArray[np.float64]:
        return (self.words + self.pairs) * self.coverage * self.kind * self.api * self.deprecated


_indexes: dict[int, tuple[Catalog, SearchIndex]] = {}
_building = threading.Lock()


def index_of(catalog: Catalog) -> SearchIndex:
    """The catalog's index, built on the first search and kept for the process."""
    with _building:
        known = _indexes.get(id(catalog))
        if known is None or known[0] is not catalog:
            summaries = {t.name: t.summary for t in toolset_table.TOOLSETS}
            known = (catalog, SearchIndex(list(catalog.tools.values()), summaries))
            _indexes[id(catalog)] = known
        return known[1]


def built_index(catalog: Catalog) -> SearchIndex | None:
    """The catalog's index if a search has built it already."""
    known = _indexes.get(id(catalog))
    return known[1] if known is not None and known[0] is catalog else None
