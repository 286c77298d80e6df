"""``spinloss lab ...`` (simulate measurements) and ``spinloss fit ...`` (analyse them): the
virtual lab (docs/lab.md)."""

from __future__ import annotations


import click
import numpy as np

from ..device import USMR_READ_CURRENT_DENSITY
from ..errors import ConfigError
from .common import (CLI_SOURCE, SEED, FiniteFloatRange, list_items, check_plot_path, device_errors, echo_table, emit_json, fmt, info, json_option,
                     load_device, output_suffix, plot_errors, plot_option, positive_quantity, progress_for, quantity,
                     set_option, parse_set_items, temperature_option, temperature_value, value_grid, warn)


def _field_values(text: str, option: str = "--field") -> np.ndarray:
    """START:STOP:NUM or a comma-separated list of fields (units allowed) -> A/m."""
    return value_grid(text, "field", option, max_points=100_000, what="field values")


def _angles(text: str | None) -> np.ndarray:
    if text is None:
        return np.arange(0.0, 360.0, 10.0)
    parts = text.split(":")
    items = None if len(parts) == 3 else list_items(text, "--angles", "angles in degrees")
    try:
        if items is None:
            out = np.linspace(float(parts[0]), float(parts[1]), int(parts[2]))
        else:
            out = np.asarray([float(v) for v in items])
    except ValueError:
        raise ConfigError(CLI_SOURCE, "--angles", f"expected START:STOP:NUM or a list of degrees, got {text!r}") from None
    if out.size == 0 or not np.all(np.isfinite(out)):
        raise ConfigError(CLI_SOURCE, "--angles", f"expected finite angles in degrees, got {text!r}")
    return out


def _frequency_values(text: str, option: str = "--frequency") -> np.ndarray:
    """START:STOP:NUM or a comma-separated list of frequencies (units allowed; a plain number is Hz)."""
    return value_grid(text, "frequency", option, positive=True, what="frequencies")


def _measurement_heating(device, device_file, current_amplitude) -> None:
    """Warn when the AC measurement current heats the magnet past its Curie temperature or an
    AFI past its Neel temperature (:meth:`spinloss.device.Device.measurement_heating_warnings`)."""
    with device_errors(device_file):
        for w in device.measurement_heating_warnings(current_amplitude):
            warn(w)


@click.group()
def lab():
    """Simulate measurements of a device: harmonic Hall, ST-FMR, USMR (docs/lab.md)."""


@lab.command("harmonic-hall")
@click.argument("device_file", type=click.Path(dir_okay=False))
@click.option("--scan", type=click.Choice(["x", "y", "z", "angle"]), required=True,
              help="Field sweep along x, y (or z), or an in-plane rotation of the field (angle).")
@click.option("--field", "field_text", required=True, metavar="RANGE",
              help='Fields: "START:STOP:NUM" or a list "50 mT,100 mT" (for --scan angle the magnitudes).')
@click.option("--angles", "angle_text", default=None, metavar="START:STOP:NUM",
              help="Angles in degrees of an angular scan (default 0:350 in steps of 10).")
@click.option("--current-amplitude", "current_text", required=True, metavar="I",
              help='Amplitude I0 of the AC current I0 sin(wt), e.g. "1 mA".')
@click.option("--frequency", "frequency_text", default="200 MHz", show_default=True,
              help="Frequency of the lock-in simulation (--method lockin).")
@click.option("--method", type=click.Choice(["quasistatic", "lockin"]), default="quasistatic", show_default=True)
@click.option("--branch", type=click.Choice(["both", "+1", "-1"]), default="both", show_default=True,
              help="Branches of a field sweep: the sign of m along the easy axis at the start.")
@click.option("--no-oersted", is_flag=True, help="Leave out the Oersted field of the current.")
@click.option("--output", "output_path", default=None, metavar="DATA.csv",
              help="Write the points as CSV in the fit's input format (docs/lab.md section 4).")
