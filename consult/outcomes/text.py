"""Free text in bulk: stop words, the most frequent terms per language, and codebook themes.

Everything works on whole pandas Series at once (no loop over answers in Python), because a
summary may read hundreds of thousands of texts. No Flask here.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

STOPWORDS_FOLDER = Path(__file__).resolve().parent / "stopwords"
TEXT_LANGUAGES = ("en", "fr", "es")
#: A term: a run of letters (any script), apostrophes and hyphens inside; digits are left out.
#: A word: letters, digits, and apostrophes or hyphens inside ("d'enfants", "e-government").
WORD_PATTERN = r"\w+(?:['’-]\w+)*"
#: Shorter words are mostly articles and abbreviations in the three languages.
MIN_TERM_LENGTH = 3


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    """Return the stop words of one language (read from stopwords/<language>.txt)."""
    path = STOPWORDS_FOLDER / f"{language}.txt"
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            continue
        words.update(word.replace("’", "'") for word in line.lower().split())
    return frozenset(words)


def all_stop_words() -> frozenset[str]:
    """Return the stop words of the three languages together."""
    return frozenset().union(*(stop_words(lang) for lang in TEXT_LANGUAGES))


_WORD_RE = re.compile(WORD_PATTERN)
#: What ends a sentence: full stops, question and exclamation marks (Latin, CJK, Arabic) and
#: ellipses followed by a space or the end, and line breaks. A keyword phrase never spans one.
SENTENCE_END_PATTERN = r"[.!?…。！？؟]+(?=\s|$)|\n"
#: A word (group 1), or a sentence end (an empty group 1).
_TOKEN_RE = re.compile(rf"({WORD_PATTERN})|{SENTENCE_END_PATTERN}")
_DIGIT_RE = re.compile(r"\d")
#: French (and Catalan) elisions: "l'eau" is the word "eau", "d'habitants" is "habitants".
_ELISION_RE = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'(?=\w)")


def normalise(text: str) -> str:
    """Lower-case a text, use one apostrophe and drop elided articles, so words compare equal."""
    return _ELISION_RE.sub("", text.lower().replace("’", "'"))


def split_words(text: str) -> list[str]:
    """Split one text (or codebook keyword) into words, the way a corpus does."""
    return _WORD_RE.findall(normalise(text))


class Corpus:
    """Texts cut into words once, for language detection, term counts and theme coding.

    Words are held as integer codes into a vocabulary, in text order, so that everything after
    the split (one regular expression per text) is a numpy operation over all words at once.
    """

    def __init__(self, texts: pd.Series) -> None:
        self.index = texts.index
        self.size = len(texts)
        # Each distinct text is cut into words once (answers repeat: "No", "N/A", a sentence
        # pasted into several questions); each text then takes its distinct text's words, in
        # numpy. The vocabulary comes out in the same order as cutting every text would give.
        distinct_of, distinct = pd.factorize(texts.astype(str).to_numpy(dtype=object))
        distinct_of = np.asarray(distinct_of, dtype=np.int64)
        find = _TOKEN_RE.findall
        tokens = [find(text) for text in distinct]
        distinct_lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        distinct_flat = np.fromiter(
            itertools.chain.from_iterable(tokens), dtype=object, count=distinct_lengths.sum()
        )
        # A sentence end is an empty token: it closes a sentence and is not a word.
        distinct_ends = distinct_flat == ""
        raw_codes, raw_words = pd.factorize(distinct_flat[~distinct_ends])
        # Lower-case once per distinct spelling rather than once per text.
        normalised = np.fromiter(
            (normalise(w) for w in raw_words), dtype=object, count=len(raw_words)
        )
        remap, vocabulary = pd.factorize(normalised)
        distinct_codes = np.full(len(distinct_flat), -1, dtype=np.int64)
        if len(raw_codes):
            distinct_codes[~distinct_ends] = np.asarray(remap, dtype=np.int64)[raw_codes]
        # Every text's tokens, as positions in the distinct texts' tokens.
        lengths = distinct_lengths[distinct_of] if self.size else distinct_lengths
        starts = np.concatenate(([0], np.cumsum(distinct_lengths)[:-1]))[distinct_of]
        text_starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if self.size else lengths
        total = int(lengths.sum())
        token = np.arange(total, dtype=np.int64) + np.repeat(starts - text_starts, lengths)
        ends = distinct_ends[token]
        is_word = ~ends
        #: Position (0..size-1) of each word's text, in text order.
        self.text_of = np.repeat(np.arange(self.size, dtype=np.int64), lengths)[is_word]
        #: A number per sentence, increasing through the corpus: phrases stay inside one.
        self.sentence_of = np.cumsum(ends)[is_word]
        self.codes = np.asarray(distinct_codes[token][is_word], dtype=np.int64)
        self.vocabulary = np.asarray(vocabulary, dtype=object)
        self._sorted_cache: tuple[np.ndarray, np.ndarray] | None = None
        self._postings: tuple[np.ndarray, np.ndarray] | None = None

    # vocabulary look-ups
    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        if self._sorted_cache is None:
            as_text = self.vocabulary.astype(str)
            order = np.argsort(as_text, kind="stable")
            self._sorted_cache = (order, as_text[order])
        return self._sorted_cache

    def word_ids(self, word: str) -> np.ndarray:
        """Vocabulary ids matching one keyword word: exact, or by prefix with a trailing *."""
        order, ordered = self._sorted()
        if not len(ordered):
            return np.empty(0, dtype=np.int64)
        if word.endswith("*"):
            stem = word.rstrip("*")
            low = np.searchsorted(ordered, stem, side="left")
            high = np.searchsorted(ordered, stem + "\U0010ffff", side="left")
            return order[low:high]
        position = int(np.searchsorted(ordered, word, side="left"))
        if position < len(ordered) and ordered[position] == word:
            return order[position : position + 1]
        return np.empty(0, dtype=np.int64)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Word positions whose word is one of ``ids`` (through posting lists)."""
        if self._postings is None:
            permutation = np.argsort(self.codes, kind="stable")
            starts = np.searchsorted(self.codes[permutation], np.arange(len(self.vocabulary) + 1))
            self._postings = (permutation, starts)
        permutation, starts = self._postings
        if len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        return np.concatenate([permutation[starts[i] : starts[i + 1]] for i in ids])

    def phrase_texts(self, words: Sequence[str]) -> np.ndarray:
        """Return the positions (0..size-1) of the texts containing the phrase ``words``.

        The words must follow each other within one sentence: "public. Space" is not "public
        space".

        A text may be listed more than once (callers index with it; uniqueness would cost a sort).
        """
        if not words:
            return np.empty(0, dtype=np.int64)
        found = self.positions(self.word_ids(words[0]))
        for offset, word in enumerate(words[1:], start=1):
            if len(found) == 0:
                break
            following = found + offset
            inside = following < len(self.codes)
            found, following = found[inside], following[inside]
            same_text = self.text_of[following] == self.text_of[found]
            same_sentence = self.sentence_of[following] == self.sentence_of[found]
            wanted = np.isin(self.codes[following], self.word_ids(word))
            found = found[same_text & same_sentence & wanted]
        return self.text_of[found]

    # analyses
    def languages(self, fallback: Sequence[str]) -> np.ndarray:
        """Guess each text's language from its stop words; ``fallback`` when none tell.

        Answers may be written in any language whatever the interface language, so the
        respondent's interface language is only the fallback. A tie tells nothing.
        """
        result = np.asarray(fallback, dtype=object).copy()
        if not len(self.codes):
            return result
        per_language = []
        for lang in TEXT_LANGUAGES:
            in_list = np.fromiter(
                (word in stop_words(lang) for word in self.vocabulary),
                dtype=bool,
                count=len(self.vocabulary),
            )
            per_language.append(
                np.bincount(self.text_of, weights=in_list[self.codes], minlength=self.size)
            )
        counts = np.vstack(per_language)  # languages x texts
        top = counts.max(axis=0)
        clear = (top > 0) & ((counts == top).sum(axis=0) == 1)
        best = np.asarray(TEXT_LANGUAGES, dtype=object)[counts.argmax(axis=0)]
        result[clear] = best[clear]
        return result

    def term_counts(
        self, groups: np.ndarray, languages: np.ndarray, of: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Count, per (group, language, term), the texts using the term.

        ``groups`` gives each text's group (e.g. its question, as a small integer); a term
        counts once per text, so one long answer cannot dominate. Stop words of all three
        languages are removed (texts mix them: "la" is French and Spanish), and so are numbers
        and short words. Returns columns group, lang, term, n (sorted: group, lang, -n, term).

        ``of``: the corpus text of each counted answer, when the corpus holds each distinct
        text once and answers repeat them; ``groups`` and ``languages`` are then per answer,
        and an answer counts as its text would (the same figures as a corpus of every answer).
        """
        stop = all_stop_words()
        words = len(self.vocabulary)
        keep_word = np.fromiter(
            (
                len(word) >= MIN_TERM_LENGTH and word not in stop and not _DIGIT_RE.search(word)
                for word in self.vocabulary
            ),
            dtype=bool,
            count=words,
        )
        kept = keep_word[self.codes] if len(self.codes) else np.zeros(0, dtype=bool)
        texts, _counts = sorted_unique(self.text_of[kept] * max(words, 1) + self.codes[kept])
        text, code = texts // max(words, 1), texts % max(words, 1)
        language_codes, language_names = pd.factorize(np.asarray(languages, dtype=object))
        language_codes = np.asarray(language_codes, dtype=np.int64)
        groups = np.asarray(groups, dtype=np.int64)
        segments = groups * max(len(language_names), 1) + language_codes
        if of is None:
            keys, counts = sorted_unique(segments[text] * max(words, 1) + code)
        else:
            keys, counts = _repeated_counts(text, code, np.asarray(of, np.int64), segments, words)
        segment, code = keys // max(words, 1), keys % max(words, 1)
        order, _ordered = self._sorted()
        alphabetical = np.empty(words, dtype=np.int64)
        alphabetical[order] = np.arange(words)
        ranked = np.lexsort((alphabetical[code], -counts, segment))
        segment, code, counts = segment[ranked], code[ranked], counts[ranked]
        return pd.DataFrame(
            {
                "group": segment // max(len(language_names), 1),
                "lang": np.asarray(language_names, dtype=object)[
                    segment % max(len(language_names), 1)
                ]
                if len(language_names)
                else np.empty(0, dtype=object),
                "term": self.vocabulary[code],
                "n": counts,
            }
        )

    def top_terms(self, languages: np.ndarray, limit: int = 15) -> dict[str, list[tuple[str, int]]]:
        """Return, per language, the most frequent terms and how many texts use each."""
        counts = self.term_counts(np.zeros(self.size, dtype=np.int64), languages)
        return top_by_language(counts, limit)

    def themes(self, themes: Iterable[Theme]) -> pd.DataFrame:
        """Return a boolean frame: one row per text (the corpus' index), one column per theme."""
        columns = {}
        for theme in themes:
            hit = np.zeros(self.size, dtype=bool)
            for phrase in theme.phrases:
                hit[self.phrase_texts(phrase)] = True
            columns[theme.key] = hit
        return pd.DataFrame(columns, index=self.index)


def sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct integers and how often each occurs, by sorting (faster than hashing here)."""
    if not len(values):
        return values, np.empty(0, dtype=np.int64)
    ordered = np.sort(values, kind="stable")
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.concatenate((starts, [len(ordered)])))
    return ordered[starts], counts


def _repeated_counts(
    text: np.ndarray, code: np.ndarray, of: np.ndarray, segments: np.ndarray, words: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per (segment, term) key, the answers whose text uses the term.

    ``text``, ``code``: each corpus text's distinct terms, sorted by text; ``of`` and
    ``segments``: each answer's corpus text and segment. The answers sharing a text and a
    segment are counted together, then each such group adds its size to each of its text's
    terms: the keys and counts sorted_unique gives over every answer's own terms.
    """
    if not len(of):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    span = int(segments.max()) + 1
    groups, sizes = sorted_unique(of * span + segments)
    group_text, group_segment = groups // span, groups % span
    first = np.searchsorted(text, np.arange(int(of.max()) + 2))
    begin, end = first[group_text], first[group_text + 1]
    lengths = end - begin
    total = int(lengths.sum())
    if not total:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(groups), dtype=np.int64), lengths)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    term = np.arange(total, dtype=np.int64) - np.repeat(offsets - begin, lengths)
    keys = group_segment[owner] * max(words, 1) + code[term]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], np.add.reduceat(sizes[owner][order], starts).astype(np.int64)


