"""search_operations: find the tool for a task among every tool of the catalog.

A tool is ranked by BM25 (the bm25s library) over the parts of its text, each part its own index
with its own weight (discovery_words.FIELD_WEIGHTS): the name's words, the title, the description
with the toolset's name and summary, and the parameters' names and descriptions. A query is widened
by the word tables of discovery_words (synonyms, implied words, phrases; each added word counts
SYNONYM_WEIGHT and IMPLIED_WEIGHT), words are stemmed (Snowball, through PyStemmer) on both sides, and a tool's score is
scaled by the share of the query's words it matches. The index is built on the first search (bm25s
and numpy are imported then, not when the server starts) and kept for the process: the catalog is
fixed, and what a session may call is looked up at every search.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from dealdesk_mcp import discovery_words as words
from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.catalog import Catalog, Selection, ToolEntry
from dealdesk_mcp.errors import InvalidArguments
from dealdesk_mcp.server_tools import ServerToolInput

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from dealdesk_mcp.account import Account
    from dealdesk_mcp.app import Runtime

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class SearchOperationsInput(ServerToolInput):
    query: str = Field(
        default="",
        description="What you want to do, in plain words (e.g. 'move a deal to the next stage'); "
        "empty lists the toolsets.",
    )
    toolset: str | None = Field(default=None, description="Only this toolset (e.g. deals, attio_records).")
    method: Method | None = Field(default=None, description="Only this HTTP method.")
    limit: int = Field(default=10, ge=1, le=50, description="Most operations to list.")


# -- words --------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def split_words(text: str) -> list[str]:
    """Lowercase words of `text`; snake_case and dotted names fall apart into their words."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Term:
    """One word a query searches for: its form as typed, its stem, and how much it counts."""

    word: str
    stem: str
    weight: float


@dataclass(slots=True)
class Concept:
    """One thing the query asks for: a word of its own (or a phrase), its synonyms (alternatives: a
    tool scores the best of them) and the words it implies (each adds to the score). `counted`
    concepts make up the coverage; the others (a stopword's or a number's words) only add."""

    alternatives: dict[str, Term]
    implied: dict[str, Term]
    counted: bool
    # The first thing a request names after its verb is what the tool works on (OBJECT_WEIGHT).
    weight: float = 1.0

    @property
    def terms(self) -> list[Term]:
        return [*self.alternatives.values(), *self.implied.values()]

    @property
    def stems(self) -> set[str]:
        return {t.stem for t in self.alternatives.values()}


@dataclass(frozen=True, slots=True)
class Query:
    concepts: tuple[Concept, ...]
    # What the request asks to do, from its first word (discovery_words.VERB_KINDS): a question
    # reads, "archive a lead" updates. Empty: the query does not say.
    kinds: frozenset[str]
    # The APIs the query names ("in Attio"); empty: any.
    apis: frozenset[str]


class Stemmer:
    """Snowball's English stemmer with a memo (the same few thousand words recur)."""

    def __init__(self) -> None:
        import Stemmer as snowball  # pyright: ignore[reportMissingTypeStubs]

        self._stemmer: Any = snowball.Stemmer("english")  # pyright: ignore[reportUnknownMemberType]
        self._known: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._known.get(word)
        if stem is None:
            stem = str(self._stemmer.stemWord(word))
            self._known[word] = stem
        return stem


