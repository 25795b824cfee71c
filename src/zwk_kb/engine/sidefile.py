"""Each segment's text and facet postings in a side file the scorer reads at C speed.

Why: Whoosh keeps a term's documents, weights and word positions in one pickled and compressed
block per 128 documents. Ranking needs only documents and weights, but reading them decodes
the positions too: about 1.5 µs per posting, 70–110 ms for the first search of two common
words at 10,000 cards; a "near" query then walks Whoosh's span matchers document by document.
So every new segment (a build, an update, a merge) also gets ``<segment>.postings``: per
(field, term) the document numbers (``array('I')``), the weights (``array('f')``, the float32
values Whoosh stores) and the word positions in each document, as raw bytes. Reading one is a
slice of a memory map.

The file is written from the postings the index writer hands Whoosh (the analysed documents,
one term at a time, see :class:`SideFilePool`), while Whoosh writes the same postings into its
segment: it is complete before Whoosh's table of contents names the segment,
so no reader sees a segment without it. Segments never change after they are written, and
Whoosh deletes the files of a segment it merged away (``MAIN_<id>.*``), so a side file always
matches its segment. A segment without one (written by other code, or the file damaged or
written by another Python version) has none: the scorer then reads Whoosh's blocks.
"""

from __future__ import annotations

import marshal
import mmap
import os
import pickle
import struct
import sys
import threading
import weakref
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from itertools import accumulate, chain, groupby
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh.formats import Positions
from whoosh.util.numeric import length_to_byte

from zwk_kb import degradations

POSTINGS_FILE_EXT = ".postings"
FORMAT = b"ZWKPST3"
MAGIC = (
    FORMAT
    + (b"L" if sys.byteorder == "little" else b"B")
    + bytes([sys.version_info[0], sys.version_info[1], marshal.version])
)
"""Format, byte order (the arrays are in the machine's order) and the Python and marshal
versions that wrote the directory (``marshal`` promises nothing across Python versions)."""
_TRAILER = struct.Struct("<QQ")  # directory offset, directory length
OPEN_FILES = 32
"""Side files kept mapped (2 per full build; a few more after updates and merges)."""
DEGRADATION_STEP = "Postings-Seitendatei"
"""Name under which an unusable side file is counted (``/healthz``)."""


Posting = tuple[str, bytes, int, float, bytes | None]
"""One posting as Whoosh's writer handles it: field, term, document, weight, encoded value."""


class OtherPythonVersion(ValueError):
    """The side file's directory was written by another Python (or marshal) version."""


def _key_prefix(field: str) -> bytes:
    """The start of every directory key of a field's terms: ``field NUL term``. NUL sorts
    before every other byte, so a field's keys form one run in Whoosh's order."""
    return field.encode("utf-8") + b"\x00"


def side_file_name(segment: Any) -> str:
    """The side file's name in the index folder: Whoosh's segment name with our extension."""
    return str(segment.make_filename(POSTINGS_FILE_EXT))