@set_option
@json_option
@plot_option
def harmonic_hall_cmd(device_file, scan, field_text, angle_text, current_text, frequency_text, method, branch,
                      no_oersted, output_path, set_items, as_json, plot_path):
    """First and second harmonic Hall voltages of DEVICE_FILE under a field scan."""
    from ..io import write_text_atomic
    from ..lab import harmonic_hall

    i0 = positive_quantity(current_text, "current", "--current-amplitude")
    freq = positive_quantity(frequency_text, "frequency", "--frequency")
    fields = _field_values(field_text)
    angles = _angles(angle_text) if scan == "angle" else None
    output_suffix(output_path, (".csv",))
    check_plot_path(plot_path)
    # the Hall bar is a uniform magnet in a quasistatic or small-signal response: the macrospin
    # size warning (about switching thresholds) does not apply
    device = load_device(device_file, parse_set_items(set_items), warnings=False)
    _measurement_heating(device, device_file, i0)
    branches = {"both": (1, -1), "+1": (1,), "-1": (-1,)}[branch]
    with device_errors(device_file):
        res = harmonic_hall(device, scan, fields, i0, angles=angles, branches=branches, method=method,
                            frequency=freq, oersted=not no_oersted)
    if output_path:
        write_text_atomic(output_path, res.to_csv(
            f"synthetic: simulated by spinloss lab harmonic-hall ({method}) from {device_file}\n"
            f"current amplitude {i0:g} A; V_1w, V_2w amplitudes, V_2w = amplitude of -cos(2wt)"))
        info(f"wrote {output_path}", as_json=as_json)
    if plot_path:
        from ..plots.lab import harmonic_hall_plot

        with plot_errors(plot_path):
            harmonic_hall_plot(res, plot_path)
        info(f"wrote {plot_path}", as_json=as_json)
    if as_json:
        emit_json(res, inputs=[device_file])
        return
    d = res.details
    click.echo(f"harmonic Hall, {method}, scan {scan}, I0 = {i0:g} A (J = {fmt(d['current_density'])} A/m^2 in "
               f"{d['reference_layer']})")
    click.echo(f"  H_DL = {fmt(d['damping_like_field'])} A/m, H_FL = {fmt(d['field_like_field'])} A/m, "
               f"H_Oe = {fmt(d['oersted_field'])} A/m, V_N = {fmt(d['nernst_voltage'])} V ({d['torque_source']})")
    rows = []
    for i in range(len(res.field)):
        extra = fmt(res.angle[i], ".4g") if res.angle is not None else f"{int(res.branch[i]):+d}"
        rows.append([fmt(res.field[i]), extra, fmt(res.v1w[i], ".6g"), fmt(res.v2w[i], ".6g")])
    echo_table(["field (A/m)", "angle (deg)" if res.angle is not None else "branch", "V_1w (V)", "V_2w (V)"], rows)


@click.group()
def fit():
    """Analyse measurements: harmonic Hall, ST-FMR; fit a stack to a sample series (docs/lab.md)."""


@fit.command("harmonic-hall")
@click.argument("data_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--current-amplitude", "current_text", required=True, metavar="I",
              help='Amplitude I0 of the AC current I0 sin(wt) of the measurement, e.g. "1 mA".')
@click.option("--magnet", type=click.Choice(["perpendicular", "in-plane"]), required=True)
@click.option("--device", "device_file", default=None, type=click.Path(dir_okay=False),
              help="Device file: R_PHE/R_AHE from its [resistance], the Oersted field, xi_DL and xi_FL.")
@click.option("--analysis", type=click.Choice(["closed-form", "full-model", "both"]), default="both",
              show_default=True, help="Closed-form (Hayashi / Avci) analysis, the full-model fit, or both.")
@click.option("--planar-hall-resistance", "phe_text", default=None, metavar="R",
              help="R_PHE (Ohm) for the planar Hall correction of perpendicular films.")
@click.option("--anomalous-hall-resistance", "ahe_text", default=None, metavar="R",
              help="R_AHE (Ohm) of an in-plane film without a z sweep in the data.")
@click.option("--anisotropy-field", "hk_text", default=None, metavar="H",
              help="H_K,eff of an in-plane film (negative: -M_eff) without a z sweep.")
@click.option("--field-range", "range_text", default=None, metavar="H",
              help="Largest |H| of the perpendicular analysis (default 0.25 H_K,eff, found iteratively).")
@click.option("--columns", "columns_text", default=None, metavar="NAME=COLUMN,...",
              help="Names of other columns for scan, field, angle, v1w, v2w, branch.")