class Aliases:
    """discovery_words' tables, looked up by a word's exact form first and by its stem otherwise."""

    def __init__(self, stem: Stemmer) -> None:
        self._stem = stem
        self.same: dict[str, set[str]] = {}
        for group in words.SAME:
            for word in group:
                self.same.setdefault(word, set()).update(w for w in group if w != word)
        self.implies: dict[str, set[str]] = {w: set(implied) for w, implied in words.IMPLIES.items()}
        self._same_stems = self._by_stem(self.same)
        self._implies_stems = self._by_stem(self.implies)

    def _by_stem(self, table: dict[str, set[str]]) -> dict[str, set[str]]:
        by_stem: dict[str, set[str]] = {}
        for word, related in table.items():
            by_stem.setdefault(self._stem(word), set()).update(related)
        return by_stem

    def known(self, word: str) -> bool:
        return word in self.same or word in self.implies

    def synonyms(self, word: str) -> set[str]:
        if self.known(word):
            return self.same.get(word, set())
        return self._same_stems.get(self._stem(word), set())

    def implied(self, word: str) -> set[str]:
        if self.known(word):
            return self.implies.get(word, set())
        return self._implies_stems.get(self._stem(word), set())

    def kinds(self, word: str) -> frozenset[str]:
        """What a request starting with `word` asks to do: read, add, update, delete, write."""
        if word in words.QUESTION_WORDS:
            return frozenset({"read"})
        meant = {word, *self.synonyms(word), *self.implied(word)}
        return frozenset(words.VERB_KINDS[w] for w in meant if w in words.VERB_KINDS)


def parse(query: str, stem: Stemmer, aliases: Aliases, apis: frozenset[str] = frozenset()) -> Query:
    """What a query searches for: its own words (weight 1) with the words the tables add to each.
    `apis`: the APIs meant when the query names none (a server with one API's credentials)."""
    typed = split_words(query)
    named = frozenset(words.API_WORDS[w] for w in typed if w in words.API_WORDS)
    apis = named or apis
    # An API's own words for things ("in Attio, a company is a record") once the API is known.
    api_words = [words.API_IMPLIES.get(api, {}) for api in apis] if len(apis) == 1 else []
    concepts: list[Concept] = []

    def term(word: str, weight: float) -> Term:
        return Term(word, stem(word), weight)

    def concept(own: Sequence[str], same: Iterable[str], implied: Iterable[str], counted: bool) -> None:
        if counted:
            # A word an earlier concept already searches ("add a new ...") belongs to that concept.
            stems = {stem(w) for w in own}
            for earlier in concepts:
                if earlier.counted and stems & earlier.stems:
                    earlier.alternatives.update((w, term(w, 1.0)) for w in own)
                    return
        alternatives = {w: term(w, words.SYNONYM_WEIGHT) for w in same}
        alternatives.update((w, term(w, 1.0)) for w in own)
        extra = {w: term(w, words.IMPLIED_WEIGHT) for w in implied if w not in alternatives}
        concepts.append(Concept(alternatives, extra, counted))

    i = 0
    while i < len(typed):
        phrase = next((p for p in words.PHRASES if tuple(typed[i : i + len(p)]) == p), None)
        if phrase is not None:
            # A phrase stands for its meaning, whose words count like words of the query's own.
            for meant in words.PHRASES[phrase]:
                concept((meant,), sorted(aliases.synonyms(meant)), (), True)
            i += len(phrase)
            continue
        word = typed[i]
        i += 1
        if word in words.API_WORDS:
            continue  # names the API: a filter, not a word to match
        implied = aliases.implied(word)
        for table in api_words:
            implied = implied | set(table.get(word, ()))
        if word.isdigit():
            implied = implied | set(words.NUMBER_IMPLIES)
        if word in words.STOPWORDS or word.isdigit():
            # Says nothing by itself, but may bring words in ("who" -> get, "42" -> id).
            if implied:
                concept((), (), sorted(implied), False)
        else:
            concept((word,), sorted(aliases.synonyms(word)), sorted(implied), True)
    # The first word that says what to do ("show", "who") or anything at all; a phrase first
    # ("look up") says it by its meaning.
    kinds = frozenset[str]()
    for at, word in enumerate(typed):
        phrase = next((p for p in words.PHRASES if tuple(typed[at : at + len(p)]) == p), None)
        meant = words.PHRASES[phrase] if phrase is not None else (word,)
        kinds = frozenset(k for w in meant for k in aliases.kinds(w))
        if kinds or phrase is not None or word not in words.STOPWORDS:
            break
    if not kinds and query.rstrip().endswith("?"):
        kinds = frozenset({"read"})
    for found in concepts:
        if found.counted and not any(aliases.kinds(w) for w in found.alternatives):
            found.weight = words.OBJECT_WEIGHT
            break
    return Query(tuple(concepts), kinds, apis)


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


