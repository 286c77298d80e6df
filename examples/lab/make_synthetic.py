"""Regenerate the synthetic harmonic Hall data sets of examples/lab/ (SYNTHETIC: simulated by
spinloss, not measured). Run from the repository root:

    python examples/lab/make_synthetic.py

Each file has the realistic defects of a measurement: Gaussian noise on both harmonics, offsets,
a slow drift of V_1w over the acquisition, both sweep directions, and (Py/NiO) an anomalous Nernst
term; the perpendicular y sweep records V_1w and V_2w on alternate field points (a branch column
then names the m_z branch of every row). Fixed seed: the files are reproducible.
"""

from pathlib import Path

import numpy as np

from spinloss import Device
from spinloss.lab import harmonic_hall

HERE = Path(__file__).resolve().parent
from spinloss.units import MU0
rng = np.random.default_rng(20260101)


def header(lines):
    return "".join(f"# {l}\n" for l in lines)


def perpendicular():
    dev = Device.from_toml(HERE / "pt_cofeb_hall_bar.toml")
    i0 = 1e-3
    up = np.linspace(-50e-3, 50e-3, 41) / MU0
    sweep = np.concatenate([up, up[::-1]])            # both sweep directions
    for scan in ("x", "y"):
        r = harmonic_hall(dev, scan, sweep, i0)
        n = len(r.field)
        drift = np.linspace(0.0, 10e-6, n)             # 10 uV of drift of V_1w over the file
        v1 = r.v1w + 30e-6 + drift + rng.normal(0, 2e-6, n)
        v2 = r.v2w + 20e-9 + rng.normal(0, 5e-9, n)
        lines = [f"SYNTHETIC data: spinloss lab harmonic-hall examples/lab/pt_cofeb_hall_bar.toml --scan {scan} (quasistatic), I0 = 1 mA",
                 f"true fields at I0: H_DL = {r.details['damping_like_field']:.6g} A/m, H_FL = "
                 f"{r.details['field_like_field']:.6g} A/m, H_Oe = {r.details['oersted_field']:.6g} A/m",
                 "defects: noise 2 uV (v1w) and 5 nV (v2w), offsets 30 uV and 20 nV, 10 uV drift of v1w, "
                 "both sweep directions, both m_z branches"]
        if scan == "x":
            rows = ["scan,field [mT],v1w [V],v2w [V]"]
            rows += [f"x,{h * MU0 * 1e3:.4f},{a:.9e},{b:.6e}" for h, a, b in zip(r.field, v1, v2)]
        else:
            rows = ["scan,field [mT],branch,v1w [V],v2w [V]"]
            for k, (h, p, a, b) in enumerate(zip(r.field, r.branch, v1, v2)):
                # first and second harmonics on alternate field points
                rows.append(f"y,{h * MU0 * 1e3:.4f},{p:+d},{a:.9e}," if k % 2 == 0 else
                            f"y,{h * MU0 * 1e3:.4f},{p:+d},,{b:.6e}")
        (HERE / f"pt_cofeb_{scan}.csv").write_text(header(lines) + "\n".join(rows) + "\n")


