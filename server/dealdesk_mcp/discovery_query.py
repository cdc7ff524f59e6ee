"""How search_operations reads a query: its words, what the word tables add to each, what kind of
request it is and which API it is about (discovery_words holds the tables)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dealdesk_mcp import discovery_words as words

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