# -- the index ----------------------------------------------------------------------------------


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

    def scores(self, query: str, apis: frozenset[str] = frozenset()) -> NDArray[np.float64]:
        """Every tool's score for `query`, in catalog order (`apis`: as for `parse`)."""
        np = self._np
        parsed = parse(query, self.stem, self.aliases, apis)
        total = np.zeros(len(self.tools), dtype=np.float64)
        matched = np.zeros(len(self.tools), dtype=np.float64)
        counted = 0
        for concept in parsed.concepts:
            scores = self._concept_scores(concept)
            total += concept.weight * scores
            if concept.counted and self._known(concept):
                counted += 1
                matched += scores > 0
        own = [c for c in parsed.concepts if c.counted]
        for i, first in enumerate(own):
            for second in own[i + 1 : i + 1 + words.PAIR_WINDOW]:
                total += self._pair_scores(first, second)
        if counted:
            total *= (matched / counted) ** words.COVERAGE_POWER
        total *= self._deprecated
        if parsed.kinds:
            total *= np.array([1.0 if agrees(k, parsed.kinds) else words.VERB_FACTOR for k in self._kinds])
        if parsed.apis:
            total *= np.array([1.0 if e.api in parsed.apis else words.OTHER_API_FACTOR for e in self.tools])
        return total

    def rank(self, query: str, apis: frozenset[str] = frozenset()) -> list[Hit]:
        """Every tool the query matches at all, best first. `apis`: the APIs a query that names
        none means (a server with one API's credentials means that one); empty: any."""
        scored = zip(self.tools, self.scores(query, apis).tolist(), strict=True)
        hits = [Hit(entry, score) for entry, score in scored if score > 0]
        hits.sort(key=lambda h: (-h.score, h.entry.name))
        return hits

    def explain(self, query: str, name: str) -> dict[str, Any]:
        """Why `name` scores what it does for `query`: each term's part per field, and the total."""
        at = next(i for i, e in enumerate(self.tools) if e.name == name)
        parts: dict[str, dict[str, float]] = {}
        for concept in parse(query, self.stem, self.aliases).concepts:
            for term in concept.terms:
                for field, weight in words.FIELD_WEIGHTS.items():
                    if field == "pairs":
                        continue
                    scores = self._term_scores(field, term.word if field == "exact" else term.stem)
                    if scores is not None and scores[at] > 0:
                        part = parts.setdefault(f"{term.word} ({term.weight:g})", {})
                        part[field] = round(float(weight * term.weight * scores[at]), 3)
        return {"score": round(float(self.scores(query)[at]), 3), "terms": parts}


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


# -- answers ------------------------------------------------------------------------------------

NOT_CALLABLE_NOTE = (
    "callable false: the operation exists but this session does not offer it; to_call says what "
    "would. A toolset is enabled by naming it in --toolsets (PIPEDRIVE_TOOLSETS) when the server "
    "starts, or during the session where the server offers a tool that enables toolsets."
)


def to_call(runtime: Runtime, account: Account, entry: ToolEntry, all_writes: Collection[str]) -> str | None:
    """What would let this session call `entry`; None when it can now. `all_writes`: the tools this
    server's selection would offer with every write allowed (what the write level alone holds back)."""
    settings = runtime.settings
    needs: list[str] = []
    if not account.has(entry.api):
        needs.append(f"{entry.api} credentials")
    if entry.name not in runtime.enabled:
        if not entry.allowed_at(settings.writes):
            needs.append(
                "a server that allows writes (it runs read-only)"
                if settings.writes == "none"
                else "start the server with --writes all (it is destructive)"
            )
        if entry.name in settings.exclude_tools:
            needs.append("not excluding it (--exclude-tools)")
        elif entry.name not in all_writes or entry.allowed_at(settings.writes):
            # A toolset named in full also offers what the default leaves out (occasional, deprecated).
            needs.append(f"enable the {entry.toolset} toolset")
    return " and ".join(needs) or None


