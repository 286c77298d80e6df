"""The sweep store: a Zarr group (format 2) that ``xarray.open_zarr`` reads as a Dataset.

Layout (docs/sweeps.md):

- the sweep's dimensions: one per [axes] key (named by the key, its values the index
  coordinate, SI, ``units`` attribute), ``zip`` and ``sample`` for [zip] and [random] (each key a
  coordinate along it);
- every numeric field of the command's JSON result a float64 variable over the dimensions
  (nested keys joined with ``.``; a field that is itself an array adds dimensions
  ``<name>_dim<i>``), NaN where a point failed, ``units`` from the result's units table. A field
  whose name is taken (a dimension, a coordinate, or a variable below) is stored as
  ``result.<name>``; a field whose shape differs between points (a list of varying length) has
  no variable and is named in the attribute ``ragged_fields``;
- ``status`` (int8: 0 pending, 1 done, 2 failed) and ``error`` (the one-line error of a failed
  point, "" otherwise) per point;
- run bookkeeping, which differs from run to run and is not a result: ``sweep_seconds``
  (evaluation time, s), ``sweep_finished`` (completion, s since 1970-01-01 UTC),
  ``sweep_attempts`` (tries, > 1 after a worker died), ``sweep_run`` (which run of the store
  computed the point: 0 the first, 1 the first ``--resume``, ...; -1 not yet);
- attributes: the provenance (package version, input file and hash, seeds, command line, times),
  the sweep's fingerprint and description, counts, ``complete``.

Writes: one process (the coordinator) writes, in batches. Within a batch the result variables are
written first, then ``error`` and the bookkeeping, then ``status``; each chunk file is replaced
atomically (zarr's local store writes a temporary file and renames it). A point is complete when
its ``status`` says so, and then its values are in the store: a run killed at any moment leaves a
store whose finished points are whole, and the points it did not mark are computed again.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path

import numpy as np

from ..errors import SpinlossInputError
from .engine import DONE, FAILED, PENDING
from .spec import RANDOM_DIM, ZIP_DIM

STATUS, ERROR = "status", "error"
BOOKKEEPING = ("sweep_seconds", "sweep_finished", "sweep_attempts", "sweep_run")
RESERVED = (STATUS, ERROR, *BOOKKEEPING)
#: Marks a Zarr group as a spinloss sweep store (attribute).
STORE_KIND = "spinloss sweep"
#: The lock file beside the store (``STORE.lock``; inside, zarr would take it for a member).
LOCK_SUFFIX = ".lock"
#: Points per chunk (at most) of the variables over the sweep's dimensions.
CHUNK_POINTS = 4096


def grid_chunks(shape: tuple, target: int = CHUNK_POINTS) -> tuple:
    """Chunks of a grid-shaped array: whole trailing dimensions while they fit in ``target``
    points, then a part of the next one (at least 1 along every dimension)."""
    chunks = [1] * len(shape)
    room = max(1, int(target))
    for i in range(len(shape) - 1, -1, -1):
        take = max(1, min(shape[i], room))
        chunks[i] = take
        room = max(1, room // max(1, take))
        if take < shape[i]:
            break
    return tuple(chunks)


class StoreLock:
    """A lock file beside the store (``STORE.lock``: host and pid), so that two runs never write
    one store. A lock left by a process that is gone (killed) on this host is taken over."""

    def __init__(self, path: Path):
        store = Path(path)
        self.store = store
        self.path = store.with_name(store.name + LOCK_SUFFIX)
        self.held = False

    def acquire(self) -> None:
        me = {"host": socket.gethostname(), "pid": os.getpid(), "time": time.time()}
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                other = self._read()
                if other and other.get("host") == me["host"] and not _alive(other.get("pid")):
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                    continue
                who = f"process {other.get('pid')} on {other.get('host')}" if other else "another process"
                raise SpinlossInputError(str(self.store), "output",
                                         f"in use by {who} (remove {self.path.name} if that run is gone)") from None
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            self.held = True
            return
        raise SpinlossInputError(str(self.store), "output", "cannot take the store's lock")

    def _read(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self.held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.held = False


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError) as exc:
        return isinstance(exc, PermissionError)
    return True


class SweepStore:
    """A sweep store on disk (module docstring): :meth:`create` or :meth:`open`, then
    :meth:`write` batches of finished points and :meth:`update_attrs`."""

    def __init__(self, path: Path, group):
        self.path = Path(path)
        self.group = group
        attrs = dict(group.attrs)
        self.dims = list(attrs["sweep_dims"])
        self.shape = tuple(int(n) for n in attrs["sweep_shape"])
        self.size = int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1
        self.chunks = grid_chunks(self.shape)
        self.arrays: dict = {}
        self.names: dict = {}  # result field -> variable name
        self.ragged = set(attrs.get("ragged_fields", []))
        self.taken = set(self.dims) | set(attrs.get("sweep_coordinates", [])) | set(RESERVED)
        for name, arr in group.arrays():
            self.taken.add(name)
            self.taken.update(arr.attrs.get("_ARRAY_DIMENSIONS", []))
            field = arr.attrs.get("result_field")
            if field is not None:
                self.names[field] = name
                self.arrays[name] = arr
        if self.ragged and not group.read_only:
            self._remove_ragged_variables()

    # ------------------------------------------------------------------ create / open
    @classmethod
    def create(cls, path, design, attrs: dict) -> "SweepStore":
        """A new store at ``path`` for ``design`` (coordinates, status, error, bookkeeping) with
        ``attrs``; built beside and renamed into place, so a half-made store never exists."""
        import xarray as xr
        import zarr

        from ..io import atomic_path

        path = Path(path)
        dims = design.dim_names
        shape = design.shape
        coords, coord_names = {}, []
        for d in design.dims:
            for a in d.axes:
                attrs_a = {"units": a.si_unit} if a.si_unit else {}
                if d.table == "axes":
                    coords[a.key] = xr.Variable((d.name,), a.values, attrs_a)
                else:
                    coords[a.key] = xr.Variable((d.name,), a.values, {**attrs_a, "varied_along": d.name})
                coord_names.append(a.key)
        chunks = grid_chunks(shape)
        data = {
            STATUS: xr.Variable(dims, np.full(shape, PENDING, dtype=np.int8),
                                {"flag_values": [PENDING, DONE, FAILED], "flag_meanings": "pending done failed"}),
            ERROR: xr.Variable(dims, np.full(shape, "", dtype=object),
                               {"long_name": "one-line error of a failed point"}),
            "sweep_seconds": xr.Variable(dims, np.full(shape, np.nan), {"units": "s", "long_name": "evaluation time"}),
            "sweep_finished": xr.Variable(dims, np.full(shape, np.nan),
                                          {"units": "s", "long_name": "completion time, seconds since 1970-01-01 UTC"}),
            "sweep_attempts": xr.Variable(dims, np.zeros(shape, dtype=np.int8), {"long_name": "tries"}),
            "sweep_run": xr.Variable(dims, np.full(shape, -1, dtype=np.int16),
                                     {"long_name": "run of the store that computed the point (0 the first)"}),
        }
        all_attrs = {**attrs, "sweep_store": STORE_KIND, "sweep_dims": dims, "sweep_shape": list(shape),
                     "sweep_coordinates": coord_names}
        ds = xr.Dataset(data, coords=coords, attrs=all_attrs)
        encoding = {name: {"chunks": chunks} for name in data}
        with atomic_path(path, mode=0o755) as tmp:
            tmp.unlink()
            ds.to_zarr(str(tmp), mode="w-", zarr_format=2, consolidated=True, encoding=encoding)
        return cls(path, zarr.open_group(str(path), mode="r+", zarr_format=2, use_consolidated=False))

    @classmethod
    def open(cls, path) -> "SweepStore":
        """An existing store (for ``--resume``); SpinlossInputError if it is not a sweep store."""
        import zarr

        path = Path(path)
        try:
            # not the consolidated metadata: a killed run may have added a variable after it
            group = zarr.open_group(str(path), mode="r+", zarr_format=2, use_consolidated=False)
        except Exception:  # noqa: BLE001 - zarr raises several types for a folder that is not a store
            raise SpinlossInputError(str(path), "output", "not a spinloss sweep store (not a Zarr group)") from None
        if group.attrs.get("sweep_store") != STORE_KIND:
            raise SpinlossInputError(str(path), "output", "not a spinloss sweep store")
        removed = cls.remove_leftovers(path)
        if removed:  # reopen: the group's view of its members changed
            group = zarr.open_group(str(path), mode="r+", zarr_format=2, use_consolidated=False)
        return cls(path, group)

    @staticmethod
    def remove_leftovers(path: Path) -> int:
        """What a killed run can leave: temporary files of chunk writes, and a variable whose
        creation was cut (metadata without attributes, or attributes without metadata). Removed,
        so that the resumed run creates the variable again under the same name."""
        import shutil

        n = 0
        for p in path.rglob("*.partial"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
        known = set()
        try:
            attrs = json.loads((path / ".zattrs").read_text())
            known = set(attrs.get("sweep_dims", [])) | set(attrs.get("sweep_coordinates", [])) | set(RESERVED)
        except (OSError, ValueError):
            return n
        for d in path.iterdir():
            if not d.is_dir() or d.name in known:
                continue
            try:
                ok = (d / ".zarray").is_file() and "result_field" in json.loads((d / ".zattrs").read_text())
            except (OSError, ValueError):
                ok = False
            if not ok:
                shutil.rmtree(d, ignore_errors=True)
                n += 1
        return n

    # ------------------------------------------------------------------ reading
    @property
    def attrs(self) -> dict:
        return dict(self.group.attrs)

    def _array(self, name):
        if name not in self.arrays:
            self.arrays[name] = self.group[name]
        return self.arrays[name]

    def status(self) -> np.ndarray:
        """Status of every point (flat, C order)."""
        return np.asarray(self._array(STATUS)[...]).reshape(-1)

    def attempts(self) -> np.ndarray:
        return np.asarray(self._array("sweep_attempts")[...]).reshape(-1).astype(np.int64)

    # ------------------------------------------------------------------ writing
    def variable_name(self, field: str) -> str:
        """The store variable of result field ``field`` (the collision rule: ``result.<field>``
        when ``field`` is a dimension, a coordinate or a reserved name)."""
        name = self.names.get(field)
        if name is not None:
            return name
        name = field
        while name in self.taken:
            name = f"result.{name}"
        return name

    def _create_variable(self, field: str, extra_shape: tuple, unit: str | None) -> str:
        name = self.variable_name(field)
        dims = list(self.dims) + [f"{name}_dim{i}" for i in range(len(extra_shape))]
        attrs = {"_ARRAY_DIMENSIONS": dims, "result_field": field}
        if unit is not None:
            attrs["units"] = unit
        arr = self.group.create_array(name, shape=self.shape + tuple(extra_shape),
                                      chunks=self.chunks + tuple(extra_shape), dtype="f8",
                                      fill_value=np.nan, attributes=attrs)
        self.arrays[name] = arr
        self.names[field] = name
        self.taken.add(name)
        self.taken.update(dims)
        return name

    def write(self, records: list, run: int) -> list:
        """Write finished points: ``records`` are (index, status, fields, units, error, seconds,
        attempts). Result variables first (new ones created), then error and bookkeeping, then
        status (module docstring). A field whose shape differs between points is left out
        (:meth:`_drop_ragged`). Returns the records as written."""
        import zarr

        if not records:
            return []
        records = self._drop_ragged(records)
        created = False
        for rec in records:
            _, st, fields, units, _, _, _ = rec
            if st != DONE:
                continue
            for f, arr in fields.items():
                if f not in self.names:
                    self._create_variable(f, np.shape(arr), units.get(f))
                    created = True
        if created:
            zarr.consolidate_metadata(str(self.path), zarr_format=2)
        where = np.unravel_index(np.asarray([r[0] for r in records], dtype=np.int64), self.shape)
        # result variables: per field, the points that have it (NaN elsewhere stays the fill value)
        by_field: dict = {}
        for k, rec in enumerate(records):
            if rec[1] == DONE:
                for f, arr in rec[2].items():
                    by_field.setdefault(f, []).append((k, arr))
        for f, items in by_field.items():
            arr = self._array(self.names[f])
            ks = np.asarray([k for k, _ in items])
            vals = np.stack([np.asarray(v, dtype=float) for _, v in items])
            self._set(arr, tuple(w[ks] for w in where), vals)
        now = time.time()
        self._set(self._array(ERROR), where, np.asarray([r[4] or "" for r in records], dtype=object))
        self._set(self._array("sweep_seconds"), where, np.asarray([float(r[5]) for r in records]))
        self._set(self._array("sweep_finished"), where, np.full(len(records), now))
        self._set(self._array("sweep_attempts"), where, np.asarray([min(int(r[6]), 127) for r in records], dtype=np.int8))
        self._set(self._array("sweep_run"), where, np.full(len(records), run, dtype=np.int16))
        self._set(self._array(STATUS), where, np.asarray([r[1] for r in records], dtype=np.int8))
        return records

    @staticmethod
    def _set(arr, where: tuple, values: np.ndarray) -> None:
        """Scatter ``values`` (points first, then the field's own dimensions) to the points ``where``."""
        extra = values.shape[1:]
        if not extra:
            arr.set_coordinate_selection(where, values)
            return
        n = len(where[0])
        shape = (n,) + (1,) * len(extra)
        idx = tuple(w.reshape(shape) for w in where)
        for i, m in enumerate(extra):
            s = [1] * (len(extra) + 1)
            s[i + 1] = m
            idx = idx + (np.arange(m).reshape(s),)
        full = tuple(np.broadcast_to(x, (n,) + extra) for x in idx)
        arr.set_coordinate_selection(full, values)

    def _drop_ragged(self, records: list) -> list:
        """Leave out the fields whose shape differs between points (a list of varying length):
        such a field has no variable in the store (a variable has one shape), whichever point came
        first, and is named in the attribute ``ragged_fields``. Records without those fields."""
        shapes = {f: tuple(self._array(n).shape[len(self.dims):]) for f, n in self.names.items()}
        new = set()
        for rec in records:
            if rec[1] != DONE:
                continue
            for f, arr in rec[2].items():
                if f in self.ragged:
                    continue
                s = tuple(np.shape(arr))
                if shapes.setdefault(f, s) != s:
                    new.add(f)
        if new:
            self.ragged |= new
            # the attribute first: a run killed between the two steps finishes the removal on resume
            self.group.attrs["ragged_fields"] = sorted(self.ragged)
            self._remove_ragged_variables()
        if not self.ragged:
            return records
        return [(r[0], r[1], {f: a for f, a in r[2].items() if f not in self.ragged}, r[3], *r[4:])
                for r in records]

    def _remove_ragged_variables(self) -> None:
        import zarr

        removed = False
        for f in list(self.names):
            if f in self.ragged:
                name = self.names.pop(f)
                self.arrays.pop(name, None)
                if name in self.group:
                    del self.group[name]
                removed = True
        if removed:
            zarr.consolidate_metadata(str(self.path), zarr_format=2)

    def update_attrs(self, attrs: dict) -> None:
        """Set attributes and refresh the consolidated metadata (what xarray reads)."""
        import zarr

        self.group.attrs.update(attrs)
        zarr.consolidate_metadata(str(self.path), zarr_format=2)


__all__ = ["SweepStore", "StoreLock", "grid_chunks", "STATUS", "ERROR", "BOOKKEEPING", "ZIP_DIM", "RANDOM_DIM"]
