"""BM25 postings saved next to the index, so a restart does not rebuild them.

Building BM25 tokenises and stems every chunk: about 0.3 ms a chunk on this machine,
half a minute at 100,000 chunks, paid by every process start (``python -m bench``
measures it). The postings are saved once per distinct set of live chunks: the file
name is a digest of the ordered chunk ids, and ids carry their article's content hash,
so any ingest, update or delete gives a new name and an old file can never be used
for other chunks. An unreadable or mismatched file is rebuilt, never trusted.

The file is a pickle in the data directory, which only this installation writes (as it
does the Chroma files beside it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

from rag.retrieval.bm25 import BM25

log = logging.getLogger(__name__)

# Below this many chunks a rebuild takes well under a second; no file is worth writing.
MIN_CHUNKS = 2000


def chunk_key(ids: list[str]) -> str:
    h = hashlib.sha256()
    for cid in ids:
        h.update(cid.encode())
        h.update(b"\n")
    return h.hexdigest()[:24]


def load_or_build(
    folder: Path | None, ids: list[str], texts: list[str], min_chunks: int | None = None
) -> BM25:
    """The BM25 index of ``texts`` (whose chunk ids are ``ids``), from ``folder`` if saved there."""
    if folder is None or len(ids) < (MIN_CHUNKS if min_chunks is None else min_chunks):
        return BM25(texts)
    path = Path(folder) / f"bm25-{chunk_key(ids)}.pkl"
    index = _load(path, len(ids))
    if index is None:
        index = BM25(texts)
        _save(path, index)
    return index


def _load(path: Path, n: int) -> BM25 | None:
    try:
        with path.open("rb") as f:
            index = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception as err:  # a torn or foreign file: rebuild rather than fail a start-up
        log.warning("rebuilding BM25: %s is unreadable (%s)", path, err)
        return None
    return index if isinstance(index, BM25) and len(index) == n else None


def _save(path: Path, index: BM25) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the old file or the whole new one
        for old in path.parent.glob("bm25-*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as err:  # a read-only or full disk costs a rebuild next time, nothing more
        log.warning("cannot save the BM25 cache to %s: %s", path, err)