class SideFileWriter:
    """Writes one segment's side file term by term, in Whoosh's order (by field, then term).

    ``handle`` is a binary file opened for writing; :meth:`close` writes the directory and
    closes it. Only terms of ``fields`` are kept.
    """

    def __init__(self, handle: Any, schema: Any, fields: Iterable[str]) -> None:
        self._file = handle
        self._file.write(MAGIC)
        self._offset = len(MAGIC)
        self.fields = frozenset(fields)
        self._decoders = {name: _position_decoder(schema[name].format) for name in self.fields}
        self._keys: list[bytes] = []
        self._offsets: list[int] = []
        self._counts: list[int] = []
        self._kinds: list[str] = []
        # per field: (documents, position counts) of each term, for the documents' lengths;
        # a field that has a term without positions gets no lengths
        self._length_parts: dict[str, list[tuple[array, array]] | None] = {
            name: [] for name in self.fields if self._decoders[name] is not None
        }

    def add_term(self, field: str, btext: bytes, postings: Sequence[Posting]) -> None:
        """One term's postings as Whoosh's writer has them: (field, term, document, weight,
        encoded value), documents ascending."""
        decode = self._decoders.get(field, _SKIP)
        if decode is _SKIP or not postings:
            return
        ids = array("I", [p[2] for p in postings])
        weights = array("f", [p[3] for p in postings])
        chunks = [ids.tobytes(), weights.tobytes()]
        kind = "-"  # no positions
        decoded = _decode_all(decode, [p[4] for p in postings]) if decode else None
        if decoded is None:
            self._length_parts[field] = None
        else:
            try:
                counts = array("H", map(len, decoded))
            except OverflowError:  # a word 65,536 times in one card: Whoosh reads its positions
                counts = None
            parts = self._length_parts.get(field)
            if parts is not None:
                if counts is None:
                    self._length_parts[field] = None
                else:
                    parts.append((ids, counts))
            if counts is not None:
                positions = array("I", chain.from_iterable(decoded))
                kind = "H" if max(positions, default=0) < 65536 else "I"
                chunks.append(counts.tobytes())
                chunks.append(positions.tobytes() if kind == "I" else _narrow(positions))
        data = b"".join(chunks)
        self._file.write(data)
        self._keys.append(_key_prefix(field) + btext)
        self._offsets.append(self._offset)
        self._counts.append(len(ids))
        self._kinds.append(kind)
        self._offset += len(data)

    def close(self) -> None:
        lengths: dict[str, tuple[int, int]] = {}
        for field, parts in sorted(self._length_parts.items()):
            if parts is None:
                continue
            data = _length_bytes(parts)
            self._file.write(data)
            lengths[field] = (self._offset, len(data))
            self._offset += len(data)
        directory = marshal.dumps(
            (
                sorted(self.fields),
                self._keys,
                self._offsets,
                self._counts,
                "".join(self._kinds),
                lengths,
            )
        )
        self._file.write(directory)
        self._file.write(_TRAILER.pack(self._offset, len(directory)))
        self._file.close()


_SKIP: Any = object()


def _length_bytes(parts: list[tuple[array, array]]) -> bytes:
    """Each document's length in a field (the sum of its terms' frequencies, as Whoosh counts
    it), one byte per document in Whoosh's encoding (``length_to_byte``)."""
    if not parts:
        return b""
    ids = np.concatenate([np.frombuffer(i, dtype=np.uint32) for i, _ in parts])
    counts = np.concatenate([np.frombuffer(c, dtype=np.uint16) for _, c in parts])
    lengths = np.bincount(ids, weights=counts).astype(np.int64).tolist()
    return bytes(map(length_to_byte, lengths))


def _position_decoder(fmt: Any) -> Any:
    """How to read the word positions out of a field's encoded values (``None``: the field
    stores none)."""
    if isinstance(fmt, Positions) and type(fmt).decode_positions is Positions.decode_positions:
        return _decode_positions
    if fmt.supports("positions"):
        return fmt.decode_positions
    return None


def _decode_all(decode: Any, values: list[bytes | None]) -> list[list[int]] | None:
    """Every posting's positions, ``None`` when a posting has none (then the term has none)."""
    if any(v is None for v in values):
        return None
    if decode is _decode_positions:
        try:  # Whoosh's Positions values: a 4-byte count, then the pickled deltas
            return [list(accumulate(pickle.loads(v[4:]))) for v in values]  # type: ignore[index]
        except Exception:  # an older encoding: the careful way below
            pass
    return list(map(decode, values))


