"""NumPy and pandas when they are installed; plain Python lists when they are not.

numpy is imported when first needed (never at import time of this package), so the client works, and its list
paths are tested, in an environment without it.
"""
from __future__ import annotations

import array
import sys
from typing import Any, List, Optional, Sequence, Tuple


def numpy() -> Any:
    """The numpy module, or None when it cannot be imported."""
    try:
        import numpy as np  # noqa: WPS433 (optional dependency)
    except ImportError:
        return None
    return np


def require_numpy(what: str) -> Any:
    np = numpy()
    if np is None:
        raise ImportError(f"{what} needs numpy (pip install numpy, or apt install python3-numpy)")
    return np


def to_array(rows: Any, dtype: str) -> Any:
    """rows as a NumPy array of dtype."""
    return require_numpy("an array result").asarray(rows, dtype=dtype)


def is_ndarray(value: Any) -> bool:
    np = sys.modules.get("numpy")  # an array can only exist when numpy was imported
    return np is not None and isinstance(value, np.ndarray)


def is_dataframe(value: Any) -> bool:
    """A pandas DataFrame, told apart without importing pandas."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


def rows(value: Any, what: str) -> List[Any]:
    """A table of numbers (a 2-D array, a DataFrame, a sequence of rows) as JSON-ready lists."""
    if is_dataframe(value):
        value = value.to_numpy()
    if is_ndarray(value):
        if value.ndim != 2:
            raise ValueError(f"{what} must be 2-D (rows x columns), got shape {value.shape}")
        table: List[Any] = value.tolist()
        return table
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{what} must be a 2-D array or a sequence of rows, got {type(value).__name__}")
    return [_listed(r) for r in value]


def _listed(item: Any) -> Any:
    """A row (a list, a tuple, a NumPy row) as a list; anything else as it is."""
    if is_ndarray(item):
        return item.tolist()
    return list(item) if isinstance(item, (tuple, list)) else item


def json_default(value: Any) -> Any:
    """NumPy scalars (np.float32(1.5), np.int64(2)) in JSON bodies, as the Python numbers they hold."""
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a number JSON can carry")


def targets(value: Any) -> List[Any]:
    """Targets (class ids, numbers, or rows of numbers) as JSON-ready lists."""
    if is_dataframe(value) or type(value).__name__ == "Series" and hasattr(value, "to_numpy"):
        value = value.to_numpy()
    if is_ndarray(value):
        listed: List[Any] = value.tolist()
        return listed
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"targets must be an array or a sequence, got {type(value).__name__}")
    return [_listed(t) for t in value]


def float32_body(value: Any) -> Tuple[bytes, int]:
    """Rows as little-endian float32 values back to back, and the number of rows."""
    if is_dataframe(value):
        value = value.to_numpy()
    if is_ndarray(value):
        np = numpy()
        matrix = value.reshape(1, -1) if value.ndim == 1 else value
        if matrix.ndim != 2:
            raise ValueError(f"instances must be 2-D (rows x columns), got shape {value.shape}")
        return np.ascontiguousarray(matrix, dtype="<f4").tobytes(), int(matrix.shape[0])
    table = rows(value, "instances")
    width: Optional[int] = None
    packed = array.array("f")
    for i, row in enumerate(table):
        if not isinstance(row, list):
            raise TypeError(f"instances[{i}] must be a row of numbers, got {type(row).__name__}")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ValueError(f"instances[{i}] has {len(row)} values, the first row {width}: a float32 body needs"
                             " rows of one width")
        packed.extend(float(v) for v in row)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes(), len(table)