def in_plane():
    dev = Device.from_toml(HERE / "py_nio_hall_bar.toml")
    i0 = 2e-3
    fields_t = np.array([0.05, 0.1, 0.2, 0.4, 0.8, 1.6])
    ang = np.arange(0.0, 360.0, 10.0)
    r = harmonic_hall(dev, "angle", fields_t / MU0, i0, angles=ang)
    n = len(r.field)
    v1 = r.v1w + 15e-6 + rng.normal(0, 1e-6, n)
    v2 = r.v2w + 10e-9 + rng.normal(0, 2e-9, n)
    lines = ["SYNTHETIC data: spinloss lab harmonic-hall examples/lab/py_nio_hall_bar.toml --scan angle (quasistatic), "
             "I0 = 2 mA",
             f"true at I0: H_DL = {r.details['damping_like_field']:.6g} A/m, H_FL = {r.details['field_like_field']:.6g} A/m, "
             f"H_Oe = {r.details['oersted_field']:.6g} A/m, V_thermal = V_N/2 = {r.details['nernst_voltage'] / 2:.6g} V",
             "defects: noise 1 uV (v1w) and 2 nV (v2w), offsets 15 uV and 10 nV, anomalous Nernst term"]
    rows = ["field [T],angle [deg],v1w [V],v2w [V]"]
    rows += [f"{h * MU0:.4f},{a:.1f},{b:.9e},{c:.6e}" for h, a, b, c in zip(r.field, r.angle, v1, v2)]
    (HERE / "py_nio_angle.csv").write_text(header(lines) + "\n".join(rows) + "\n")
    up = np.linspace(-1.5, 1.5, 31) / MU0
    rz = harmonic_hall(dev, "z", np.concatenate([up, up[::-1]]), i0, branches=(1,))
    m = len(rz.field)
    v1z = rz.v1w + 15e-6 + rng.normal(0, 1e-6, m)
    rows = ["scan,field [T],v1w [V],v2w [V]"]
    rows += [f"z,{h * MU0:.4f},{b:.9e}," for h, b in zip(rz.field, v1z)]
    lines = ["SYNTHETIC data: out-of-plane sweep of the same Hall bar (R_AHE and M_eff), I0 = 2 mA, noise 1 uV, "
             "offset 15 uV, both sweep directions"]
    (HERE / "py_nio_z.csv").write_text(header(lines) + "\n".join(rows) + "\n")


def st_fmr_sets():
    """ST-FMR lines of Pt/Py (the Liu et al. stack) and of Py/NiO with its Py/SiO2 control: both
    field signs, both sweep directions, noise, an offset, a background linear in the field and a
    small drift in time, an inhomogeneous half width of 0.2 mT (the same film in every bar)."""
    from spinloss.lab.st_fmr import StFmrModel, st_fmr

    rng_f = np.random.default_rng(20260310)
    broadening = 0.2e-3 / MU0
    sets = [("pt_py_stfmr", 1e-3, [4e9, 7e9, 10e9, 13e9], 0.0, 20e-9),
            ("py_nio_stfmr", 5e-3, [4e9, 8e9, 12e9], 0.0, 20e-9),
            ("py_sio2_stfmr", 5e-3, [4e9, 8e9, 12e9], 0.01e-3 / MU0, 20e-9)]
    for name, i_rf, freqs, rf, noise in sets:
        dev = Device.from_toml(HERE / f"{name}.toml")
        model = StFmrModel(dev, i_rf, rf_field=rf)
        rows = ["frequency [GHz],field [mT],v [V]"]
        for f in freqs:
            up = model.auto_fields(f, broadening, 81)
            for sign in (1.0, -1.0):
                sweep = sign * np.concatenate([up, up[::-1]])          # both sweep directions
                r = st_fmr(dev, [f], i_rf, fields=sweep, broadening=broadening, rf_field=rf)
                n = len(sweep)
                background = 0.3e-6 + 2e-12 * sweep                    # offset and a slope in the field
                drift = np.linspace(0.0, 10e-9, n)                      # 10 nV over the two sweeps
                v = r.v + background + drift + rng_f.normal(0.0, noise, n)
                rows += [f"{f / 1e9:.6g},{h * MU0 * 1e3:.5f},{x:.6e}" for h, x in zip(sweep, v)]
        d = st_fmr(dev, [freqs[0]], i_rf, broadening=broadening, rf_field=rf, auto_points=3).details
        lines = [f"SYNTHETIC data: spinloss lab st-fmr examples/lab/{name}.toml (linear response), I_rf = "
                 f"{i_rf * 1e3:g} mA, field at 45 deg from x",
                 f"true at I_rf: H_DL = {d['damping_like_field']:.6g} A/m, H_FL = {d['field_like_field']:.6g} A/m, "
                 f"H_Oe = {d['oersted_field']:.6g} A/m, rf field {rf:.4g} A/m; alpha_eff = {d['effective_damping']:.6g}, "
                 f"inhomogeneous half width {broadening:.4g} A/m",
                 f"defects: noise {noise * 1e9:g} nV, offset 0.3 uV, background slope 2e-12 V per A/m, 10 nV drift per "
                 "line, both sweep directions, both field signs"]
        (HERE / f"{name}.csv").write_text(header(lines) + "\n".join(rows) + "\n")


