"""Each segment's text postings in a side file the scorer reads at C speed.

Why: Whoosh keeps a term's documents, weights and word positions in one pickled and compressed
block per 128 documents. Ranking needs only documents and weights, but reading them decodes
the positions too: about 1.5 µs per posting, 70–110 ms for the first search of two common
words at 10,000 cards; a "near" query then walks Whoosh's span matchers document by document.
While Whoosh writes a segment (a build, an update, a merge), the codec below also writes
``<segment>.imp``: per (field, term) the document numbers (``array('I')``), the weights
(``array('f')``, Whoosh's own float32 values), and the word positions in each document, as
raw bytes. Reading one is a slice of a memory map. Segments never change after they are
written and Whoosh deletes the files of a segment it merged away (``MAIN_<id>.*``), so a side
file always matches its segment.

A segment without a side file (an index written before this format, or another codec) simply
has none: the scorer then decodes Whoosh's blocks as before.
"""

from __future__ import annotations

import contextlib
import marshal
import mmap
import os
import pickle
import struct
import sys
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from itertools import accumulate, chain
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.formats import Positions

IMPACTS_EXT = ".imp"
MAGIC = b"ZWKIMP2" + (b"L" if sys.byteorder == "little" else b"B")
"""Format and byte order (the arrays are written in the machine's order)."""
_TRAILER = struct.Struct("<QQ")  # directory offset, directory length
OPEN_FILES = 32
"""Side files kept mapped (2 per full build; a few more after updates and merges)."""


def _key_prefix(field: str) -> bytes:
    """The start of every directory key of a field's terms: ``field NUL term``. NUL sorts
    before every other byte, so a field's keys form one run in Whoosh's order."""
    return field.encode("utf-8") + b"\x00"


class ImpactCodec(W3Codec):
    """Whoosh's codec, plus the side file of the given fields' postings per segment.

    It is pickled into Whoosh's table of contents with each segment, so readers know the
    segment has a side file.
    """

    def __init__(self, fields: Iterable[str] = (), **options: Any) -> None:
        super().__init__(**options)
        self.impact_fields = frozenset(fields)

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return _ImpactFieldWriter(self, storage, segment)


class _RecordingPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer that hands each block of postings to ``sink`` as it writes it
    (a block at a time: no Python call per posting)."""

    def __init__(self, postfile: Any, sink: Any, **options: Any) -> None:
        super().__init__(postfile, **options)
        self._sink = sink

    def _write_block(self, last: bool = False) -> None:
        self._sink(self._ids, self._weights, self._values)
        super()._write_block(last)

    def finish_postings(self) -> Any:
        if not self.written() and len(self) < self._inlinelimit:  # inlined: no block written
            self._sink(self._ids, self._weights, self._values)
        return super().finish_postings()


class _ImpactFieldWriter(W3FieldWriter):
    """Whoosh's field writer that also collects each posting's document, weight and
    positions for the side file."""

    def __init__(self, codec: ImpactCodec, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._impact_fields = codec.impact_fields
        self._impfile = self._create_file(IMPACTS_EXT)
        self._impfile.write(MAGIC)
        self._directory: dict[bytes, tuple[int, int, str]] = {}
        self._recording = False
        self._decode: Any = None
        self._ids: array = array("I")
        self._weights: array = array("f")
        self._counts: array = array("H")
        self._positions: array = array("I")
        self._with_positions = False

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        # Whoosh's loop asks the lengths for every posting (a column read and checks each,
        # 340,000 times per 1,000 cards); a table per field answers the same from a list
        super().add_postings(schema, _LengthTable(lengths) if lengths else lengths, items)

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self._recording = fieldname in self._impact_fields
        self._prefix = _key_prefix(fieldname)
        fmt = fieldobj.format
        if isinstance(fmt, Positions) and type(fmt).decode_positions is Positions.decode_positions:
            self._decode = _decode_positions
        elif fmt.supports("positions"):
            self._decode = fmt.decode_positions
        else:
            self._decode = None
        if self._recording:
            codec = self._codec
            self._postwriter = _RecordingPostingsWriter(
                self._postfile,
                self._take_block,
                blocklimit=codec._blocklimit,
                compression=codec._compression,
                inlinelimit=codec._inlinelimit,
            )

    def start_term(self, btext: bytes) -> None:
        super().start_term(btext)
        if self._recording:
            self._ids = array("I")
            self._weights = array("f")
            self._counts = array("H")
            self._positions = array("I")
            self._with_positions = self._decode is not None

    def _take_block(self, ids: Any, weights: Any, values: list[bytes]) -> None:
        self._ids.extend(ids)
        self._weights.extend(weights)
        if not self._with_positions:
            return
        if len(values) != len(ids):  # a posting without positions: none for this term
            self._with_positions = False
            return
        decoded: list[list[int]] | None = None
        if self._decode is _decode_positions:
            try:  # Whoosh's Positions values: a 4-byte count, then the pickled deltas
                decoded = [list(accumulate(pickle.loads(v[4:]))) for v in values]
            except Exception:  # an older encoding: the careful way below
                decoded = None
        if decoded is None:
            decoded = list(map(self._decode, values))
        try:
            self._counts.extend(map(len, decoded))
        except OverflowError:  # a word 65,536 times in one card: Whoosh reads its positions
            self._with_positions = False
            return
        self._positions.extend(chain.from_iterable(decoded))

    def finish_term(self) -> None:
        super().finish_term()  # writes the last block, which hands it to _take_block
        if self._recording and self._ids:
            offset = self._impfile.tell()
            self._impfile.write(self._ids.tobytes())
            self._impfile.write(self._weights.tobytes())
            kind = "-"  # no positions
            if self._with_positions:
                kind = "H" if max(self._positions, default=0) < 65536 else "I"
                self._impfile.write(self._counts.tobytes())
                positions = self._positions
                self._impfile.write(positions.tobytes() if kind == "I" else _narrow(positions))
            self._directory[self._prefix + self._btext] = (offset, len(self._ids), kind)

    def close(self) -> None:
        entries = self._directory.values()
        directory = marshal.dumps(
            (
                list(self._directory),
                [e[0] for e in entries],
                [e[1] for e in entries],
                "".join(e[2] for e in entries),
            )
        )
        offset = self._impfile.tell()
        self._impfile.write(directory)
        self._impfile.write(_TRAILER.pack(offset, len(directory)))
        self._impfile.close()
        super().close()


class _LengthTable:
    """``doc_field_length`` of a segment's per-document reader, read once per field into a
    list (the same numbers: Whoosh's byte-encoded lengths, decoded)."""

    def __init__(self, lengths: Any) -> None:
        self._lengths = lengths
        self._tables: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str) -> int:
        table = self._tables.get(fieldname)
        if table is None:
            length_of = self._lengths.doc_field_length
            table = [length_of(doc, fieldname) for doc in range(self._lengths.doc_count_all())]
            self._tables[fieldname] = table
        return table[docnum]