@click.option("--bootstrap", default=20, show_default=True, type=click.IntRange(0, 1000),
              help="Residual bootstrap resamples of the full-model fit.")
@click.option("--seed", default=0, show_default=True, type=SEED)
@json_option
@plot_option
def fit_harmonic_hall_cmd(data_files, current_text, magnet, device_file, analysis, phe_text, ahe_text, hk_text,
                          range_text, columns_text, bootstrap, seed, as_json, plot_path):
    """H_DL, H_FL (and xi_DL, xi_FL with --device) from harmonic Hall data (CSV, docs/lab.md section 4)."""
    from ..lab.data import parse_column_map, read_harmonic_hall_files
    from ..lab.fitting import analyse_harmonic_hall

    if len(data_files) > 2:
        raise ConfigError(CLI_SOURCE, "DATA", "give one or two data files")
    i0 = positive_quantity(current_text, "current", "--current-amplitude")
    phe = quantity(phe_text, "resistance", "--planar-hall-resistance")
    ahe = quantity(ahe_text, "resistance", "--anomalous-hall-resistance")
    hk = quantity(hk_text, "field", "--anisotropy-field")
    rng = positive_quantity(range_text, "field", "--field-range")
    check_plot_path(plot_path)
    data = read_harmonic_hall_files(data_files, parse_column_map(columns_text))
    device = load_device(device_file, warnings=False) if device_file else None
    with device_errors(device_file or data_files[0]):
        res = analyse_harmonic_hall(data, i0, magnet, device=device, planar_hall=phe, anomalous_hall=ahe,
                                    h_k_eff=hk, field_range=rng, analysis=analysis, bootstrap=bootstrap, seed=seed)
    for w in res.warnings:
        warn(w)
    if plot_path:
        from ..plots.lab import harmonic_hall_fit_plot

        with plot_errors(plot_path):
            harmonic_hall_fit_plot(data, res, i0, plot_path)
        info(f"wrote {plot_path}", as_json=as_json)
    inputs = list(data_files) + ([device_file] if device_file else [])
    if as_json:
        emit_json(res, inputs=inputs, seeds={"bootstrap": seed})
        return
    v = res.values
    click.echo(f"harmonic Hall analysis, {magnet} film, I0 = {i0:g} A; top-level values: {v['analysis']}")
    rows = [["H_DL", fmt(v["H_DL"]), fmt(v["H_DL_uncertainty"]), "A/m"],
            ["H_FL", fmt(v["H_FL"]), fmt(v["H_FL_uncertainty"]), "A/m"],
            ["R_AHE", fmt(v["R_AHE"]), "", "Ohm"], ["R_PHE", fmt(v["R_PHE"]), "", "Ohm"],
            ["H_K_eff", fmt(v["H_K_eff"]), "", "A/m"],
            ["V_thermal", fmt(v["V_thermal"]), fmt(v.get("V_thermal_uncertainty")), "V"]]
    if v.get("xi_DL") is not None:
        rows += [["xi_DL", fmt(v["xi_DL"]), fmt(v["xi_DL_uncertainty"]), "1"],
                 ["xi_FL", fmt(v["xi_FL"]), fmt(v["xi_FL_uncertainty"]), "1"],
                 ["H_Oe", fmt(v["H_Oe"]), "", "A/m"]]
    echo_table(["quantity", "value", "1-sigma", "unit"], rows, align="lrrl")
    cf = res.closed_form
    click.echo(f"  closed form ({cf['method']}): H_DL = {fmt(cf['H_DL'])} +- {fmt(cf['H_DL_uncertainty'])}, "
               f"H_FL = {fmt(cf['H_FL'])} +- {fmt(cf['H_FL_uncertainty'])} A/m; field range "
               f"{cf['field_range'] if isinstance(cf['field_range'], list) else fmt(cf['field_range'])} A/m")
    if res.full_model is not None and "bootstrap_uncertainties" in res.full_model:
        b = res.full_model["bootstrap_uncertainties"]
        click.echo(f"  full model: bootstrap 1-sigma H_DL {fmt(b['H_DL'])}, H_FL {fmt(b['H_FL'])} A/m "
                   f"({res.full_model['bootstrap_resamples']} resamples)")


# ============================================================================ ST-FMR


