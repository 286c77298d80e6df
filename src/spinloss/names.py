"""Names of the physical quantities behind override keys (``free.spin_hall_angle``,
``interfaces.0.magnon_interface_conductance``, ``pulse.width``), for axis labels (plots) and for
sentences (the statements of ``compare``'s maps): one table, so that a plot and the sentence
under it name a quantity alike."""

from __future__ import annotations

import re

#: Names of the quantities behind override keys, keyed by the key's last component (a material
#: key, an interface key, a device-table key): (name, symbol or ""). Axis labels of sweeps and
#: maps come from here (:func:`key_label`); a key not listed falls back to its words.
QUANTITY_NAMES = {
    # materials (materials.MATERIAL_KEYS)
    "resistivity": ("resistivity", r"$\rho$"),
    "spin_hall_angle": ("spin Hall angle", r"$\theta_\mathrm{SH}$"),
    "spin_anomalous_hall_angle": ("spin anomalous Hall angle", r"$\theta_\mathrm{AH}$"),
    "spin_diffusion_length": ("spin diffusion length", r"$\lambda_\mathrm{sf}$"),
    "saturation_magnetization": ("saturation magnetization", r"$M_s$"),
    "damping": ("Gilbert damping", r"$\alpha$"),
    "spin_precession_length": ("spin precession length", r"$\lambda_J$"),
    "spin_dephasing_length": ("spin dephasing length", r"$\lambda_\phi$"),
    "neel_temperature": ("Neel temperature", r"$T_N$"),
    "magnon_diffusion_length": ("magnon diffusion length", r"$\lambda_m$"),
    "magnon_spin_conductivity": ("magnon spin conductivity", r"$\sigma_m$"),
    "magnon_gap_frequency_low": ("lower magnon gap", r"$f_\mathrm{gap,1}$"),
    "magnon_gap_frequency_high": ("upper magnon gap", r"$f_\mathrm{gap,2}$"),
    "neel_finite_size_length": ("finite-size length of T_N", ""),
    "neel_finite_size_exponent": ("finite-size exponent of T_N", ""),
    "thickness": ("thickness", r"$d$"),
    # interfaces (stack.INTERFACE_KEYS)
    "spin_mixing_conductance": ("spin-mixing conductance", r"$G_\mathrm{mix}$"),
    "transmitted_mixing_conductance": ("transmitted mixing conductance", r"$G_t$"),
    "spin_conductance": ("interface spin conductance", r"$G_s$"),
    "magnon_interface_conductance": ("magnon interface conductance", r"$G_\mathrm{int}$"),
    # device tables (grids.DEVICE_KEY_DIMENSIONS), stack top level
    "current_density": ("current density", r"$J$"),
    "width": ("width", ""),
    "length": ("length", ""),
    "rise_time": ("rise time", ""),
    "fall_time": ("fall time", ""),
    "temperature": ("temperature", r"$T$"),
    "anisotropy_field": ("anisotropy field", r"$\mu_0 H_k$"),
    "uniaxial_anisotropy": ("uniaxial anisotropy", r"$K_u$"),
    "damping_like_efficiency": ("damping-like efficiency", r"$\xi_\mathrm{DL}$"),
    "field_like_efficiency": ("field-like efficiency", r"$\xi_\mathrm{FL}$"),
}

#: Names of the first component of device-table keys, for the label's context.
TABLE_CONTEXT = {"pulse": "pulse", "geometry": "magnet", "magnet": "magnet", "cell": "cell",
                  "readout": "readout", "torques": "torque", "field": "field"}



def _strip_latex(symbol: str) -> str:
    s = symbol.strip("$").replace(r"\mathrm", "").replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"\s+", " ", s).strip()


def quantity_words(key: str, *, kind: str | None = None) -> str:
    """The quantity ``key`` names, in words for a sentence: ``"free.spin_hall_angle"`` with
    ``kind="ferromagnet"`` -> "spin-Hall-like angle of free"; ``"interfaces.0.magnon_interface_conductance"``
    -> "magnon interface conductance G_int"; ``"pulse.width"`` -> "pulse width". ``kind``: the
    kind of the layer the key belongs to (a ferromagnet's spin Hall angle is its spin-Hall-like
    angle). A key not in :data:`QUANTITY_NAMES` is its last component in words."""
    parts = key.split(".")
    last = parts[-1]
    name, symbol = QUANTITY_NAMES.get(last, (last.replace("_", " "), ""))
    if last == "spin_hall_angle" and kind == "ferromagnet":
        name = "spin-Hall-like angle"
    sym = _strip_latex(symbol).replace(" ", "") if symbol else ""
    text = f"{name} {sym}".strip() if sym and len(parts) != 2 else name
    if len(parts) == 2 and parts[0] in TABLE_CONTEXT:
        if last in ("width", "length", "rise_time", "fall_time"):
            text = f"{TABLE_CONTEXT[parts[0]]} {text}"
    elif len(parts) == 2:
        text = f"{text} of {parts[0]}"
    return text