def top_by_language(counts: pd.DataFrame, limit: int) -> dict[str, list[tuple[str, int]]]:
    """From sorted term counts (lang, term, n), keep the ``limit`` most frequent per language."""
    result = {}
    for lang, group in counts.groupby("lang", sort=True):
        head = group.head(limit)
        result[str(lang)] = [(str(t), int(n)) for t, n in zip(head["term"], head["n"], strict=True)]
    return result


@functools.cache
def stop_word_table() -> pd.DataFrame:
    """Return every stop word with its language (a word may belong to several)."""
    rows = [(word, lang) for lang in TEXT_LANGUAGES for word in sorted(stop_words(lang))]
    return pd.DataFrame(rows, columns=["term", "lang"])


# -- the codebook ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A theme of the codebook: its key, labels, keywords, and the keywords as word sequences."""

    key: str
    label: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]
    #: Each keyword as words; a word ending in * matches by prefix ("migra*": migrant, migration).
    phrases: tuple[tuple[str, ...], ...]


def keyword_words(keyword: str) -> tuple[str, ...]:
    """Split a codebook keyword into the words a corpus compares, keeping * on stems."""
    words = []
    for raw in keyword.strip().lower().replace("’", "'").split():
        stem = raw.endswith("*")
        parts = split_words(raw.rstrip("*"))
        if not parts:
            continue
        if stem:
            parts[-1] += "*"
        words.extend(parts)
    return tuple(words)