@lab.command("st-fmr")
@click.argument("device_file", type=click.Path(dir_okay=False))
@click.option("--frequency", "frequency_text", required=True, metavar="LIST",
              help='Microwave frequencies: "4 GHz,6 GHz,8 GHz" or "4 GHz:12 GHz:5".')
@click.option("--current-amplitude", "current_text", required=True, metavar="I",
              help='Amplitude I_rf of the microwave current I_rf cos(wt), e.g. "1 mA".')
@click.option("--field", "field_text", default="auto", show_default=True, metavar="RANGE",
              help='Field magnitudes along --field-angle: "START:STOP:NUM", a list, or auto (each resonance '
                   '+- 15 line widths, 201 points).')
@click.option("--field-angle", "angle", default=45.0, show_default=True, type=FiniteFloatRange(),
              help="In-plane angle of the field from the current (deg).")
@click.option("--inhomogeneous-broadening", "broadening_text", default="0", show_default=True, metavar="H",
              help="Lorentzian half width of the local field distribution (A/m or mT).")
@click.option("--rf-field", "rf_text", default="0", show_default=True, metavar="H",
              help="External microwave field along y in phase with the current (A/m or mT, at I_rf).")
@click.option("--method", type=click.Choice(["linear", "time-domain"]), default="linear", show_default=True,
              help="Linear response (default) or the LLG integrated in time (the reference).")
@click.option("--no-oersted", is_flag=True, help="Leave out the Oersted field of the current.")
@click.option("--output", "output_path", default=None, metavar="DATA.csv",
              help="Write the points as CSV in the fit's input format (docs/lab.md section 6.3).")
@set_option
@json_option
@plot_option
def st_fmr_cmd(device_file, frequency_text, current_text, field_text, angle, broadening_text, rf_text, method,
               no_oersted, output_path, set_items, as_json, plot_path):
    """ST-FMR mixing voltage V_mix(H) of DEVICE_FILE at the given frequencies."""
    import math

    from ..io import write_text_atomic
    from ..lab.st_fmr import st_fmr

    freqs = _frequency_values(frequency_text)
    i0 = positive_quantity(current_text, "current", "--current-amplitude")
    broadening = positive_quantity(broadening_text, "field", "--inhomogeneous-broadening", allow_zero=True)
    rf = quantity(rf_text, "field", "--rf-field")
    if not math.isfinite(rf):
        raise ConfigError(CLI_SOURCE, "--rf-field", "must be finite")
    if not math.isfinite(angle):
        raise ConfigError(CLI_SOURCE, "--field-angle", "must be finite")
    fields = None if field_text.strip().lower() == "auto" else _field_values(field_text)
    output_suffix(output_path, (".csv",))
    check_plot_path(plot_path)
    device = load_device(device_file, parse_set_items(set_items), warnings=False)
    _measurement_heating(device, device_file, i0)
    with device_errors(device_file):
        res = st_fmr(device, freqs, i0, fields=fields, field_angle=angle, broadening=broadening, method=method,
                     oersted=not no_oersted, rf_field=rf, progress=progress_for(as_json))
    for w in res.details["warnings"]:
        warn(w)
    if output_path:
        write_text_atomic(output_path, res.to_csv(
            f"synthetic: simulated by spinloss lab st-fmr ({method}) from {device_file}\n"
            f"I_rf = {i0:g} A (I_rf cos wt along +x), field at {angle:g} deg from x; V_mix = <I(t) R_xx(t)>"))
        info(f"wrote {output_path}", as_json=as_json)
    if plot_path:
        from ..plots.lab import st_fmr_plot

        with plot_errors(plot_path):
            st_fmr_plot(res, plot_path)
        info(f"wrote {plot_path}", as_json=as_json)
    if as_json:
        emit_json(res, inputs=[device_file])
        return
    d = res.details
    click.echo(f"ST-FMR, {method}, I_rf = {i0:g} A (J = {fmt(d['current_density'])} A/m^2 in {d['reference_layer']}), "
               f"field at {angle:g} deg")
    click.echo(f"  H_DL = {fmt(d['damping_like_field'])} A/m, H_FL = {fmt(d['field_like_field'])} A/m, "
               f"H_Oe = {fmt(d['oersted_field'])} A/m at I_rf; alpha_eff = {fmt(d['effective_damping'])} "
               f"(Gilbert {fmt(d['gilbert_damping'])} + pumping {fmt(d['spin_pumping_damping'])})")
    rows = []
    for r in d["resonances"]:
        sel = res.frequency == r["frequency"]
        v = res.v[sel]
        rows.append([fmt(r["frequency"] / 1e9), fmt(r["resonance_field"]), fmt(r["linewidth"]),
                     fmt(float(np.max(v))), fmt(float(np.min(v))), str(int(sel.sum()))])
    echo_table(["f (GHz)", "H_res (A/m)", "half width (A/m)", "V_mix max (V)", "V_mix min (V)", "points"], rows)