def stack_series():
    """A Py/NiO sample series for spinloss fit stack (SYNTHETIC): a NiO thickness series and a
    temperature series across the film's T_N of 5 nm Py under NiO, measured torques drawn from the
    transport model of the library's parameters (theta_F = 0.053, G_int = 5e14 S/m^2, lambda_m =
    10 nm, T_N = 523 K) with 4 % + 2e-5 Gaussian errors, the no-sink control, and the ST-FMR data of
    st_fmr_sets (G_eff from the damping difference, the torques from the absolute amplitudes)."""
    from spinloss.device import read_stack
    from spinloss.transport import torques

    rng_s = np.random.default_rng(20260420)
    base = read_stack(HERE / "py_nio_stfmr.toml")

    def measured(stack, temperature=None):
        m = torques(stack, temperature=temperature).magnet("free")
        out = []
        for key, v in (("xi_DL", float(m.xi_dl)), ("xi_FL", float(m.xi_fl))):
            s = 0.04 * abs(v) + 2e-5
            out.append((key, v + rng_s.normal(0.0, s), s))
        return out

    blocks = []

    def entry(lines, obs):
        body = list(lines) + [f"{k} = {v:.4e}\n{k}_uncertainty = {s:.2e}" for k, v, s in obs]
        blocks.append("[[entries]]\n" + "\n".join(body))

    for t_nm in (1, 2, 3, 5, 8, 12, 20):
        st = read_stack(HERE / "py_nio_stfmr.toml", {"NiO.thickness": t_nm * 1e-9})
        entry([f'name = "NiO {t_nm} nm, 300 K"', 'stack = "py_nio_stfmr.toml"',
               f'set = {{"NiO.thickness" = "{t_nm} nm"}}'], measured(st))
    for temp in (200, 350, 420, 470, 500, 520, 550):
        entry([f'name = "NiO 10 nm, {temp} K"', 'stack = "py_nio_stfmr.toml"', f'temperature = "{temp} K"'],
              measured(base, temp))
    ctrl = read_stack(HERE / "py_sio2_stfmr.toml")
    entry(['name = "Py/SiO2 control, 300 K"', 'stack = "py_sio2_stfmr.toml"'], measured(ctrl))
    blocks.append("\n".join(["[[entries]]", 'name = "NiO 10 nm, ST-FMR (damping difference and amplitudes)"',
                              'device = "py_nio_stfmr.toml"', 'data = "py_nio_stfmr.csv"', 'analysis = "st-fmr"',
                              'current_amplitude = "5 mA"',
                              'current_amplitude_uncertainty = "0.25 mA"   # the calibration of I_rf (5 %)',
                              'control = "py_sio2_stfmr.csv"']))
    head = ["SYNTHETIC sample series for spinloss fit stack (docs/lab.md section 8), made by",
            "examples/lab/make_synthetic.py: torques drawn from the transport model of the library's",
            "parameters (theta_F = 0.053, G_int = 5e14 S/m^2, lambda_m = 10 nm, T_N = 523 K) with 4 % + 2e-5",
            "Gaussian errors (stated as the uncertainties), and the ST-FMR data sets of this folder.",
            "",
            "  spinloss fit stack examples/lab/py_nio_series.toml --output py_nio_cell_calibrated.toml"]
    text = "".join(f"# {h}\n" if h else "#\n" for h in head)
    text += "\n".join([
        'name = "Py/NiO: NiO thickness and temperature series (SYNTHETIC)"',
        'description = "SYNTHETIC: drawn from the transport model of the library parameters"',
        'template = "../py_nio_cell.toml"     # the calibrated values go into this cell (3 nm Py/NiO bit)',
        'free = ["spin_hall_angle", "magnon_interface_conductance", "magnon_diffusion_length", "neel_temperature"]',
        "",
        "[initial]                             # deliberately off: the fit finds its way back",
        "spin_hall_angle = 0.03",
        'magnon_interface_conductance = "1.5e14 S/m^2"',
        'magnon_diffusion_length = "4 nm"',
        'neel_temperature = "480 K"',
        ""]) + "\n" + "\n\n".join(blocks) + "\n"
    (HERE / "py_nio_series.toml").write_text(text)


if __name__ == "__main__":
    perpendicular()
    in_plane()
    st_fmr_sets()
    stack_series()
