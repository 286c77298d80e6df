"""``spinloss heating``: the Joule heating of a device's write pulse (docs/heating.md).

A thin layer over :meth:`spinloss.device.Device.pulse_heating`: the peak temperature of the
magnet, its rise, the thermal time constant, per layer the current density, Joule power and peak
temperature, and the time trace (CSV or NetCDF with ``--output``). Sweepable (``spinloss sweep``)
through :func:`run_heating`.
"""

from __future__ import annotations

import click
import numpy as np

from ..errors import ConfigError
from .common import (CLI_SOURCE, device_errors, echo_table, emit_json, fmt, info, json_option, load_device,
                     merge_overrides, output_suffix, positive_quantity, quantity, refuse_option_with_keys,
                     set_option, sweepable, temperature_option, temperature_value, warn)

#: Options that set what a swept key sets (param name, option, key).
DRIVE_KEYS = (("current_density", "--current-density", "pulse.current_density"),
              ("pulse_width", "--pulse-width", "pulse.width"),
              ("temperature", "--temperature", "temperature"))

OUTPUT_SUFFIXES = (".csv", ".nc")


def _ambient(params):
    T = temperature_value(params.get("temperature"))
    if T is not None and T <= 0:
        raise ConfigError(CLI_SOURCE, "--temperature", "the ambient temperature of the heat sink must be > 0 K")
    return T


def check_heating(params: dict, keys=(), overrides=None) -> None:
    """The pre-flight of ``heating`` (the sweep protocol's ``check``): options parse, an option that
    sets a swept key is refused, the device file loads with ``overrides``."""
    _ambient(params)
    quantity(params.get("current_density"), "current_density", "--current-density")
    positive_quantity(params.get("pulse_width"), "time", "--pulse-width", allow_zero=True)
    refuse_option_with_keys(params, keys, DRIVE_KEYS)
    load_device(params["device_file"], merge_overrides(params.get("set_items"), overrides), warnings=False)


def compute_heating(params: dict, overrides: dict | None = None):
    """(device, :class:`spinloss.thermal.HeatingResult`) of one point."""
    T = _ambient(params)
    j = quantity(params.get("current_density"), "current_density", "--current-density")
    w = positive_quantity(params.get("pulse_width"), "time", "--pulse-width", allow_zero=True)
    device = load_device(params["device_file"], merge_overrides(params.get("set_items"), overrides), warnings=False)
    with device_errors(params["device_file"], "--current-density" if j is not None else None):
        res = device.pulse_heating(current_density=j, width=w, temperature=T)
    return device, res


def run_heating(params: dict, overrides: dict | None = None, progress=None) -> dict:
    """One point of ``heating``: the pulse's heating (JSON)."""
    device, res = compute_heating(params, overrides)
    out = res.to_json()
    out["device"] = device.stack.name
    return out


@sweepable(run_heating, input_param="device_file", check=check_heating)
@click.command()
@click.argument("device_file", metavar="DEVICE.toml")
@click.option("--current-density", "-j", default=None, metavar="J",
              help='Write current density in the torque reference layer, e.g. "5e12 A/m^2" '
                   "(default: the file's pulse).")
@click.option("--pulse-width", "-w", default=None, metavar="t",
              help='Flat top of the pulse, e.g. "2 ns" (default: the file\'s; its rise and fall are kept).')
@temperature_option
@click.option("--output", "output", default=None, metavar="FILE.csv|FILE.nc",
              help="Save the time trace of every layer's mean temperature (CSV or NetCDF).")
@set_option
@json_option
def heating(device_file, current_density, pulse_width, temperature, output, set_items, as_json):
    """Joule heating of the write pulse: peak temperature, rise and thermal time constant.

    The 1D heat equation across the stack on its substrate (heat sink at the ambient temperature
    below it, adiabatic top; docs/heating.md), driven by rho_i J_i^2 in every conducting layer.
    Computed whether or not the file's [heating] is enabled (which decides whether the dynamics
    use it). Warns when the pulse heats an AFI past its Neel temperature, the magnet past its
    Curie temperature, or a layer carries more than the electromigration limit.
    """
    output_suffix(output, OUTPUT_SUFFIXES)
    params = {"device_file": device_file, "current_density": current_density, "pulse_width": pulse_width,
              "temperature": temperature, "set_items": set_items}
    check_heating(params)
    load_device(device_file, merge_overrides(set_items, None))     # its validity warnings
    device, res = compute_heating(params)
    if output:
        save_heating_trace(output, res, device_file)
    for text in res.warnings:
        warn(f"{device_file}: {text}")
    out = res.to_json()
    out["device"] = device.stack.name
    if as_json:
        emit_json(out, inputs=[device_file])
        return
    used = "yes" if res.enabled else "no ([heating] enabled = true turns it on)"
    click.echo(f"{device.stack.name}: Joule heating of a {res.current_density:.4g} A/m^2, "
               f"{res.pulse_width * 1e9:.4g} ns pulse (ambient {res.ambient_temperature:.4g} K; used by the "
               f"dynamics: {used})")
    click.echo(f"  peak temperature of {res.magnet_layer!r}: {res.peak_temperature:.4g} K (rise "
               f"{res.temperature_rise:.4g} K at {res.peak_time * 1e9:.4g} ns); thermal time constant "
               f"{fmt(res.time_constant, '.3g', 1e9)} ns")
    click.echo(f"  DC steady-state rise {fmt(res.steady_state_rise, '.4g')} K; adiabatic heating rate "
               f"{res.adiabatic_heating_rate:.3g} K/s; Joule power {res.joule_power:.3g} W/m^2")
    echo_table(["layer", "material", "thickness (nm)", "J (A/m^2)", "q (W/m^2)", "peak T (K)"],
               [[l["name"], l["material"], fmt(l["thickness"], ".4g", 1e9), fmt(l["current_density"], ".3g"),
                 fmt(l["joule_power"], ".3g"), fmt(l["peak_temperature"], ".4g")] for l in res.layers],
               align="llrrrr")
    sub = res.substrate
    click.echo(f"  heat sink at {res.ambient_temperature:.4g} K below {fmt(sub['thickness'], '.3g', 1e9)} nm of "
               f"{sub['material'] or '(none)'}; boundary resistance {fmt(sub['boundary_resistance'], '.3g')} m^2 K/W")
    if output:
        info(f"  wrote {output}", as_json=as_json)


def save_heating_trace(path, res, device_file=None) -> None:
    """The trace of the layer-mean temperatures as CSV (time_s, then one column per layer, K) or
    NetCDF (:meth:`~spinloss.thermal.HeatingResult.to_xarray` with provenance attributes), written
    atomically."""
    from pathlib import Path

    from ..io import atomic_path, provenance, provenance_attrs

    p = Path(path)
    prov = provenance([device_file] if device_file else [])
    with atomic_path(p) as tmp:
        if p.suffix.lower() == ".nc":
            ds = res.to_xarray()
            ds.attrs.update(provenance_attrs(prov))
            ds.to_netcdf(tmp)
        else:
            names = [l["name"].replace(" ", "_").replace("(", "").replace(")", "") for l in res.layers]
            cols = ["time_s"] + [f"T_{n}_K" for n in names]
            data = np.column_stack([np.asarray(res.times, float), np.asarray(res.temperature, float)])
            np.savetxt(tmp, data, delimiter=",", header=",".join(cols), comments="")
