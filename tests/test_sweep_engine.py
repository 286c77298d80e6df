"""The store-backed sweep engine through its library API (spinloss.sweep.run_sweep).

Checks: the design ([axes] C order, [zip], [random]); the store as xarray reads it; the same
store in this process and on a 2-process pool, bit for bit; a failing point (bad input, a bug)
recorded while the others finish; a worker process that dies is retried, one that always dies
is recorded as failed after MAX_TRIES; Ctrl-C leaves a store that --resume completes to the
uninterrupted one without evaluating a complete point again; a store is resumed only by its own
sweep; the collision rule; block evaluators fall back to single points.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import sweep_helpers as h
from spinloss.errors import ConfigError, Interrupted, SpinlossInputError
from spinloss.sweep import DONE, FAILED, MAX_TRIES, SweepDesign, evaluate_grid, run_sweep


def design(**tables):
    return SweepDesign.from_tables(source="test.toml", **tables)


def logged_points(log_dir: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(log_dir.glob("*.log")) for line in f.read_text().splitlines()]


# ---------------------------------------------------------------------------- the design


def test_design_is_the_cartesian_product_in_c_order_then_zip_then_random():
    d = design(axes={"free.thickness": "1 nm:3 nm:3", "a": [1.0, 2.0]},
               zip={"temperature": [300, 310], "pulse.width": ["1 ns", "2 ns"]},
               random={"n": 4, "seed": 7, "magnet.damping": "0.01:0.02", "pulse.current_density": "1e11:1e13:log"})
    assert d.shape == (3, 2, 2, 4)
    assert d.dim_names == ["free.thickness", "a", "zip", "sample"]
    # C order: the last dimension fastest
    p = d.point(1 * (2 * 2 * 4) + 1 * (2 * 4) + 1 * 4 + 2)
    rng = np.random.default_rng(7)
    damping = 0.01 + (0.02 - 0.01) * rng.random(4)
    current = np.exp(np.log(1e11) + (np.log(1e13) - np.log(1e11)) * rng.random(4))
    assert p == {"free.thickness": np.linspace(1e-9, 3e-9, 3)[1], "a": 2.0, "temperature": 310.0, "pulse.width": 2e-9,
                 "magnet.damping": damping[2], "pulse.current_density": current[2]}


@pytest.mark.parametrize("tables,key", [
    ({"zip": {"temperature": [300, 310], "pulse.width": ["1 ns"]}}, "zip.pulse.width"),
    ({"axes": {"pulse.width": "1 A:2 A:2"}}, "axes.pulse.width"),
    ({"axes": {"temperature": [300]}, "zip": {"temperature": [300]}}, "zip.temperature"),
    ({"random": {"seed": 1, "temperature": "300:310"}}, "random.n"),
    ({"random": {"n": 3, "temperature": "310:300"}}, "random.temperature"),
    ({}, "axes"),
])
def test_bad_designs_name_the_table_and_key(tables, key):
    with pytest.raises(ConfigError) as err:
        design(**tables)
    assert err.value.source == "test.toml" and err.value.key == key, err.value.one_line()


# ---------------------------------------------------------------------------- the store


def test_store_reads_back_with_xarray(tmp_path):
    d = design(axes={"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0]})
    s = run_sweep(d, h.trivial, store=tmp_path / "s.zarr", workers=1, inputs=[], seeds={"seed": 3})
    assert (s.total, s.done, s.failed, s.computed, s.skipped) == (6, 6, 0, 6, 0)
    ds = h.load(tmp_path / "s.zarr")
    assert ds["value"].dims == ("a", "b")
    assert ds["value"].values.tolist() == [[10.0, 20.0], [20.0, 40.0], [30.0, 60.0]]
    assert ds["value"].attrs["units"] == "m"
    assert ds["table.pair"].dims == ("a", "b", "table.pair_dim0")
    assert ds["table.pair"].attrs["units"] == "s"
    assert ds["table.flag"].values.tolist() == [[1.0, 1.0]] * 3
    assert "label" not in ds  # text fields are not numeric variables
    assert (ds["status"].values == DONE).all() and (ds["error"].values == "").all()
    assert ds["sweep_run"].values.tolist() == [[0, 0]] * 3
    assert json.loads(ds.attrs["seeds"]) == {"seed": 3}
    assert ds.attrs["complete"] == 1 and ds.attrs["points_done"] == 6


def test_pool_and_in_process_give_the_same_store(tmp_path):
    d = design(axes={"a": "1:4:4"}, zip={"b": [1.5, 2.5, 3.5]})
    run_sweep(d, h.trivial, store=tmp_path / "one.zarr", workers=1)
    s = run_sweep(d, h.trivial, store=tmp_path / "two.zarr", workers=2)
    assert s.backend == "local process pool" and s.workers == 2
    h.assert_same_store(tmp_path / "one.zarr", tmp_path / "two.zarr")


def test_pool_workers_run_one_numba_thread_and_ignore_sigint(tmp_path):
    d = design(axes={"a": [1.0, 2.0, 3.0]})
    run_sweep(d, h.numba_threads, store=tmp_path / "t.zarr", workers=2)
    ds = h.load(tmp_path / "t.zarr")
    assert ds["threads"].values.tolist() == [1.0, 1.0, 1.0]
    assert ds["ignores_sigint"].values.tolist() == [1.0, 1.0, 1.0]


def test_failing_points_are_recorded_and_the_others_finish(tmp_path):
    d = design(axes={"a": [-1.0, 0.0, 1.0, 2.0]})
    s = run_sweep(d, h.with_failures, store=tmp_path / "f.zarr", workers=1)
    assert (s.done, s.failed) == (2, 2)
    ds = h.load(tmp_path / "f.zarr")
    assert ds["status"].values.tolist() == [FAILED, FAILED, DONE, DONE]
    assert ds["error"].values[0] == "a = -1 is outside the model's domain"
    assert ds["error"].values[1].startswith("internal error: ZeroDivisionError")
    assert np.isnan(ds["value"].values[:2]).all() and ds["value"].values[2:].tolist() == [1.0, 2.0]
    assert s.first_error == "a = -1 is outside the model's domain"


def test_block_evaluator_finds_the_bad_point(tmp_path):
    d = design(axes={"a": [1.0, -1.0, 2.0, 3.0]})
    s = run_sweep(d, evaluate_block=h.trivial_block, store=tmp_path / "b.zarr", workers=1, block_size=4)
    assert (s.done, s.failed) == (3, 1)
    ds = h.load(tmp_path / "b.zarr")
    assert ds["error"].values[1] == "a < 0 in this block"


def test_collision_rule(tmp_path):
    d = design(axes={"a": [1.0, 2.0]})
    run_sweep(d, h.collide, store=tmp_path / "c.zarr", workers=1)
    ds = h.load(tmp_path / "c.zarr")
    assert ds["a"].values.tolist() == [1.0, 2.0]  # the axis keeps its name
    assert ds["result.a"].values.tolist() == [2.0, 4.0]
    assert ds["result.status"].values.tolist() == [5.0, 5.0]
    assert ds["status"].values.tolist() == [DONE, DONE]


def test_a_field_whose_shape_varies_is_left_out_whichever_point_comes_first(tmp_path):
    d = design(axes={"a": [1.0, 2.0, 3.0, 4.0]})
    s = run_sweep(d, h.by_shape, store=tmp_path / "one.zarr", workers=1)
    assert (s.done, s.failed) == (4, 0)
    ds = h.load(tmp_path / "one.zarr")
    assert "v" not in ds and ds.attrs["ragged_fields"] == ["v"]
    assert ds["w"].values.tolist() == [[1.0, -1.0], [2.0, -2.0], [3.0, -3.0], [4.0, -4.0]]
    # a write per point: v is created with point 0's shape, then removed when point 2 differs
    run_sweep(d, h.by_shape, store=tmp_path / "two.zarr", workers=1, flush_interval=0.0)
    assert not (tmp_path / "two.zarr" / "v").exists()
    h.assert_same_store(tmp_path / "one.zarr", tmp_path / "two.zarr")
    run_sweep(d, h.by_shape, store=tmp_path / "three.zarr", workers=2)
    h.assert_same_store(tmp_path / "one.zarr", tmp_path / "three.zarr")


# ---------------------------------------------------------------------------- workers that die


def test_a_worker_that_dies_is_retried(tmp_path):
    d = design(axes={"a": [1.0, 2.0, 3.0, 4.0]})
    s = run_sweep(d, functools.partial(h.die_once, str(tmp_path)), store=tmp_path / "d.zarr", workers=2)
    assert (s.done, s.failed) == (4, 0)
    ds = h.load(tmp_path / "d.zarr")
    assert ds["sweep_attempts"].values.tolist() == [1, 2, 1, 1]
    run_sweep(d, h.trivial, store=tmp_path / "ref.zarr", workers=1)
    h.assert_same_store(tmp_path / "d.zarr", tmp_path / "ref.zarr")


def test_a_point_that_always_kills_its_worker_is_recorded_as_failed(tmp_path):
    d = design(axes={"a": [1.0, 2.0, 3.0, 4.0, 5.0]})
    notes = []
    s = run_sweep(d, h.die_always, store=tmp_path / "d.zarr", workers=2,
                  progress=lambda e: notes.append(e.message) if e.message else None)
    assert (s.done, s.failed) == (4, 1)
    ds = h.load(tmp_path / "d.zarr")
    assert ds["status"].values.tolist() == [DONE, DONE, FAILED, DONE, DONE]
    assert ds["error"].values[2] == f"the worker process died on each of {MAX_TRIES} tries (exit code 9)"
    assert ds["sweep_attempts"].values[2] == MAX_TRIES
    assert sum((m or "").startswith("a worker process died") for m in notes) == MAX_TRIES


# ---------------------------------------------------------------------------- interrupt and resume


def test_interrupted_run_resumes_to_the_uninterrupted_store(tmp_path):
    d = design(axes={"a": "1:6:6", "b": [1.0, 2.0]})
    ref = tmp_path / "ref.zarr"
    run_sweep(d, h.trivial, store=ref, workers=1)
    logs = tmp_path / "logs"
    logs.mkdir()
    store = tmp_path / "s.zarr"
    with pytest.raises(Interrupted) as stop:
        run_sweep(d, functools.partial(h.interrupt_at, str(logs), 5), store=store, workers=1)
    summary = stop.value.partial
    assert (summary.done, summary.interrupted) == (4, True)
    first = h.load(store)
    assert int((first["status"].values == DONE).sum()) == 4 and first.attrs["interrupted"] == 1
    before = logged_points(logs)
    assert len(before) == 5  # the 5th was stopped inside its evaluation
    s = run_sweep(d, functools.partial(h.logged, str(logs)), store=store, resume=True, workers=1)
    assert (s.skipped, s.computed, s.done, s.run) == (4, 8, 12, 1)
    after = logged_points(logs)[5:]
    complete = [p for p in before[:4]]
    assert not any(p in after for p in complete), "a complete point was evaluated again"
    assert len(after) == 8 and len({json.dumps(p) for p in after}) == 8
    da, _ = h.assert_same_store(store, ref)
    assert (da["sweep_run"].values.ravel()[:4] == 0).all() and (da["sweep_run"].values.ravel()[4:] == 1).all()
    runs = json.loads(da.attrs["runs"])
    assert [r["computed"] for r in runs] == [4, 8] and [r["interrupted"] for r in runs] == [True, False]


def test_leftovers_of_a_killed_write_are_removed_on_resume(tmp_path):
    """A kill during a batch write can leave a chunk's temporary file and a variable whose
    creation was cut (here: metadata without attributes); the batch was not marked complete."""
    import zarr

    d = design(axes={"a": [1.0, 2.0]})
    run_sweep(d, h.trivial, store=tmp_path / "ref.zarr", workers=1)
    store = tmp_path / "s.zarr"
    run_sweep(d, h.trivial, store=store, workers=1)
    zarr.open_group(str(store), mode="r+", zarr_format=2, use_consolidated=False)["status"][:] = 0
    (store / "value" / ".zattrs").unlink()
    (store / "status" / "0.0123abcd.partial").write_bytes(b"half a chunk")
    (store / "cut").mkdir()
    (store / "cut" / ".zattrs").write_text("{}")
    s = run_sweep(d, h.trivial, store=store, workers=1, resume=True)
    assert s.computed == 2
    assert not list(store.rglob("*.partial")) and not (store / "cut").exists()
    h.assert_same_store(store, tmp_path / "ref.zarr")


def test_resume_of_a_complete_store_computes_nothing(tmp_path):
    d = design(axes={"a": [1.0, 2.0]})
    run_sweep(d, h.trivial, store=tmp_path / "s.zarr", workers=1)
    s = run_sweep(d, h.trivial, store=tmp_path / "s.zarr", workers=1, resume=True)
    assert (s.computed, s.skipped, s.backend) == (0, 2, "none")


def test_a_store_is_resumed_only_by_its_own_sweep(tmp_path):
    d = design(axes={"a": [1.0, 2.0]})
    run_sweep(d, h.trivial, store=tmp_path / "s.zarr", workers=1, identity={"command": "x"})
    with pytest.raises(SpinlossInputError) as err:
        run_sweep(d, h.trivial, store=tmp_path / "s.zarr", workers=1, identity={"command": "x"})
    assert err.value.key == "output" and "exists" in err.value.rule
    other = design(axes={"a": [1.0, 3.0]})
    with pytest.raises(SpinlossInputError) as err:
        run_sweep(other, h.trivial, store=tmp_path / "s.zarr", workers=1, resume=True, identity={"command": "x"})
    assert err.value.key == "resume" and "[axes] differ" in err.value.rule
    with pytest.raises(SpinlossInputError) as err:
        run_sweep(d, h.trivial, store=tmp_path / "s.zarr", workers=1, resume=True, identity={"command": "y"})
    assert err.value.key == "resume" and "command differ" in err.value.rule


def test_evaluate_grid_still_runs_in_memory():
    from spinloss.grids import parse_axis

    run = evaluate_grid([parse_axis([1.0, 2.0], "a"), parse_axis([3.0], "b")], h.trivial)
    assert [r["value"] for r in run.results] == [3.0, 6.0] and run.status.tolist() == [DONE, DONE]
    run = evaluate_grid([parse_axis([1.0, -1.0, 2.0], "a")], evaluate_block=h.trivial_block)
    assert run.status.tolist() == [DONE, FAILED, DONE] and run.errors[1] == "a < 0 in this block"