class SegmentPostingsFile:
    """The side file of one segment: (field, term) -> document numbers, weights, positions."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        data = self._map
        if (
            len(data) < len(MAGIC) + _TRAILER.size
            or data[: len(FORMAT) + 1] != MAGIC[: len(FORMAT) + 1]
        ):
            raise ValueError(f"{path}: keine Postings-Datei dieses Formats")
        if data[: len(MAGIC)] != MAGIC:
            raise OtherPythonVersion(f"{path}: von einer anderen Python-Version geschrieben")
        offset, length = _TRAILER.unpack(data[-_TRAILER.size :])
        fields, keys, offsets, counts, kinds, lengths = marshal.loads(
            data[offset : offset + length]
        )
        if not (len(keys) == len(offsets) == len(counts) == len(kinds)):
            raise ValueError(f"{path}: Verzeichnis unvollständig")
        # key -> entry number, and the entries as plain lists: a tuple per term (tens of
        # thousands per segment) would be an object each for the garbage collector to walk
        self._entry: dict[bytes, int] = dict(zip(keys, range(len(keys)), strict=True))
        self._keys: list[bytes] = keys  # in Whoosh's order: by field, then term (as bytes)
        self._offsets: list[int] = offsets
        self._counts: list[int] = counts
        self._kinds: str = kinds
        self.fields: frozenset[str] = frozenset(fields)
        """The fields whose terms the file holds (all of them: a term not in it is not in the
        segment)."""
        self._lengths: dict[str, tuple[int, int]] = lengths

    def _find(self, field: str, btext: bytes) -> tuple[int, int, str] | None:
        """(offset, postings, kind of positions) of a term, ``None`` if the segment lacks it."""
        i = self._entry.get(_key_prefix(field) + btext)
        if i is None:
            return None
        return self._offsets[i], self._counts[i], self._kinds[i]

    def field_documents(self, field: str) -> list[tuple[bytes, np.ndarray]]:
        """Every term of a field in this segment with its document numbers (ascending, a
        view on the file): a facet's values without walking Whoosh's term table."""
        prefix = _key_prefix(field)
        keys = self._keys
        first = bisect_left(keys, prefix)
        end = bisect_left(keys, prefix[:-1] + b"\x01", first)
        return [
            (
                keys[i][len(prefix) :],
                np.frombuffer(
                    self._map, dtype=np.uint32, count=self._counts[i], offset=self._offsets[i]
                ),
            )
            for i in range(first, end)
        ]

    def length_bytes(self, field: str, count: int) -> bytes | None:
        """The field's length in each of the segment's ``count`` documents, one byte each in
        Whoosh's encoding (``byte_to_length`` decodes it; 0 for a document without the field);
        ``None`` when the file has no lengths of the field."""
        found = self._lengths.get(field)
        if found is None:
            return None
        offset, size = found
        stored = min(size, count)
        return self._map[offset : offset + stored] + bytes(count - stored)

    def postings(self, field: str, btext: bytes) -> tuple[array, array]:
        """Document numbers (segment-local, ascending) and weights of a term; empty if the
        segment does not contain it."""
        found = self._find(field, btext)
        ids: array = array("I")
        weights: array = array("f")
        if found is not None:
            offset, count, _ = found
            ids.frombytes(self._map[offset : offset + 4 * count])
            weights.frombytes(self._map[offset + 4 * count : offset + 8 * count])
        return ids, weights

    def positions(
        self, field: str, btext: bytes, docs: Sequence[int]
    ) -> dict[int, list[int]] | None:
        """Word positions of a term in each of ``docs`` (segment-local, ascending) that
        contains it; ``None`` when this file has no positions for the term."""
        found = self._gather(field, btext, docs)
        if found is None:
            return None
        present, counts, positions = found
        ends = np.cumsum(counts).tolist()
        every = positions.tolist()
        return {
            doc: every[end - n : end]
            for doc, end, n in zip(present.tolist(), ends, counts.tolist(), strict=True)
        }

    def position_keys(self, field: str, btext: bytes, docs: Sequence[int]) -> np.ndarray | None:
        """The term's occurrences in ``docs`` as ascending ``document << 32 | position``
        keys (int64): occurrences in different documents are then never near each other."""
        found = self._gather(field, btext, docs)
        if found is None:
            return None
        present, counts, positions = found
        return (np.repeat(present, counts) << 32) | positions

    def _gather(
        self, field: str, btext: bytes, docs: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(documents of ``docs`` containing the term, their position counts, all their
        positions in a row), as int64 arrays; ``None`` when the file has no positions for the
        term. Only the asked documents' positions are read (views of the memory map, found by
        bisection): a common word's positions on all its cards are a megabyte."""
        empty = np.zeros(0, dtype=np.int64)
        found = self._find(field, btext)
        if found is None:
            return empty, empty, empty
        offset, count, kind = found
        if kind == "-":
            return None
        data = self._map
        ids = np.frombuffer(data, dtype=np.uint32, count=count, offset=offset)
        counts = np.frombuffer(data, dtype=np.uint16, count=count, offset=offset + 8 * count)
        wanted = np.asarray(docs, dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, wanted), count - 1)
        present = ids[at] == wanted
        at = at[present]
        ends = np.cumsum(counts, dtype=np.int64)
        every = np.frombuffer(
            data,
            dtype=np.uint16 if kind == "H" else np.uint32,
            count=int(ends[-1]),
            offset=offset + 10 * count,
        )
        sizes = counts[at].astype(np.int64)
        # the positions of the chosen documents, run by run: start of each run repeated over
        # its length, plus the place inside the run
        total = int(sizes.sum())
        run_starts = ends[at] - sizes
        inside = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        positions = every[np.repeat(run_starts, sizes) + inside].astype(np.int64)
        return wanted[present], sizes, positions