@fit.command("st-fmr")
@click.argument("data_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--field-angle", "angle", default=45.0, show_default=True, type=FiniteFloatRange(),
              help="In-plane angle of the field from the current in the measurement (deg).")
@click.option("--device", "device_file", default=None, type=click.Path(dir_okay=False),
              help="Device file: M_s, thickness and Oersted field (xi_FMR, G_eff); AMR/SMR for the absolute torques.")
@click.option("--current-amplitude", "current_text", default=None, metavar="I",
              help="Microwave current amplitude I_rf of the measurement: gives the absolute H_DL, H_FL, xi_DL, xi_FL.")
@click.option("--control", "control_files", multiple=True, type=click.Path(dir_okay=False), metavar="CONTROL.csv",
              help="Data of the control sample without the sink (FM/SiO2): the damping difference and G_eff. Repeatable.")
@click.option("--kittel-anisotropy/--no-kittel-anisotropy", "free_anisotropy", default=None,
              help="Fit an in-plane anisotropy field in the Kittel law (default: with 3 or more frequencies).")
@click.option("--columns", "columns_text", default=None, metavar="NAME=COLUMN,...",
              help="Names of other columns for frequency, field, v.")
@json_option
@plot_option
def fit_st_fmr_cmd(data_files, angle, device_file, current_text, control_files, free_anisotropy, columns_text,
                   as_json, plot_path):
    """Lorentzian lines, damping, M_eff and the torques from ST-FMR data (CSV, docs/lab.md section 6.3)."""
    import math

    from ..lab.data import read_st_fmr_files
    from ..lab.st_fmr_fit import analyse_st_fmr

    if not math.isfinite(angle):
        raise ConfigError(CLI_SOURCE, "--field-angle", "must be finite")
    i0 = positive_quantity(current_text, "current", "--current-amplitude")
    check_plot_path(plot_path)
    cmap = _st_fmr_columns(columns_text)
    data = read_st_fmr_files(data_files, cmap)
    control = read_st_fmr_files(control_files, cmap) if control_files else None
    device = load_device(device_file, warnings=False) if device_file else None
    if i0 is not None and device is None:
        raise ConfigError(CLI_SOURCE, "--current-amplitude", "the absolute torques need --device (AMR, SMR, M_s, thickness)")
    with device_errors(device_file or data_files[0]):
        res = analyse_st_fmr(data, field_angle=angle, device=device, current_amplitude=i0, control=control,
                             free_anisotropy=free_anisotropy)
    for w in res.warnings:
        warn(w)
    if plot_path:
        from ..plots.lab import st_fmr_fit_plot

        with plot_errors(plot_path):
            st_fmr_fit_plot(data, res, plot_path)
        info(f"wrote {plot_path}", as_json=as_json)
    inputs = list(data_files) + list(control_files) + ([device_file] if device_file else [])
    if as_json:
        emit_json(res, inputs=inputs)
        return
    v = res.values
    click.echo(f"ST-FMR analysis: {len(res.lines)} lines, field at {angle:g} deg")
    rows = [[fmt(l["frequency"] / 1e9), f"{l['branch']:+d}", fmt(l["H_res"]), fmt(l["H_res_uncertainty"]),
             fmt(l["linewidth"]), fmt(l["linewidth_uncertainty"]), fmt(l["S"]), fmt(l["A"]),
             fmt(l["torque_ratio"])] for l in res.lines]
    echo_table(["f (GHz)", "sign", "H_res (A/m)", "+-", "half width (A/m)", "+-", "S (V)", "A (V)",
                "H_DL/(H_FL+H_Oe)"], rows)
    rows = [["alpha_eff", fmt(v["alpha_eff"]), fmt(v["alpha_eff_uncertainty"]), "1"],
            ["inhomogeneous_broadening", fmt(v["inhomogeneous_broadening"]),
             fmt(v["inhomogeneous_broadening_uncertainty"]), "A/m"],
            ["M_eff", fmt(v["M_eff"]), fmt(v["M_eff_uncertainty"]), "A/m"],
            ["H_k", fmt(v["H_k"]), fmt(v["H_k_uncertainty"]), "A/m"],
            ["torque_ratio", fmt(v["torque_ratio"]), fmt(v["torque_ratio_uncertainty"]), "1"],
            ["xi_FMR", fmt(v["xi_FMR"]), fmt(v["xi_FMR_uncertainty"]), "1"]]
    if v.get("xi_DL") is not None:
        rows += [["H_DL", fmt(v["H_DL"]), fmt(v["H_DL_uncertainty"]), "A/m"],
                 ["H_FL", fmt(v["H_FL"]), fmt(v["H_FL_uncertainty"]), "A/m"],
                 ["xi_DL", fmt(v["xi_DL"]), fmt(v["xi_DL_uncertainty"]), "1"],
                 ["xi_FL", fmt(v["xi_FL"]), fmt(v["xi_FL_uncertainty"]), "1"]]
    if "delta_alpha" in v:
        rows += [["delta_alpha", fmt(v["delta_alpha"]), fmt(v["delta_alpha_uncertainty"]), "1"],
                 ["G_eff", fmt(v.get("G_eff")), fmt(v.get("G_eff_uncertainty")), "Ohm^-1 m^-2"]]
        if v.get("G_eff_model") is not None:
            rows.append(["G_eff (device model)", fmt(v["G_eff_model"]), "", "Ohm^-1 m^-2"])
    echo_table(["quantity", "value", "1-sigma", "unit"], rows, align="lrrl")


