"""One result protocol (issue 7, item 4): every result type has ``to_json()`` (plain JSON through
spinloss.io, units table, complex as {"real", "imag"}) and ``to_xarray()``, with the same keys
across commands (``trials`` everywhere, no ``n_*``)."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import spinloss
from spinloss.io import JsonResult, flatten_numeric, to_jsonable, unit_of

EX = Path(__file__).resolve().parents[1] / "examples"


def all_result_types() -> set:
    for m in pkgutil.walk_packages(spinloss.__path__, "spinloss."):
        if ".cli" in m.name:
            continue
        importlib.import_module(m.name)
    out, todo = set(), [JsonResult]
    while todo:
        for sub in todo.pop().__subclasses__():
            out.add(sub)
            todo.append(sub)
    return out


def build_results(tmp) -> dict:
    from spinloss import Device, Stack, torques
    from spinloss.cells import cell_report, design
    from spinloss.cells.compare import ComparisonResult, EnergyMap, comparison_rows
    from spinloss.cells.design import FAST, Targets
    from spinloss.dynamics import MacrospinParameters, Waveform, simulate
    from spinloss.experiments.fokker_planck import fokker_planck_wer
    from spinloss.experiments.resonance import resonance
    from spinloss.experiments.retention import retention
    from spinloss.experiments.switching import critical_current, switching_probability
    from spinloss.experiments.wer import device_write_error_rate

    dev = Device.from_toml(EX / "pt_py_device.toml")
    out = {}
    out["TorqueResult"] = torques(Stack.from_toml(EX / "py_nio.toml"))
    out["SwitchingResult"] = switching_probability(dev, trials=4, pulse_width=0.1e-9)
    out["ThresholdResult"] = critical_current(Device.from_toml(EX / "py_sio2_device.toml"))  # no torque: fast
    out["WerResult"] = device_write_error_rate(dev, method="monte_carlo", trials=100, pulse_width=0.1e-9)
    out["RetentionResult"] = retention(dev)
    out["ResonanceResult"] = resonance(dev)
    out["HeatingResult"] = dev.pulse_heating(width=0.1e-9)
    p = MacrospinParameters(saturation_magnetization=8e5, damping=0.1, anisotropy_field=1e4)
    out["MacrospinResult"] = simulate(p, (0, 0.1, 1), Waveform.zero(), 1e-11, 1e-13, record_every=1e-12)
    out["FokkerPlanckResult"] = fokker_planck_wer(saturation_magnetization=8e5, volume=1e-24, damping=0.1,
                                                  anisotropy_field=1e5, temperature=300.0,
                                                  damping_like_field=3e4, pulse_width=1e-9)
    from spinloss.experiments.fokker_planck_sphere import sphere_fokker_planck_wer

    out["SphereFokkerPlanckResult"] = sphere_fokker_planck_wer(p.__class__(
        saturation_magnetization=8e5, damping=0.1, volume=1e-24, temperature=300.0, anisotropy_field=1e5,
        polarization=(0, 0, -1), damping_like_field_per_current=3e-8), Waveform.pulse(1e12, 0.5e-9), 1e-9,
        m0=(0, 0, 1), resolution=0.2)
    out["CellReport"] = cell_report(Device.from_toml(EX / "pt_py_cell.toml"))
    failed = design(Device.from_toml(EX / "py_sio2_cell.toml"), Targets(), FAST)  # no torque: fails fast
    out["DesignResult"] = failed
    out["ComparisonResult"] = ComparisonResult("no-sink", failed.targets, [failed],
                                               comparison_rows([failed], failed.name))
    from spinloss.grids import parse_axis
    from spinloss.sweep import SweepDesign, evaluate_grid, run_sweep

    def point(over):
        return {"energy": float(over["free.thickness"]) * 2.0, "units": {"energy": "J"}}

    axis = parse_axis("1 nm:3 nm:3", "free.thickness")
    out["GridRun"] = evaluate_grid([axis], point)
    design = SweepDesign.from_tables(source="test.toml", axes={"free.thickness": "1 nm:3 nm:3"})
    out["SweepSummary"] = run_sweep(design, point, store=Path(tmp) / "s.zarr", workers=1)
    out["EnergyMap"] = EnergyMap("a", "b", ("k1", "k2"), (np.arange(2.0), np.arange(3.0)),
                                 (np.arange(2.0), np.arange(3.0)), ("1", "1"), (False, False),
                                 np.full((2, 3), 1e-15), np.full((2, 3), 2.0), 2e-15, 2.0, "statement")
    from spinloss.lab import harmonic_hall
    from spinloss.lab.fitting import analyse_harmonic_hall
    from spinloss.lab.data import HarmonicHallData

    hall = Device.from_toml(EX / "lab" / "pt_cofeb_hall_bar.toml")
    scans = [harmonic_hall(hall, s, np.linspace(-4e4, 4e4, 15), 1e-3) for s in "xy"]
    out["HarmonicHallResult"] = scans[0]
    n = len(scans[0].field)
    data = HarmonicHallData.concatenate([HarmonicHallData(np.array(r.scan), r.field, np.full(n, np.nan), r.v1w,
                                                          r.v2w, np.zeros(n, int), np.array(["s"] * n), np.arange(n))
                                         for r in scans])
    out["HarmonicHallFit"] = analyse_harmonic_hall(data, 1e-3, "perpendicular", planar_hall=0.3,
                                                   analysis="closed-form")
    from spinloss.device import read_stack
    from spinloss.lab.data import StFmrData
    from spinloss.lab.series import Observation, Series, SeriesEntry, fit_stack_series
    from spinloss.lab.st_fmr import st_fmr
    from spinloss.lab.st_fmr_fit import analyse_st_fmr
    from spinloss.lab.usmr import usmr_field_sweep

    bar = Device.from_toml(EX / "lab" / "pt_py_stfmr.toml")
    out["StFmrResult"] = r = st_fmr(bar, [5e9, 9e9], 1e-3, auto_points=41)
    n = len(r.v)
    out["StFmrFit"] = analyse_st_fmr(StFmrData(r.frequency, r.field, r.v, np.array(["s"] * n), np.arange(n)),
                                     device=bar, current_amplitude=1e-3)
    out["UsmrResult"] = usmr_field_sweep(Device.from_toml(EX / "lab" / "py_nio_usmr_device.toml"),
                                         np.array([-8e4, 0.0, 8e4]))
    f = EX / "lab" / "py_nio_stfmr.toml"
    entries = []
    for t_nm, xi in ((2, -1.9e-3), (5, -3.5e-3), (20, -5.4e-3)):
        st = read_stack(f, {"NiO.thickness": t_nm * 1e-9})
        entries.append(SeriesEntry(f"{t_nm} nm", str(f), st, None, 300.0, "free", "NiO",
                                   [Observation("xi_DL", xi, 2e-4)], gilbert_damping=0.008))
    out["StackFitResult"] = fit_stack_series(Series("s", "", "<t>", entries, ["spin_hall_angle"], {}, str(f)))
    from spinloss.pbits.calibration import calibrate
    from spinloss.pbits.ising import maxcut_model
    from spinloss.pbits.logic import factorize, truth_table
    from spinloss.pbits.maxcut import maxcut
    from spinloss.pbits.sampler import Schedule, sample

    pbit = Device.from_toml(EX / "pbit" / "pt_py_pbit.toml")
    out["CalibrationResult"] = calibrate(pbit, input="field", values=[-2e3, 0.0, 2e3], duration=2e-9, devices=2)
    ring = (4, np.array([[0, 1], [1, 2], [2, 3], [3, 0]]), np.ones(4))
    out["MaxCutResult"] = maxcut(ring, sweeps=20, replicas=1)
    out["SamplerRun"] = sample(maxcut_model(*ring), Schedule.parse("constant:1"), 5)
    out["TruthTableResult"] = truth_table("and", sweeps=40, burn_in=5, replicas=1)
    out["FactorResult"] = factorize(6, max_sweeps=400, replicas=2)
    from spinloss.arrays import ArrayOptions, design_array, load_workload, run_workload, sram_6t, technology

    tech = technology("22nm", 350.0)
    out["ArrayResult"] = design_array(sram_6t(tech), tech, ArrayOptions(capacity_bits=64 * 1024 * 8, routing="bus"))
    from test_arrays_workloads import SMALL

    wl = Path(tmp) / "w.toml"
    wl.write_text(SMALL)
    out["WorkloadResult"] = run_workload(load_workload(wl))
    try:
        from spinloss.pbits.rbm import learn_digits

        out["RBMResult"] = learn_digits(hidden=8, epochs=1)
    except ImportError:  # scikit-learn (the 'pbit' extra) missing: only this type goes unchecked
        out["RBMResult"] = None
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return build_results(tmp_path_factory.mktemp("results"))


def test_every_result_type_is_covered(results):
    names = {cls.__name__ for cls in all_result_types()}
    assert names == set(results), "add the new result type to build_results()"


def _keys(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


@pytest.mark.parametrize("name", ["TorqueResult", "SwitchingResult", "ThresholdResult", "WerResult",
                                  "RetentionResult", "ResonanceResult", "HeatingResult", "MacrospinResult",
                                  "FokkerPlanckResult",
                                  "CellReport", "DesignResult", "ComparisonResult", "EnergyMap", "GridRun",
                                  "SweepSummary", "HarmonicHallResult", "HarmonicHallFit", "StFmrResult", "StFmrFit",
                                  "UsmrResult", "StackFitResult", "CalibrationResult", "MaxCutResult",
                                  "SamplerRun", "TruthTableResult", "FactorResult", "RBMResult", "ArrayResult",
                                  "WorkloadResult"])
def test_to_json_and_to_xarray(results, name):
    r = results[name]
    if r is None:
        pytest.skip("scikit-learn (the 'pbit' extra) is not installed")
    data = r.to_json()
    text = json.dumps(data, allow_nan=False)  # strict JSON: no NaN, no numpy types
    assert json.loads(text) == data
    assert to_jsonable(data) == data  # already plain
    assert isinstance(data.get("units"), dict) and data["units"], f"{name}: a units table"
    keys = set(_keys(data))
    assert not {k for k in keys if k.startswith("n_")}, f"{name}: keys without n_ prefixes"
    assert "n_trials" not in keys
    ds = r.to_xarray()
    assert isinstance(ds, xr.Dataset) and ds.data_vars
    # every variable whose unit the result states carries it
    with_units = [v for v in ds.data_vars if "units" in ds[v].attrs]
    assert with_units, f"{name}: units in the dataset attributes"
    assert len(flatten_numeric(data)) > 0


def test_complex_values_are_encoded_the_same_way_everywhere():
    enc = to_jsonable({"g": 1 + 2j, "arr": np.array([1 + 1j, 2 - 1j])})
    assert enc == {"g": {"real": 1.0, "imag": 2.0}, "arr": {"real": [1.0, 2.0], "imag": [1.0, -1.0]}}
    flat = flatten_numeric(enc)
    assert set(flat) == {"g.real", "g.imag", "arr.real", "arr.imag"}


def test_trials_key_is_the_same_in_switch_and_wer(results):
    assert results["SwitchingResult"].to_json()["trials"] == 4
    assert "trajectories" in results["WerResult"].to_json()


def test_the_torque_result_encodes_its_complex_pumping_conductance_as_every_result_does():
    """Not a real part and a separate '_imaginary' key: {"real", "imag"}, through io."""
    from spinloss import Stack
    from spinloss.transport import torques

    res = torques(Stack.from_toml(EX / "py_nio.toml"))
    g = complex(np.asarray(res.magnet("free").pumping_conductance))
    enc = res.to_json()["magnets"][0]
    assert enc["pumping_conductance"] == {"real": g.real, "imag": g.imag}
    assert not any(k.endswith("_imaginary") for k in enc)
    ds = res.to_xarray()
    assert float(ds["pumping_conductance_real_free"]) == g.real
    assert float(ds["pumping_conductance_imag_free"]) == g.imag
    assert unit_of("magnets.free.pumping_conductance.imag", res.to_json()["units"]) == "Ohm^-1 m^-2"


def test_every_numeric_field_of_every_result_has_a_unit(results):
    """The units table of a result covers each number it reports (the sweep store writes them as
    variable attributes): a new field without its unit fails here, for every result type."""
    missing = {}
    for name, r in results.items():
        if r is None:
            continue
        data = r.to_json()
        flat = flatten_numeric({k: v for k, v in data.items() if k != "device"})
        gaps = sorted(k for k in flat if unit_of(k, data.get("units")) is None)
        if gaps:
            missing[name] = gaps
    assert not missing, missing