def _narrow(values: array) -> bytes:
    """An ``array('I')`` of values below 65,536 as the bytes of an ``array('H')``, by slicing
    the low halves out of the raw bytes (converting value by value costs a Python object each)."""
    if sys.byteorder != "little" or values.itemsize != 4:
        return array("H", values).tobytes()
    raw = values.tobytes()
    narrow = bytearray(len(raw) // 2)
    narrow[0::2] = raw[0::4]
    narrow[1::2] = raw[1::4]
    return bytes(narrow)


def _decode_positions(vbytes: bytes) -> list[int]:
    """Whoosh's ``Positions.decode_positions`` without its Python loop (a 4-byte count, then
    the pickled position deltas)."""
    data = vbytes[4:]
    return list(accumulate(pickle.loads(data if data.endswith(b".") else data + b".")))


_open: OrderedDict[str, SegmentPostingsFile | None] = OrderedDict()
_lock = threading.Lock()
_by_reader: weakref.WeakKeyDictionary[Any, SegmentPostingsFile | None] = weakref.WeakKeyDictionary()
"""The side file found for each segment reader: a first search asks for every term of every
field again, and the file name of a segment is a few string operations each time."""


def segment_postings_file(reader: Any, field: str) -> SegmentPostingsFile | None:
    """The side file of a Whoosh segment reader if it has one covering ``field``."""
    try:
        found = _by_reader[reader]
    except KeyError:
        found = _segment_file(reader)
        with _lock:
            _by_reader[reader] = found
    except TypeError:  # not a reader that can be remembered: look it up each time
        found = _segment_file(reader)
    if found is None or field not in found.fields:
        return None
    return found


def _segment_file(reader: Any) -> SegmentPostingsFile | None:
    """The side file of a segment reader, from the process's open files or opened now."""
    try:
        path = os.path.join(reader.storage().folder, side_file_name(reader.segment()))
    except AttributeError:  # not a segment of an index on disk
        return None
    with _lock:
        if path in _open:
            _open.move_to_end(path)
            return _open[path]
    try:
        found: SegmentPostingsFile | None = SegmentPostingsFile(path)
    except FileNotFoundError:
        found = None  # a segment written without one: Whoosh's own postings answer
    except OtherPythonVersion as exc:
        degradations.record(DEGRADATION_STEP, exc)  # rebuilt by the next full index run
        found = None
    except (OSError, ValueError, EOFError, TypeError, struct.error) as exc:
        degradations.record(DEGRADATION_STEP, exc)  # damaged: Whoosh's own postings answer
        found = None
    with _lock:
        _open[path] = found
        while len(_open) > OPEN_FILES:
            _open.popitem(last=False)
    return found


# ---- writing: the postings the writer hands Whoosh, teed into the side file ------------------


class SideFilePool:
    """The writer's postings pool (Whoosh asks it for ``add``, ``iter_postings`` and
    ``cleanup``) that also writes the side file of the segment from the postings it hands
    Whoosh: each (field, term) group, as Whoosh's codec receives it."""

    def __init__(self, pool: Any, storage: Any, segment: Any, schema: Any, fields: Iterable[str]):
        self.pool = pool
        self.add = pool.add
        self._storage = storage
        self._segment = segment
        self._schema = schema
        self._fields = frozenset(fields)

    def iter_postings(self) -> Iterable[Posting]:
        side = SideFileWriter(
            self._storage.create_file(side_file_name(self._segment)), self._schema, self._fields
        )
        fields = self._fields
        for (field, btext), group in groupby(self.pool.iter_postings(), key=_TERM):
            postings = list(group)
            if field in fields:
                side.add_term(field, btext, postings)
            yield from postings
        side.close()

    def cleanup(self) -> None:
        self.pool.cleanup()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


_TERM = itemgetter(0, 1)


def segment_writer(ix: Any, fields: Iterable[str], **options: Any) -> Any:
    """``ix.writer(**options)``, writing the side file of ``fields`` with each new segment."""
    writer = ix.writer(**options)
    # Whoosh's codec would look up each posting's field length (a column read per posting)
    # only to note the shortest and longest per block and term: bounds for skipping blocks in
    # Whoosh's own top-N search, which stay valid (only looser) at zero. The scorer reads the
    # lengths from the side file, Whoosh's scoring the stored ones: no score changes.
    writer.codec.length_stats = False
    writer.pool = SideFilePool(
        writer.pool, writer.storage, writer.newsegment, writer.schema, fields
    )
    return writer