def _st_fmr_columns(text):
    """--columns for ST-FMR files: NAME=COLUMN with NAME in frequency, field, v."""
    out = {}
    if not text:
        return out
    for item in text.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise ConfigError(CLI_SOURCE, "--columns", f"expected NAME=COLUMN, got {item.strip()!r}")
        name, col = (s.strip() for s in item.split("=", 1))
        if name.lower() not in ("frequency", "field", "v"):
            raise ConfigError(CLI_SOURCE, "--columns", f"unknown name {name!r} (names: frequency, field, v)")
        if not col:
            raise ConfigError(CLI_SOURCE, "--columns", f"no column given for {name!r}")
        out[name.lower()] = col
    return out


# ============================================================================ USMR


def _current_density_values(text: str, option: str) -> np.ndarray:
    """A comma-separated list of current densities (units allowed; a plain number is A/m^2)."""
    if not text.strip():
        raise ConfigError(CLI_SOURCE, option, "no current densities")
    vals = [quantity(v.strip(), "current_density", option) for v in list_items(text, option, "current densities")]
    out = np.asarray(vals, dtype=float)
    if not np.all(np.isfinite(out)):
        raise ConfigError(CLI_SOURCE, option, "must be finite")
    from ..stack import MAX_CURRENT_DENSITY

    if np.any(np.abs(out) > MAX_CURRENT_DENSITY):
        raise ConfigError(CLI_SOURCE, option, f"beyond {MAX_CURRENT_DENSITY:g} A/m^2: a missing unit?")
    return out


@lab.command("usmr")
@click.argument("device_file", type=click.Path(dir_okay=False))
@click.option("--mode", type=click.Choice(["field", "loop", "sequence"]), default="field", show_default=True,
              help="R_xx^2w against the field along y, after each pulse of a current loop, or of a pulse sequence.")
@click.option("--field", "field_text", default="-100 mT:100 mT:41", show_default=True, metavar="RANGE",
              help="Field along y (field mode), swept START -> STOP -> START.")
@click.option("--read-current-density", "read_text", default=f"{USMR_READ_CURRENT_DENSITY:g} A/m^2", show_default=True, metavar="J",
              help="Amplitude J_AC of the read current in the reference layer.")
@click.option("--pulse-current-density", "pulse_text", default=None, metavar="J",
              help="Largest write pulse of the loop (default: the file's pulse current density).")