def offered_with_all_writes(runtime: Runtime, account: Account) -> set[str]:
    settings = runtime.settings
    selection = Selection(settings.toolsets, "all", settings.tools, settings.exclude_tools)
    with_credentials = [name for name in runtime.profiles if account.has(name)]
    return set(runtime.catalog.select(selection, apis=with_credentials))


def listing(
    runtime: Runtime, account: Account, entry: ToolEntry, all_writes: Collection[str]
) -> dict[str, Any]:
    """One operation as search_operations lists it."""
    how = to_call(runtime, account, entry, all_writes)
    item: dict[str, Any] = {
        "name": entry.name,
        "title": entry.title,
        "summary": entry.summary,
        "toolset": entry.toolset,
        "callable": how is None,
    }
    if how is not None:
        item["to_call"] = how
    return item


def meant_apis(runtime: Runtime, account: Account) -> frozenset[str]:
    """The APIs a query that names none is about: those with credentials, when not all have them."""
    with_credentials = frozenset(name for name in runtime.profiles if account.has(name))
    return with_credentials if with_credentials != frozenset(runtime.profiles) else frozenset()


def _toolsets(runtime: Runtime) -> dict[str, Any]:
    """The answer to an empty query: every toolset, what it covers and whether it is enabled."""
    rows: list[dict[str, Any]] = []
    for name in runtime.catalog.toolset_names():
        facts = toolset_table.BY_NAME.get(name)
        rows.append(
            {
                "toolset": name,
                "summary": facts.summary if facts else "",
                "tools": len(runtime.catalog.toolsets[name]),
                "enabled": name in runtime.toolsets,
            }
        )
    return {
        "toolsets": rows,
        "notes": ["Search with words for operations, or give toolset to list one toolset's operations."],
    }


def _check_toolset(runtime: Runtime, toolset: str) -> None:
    if toolset not in runtime.catalog.toolsets:
        names = ", ".join(runtime.catalog.toolset_names())
        raise InvalidArguments(
            f"Invalid arguments for search_operations: toolset: unknown {toolset!r}; one of {names}"
        )


def _filtered(entries: Iterable[ToolEntry], toolset: str | None, method: str | None) -> list[ToolEntry]:
    return [
        e
        for e in entries
        if (toolset is None or e.toolset == toolset) and (method is None or e.method == method)
    ]


def search(runtime: Runtime, account: Account, args: SearchOperationsInput) -> dict[str, Any]:
    """search_operations' answer: the best matches of the whole catalog, each saying whether this
    session can call it and, if not, what would let it."""
    if args.toolset is not None:
        _check_toolset(runtime, args.toolset)
    if not args.query.strip():
        if args.toolset is None and args.method is None:
            return _toolsets(runtime)
        found = _filtered(runtime.catalog.tools.values(), args.toolset, args.method)
    else:
        ranked = index_of(runtime.catalog).rank(args.query, meant_apis(runtime, account))
        found = _filtered((h.entry for h in ranked), args.toolset, args.method)
    all_writes = offered_with_all_writes(runtime, account)
    shown = [listing(runtime, account, e, all_writes) for e in found[: args.limit]]
    answer: dict[str, Any] = {"operations": shown, "matched": len(found), "shown": len(shown)}
    notes: list[str] = []
    if not found:
        notes.append(
            "No operation matched. Try other words (what you want done, e.g. 'add a note to a deal'), "
            "or search with an empty query to list the toolsets."
        )
    if any(not item["callable"] for item in shown):
        notes.append(NOT_CALLABLE_NOTE)
    missing = sorted({e.api for e in found[: args.limit] if not account.has(e.api)})
    notes += [f"{api} credentials: {runtime.profiles[api].credential_hint}." for api in missing]
    if notes:
        answer["notes"] = notes
    return answer
