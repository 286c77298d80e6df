"""Evaluators and store comparison for the sweep tests (a module, so that spawned worker
processes can import the evaluators by name)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from spinloss.errors import PhysicsError


def trivial(point: dict) -> dict:
    """A point costing nothing: a few numbers of its overrides (units given)."""
    a = float(point.get("a", 0.0))
    b = float(point.get("b", 1.0))
    return {"value": a * b, "table": {"pair": [a, b], "flag": a > 0}, "label": "text is not stored",
            "units": {"value": "m", "pair": "s"}}


def with_failures(point: dict) -> dict:
    """Fails outside its domain (a < 0) and has a bug at a == 0 (an internal error)."""
    a = float(point["a"])
    if a < 0:
        raise PhysicsError(f"a = {a:g} is outside the model's domain")
    if a == 0:
        return {"value": 1.0 / int(a)}
    return trivial(point)


def logged(log_dir: str, point: dict) -> dict:
    """``trivial``, appending the point to a log (one file per process) before it computes."""
    with open(Path(log_dir) / f"{os.getpid()}.log", "a") as fh:
        fh.write(json.dumps(point) + "\n")
    return trivial(point)


def interrupt_at(log_dir: str, n: int, point: dict) -> dict:
    """``logged``; the ``n``-th evaluation of this process raises KeyboardInterrupt (Ctrl-C)."""
    path = Path(log_dir) / f"{os.getpid()}.log"
    done = len(path.read_text().splitlines()) if path.exists() else 0
    out = logged(log_dir, point)
    if done + 1 == n:
        raise KeyboardInterrupt
    return out


def die_once(marker_dir: str, point: dict) -> dict:
    """Kills its worker process the first time it sees a point with a == 2 (a marker file
    remembers), computes normally otherwise."""
    if float(point["a"]) == 2.0:
        marker = Path(marker_dir) / "died"
        if not marker.exists():
            marker.write_text("x")
            os._exit(7)
    return trivial(point)


def die_always(point: dict) -> dict:
    """Kills its worker process at a == 3, every time."""
    if float(point["a"]) == 3.0:
        os._exit(9)
    return trivial(point)


def trivial_block(points: list) -> list:
    """A vectorized evaluator; a block holding a < 0 fails as a whole."""
    if any(float(p["a"]) < 0 for p in points):
        raise PhysicsError("a < 0 in this block")
    return [trivial(p) for p in points]


def collide(point: dict) -> dict:
    """A result with fields named like the axis ``a`` and like the store's ``status``."""
    return {"a": 2 * float(point["a"]), "status": 5.0, "value": 1.0}


def by_shape(point: dict) -> dict:
    """A field ``v`` whose length depends on the point (a store variable has one shape), next to
    fields of one shape."""
    a = float(point["a"])
    return {"v": list(range(int(a) + 1)) if a >= 2 else [0.0, 1.0, 2.0], "w": [a, -a], "value": a}


#: Attributes that describe a run, not the results (they differ between two runs of one sweep).
RUN_ATTRS = {"provenance_time", "command_line", "created", "updated", "runs"}


def load(path):
    import warnings

    import xarray as xr

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the store reads without a warning
        return xr.open_zarr(str(path)).load()


def assert_same_store(a, b, *, ignore_attrs=RUN_ATTRS):
    """Two stores hold the same results bit for bit: the same variables, coordinates, dimensions
    and attributes (the run bookkeeping ``sweep_*`` and the run attributes aside)."""
    da, db = load(a), load(b)
    names_a = sorted(n for n in da.variables if not n.startswith("sweep_"))
    names_b = sorted(n for n in db.variables if not n.startswith("sweep_"))
    assert names_a == names_b
    for n in names_a:
        va, vb = da[n], db[n]
        assert va.dims == vb.dims, n
        assert va.attrs == vb.attrs, n
        x, y = np.asarray(va.values), np.asarray(vb.values)
        assert x.dtype == y.dtype, n
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), n  # bits, NaN included
        else:
            assert np.array_equal(x, y), n
    ka = {k: v for k, v in da.attrs.items() if k not in ignore_attrs}
    kb = {k: v for k, v in db.attrs.items() if k not in ignore_attrs}
    assert ka == kb
    return da, db


def numba_threads(point: dict) -> dict:
    """The numba thread count and the SIGINT disposition of the process evaluating the point."""
    import signal

    import numba

    return {"threads": float(numba.get_num_threads()),
            "ignores_sigint": float(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)}


# ----------------------------------------------------------------------------- jobs (sweep.jobs)


def job_square(x: float, *, progress=None) -> dict:
    """A job: a note, then x^2 and the process it ran in."""
    from spinloss.progress import note

    note(progress, "square", f"x = {x:g}")
    return {"value": x * x, "pid": os.getpid()}


def job_input_error(x: float, *, progress=None) -> dict:
    """A job whose input x = 2 is refused (an input error, raised by the caller again)."""
    from spinloss.errors import ConfigError

    if x == 2:
        raise ConfigError("job.toml", "x", "2 is not allowed")
    return job_square(x)


def job_dies(x: float, *, progress=None) -> dict:
    """A job whose worker process dies at x = 1 (as from a crash in compiled code)."""
    if x == 1:
        os._exit(3)
    return job_square(x)
