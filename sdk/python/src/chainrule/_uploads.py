"""Dataset upload bodies, produced piece by piece (never the whole file in memory) and gzip-compressed on the fly."""
from __future__ import annotations

import io
import os
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, List, Optional, Sequence, Tuple

from ._arrays import is_dataframe, is_ndarray, numpy

CHUNK = 1 << 16
ROWS_PER_BLOCK = 2048
GZIP_MAGIC = b"\x1f\x8b"


def gzip_chunks(chunks: Iterable[bytes], level: int = 6) -> Iterator[bytes]:
    """The gzip stream of the concatenated chunks, compressed as they come."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: a gzip header and trailer
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def file_chunks(stream: BinaryIO, first: bytes = b"") -> Iterator[bytes]:
    """A binary stream's bytes in chunks of CHUNK, after ``first`` (bytes already read from it)."""
    if first:
        yield first
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        if isinstance(chunk, str):
            raise TypeError("the file object must be opened in binary mode ('rb')")
        yield chunk


def path_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes, opened only once the body is sent, and closed when it has been (or sending stops)."""
    with open(path, "rb") as stream:
        yield from file_chunks(stream)


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _csv_header(columns: Sequence[str]) -> bytes:
    import csv
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(columns)
    return out.getvalue().encode("utf-8")


def _array_formats(matrix: Any) -> List[str]:
    kind = matrix.dtype.kind
    if kind in "iub":
        return ["%d"] * matrix.shape[1]
    if kind == "f" and matrix.dtype.itemsize <= 4:
        return ["%.9g"] * matrix.shape[1]  # 9 significant digits read back as the same float32
    return ["%.17g"] * matrix.shape[1]


def array_csv(matrix: Any, columns: Sequence[str]) -> Iterator[bytes]:
    """A 2-D NumPy array as CSV, a block of rows at a time."""
    np = numpy()
    yield _csv_header(columns)
    if matrix.dtype.kind == "b":
        matrix = matrix.astype(np.int8)
    formats = _array_formats(matrix)
    for start in range(0, matrix.shape[0], ROWS_PER_BLOCK):
        out = io.BytesIO()
        np.savetxt(out, matrix[start:start + ROWS_PER_BLOCK], fmt=formats, delimiter=",")
        yield out.getvalue()


def frame_csv(frame: Any) -> Iterator[bytes]:
    """A pandas DataFrame as CSV (its column names as the header), a block of rows at a time."""
    yield _csv_header([str(c) for c in frame.columns])
    for start in range(0, len(frame), ROWS_PER_BLOCK):
        # line ends as pandas writes them (os.linesep): the service reads CRLF as well as LF
        yield frame.iloc[start:start + ROWS_PER_BLOCK].to_csv(header=False, index=False).encode("utf-8")


def rows_csv(table: Sequence[Sequence[Any]], columns: Sequence[str]) -> Iterator[bytes]:
    """Rows of Python numbers as CSV, a block at a time."""
    yield _csv_header(columns)
    block: List[str] = []
    for row in table:
        block.append(",".join(_csv_cell(v) for v in row))
        if len(block) == ROWS_PER_BLOCK:
            yield ("\n".join(block) + "\n").encode("ascii")
            block = []
    if block:
        yield ("\n".join(block) + "\n").encode("ascii")


def _width(data: Any) -> int:
    if is_ndarray(data):
        return 1 if data.ndim == 1 else int(data.shape[1])
    first = data[0] if len(data) else []
    return len(first) if isinstance(first, (list, tuple)) or is_ndarray(first) else 1


def table_body(data: Any, targets: Any, columns: Optional[Sequence[str]]) -> Tuple[Iterator[bytes], List[str]]:
    """CSV chunks for in-memory data (features, with targets appended as the last columns), and the target columns.

    Without ``columns`` the features are named ``x0, x1, ...`` and the targets ``y`` (or ``y0, y1, ...``).
    """
    if is_dataframe(data):
        if targets is not None:
            raise ValueError("a DataFrame carries its target columns: name them with target_columns")
        return frame_csv(data), []
    np = numpy()
    if is_ndarray(data) or (np is not None and is_ndarray(targets)):
        matrix = np.asarray(data)
        matrix = matrix.reshape(-1, 1) if matrix.ndim == 1 else matrix
        if matrix.ndim != 2:
            raise ValueError(f"data must be 2-D (rows x columns), got shape {matrix.shape}")
        n_targets = 0
        if targets is not None:
            y = np.asarray(targets)
            y = y.reshape(-1, 1) if y.ndim == 1 else y
            if y.shape[0] != matrix.shape[0]:
                raise ValueError(f"targets has {y.shape[0]} rows, data {matrix.shape[0]}")
            n_targets = y.shape[1]
            matrix = np.hstack([matrix, y.astype(np.result_type(matrix.dtype, y.dtype))])
        names = _names(matrix.shape[1], n_targets, columns)
        return array_csv(matrix, names), names[len(names) - n_targets:] if n_targets else []
    table = [list(r) if isinstance(r, (list, tuple)) else [r] for r in data]
    n_targets = 0
    if targets is not None:
        if len(targets) != len(table):
            raise ValueError(f"targets has {len(targets)} rows, data {len(table)}")
        ys = [list(t) if isinstance(t, (list, tuple)) else [t] for t in targets]
        n_targets = len(ys[0]) if ys else 1
        table = [r + y for r, y in zip(table, ys)]
    width = len(table[0]) if table else _width(data) + n_targets
    names = _names(width, n_targets, columns)
    return rows_csv(table, names), names[len(names) - n_targets:] if n_targets else []


def _names(width: int, n_targets: int, columns: Optional[Sequence[str]]) -> List[str]:
    if columns is not None:
        if len(columns) != width:
            raise ValueError(f"columns names {len(columns)} columns, the data has {width}")
        return [str(c) for c in columns]
    features = [f"x{i}" for i in range(width - n_targets)]
    if n_targets == 0:
        return features
    return features + (["y"] if n_targets == 1 else [f"y{i}" for i in range(n_targets)])


def source_body(source: Any) -> Tuple[Iterator[bytes], bool, Optional[str]]:
    """Chunks of a path or a binary file object, whether they are already gzip, and a default dataset name."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        with open(path, "rb") as probe:
            gzipped = probe.read(2) == GZIP_MAGIC
        return path_chunks(path), gzipped, default_name(path.name)
    if hasattr(source, "read"):
        first = source.read(2)
        if isinstance(first, str):
            raise TypeError("the file object must be opened in binary mode ('rb')")
        name = getattr(source, "name", None)
        return file_chunks(source, first), first == GZIP_MAGIC, \
            default_name(os.path.basename(name)) if isinstance(name, str) else None
    raise TypeError(f"cannot upload a {type(source).__name__}: give a path, a binary file object, an array,"
                    " a DataFrame or rows")


def default_name(file_name: str) -> Optional[str]:
    """A file's name without .gz and .csv, as the service names a form upload."""
    base = file_name
    for suffix in (".gz", ".csv"):
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
    base = base.strip()
    return base[:200] or None