@click.option("--steps", default=11, show_default=True, type=click.IntRange(2, 1000),
              help="Pulses from 0 to the largest (loop mode).")
@click.option("--pulses", "pulses_text", default=None, metavar="LIST",
              help='Pulse current densities of the sequence, e.g. "2e13,2e13,-2e13" (sequence mode).')
@click.option("--pulse-width", "width_text", default=None, metavar="T", help="Write pulse width (default the file's).")
@temperature_option
@click.option("--trials", default=50, show_default=True, type=click.IntRange(1, 100000),
              help="Devices carried through the protocol at T > 0 (one at T = 0).")
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--output", "output_path", default=None, metavar="DATA.csv", help="Write the rows as CSV.")
@set_option
@json_option
@plot_option
def usmr_cmd(device_file, mode, field_text, read_text, pulse_text, steps, pulses_text, width_text, temperature,
             trials, seed, output_path, set_items, as_json, plot_path):
    """USMR readout of DEVICE_FILE: R_xx^2w against the field, or read after each write pulse
    (the write/read protocol of Choi et al., Nat. Commun. 2025, Fig. 5)."""
    from ..io import write_text_atomic
    from ..lab.usmr import loop_pulses, usmr_field_sweep, write_read

    j_read = positive_quantity(read_text, "current_density", "--read-current-density")
    width = positive_quantity(width_text, "time", "--pulse-width")
    T = temperature_value(temperature)
    fields = _field_values(field_text) if mode == "field" else None
    if mode == "sequence":
        if pulses_text is None:
            raise ConfigError(CLI_SOURCE, "--pulses", "the sequence mode needs --pulses")
        seq = _current_density_values(pulses_text, "--pulses")
    elif pulses_text is not None:
        raise ConfigError(CLI_SOURCE, "--pulses", "only for --mode sequence")
    j_max = positive_quantity(pulse_text, "current_density", "--pulse-current-density")
    if j_max is not None and mode != "loop":
        raise ConfigError(CLI_SOURCE, "--pulse-current-density", "only for --mode loop")
    output_suffix(output_path, (".csv",))
    check_plot_path(plot_path)
    device = load_device(device_file, parse_set_items(set_items), warnings=(mode != "field"))
    with device_errors(device_file):
        _measurement_heating(device, device_file, j_read * device.channel()["current_per_density"])
    progress = progress_for(as_json)
    with device_errors(device_file, "--pulse-current-density" if mode == "loop" else None):
        if mode == "field":
            res = usmr_field_sweep(device, fields, read_current_density=j_read, progress=progress)
        else:
            if mode == "loop":
                jm = abs(device.pulse.current_density) if j_max is None else j_max
                if not jm > 0:
                    raise ConfigError(device_file, "pulse.current_density", "is 0: give --pulse-current-density")
                pulses, directions = loop_pulses(jm, steps)
            else:
                pulses, directions = seq, None
            res = write_read(device, pulses, read_current_density=j_read, temperature=T, trials=trials, seed=seed,
                             pulse_width=width, directions=directions, mode=mode, progress=progress)
    if output_path:
        write_text_atomic(output_path, res.to_csv(
            f"synthetic: simulated by spinloss lab usmr --mode {mode} from {device_file}\n"
            f"read: J_AC = {j_read:g} A/m^2 (I0 = {res.summary['read_current_amplitude']:g} A) in the reference "
            "layer; r1w, r2w = V_1w/I0, V_2w/I0 (V_2w the amplitude of -cos 2wt)"))
        info(f"wrote {output_path}", as_json=as_json)
    if plot_path:
        from ..plots.lab import usmr_plot

        with plot_errors(plot_path):
            usmr_plot(res, plot_path)
        info(f"wrote {plot_path}", as_json=as_json)
    if as_json:
        emit_json(res, inputs=[device_file], seeds={"trials": seed} if mode != "field" else None)
        return
    s, r = res.summary, res.rows
    click.echo(f"USMR readout, {mode}: J_AC = {fmt(s['read_current_density'])} A/m^2 (I0 = "
               f"{fmt(s['read_current_amplitude'])} A); USMR per current density at zero field {fmt(s.get('usmr_per_current_density_zero_field'))} m^2/A"
               if mode == "field" else
               f"USMR write/read, {mode}: J_AC = {fmt(s['read_current_density'])} A/m^2; read levels R_2w = "
               f"{fmt(s['r2w_positive'])} Ohm (m along +easy axis), {fmt(s['r2w_negative'])} Ohm (-easy axis); "
               f"T = {fmt(s['temperature'])} K, {s['trials']} device(s)")
    if mode == "field":
        rows = [[fmt(r["field"][k]), f"{int(r['direction'][k]):+d}", fmt(r["m_y"][k]), fmt(r["r2w"][k]),
                 fmt(r["r2w_usmr"][k]), fmt(r["r2w_thermal"][k])] for k in range(len(r["field"]))]
        echo_table(["field y (A/m)", "sweep", "m_y", "R_2w (Ohm)", "USMR part (Ohm)", "thermal part (Ohm)"], rows)
    else:
        rows = [[str(int(r["pulse"][k])), fmt(r["current_density"][k]), f"{int(r['direction'][k]):+d}",
                 fmt(r["fraction_positive"][k]), fmt(r["r2w"][k]), fmt(r["r2w_std"][k])] for k in range(len(r["pulse"]))]
        echo_table(["pulse", "J pulse (A/m^2)", "branch", "fraction +", "R_2w (Ohm)", "std (Ohm)"], rows)
        if mode == "loop":
            click.echo(f"  switching current density: falling branch {fmt(s['switching_current_density_down'])}, "
                       f"rising branch {fmt(s['switching_current_density_up'])} A/m^2")


