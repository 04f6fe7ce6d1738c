"""The lexical index: SQLite FTS5 over our own stems, on disk, updated one article at a time.

Why FTS5: it ships inside Python, answers a query from its on-disk b-trees (nothing is
loaded at start), ranks with Okapi BM25 (``bm25()``, k1=1.2, b=0.75) and commits in
transactions. The FTS column holds the stems of ``rag.text.words`` rather than raw
text, so "detained" meets "detain", "242,000" meets "242000" and names match exactly,
as with the in-memory BM25 this replaces. IDF for the answer checks comes from an
``fts5vocab`` table (document frequency per stem).

The index follows the manifest (rag/components/store.py), which stays the commit point:
it holds an article's rows only once the manifest names that version, and ``sync``
brings it in line with any manifest (another process's ingest, a killed ingest) by
touching only the articles whose hash differs. Each article's rows change in one
transaction, so a reader sees an article's old rows or its new ones.

The same file keeps each chunk's sentences and their vectors (float16), so context
selection reads the retrieved chunks' sentences by id instead of embedding them.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from rag.retrieval import localdb
from rag.text.words import content_words, stem
from rag.types import ArticleMeta, Chunk, Sentence

log = logging.getLogger(__name__)

VERSION = 1
FILE = "lexical.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (doc_id TEXT PRIMARY KEY, sha TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, idx INTEGER NOT NULL,
    start INTEGER NOT NULL, stop INTEGER NOT NULL, text TEXT NOT NULL, sentences TEXT NOT NULL,
    vectors BLOB);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5 (
    stems, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'");
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab (terms, 'row');
"""
# A search restricted to some articles, given as one JSON array of their ids.
_ALLOWED = "rowid IN (SELECT rowid FROM chunks WHERE doc_id IN (SELECT value FROM json_each(?)))"
# Chunks fetched a page at a time when syncing many articles from the vector store.
_BULK = 200
# A stem in more than this many chunks (and this share of them) is "common": see ``_pruned``.
COMMON_MIN = 10_000
COMMON_SHARE = 0.05
# Candidates rescored per hit asked for when common stems are left out of the match.
_RESCORE = 50
_K1, _B = 1.2, 0.75  # FTS5's bm25() constants


def stem_text(text: str) -> str:
    """What the FTS column holds: one stem per content word, in order, repeats kept (term frequency)."""
    return " ".join(stem(w) for w in content_words(text))


def match_expr(query: str) -> str:
    """An FTS5 query: any of the query's stems, each quoted so no stem reads as an operator."""
    return _or({stem(w) for w in content_words(query)})