def parse_codebook(raw: Mapping) -> tuple[Theme, ...]:
    """Build the themes from the codebook's data (the shape of questionnaires/themes.yaml)."""
    themes = []
    for entry in raw.get("themes", []) or []:
        keywords = {
            lang: tuple(str(k) for k in (entry.get("keywords", {}) or {}).get(lang, []) or [])
            for lang in TEXT_LANGUAGES
        }
        phrases = {keyword_words(k) for words in keywords.values() for k in words}
        themes.append(
            Theme(
                key=str(entry["key"]),
                label=dict(entry.get("label") or {}),
                keywords=keywords,
                phrases=tuple(sorted(p for p in phrases if p)),
            )
        )
    return tuple(themes)


@functools.lru_cache(maxsize=8)
def _load_codebook(path: str, mtime_ns: int) -> tuple[Theme, ...]:
    with open(path, encoding="utf-8") as handle:
        return parse_codebook(yaml.safe_load(handle) or {})


def load_codebook(path: Path) -> tuple[Theme, ...]:
    """Read the codebook file; staff edits are picked up without a restart (keyed by mtime)."""
    path = Path(path)
    if not path.exists():
        return ()
    return _load_codebook(str(path), path.stat().st_mtime_ns)


def theme_matches(texts: pd.Series, themes: Iterable[Theme]) -> pd.DataFrame:
    """Return a boolean frame: one row per text, one column per theme key."""
    return Corpus(texts).themes(themes)