# ============================================================================ stack fit


@fit.command("stack")
@click.argument("series_file", type=click.Path(dir_okay=False))
@click.option("--output", "output_path", default=None, metavar="CALIBRATED.toml",
              help="The calibrated stack file (the series' template with the fitted values; default "
                   "SERIES_calibrated.toml in the current folder).")
@json_option
@plot_option
def fit_stack_cmd(series_file, output_path, as_json, plot_path):
    """Fit the transport model to the torques measured on a sample series (docs/lab.md section 8)."""
    from pathlib import Path

    from ..io import write_text_atomic
    from ..lab.series import PARAMETERS, calibrated_text, fit_stack_series, read_series

    if output_path is None:
        output_path = f"{Path(series_file).stem}_calibrated.toml"
    output_suffix(output_path, (".toml",))
    check_plot_path(plot_path)
    series = read_series(series_file)
    with device_errors(series_file):
        res = fit_stack_series(series, progress=progress_for(as_json))
        text = calibrated_text(res, series, output_path)
    write_text_atomic(output_path, text)
    res.calibrated_stack = str(output_path)
    info(f"wrote {output_path}", as_json=as_json)
    for w in res.warnings:
        warn(w)
    if plot_path:
        from ..plots.lab import stack_fit_plot

        with plot_errors(plot_path):
            stack_fit_plot(res, plot_path)
        info(f"wrote {plot_path}", as_json=as_json)
    inputs = [series_file, series.template] + sorted({e.file for e in series.entries})
    if as_json:
        emit_json(res, inputs=inputs)
        return
    click.echo(f"stack fit: {series.name}; {len(res.entries)} measured values, {len(res.free)} free parameters")
    rows = [[n, fmt(res.values[n]), fmt(res.uncertainties[n]), PARAMETERS[n][3]] for n in res.free]
    rows += [[f"{n} (fixed)", fmt(v), "", PARAMETERS[n][3]] for n, v in res.fixed.items()]
    echo_table(["parameter", "value", "1-sigma", "unit"], rows, align="lrrl")
    if len(res.free) > 1:
        click.echo("  correlations:")
        for i, a in enumerate(res.free):
            click.echo("    " + a.ljust(30) + " ".join(f"{res.correlation[i, j]:+.2f}" for j in range(len(res.free))))
    click.echo(f"  chi2 = {fmt(res.chi2)} for {res.dof} degrees of freedom (p = {fmt(res.p_value, '.3g')})")
    rows = [[e["entry"], e["observable"], fmt(e["measured"]), fmt(e["sigma"]), fmt(e["model"]), fmt(e["pull"], ".2f")]
            for e in res.entries]
    echo_table(["sample", "quantity", "measured", "1-sigma", "model", "pull"], rows)