class SegmentImpacts:
    """The side file of one segment: (field, term) -> (document numbers, weights)."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        data = self._map
        if len(data) < len(MAGIC) + _TRAILER.size or data[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path}: keine Postings-Datei dieses Formats")
        offset, length = _TRAILER.unpack(data[-_TRAILER.size :])
        keys, offsets, counts, kinds = marshal.loads(data[offset : offset + length])
        if not (len(keys) == len(offsets) == len(counts) == len(kinds)):
            raise ValueError(f"{path}: Verzeichnis unvollständig")
        # key -> entry number, and the entries as plain lists: a tuple per term (28,000 per
        # segment at 10,000 cards) cost 10-25 ms of a cold start, mostly in the garbage collector
        self._entry: dict[bytes, int] = dict(zip(keys, range(len(keys)), strict=True))
        self._keys: list[bytes] = keys  # in Whoosh's order: by field, then term (as bytes)
        self._offsets: list[int] = offsets
        self._counts: list[int] = counts
        self._kinds: str = kinds

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


_open: OrderedDict[str, SegmentImpacts | None] = OrderedDict()
_lock = threading.Lock()


def segment_impacts(reader: Any, field: str) -> SegmentImpacts | None:
    """The side file of a Whoosh segment reader if it has one covering ``field``."""
    codec = getattr(reader, "_codec", None)
    if not isinstance(codec, ImpactCodec) or field not in codec.impact_fields:
        return None
    # kept on the reader too: a first search asks for every term of every field again, and
    # the file name of a segment is a few string operations each time
    known = getattr(reader, "__dict__", {}).get(_ON_READER, _UNKNOWN)
    if known is not _UNKNOWN:
        return known
    impacts = _segment_file(reader)
    with contextlib.suppress(AttributeError):
        reader.__dict__[_ON_READER] = impacts
    return impacts


_ON_READER = "_zwk_kb_impacts"
_UNKNOWN = object()


def _segment_file(reader: Any) -> SegmentImpacts | None:
    """The side file of a segment reader, from the process's open files or opened now."""
    folder = getattr(getattr(reader, "_storage", None), "folder", None)
    segment = getattr(reader, "_segment", None)
    if folder is None or segment is None:
        return None
    path = os.path.join(folder, segment.make_filename(IMPACTS_EXT))
    with _lock:
        if path in _open:
            _open.move_to_end(path)
            return _open[path]
    try:
        impacts: SegmentImpacts | None = SegmentImpacts(path)
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        impacts = None  # missing or damaged: Whoosh's own postings still answer
    with _lock:
        _open[path] = impacts
        while len(_open) > OPEN_FILES:
            _open.popitem(last=False)
    return impacts