class LexicalIndex:
    """BM25 search, IDF weights and per-chunk sentence vectors from one SQLite file.

    ``path=None`` keeps it in memory (tests, throwaway indexes).
    """

    def __init__(self, path: Path | None, common_min: int = COMMON_MIN) -> None:
        self.path = path
        self.common_min = common_min
        if path is None:
            self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self.conn.executescript(SCHEMA)
        else:
            self.conn = localdb.open_db(path, VERSION, SCHEMA)
        # One connection shared by the web server's threads; sqlite3 objects are not thread-safe.
        self._lock = threading.RLock()
        self._weights: dict[str, float] = {}
        self._df: dict[str, int] = {}
        self._n: int | None = None

    # --- reading ------------------------------------------------------------
    def synced(self) -> dict[str, str]:
        """doc_id -> the article version whose rows are here."""
        with self._lock:
            return dict(self.conn.execute("SELECT doc_id, sha FROM articles"))

    def __len__(self) -> int:
        with self._lock:
            if self._n is None:
                self._n = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            return self._n

    def doc_freq(self, term: str) -> int:
        """How many chunks hold the stem."""
        with self._lock:
            if term not in self._df:
                row = self.conn.execute("SELECT doc FROM vocab WHERE term = ?", (term,)).fetchone()
                self._df[term] = row[0] if row else 0
            return self._df[term]

    def weight(self, term: str) -> float:
        """IDF of a stem, as the old BM25 gave it; one the corpus never uses weighs 0."""
        with self._lock:
            if term not in self._weights:
                n, df = len(self), self.doc_freq(term)
                self._weights[term] = math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0
            return self._weights[term]

    def search(
        self, query: str, n: int, allowed: frozenset[str] | None = None
    ) -> list[tuple[Chunk, str, float]]:
        """Top ``n`` chunks as (chunk, doc_id's sha, score), best first; no shared stem, no hit.

        ``allowed`` (article ids) restricts the ranking itself, before the limit, so a filtered
        question still gets ``n`` hits from the allowed articles when they have them.
        """
        expr = match_expr(query)
        if not expr or allowed is not None and not allowed:
            return []
        if allowed is None and (rows := self._pruned(query, n)) is not None:
            return rows
        args: tuple = (expr, n)
        where = "terms MATCH ?"
        if allowed is not None:
            # One JSON parameter whatever the set's size (SQLite caps bound variables at 32766).
            where += " AND " + _ALLOWED
            args = (expr, json.dumps(sorted(allowed)), n)
        sql = (
            "SELECT c.id, c.doc_id, c.idx, c.start, c.stop, c.text, c.sentences, a.sha, -s.score "
            f"FROM (SELECT rowid, bm25(terms) AS score FROM terms WHERE {where} "
            "ORDER BY score LIMIT ?) AS s "
            "JOIN chunks AS c ON c.rowid = s.rowid JOIN articles AS a ON a.doc_id = c.doc_id"
        )
        with self._lock:
            rows = self.conn.execute(sql, args).fetchall()
        return _ranked(rows)

    def _pruned(self, query: str, n: int) -> list[tuple[Chunk, str, float]] | None:
        """The search without the common stems in the match, or None when there are none.

        FTS5 scores every chunk that holds any stem of the query, so at a million chunks
        one stem in a quarter of them ("meet") costs most of a second. Here the rarer stems
        pick ``_RESCORE`` candidates per hit, and those are ranked by BM25 over all of the
        query's stems, computed as bm25() does. A chunk holding none of the rarer stems
        can no longer be found: at 1M synthetic chunks the top 20 kept ~95% of the full
        ranking (docs/performance.md). Below ``common_min`` chunks nothing changes.
        """
        terms = {stem(w) for w in content_words(query)}
        with self._lock:
            total = len(self)
            cap = max(self.common_min, COMMON_SHARE * total)
            rare = {t for t in terms if self.doc_freq(t) <= cap}
            if not rare or rare == terms or (avg := self._avg_length(total)) is None:
                return None
            found = self.conn.execute(
                "SELECT s.rowid, t.stems FROM (SELECT rowid, bm25(terms) AS score FROM terms "
                "WHERE terms MATCH ? ORDER BY score LIMIT ?) AS s JOIN terms AS t ON t.rowid = s.rowid",
                (_or(rare), n * _RESCORE),
            ).fetchall()
            idf = {t: _fts_idf(total, self.doc_freq(t)) for t in terms}
            best = sorted(((_bm25(idf, stems, avg), rowid) for rowid, stems in found), reverse=True)[:n]
            scores = {rowid: score for score, rowid in best}
            marks = ",".join("?" * len(scores))
            rows = self.conn.execute(
                "SELECT c.id, c.doc_id, c.idx, c.start, c.stop, c.text, c.sentences, a.sha, c.rowid "
                f"FROM chunks AS c JOIN articles AS a ON a.doc_id = c.doc_id WHERE c.rowid IN ({marks})",
                list(scores),
            ).fetchall()
        return _ranked([(*r[:8], scores[r[8]]) for r in rows])

    def _avg_length(self, total: int) -> float | None:
        """Mean stems per chunk, from FTS5's own totals (its "averages" record: varints of the
        row count, then the token count); None if that record is not as expected."""
        row = self.conn.execute("SELECT block FROM terms_data WHERE id = 1").fetchone()
        values = _varints(row[0]) if row and isinstance(row[0], bytes) else []
        if len(values) != 2 or values[0] != total or not total:
            return None
        return values[1] / total

    def sentence_vectors(self, ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored sentence vectors (float32, one row per sentence) of the chunks that have them."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self.conn.execute(
                f"SELECT id, vectors, sentences FROM chunks WHERE id IN ({marks}) AND vectors IS NOT NULL",
                ids,
            ).fetchall()
        out = {}
        for cid, blob, sentences in rows:
            n = len(json.loads(sentences))
            vecs = np.frombuffer(blob, dtype=np.float16)
            if n and vecs.size % n == 0:
                out[cid] = vecs.reshape(n, -1).astype(np.float32)
        return out

    # --- writing ------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self._weights.clear()
                self._df.clear()
                self._n = None

    def put_articles(self, batch: list[tuple[str, str, list[Chunk], list[np.ndarray | None]]]) -> None:
        """Replace each (doc_id, sha, chunks, sentence vectors per chunk) in one transaction.

        Call it after the manifest names these versions: the rows are then visible.
        """
        with self._write() as conn:
            for doc_id, sha, chunks, vectors in batch:
                _delete(conn, doc_id)
                conn.execute("INSERT INTO articles VALUES (?, ?)", (doc_id, sha))
                for chunk, vecs in zip(chunks, vectors):
                    _insert(conn, chunk, vecs)

    def delete_article(self, doc_id: str) -> None:
        with self._write() as conn:
            _delete(conn, doc_id)

    def save_sentence_vectors(self, found: dict[str, np.ndarray]) -> None:
        """Keep vectors computed at query time (chunks synced from another process have none)."""
        if not found:
            return
        try:
            with self._write() as conn:
                conn.executemany(
                    "UPDATE chunks SET vectors = ? WHERE id = ?",
                    [(v.astype(np.float16).tobytes(), cid) for cid, v in found.items()],
                )
        except sqlite3.OperationalError as err:  # busy or read-only: computed again next time
            log.debug("sentence vectors not saved: %s", err)

    def sync(
        self,
        manifest: dict[str, ArticleMeta],
        fetch: Callable[[str, str], list[Chunk]],
        fetch_all: Callable[[], Iterable[tuple[Chunk, str]]],
    ) -> tuple[int, int]:
        """Make the rows match ``manifest``, touching only articles whose version differs.

        ``fetch(doc_id, sha)`` reads one article's chunks from the vector store; when many
        articles are missing (a first start on an existing index), ``fetch_all`` streams
        every chunk once instead. Returns (articles written, articles deleted).
        """
        have = self.synced()
        gone = [d for d in have if d not in manifest]
        todo = {d: m.version for d, m in manifest.items() if have.get(d) != m.version}
        if gone:  # one transaction for all: after a --rebuild that is every article
            with self._write() as conn:
                for doc_id in gone:
                    _delete(conn, doc_id)
        if len(todo) > _BULK:
            self._sync_bulk(todo, fetch_all)
        else:
            for doc_id, sha in todo.items():
                self.put_articles([(doc_id, sha, (c := fetch(doc_id, sha)), [None] * len(c))])
        return len(todo), len(gone)

    def _sync_bulk(self, todo: dict[str, str], fetch_all: Callable[[], Iterable[tuple[Chunk, str]]]) -> None:
        found: dict[str, list[Chunk]] = {d: [] for d in todo}
        for chunk, sha in fetch_all():
            if todo.get(chunk.doc_id) == sha:
                found[chunk.doc_id].append(chunk)
        items = list(found.items())
        for lo in range(0, len(items), _BULK):
            self.put_articles([(d, todo[d], cs, [None] * len(cs)) for d, cs in items[lo : lo + _BULK]])

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def _or(terms: Iterable[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in sorted(terms))


def _ranked(rows: list[tuple]) -> list[tuple[Chunk, str, float]]:
    # Ties in document order, as the in-memory BM25 broke them.
    rows.sort(key=lambda r: (-r[8], r[1], r[2]))
    return [(_chunk(r), r[7], r[8]) for r in rows]


def _fts_idf(n: int, df: int) -> float:
    idf = math.log((n - df + 0.5) / (df + 0.5))
    return idf if idf > 0 else 1e-6  # as FTS5 floors it


def _bm25(idf: dict[str, float], stems: str, avg: float) -> float:
    tokens = stems.split()  # stems are \w+ runs, which unicode61 (tokenchars '_') keeps whole
    norm = _K1 * (1 - _B + _B * len(tokens) / avg)
    counts = {t: tokens.count(t) for t in idf}
    return sum(idf[t] * tf * (_K1 + 1) / (tf + norm) for t, tf in counts.items() if tf)


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (big-endian 7-bit groups; the ninth byte holds 8 bits)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for j in range(9):
            if i >= len(blob):
                return []
            byte = blob[i]
            i += 1
            if j == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def _delete(conn: sqlite3.Connection, doc_id: str) -> None:
    conn.execute("DELETE FROM terms WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)", (doc_id,))
    conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM articles WHERE doc_id = ?", (doc_id,))


def _insert(conn: sqlite3.Connection, chunk: Chunk, vecs: np.ndarray | None) -> None:
    sentences = json.dumps([[s.start, s.end, s.text] for s in chunk.sentences])
    blob = None if vecs is None else np.asarray(vecs, dtype=np.float16).tobytes()
    cur = conn.execute(
        "INSERT INTO chunks (id, doc_id, idx, start, stop, text, sentences, vectors) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (chunk.id, chunk.doc_id, chunk.index, chunk.start, chunk.end, chunk.text, sentences, blob),
    )
    conn.execute("INSERT INTO terms (rowid, stems) VALUES (?, ?)", (cur.lastrowid, stem_text(chunk.text)))


def _chunk(row: tuple) -> Chunk:
    cid, doc_id, idx, start, stop, text, sentences = row[:7]
    return Chunk(
        id=cid,
        doc_id=doc_id,
        index=idx,
        start=start,
        end=stop,
        text=text,
        sentences=[Sentence(start=a, end=b, text=t) for a, b, t in json.loads(sentences)],
    )


def remove_pickles(folder: Path) -> None:
    """Delete the BM25 pickles older versions saved, without reading them: a pickle runs code on load."""
    for old in folder.glob("bm25-*.pkl"):
        old.unlink(missing_ok=True)
    for old in folder.glob("bm25-*.tmp*"):
        old.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:  # not empty or absent: leave it
        pass
