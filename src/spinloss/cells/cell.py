"""Three-terminal SOT-MRAM cell (and the two-terminal STT-MTJ cell) built from a device file.

A cell = write path + free layer + readout + access transistor(s) (docs/physics.md section 6).

Write path
    SOT (``[torques]`` absent or ``mechanism = "sot"``): the in-plane channel under the magnet,
    current split by the transport engine (:meth:`spinloss.device.Device.channel`): a heavy-metal
    channel shunts part of the current through the FM; in an FM/AFI device the FM itself is the
    channel. ``I = J_ref * current_per_density``, ``R_channel = R_sheet L / W``.
    STT (``mechanism = "stt"``): the current flows through the MTJ, ``I = J * A_magnet``,
    ``R = RA / A`` with RA the mean of the P and AP states ([D]: the state is P before an
    P->AP write and AP before an AP->P write; the mean weighs both writes equally).

Access transistor (:data:`TECHNOLOGY_NODES`): sized so that the write current flows with the
whole path within the supply, ``I (R_on + R_path) <= V_dd``, with ``R_on = r_on / W_tr`` and
``W_tr >= max(W_min, I / i_on)``. The energy of one write is four metrics (J), reported apart
(docs/energy.md: which ratio each changes)::

    channel     = I^2 R_path t_eff              t_eff = width + (rise + fall)/3
    transistor  = I^2 R_on t_eff
    peripheral  = C_bl V_dd^2                    (the bit line charged once per write)
    supply      = V_dd I t_q + peripheral        t_q   = width + (rise + fall)/2

(``t_eff`` = integral of (I(t)/I)^2 dt, ``t_q`` = integral of I(t)/I dt of the trapezoid). The
channel energy is the physics figure ("switching energy" in the SOT literature); the supply
energy is the cost of the write in a cell (the driver dissipates V_dd - I (R_path + R_on)); the
design search minimizes it (``energy_per_bit``). With the defaults r_on i_on = 0.3 V < V_dd the
transistor is sized by its current drive, so the supply energy follows the current while the
channel energy follows I^2 R. A path that cannot be driven (``I R_path >= V_dd``) or an MTJ above
its breakdown-safe voltage makes the design fail with a reason.

Readout (``[readout]``)
    ``kind = "mtj"`` (default for SOT and STT cells): ``tmr`` (AP/P - 1), ``resistance_area``
    (Ohm m^2), ``read_voltage`` (V), ``read_time`` (s), ``polarization`` (optional; from Julliere
    P = sqrt(TMR / (2 + TMR)) otherwise), ``max_voltage`` (V). Read current V_read / R_P through
    the MTJ; its spin-transfer torque (efficiency eta = P/(1 + P^2), Slonczewski, PRB 71,
    024411 (2005) [M]) disturbs the free layer.
    ``kind = "usmr"`` (bare FM/AFI bar, as in Choi et al. 2025): ``read_current_density`` in the
    channel (default :data:`spinloss.device.USMR_READ_CURRENT_DENSITY` = 1.3e11 A/m^2 [V: Choi et
    al. Fig. 5]), ``read_time``, ``usmr_ratio``
    (dR/R at the read current density, [D] parameter, default 1e-5). The read current itself
    exerts the write torque, which sets the read disturb.
    Read-disturb probability per read: 1 - exp(-t_read / tau), tau = tau_0 exp[Delta (1 - I/I_c0)^2]
    (thermally activated, Koch, Katine, Sun, PRL 92, 088302 (2004) with exponent n = 2, the
    conservative choice [M]), tau_0 = 1 ns, I_c0 the collinear (Sun) instability current
    alpha * H_c / (torque field per current), H_c = (k_1 + k_2)/(2 mu0 M_s) from the energy
    curvatures k_i at the minimum (= H_K,eff for a perpendicular magnet, H_K + M_eff/2 for an
    in-plane one). A polarization perpendicular to the easy axis (type-z read) uses
    I_c0 = (H_K,eff/2)/(field per current) (Lee 2013) [M].

Cell area (estimate, [D]): ``max(n_tr (W_tr + 3F) 4F, (L + 4F)(W + 2F))``: each access
transistor is W_tr wide plus diffusion/contact overhead 3F, one contacted gate pitch ~4F long;
SOT cells have two transistors (write and read), STT one. A density estimate, not a layout.

``[cell]`` keys (all optional, defaults from ``technology_node``): technology_node,
feature_size, supply_voltage, on_current_per_width (A/m), on_resistance_width (Ohm m),
min_transistor_width (m), bitline_capacitance (F), peripheral_energy (J, overrides C V^2),
transistors (count), max_uniaxial_anisotropy (J/m^3).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..config import check_keys
from ..device import (READOUT_DEFAULTS, READOUT_SOURCES, ReadoutSpec, joule_energy,  # noqa: F401 (re-exported)
                      mtj_resistances, parse_readout, table_number)
from ..errors import ConfigError, PhysicsError
from ..io import JsonResult
from ..units import MU0

#: Transistor technology defaults. Values are [D]: chosen from typical published figures for a
#: planar high-k metal-gate bulk node, with the reasoning in each entry's "sources"; override
#: any of them in ``[cell]``.
TECHNOLOGY_NODES = {
    "28nm": {
        "feature_size": 28e-9,
        "supply_voltage": 0.9,
        "on_current_per_width": 1.0e3,       # A/m = 1.0 mA/um
        "on_resistance_width": 3.0e-4,       # Ohm m = 300 Ohm um (linear region, V_gs = V_dd)
        "min_transistor_width": 56e-9,       # 2F
        "bitline_capacitance": 50e-15,       # F
        "sources": {
            "supply_voltage": "[D] nominal core V_dd of 28 nm HKMG logic processes (0.85-1.0 V)",
            "on_current_per_width": "[D] NMOS I_on ~ 1 mA/um at V_dd for 28 nm HKMG (foundry "
                                    "HPM/HPC class); LP flavours give less: set it in [cell]",
            "on_resistance_width": "[D] linear-region resistance x width at V_gs = V_dd: ~V_dsat / I_on "
                                   "with V_dsat ~ 0.3 V of a short-channel device at V_dd = 0.9 V, "
                                   "i.e. 300 Ohm um (it must be below V_dd / I_on = 900 Ohm um, else "
                                   "the transistor is always sized to drop V_dd - I R and the channel's "
                                   "resistance drops out of the cell energy)",
            "min_transistor_width": "[D] 2F",
            "bitline_capacitance": "[D] 256 cells per bit line x ~0.2 fF per cell (junction + wire)",
            "peripheral_energy": "[D] C_bl V_dd^2: the bit line charged once per write "
                                 "(decoder and sense amplifier energy not included)",
        },
    },
    "22nm": {
        "feature_size": 22e-9,
        "supply_voltage": 0.8,
        "on_current_per_width": 1.1e3,
        "on_resistance_width": 2.5e-4,
        "min_transistor_width": 44e-9,
        "bitline_capacitance": 40e-15,
        "sources": {
            "supply_voltage": "[D] nominal V_dd of 22 nm FinFET/FD-SOI logic (0.8 V)",
            "on_current_per_width": "[D] ~1.1 mA/um effective width, typical of 22 nm nodes",
            "on_resistance_width": "[D] ~ V_dsat / I_on, V_dsat ~ 0.27 V at V_dd = 0.8 V: 250 Ohm um",
            "min_transistor_width": "[D] 2F",
            "bitline_capacitance": "[D] 256 cells x ~0.16 fF",
            "peripheral_energy": "[D] C_bl V_dd^2",
        },
    },
}

DEFAULT_NODE = "28nm"

CELL_KEYS = {"technology_node", "feature_size", "supply_voltage", "on_current_per_width",
             "on_resistance_width", "min_transistor_width", "bitline_capacitance",
             "peripheral_energy", "transistors", "max_uniaxial_anisotropy"}
# The [readout] table (READOUT_KEYS, READOUT_DEFAULTS, READOUT_SOURCES, ReadoutSpec, parse_readout)
# is read by spinloss.device, which needs it for the write path of an STT device; cells re-exports
# the names its users import from here.

#: Koch-type exponent and attempt time for read disturb.
READ_DISTURB_EXPONENT = 2.0
ATTEMPT_TIME = 1e-9
#: Maximum uniaxial anisotropy used when sizing for retention (J/m^3), by easy-axis orientation.
MAX_ANISOTROPY = {"perpendicular": 1.0e6, "in_plane": 1.0e5}
MAX_ANISOTROPY_SOURCES = {
    "perpendicular": "[M] CoFeB/MgO interface anisotropy K_s ~ 1-1.3 mJ/m^2 at ~1 nm: ~1e6 J/m^3 "
                     "(Ikeda et al., Nat. Mater. 9, 721 (2010))",
    "in_plane": "[D] strong induced/magnetocrystalline in-plane anisotropy of soft films, 1e5 J/m^3",
}


@dataclass(frozen=True)
class CellSpec:
    """Access transistor and periphery (SI units; ``sources`` says where each default came from)."""

    technology_node: str
    feature_size: float
    supply_voltage: float
    on_current_per_width: float
    on_resistance_width: float
    min_transistor_width: float
    bitline_capacitance: float
    peripheral_energy: float
    transistors: int
    max_uniaxial_anisotropy: float | None
    sources: dict = field(default_factory=dict, compare=False)


def parse_cell(device) -> CellSpec:
    """``[cell]`` of the device file -> :class:`CellSpec` (unknown keys are errors)."""
    raw = (device.raw or {}).get("cell", {})
    src = device.source
    check_keys(raw, CELL_KEYS, source=src, prefix="cell")
    node = raw.get("technology_node", DEFAULT_NODE)
    if node not in TECHNOLOGY_NODES:
        raise ConfigError(src, "cell.technology_node", f"unknown node {node!r} (known: "
                                                       f"{', '.join(TECHNOLOGY_NODES)})")
    d = dict(TECHNOLOGY_NODES[node])
    sources = dict(d.pop("sources"))
    dims = {"feature_size": "length", "supply_voltage": "voltage", "on_current_per_width": None,
            "on_resistance_width": None, "min_transistor_width": "length",
            "bitline_capacitance": None, "peripheral_energy": "energy",
            "max_uniaxial_anisotropy": "energy_density"}
    for k, dim in dims.items():
        if k in raw:
            if dim is None:
                v = raw[k]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                    raise ConfigError(src, f"cell.{k}", "must be a plain positive number in SI units "
                                                        "(A/m, Ohm m or F)")
                d[k] = float(v)
            else:
                d[k] = table_number(raw, k, dim, src, "cell")
            sources[k] = f"{src} [cell]"
    easy = np.asarray(device.easy_axis, dtype=float)
    n_tr = raw.get("transistors", 1 if device.spin_transfer_write else 2)
    if isinstance(n_tr, bool) or not isinstance(n_tr, int) or n_tr < 1:
        raise ConfigError(src, "cell.transistors", "must be an integer >= 1")
    if "peripheral_energy" not in d:
        d["peripheral_energy"] = d["bitline_capacitance"] * d["supply_voltage"] ** 2
    if "max_uniaxial_anisotropy" not in d:
        orient = "perpendicular" if abs(easy[2]) > 0.5 else "in_plane"
        d["max_uniaxial_anisotropy"] = MAX_ANISOTROPY[orient]
        sources["max_uniaxial_anisotropy"] = MAX_ANISOTROPY_SOURCES[orient]
    return CellSpec(technology_node=node, transistors=n_tr, sources=sources, **d)


# ----------------------------------------------------------------------------- magnet helpers


def curvature_field(device, temperature=None) -> dict:
    """Energy curvatures at the starting minimum as fields (A/m): ``h1``, ``h2`` (k_i/(mu0 M_s)),
    ``collinear`` = (h1 + h2)/2 (Sun's threshold field / alpha for a collinear polarization),
    ``effective_anisotropy`` = 2 E_b / (mu0 M_s V)."""
    well = device.starting_well(temperature)
    k1, k2, _, _, _ = well.curvatures()
    ms = device.saturation_magnetization
    return {"h1": k1 / (MU0 * ms), "h2": k2 / (MU0 * ms), "collinear": 0.5 * (k1 + k2) / (MU0 * ms),
            "effective_anisotropy": well.effective_anisotropy_field, "well": well}


def instability_field(curvature: dict, damping: float, polarization, easy_axis) -> float:
    """Damping-like field (A/m) at which the starting state turns unstable at T = 0 (module
    docstring): alpha (h1 + h2)/2 for a polarization along the easy axis (collinear, Sun), half the
    barrier's anisotropy field H_K,eff/2 for one perpendicular to it (type z, Lee 2013).
    ``curvature``: :func:`curvature_field`."""
    collinear = abs(float(np.asarray(polarization, dtype=float) @ np.asarray(easy_axis, dtype=float))) > 0.5
    return damping * curvature["collinear"] if collinear else 0.5 * curvature["effective_anisotropy"]


#: Design categories by their physics (:func:`classify`).
CATEGORIES = ("spin_loss", "no_sink_control", "heavy_metal_sot", "measured_sot", "stt")


def classify(device) -> dict:
    """What drives a design, from its physics (never from its display name).

    Returns ``mechanism`` (sot | stt), ``torque_source`` (heavy_metal: the torque is referred to a
    non-magnetic metal of the stack; self: the magnet's own current (the spin-loss geometry);
    measured: ``[torques]`` of the file), ``sink`` (an antiferromagnetic insulator or a perfect
    spin sink touches the magnet through an interface with a nonzero conductance), ``sink_conductance`` (Ohm^-1
    m^-2: the magnet's spin-pumping conductance into the stack where there is a sink, else 0) and
    ``category``: spin_loss (self torque with a sink), no_sink_control (self torque, no sink),
    heavy_metal_sot, measured_sot or stt."""
    stack = device.stack
    i = stack.index(device.magnet_layer)
    sink = False
    for g in (i - 1, i):
        if 0 <= g < len(stack.interfaces):
            itf = stack.interfaces[g]
            if "antiferromagnetic_insulator" in itf.kinds and itf.magnon_interface_conductance is not None:
                sink = sink or bool(np.any(np.asarray(itf.magnon_interface_conductance, dtype=float) > 0))
            if "spin_sink" in itf.kinds and itf.spin_conductance is not None:   # a perfect sink
                sink = sink or bool(np.any(np.asarray(itf.spin_conductance, dtype=float) > 0))
    mech = device.write_mechanism
    if mech == "stt":
        source, category = "spin_polarized_current", "stt"
    elif device.torque_override is not None:
        source, category = "measured", "measured_sot"
    else:
        from ..transport import reference_layer_index

        ref = stack.layers[reference_layer_index(stack, i)]
        if ref.kind == "normal_metal":
            source, category = "heavy_metal", "heavy_metal_sot"
        else:
            source = "self"
            category = "spin_loss" if sink else "no_sink_control"
    conductance = 0.0
    if sink:  # how strong the sink is: the magnet's spin-pumping conductance into the stack
        conductance = float(np.real(np.asarray(device.transport().magnet(device.magnet_layer).pumping_conductance)))
    return {"mechanism": mech, "torque_source": source, "sink": sink, "category": category,
            "sink_conductance": conductance}


def write_path(device, temperature=None, readout: ReadoutSpec | None = None) -> dict:
    """Write path: ``current_per_density`` (A per A/m^2 in the torque reference layer),
    ``resistance`` (Ohm), ``kind`` (sot_channel | mtj), ``reference_layer``
    (:meth:`spinloss.device.Device.write_path`, the path of the device's write energy too)."""
    return device.write_path(temperature, readout)


def transistor(current, path_resistance, cell: CellSpec) -> dict:
    """Access transistor sized for ``current`` (A) through ``path_resistance`` (Ohm): width (m),
    on-resistance (Ohm), voltages; ``ok`` False (with ``reason``) if V_dd cannot drive it."""
    I = abs(float(current))
    vdd = cell.supply_voltage
    v_path = I * path_resistance
    if v_path >= vdd:
        return {"ok": False, "reason": f"the write path alone needs {v_path:.3g} V > V_dd = {vdd:.3g} V "
                                       f"at {I:.3g} A", "width": None, "on_resistance": None,
                "path_voltage": v_path}
    w = max(cell.min_transistor_width, I / cell.on_current_per_width,
            cell.on_resistance_width * I / (vdd - v_path))
    r_on = cell.on_resistance_width / w
    return {"ok": True, "reason": None, "width": w, "on_resistance": r_on, "path_voltage": v_path,
            "transistor_voltage": I * r_on}


def cell_area(device, cell: CellSpec, transistor_width) -> float:
    """Cell area estimate (m^2), see the module docstring."""
    F = cell.feature_size
    w = max(transistor_width or cell.min_transistor_width, cell.min_transistor_width)
    a_tr = cell.transistors * (w + 3 * F) * 4 * F
    g = device.geometry
    a_dev = (g.length + 4 * F) * (g.width + 2 * F)
    return float(max(a_tr, a_dev))


def read_disturb(device, readout: ReadoutSpec, path: dict, delta: float, temperature=None) -> dict:
    """Read current (A), the instability current of the read torque (A) and the read-disturb
    probability per read (module docstring)."""
    from ..dynamics.llg import stt_field_per_current

    T = device.temperature if temperature is None else float(temperature)
    ms = device.saturation_magnetization
    d = device.geometry.thickness
    alpha = device.effective_damping(T)
    cf = curvature_field(device, T)
    easy = np.asarray(device.easy_axis, dtype=float)
    if readout.kind == "mtj":
        rp = mtj_resistances(readout.resistance_area, device.geometry.area, readout.tmr)["parallel"]
        i_read = readout.read_voltage / rp
        eta = readout.stt_efficiency
        field_per_current = float(stt_field_per_current(eta, ms, d)) / device.geometry.area  # A/m per A
        h_c = instability_field(cf, alpha, easy, easy)  # reference layer along the easy axis
        signal = readout.read_voltage * readout.tmr / (2 + readout.tmr)  # V across a divider (D)
    else:
        i_read = readout.read_current_density * path["current_per_density"]
        a_dl, _ = device.field_per_current(T)
        tq = device.torque(T)
        s = np.asarray(tq.polarization, dtype=float)
        field_per_current = abs(a_dl) / path["current_per_density"]
        h_c = instability_field(cf, alpha, s, easy)
        signal = readout.usmr_ratio * i_read * path["resistance"]
    i_c0 = h_c / field_per_current if field_per_current > 0 else math.inf
    x = min(i_read / i_c0, 1.0) if math.isfinite(i_c0) else 0.0
    tau = ATTEMPT_TIME * math.exp(delta * (1 - x) ** READ_DISTURB_EXPONENT)
    p = -math.expm1(-readout.read_time / tau)
    return {"read_current": i_read, "read_time": readout.read_time, "read_critical_current": i_c0,
            "read_disturb_probability": p, "read_signal_voltage": signal,
            "read_energy": joule_energy(i_read, rp if readout.kind == "mtj" else path["resistance"],
                                        readout.read_time)}


# ----------------------------------------------------------------------------- retention sizing


def delta_for_retention(retention_time: float, attempt_time: float = ATTEMPT_TIME) -> float:
    """Thermal stability for a retention time (s): Delta = ln(t_ret / tau_0) (Neel-Arrhenius,
    tau_0 = 1 ns [M]); 10 years -> 40.3. Every design is sized to this same Delta (iso-Delta);
    its Brown dwell time is reported alongside."""
    if not retention_time > attempt_time:
        raise PhysicsError("retention time must exceed the attempt time 1 ns")
    return math.log(retention_time / attempt_time)


def size_for_delta(device, delta_target: float, temperature: float, cell: CellSpec | None = None):
    """Iso-Delta sizing: return ``(device', how)`` with Delta(device', T) = delta_target.

    First the anisotropy field ``magnet.anisotropy_field`` (>= 0) is solved for (Delta is
    monotonic in it). If shape anisotropy alone already exceeds the target (large in-plane
    ellipses), the ellipse's shorter in-plane axis is stretched towards a circle instead (the
    magnet's area changes; stated in ``how``). If the anisotropy needed exceeds the cell's
    ``max_uniaxial_anisotropy`` the target cannot be met: :class:`TargetNotMetError`.
    """
    from scipy.optimize import brentq

    from ..dynamics.analytic import effective_anisotropy_field
    from ..dynamics.terms import uniaxial_anisotropy_constant, uniaxial_anisotropy_field
    from ..errors import TargetNotMetError

    cell = cell or parse_cell(device)
    ms = device.saturation_magnetization

    def delta_of(dev):
        return dev.thermal_stability(temperature)

    def with_hk(hk):
        return device.with_values({"magnet.anisotropy_field": float(hk)})

    # below hk_lo the easy axis is not an energy minimum (shape anisotropy wins, e.g. the demag
    # field of a perpendicular film): the effective anisotropy H_K + M_s (N_perp,min - N_easy)
    # vanishes there, and Delta rises monotonically above it
    nd = np.asarray(device.geometry.demag_factors(), dtype=float)
    k = int(np.argmax(np.abs(np.asarray(device.easy_axis, dtype=float))))
    hk_lo = max(0.0, -effective_anisotropy_field(0.0, ms, nd, k)) * (1 + 1e-9)
    d0 = delta_of(with_hk(hk_lo)) if _safe_delta(with_hk, hk_lo, temperature) else 0.0
    if hk_lo > 0 and d0 > delta_target:
        d0 = 0.0  # barrier of the wrong states at the edge: Delta -> 0 as H_K,eff -> 0
    hk_max = float(uniaxial_anisotropy_field(cell.max_uniaxial_anisotropy, ms))
    if d0 <= delta_target:
        dmax = delta_of(with_hk(hk_max))
        if dmax < delta_target:
            raise TargetNotMetError(
                f"retention: Delta = {dmax:.1f} < {delta_target:.1f} even at the largest anisotropy "
                f"(K_u = {cell.max_uniaxial_anisotropy:.3g} J/m^3, H_K = {hk_max * MU0:.3g} T): the "
                f"magnet ({device.geometry.length * 1e9:.0f} x {device.geometry.width * 1e9:.0f} x "
                f"{device.geometry.thickness * 1e9:.2g} nm) is too small")
        lo = hk_lo
        f = lambda hk: delta_of(with_hk(hk)) - delta_target  # noqa: E731
        if not _safe_delta(with_hk, lo, temperature) or f(lo) > 0:
            lo = _first_valid_hk(with_hk, hk_max, temperature, lo, f)
        hk = brentq(f, lo, hk_max, xtol=1e-6 * hk_max, rtol=1e-9)
        dev = with_hk(hk)
        return dev, {"method": "anisotropy_field", "anisotropy_field": hk,
                     "uniaxial_anisotropy": float(uniaxial_anisotropy_constant(hk, ms)),
                     "thermal_stability": delta_of(dev)}
    g = device.geometry
    if abs(device.easy_axis[2]) > 0.5 or g.length == g.width:
        raise TargetNotMetError(f"retention: Delta = {d0:.1f} > {delta_target:.1f} already without "
                                "anisotropy; iso-Delta sizing by anisotropy impossible")
    short_key, long_val, short_val = (("geometry.length", g.width, g.length) if g.length < g.width
                                      else ("geometry.width", g.length, g.width))

    def with_short(v):
        return device.with_values({"magnet.anisotropy_field": 0.0, short_key: float(v)})

    f = lambda v: delta_of(with_short(v)) - delta_target  # noqa: E731
    v = brentq(f, short_val, long_val * (1 - 1e-9), xtol=1e-18, rtol=1e-10)
    dev = with_short(v)
    return dev, {"method": "aspect_ratio", "anisotropy_field": 0.0, short_key: v,
                 "thermal_stability": delta_of(dev),
                 "note": "shape anisotropy alone exceeded the target: the shorter axis was widened"}


def _safe_delta(with_hk, hk, T) -> bool:
    try:
        with_hk(hk).thermal_stability(T)
        return True
    except Exception:
        return False


def _first_valid_hk(with_hk, hk_max, T, lo, f) -> float:
    """Smallest H_K (bisection) where Delta is defined and below target (f < 0)."""
    hi = hk_max
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _safe_delta(with_hk, mid, T) and f(mid) > 0:
            lo = mid  # pragma: no cover - defensive
        elif _safe_delta(with_hk, mid, T):
            return mid
        else:
            lo = mid
    return hi


# ----------------------------------------------------------------------------- the cell report


@dataclass
class CellReport(JsonResult):
    """Figures of one cell at one write pulse (SI units). The energies (J) of a write, each a metric
    of its own (docs/energy.md): ``channel_energy`` I^2 R t_eff in the write path (the SOT
    literature's "switching energy"), ``transistor_energy`` I^2 R_on t_eff in the access transistor,
    ``peripheral_energy`` C_bl V_dd^2, ``supply_energy`` V_dd I t_q + peripheral (what the supply
    delivers); ``energy_per_bit`` = ``supply_energy``; ``dissipated_energy`` = channel + transistor +
    peripheral (<= supply: the rest heats the driver)."""

    write_current: float
    current_density: float
    pulse_width: float
    effective_duration: float
    write_latency: float
    path_resistance: float
    transistor_on_resistance: float | None
    transistor_width: float | None
    channel_energy: float
    transistor_energy: float
    peripheral_energy: float
    energy_per_bit: float
    read_current: float
    read_disturb_probability: float
    thermal_stability: float
    retention_time: float | None
    cell_area: float
    ok: bool = True
    reason: str | None = None
    details: dict = field(default_factory=dict)
    supply_energy: float = float("nan")
    dissipated_energy: float = float("nan")

    @property
    def energies(self) -> dict:
        """The four metrics (J): ``channel``, ``transistor``, ``peripheral``, ``supply``."""
        return {"channel": self.channel_energy, "transistor": self.transistor_energy,
                "peripheral": self.peripheral_energy, "supply": self.supply_energy}

    def as_dict(self) -> dict:
        out = asdict(self)
        out["energies"] = self.energies
        out["units"] = {"bitline_capacitance": "F", "feature_size": "m", "max_uniaxial_anisotropy": "J/m^3", "min_transistor_width": "m", "on_current_per_width": "A/m", "on_resistance_width": "Ohm m", "supply_voltage": "V", "transistors": "1", "read_critical_current": "A", "read_disturb_probability": "1", "read_energy": "J", "read_signal_voltage": "V", "read_time": "s", "max_voltage": "V", "read_voltage": "V", "resistance_area": "Ohm m^2", "tmr": "1", "settle_time": "s", "temperature": "K", "current_per_density": "m^2", "resistance": "Ohm", "sheet_resistance": "Ohm", "ok": "1", "thermal_stability": "1", "supply_energy": "J", "dissipated_energy": "J", "channel": "J", "transistor": "J",
                        "peripheral": "J", "supply": "J", "write_current": "A", "current_density": "A/m^2", "pulse_width": "s",
                        "effective_duration": "s", "write_latency": "s", "path_resistance": "Ohm",
                        "transistor_on_resistance": "Ohm", "transistor_width": "m",
                        "channel_energy": "J", "transistor_energy": "J", "peripheral_energy": "J",
                        "energy_per_bit": "J", "read_current": "A", "cell_area": "m^2",
                        "retention_time": "s"}
        return out


def cell_energy(device, current_density, pulse_width, *, temperature=None, cell: CellSpec | None = None,
                readout: ReadoutSpec | None = None, path: dict | None = None) -> dict:
    """Write energy of one pulse (J) and its parts (module docstring): the one computation of
    the cell energy (:func:`cell_report` reports it). Broadcast over ``current_density`` (A/m^2)
    and ``pulse_width`` (s); the channel term is one array formula, the access transistor is
    sized per point. Returns a dict of arrays:

    ``current`` (A), ``t_eff`` (s), ``resistance`` (Ohm, the write path), ``channel``
    I^2 R_path t_eff, ``peripheral`` E_peripheral, ``drivable`` (a transistor can drive the
    current within V_dd), ``transistor_width`` (m) and ``transistor_on_resistance`` (Ohm) (NaN
    where not drivable), ``driven_transistor_energy`` I^2 R_on t_eff and ``driven_energy``
    channel + transistor + peripheral (the write as the sized transistor drives it, NaN where not
    drivable), ``ok`` (drivable and, for an MTJ path, within the barrier's voltage limit),
    ``reason`` (None where ok), ``supply`` V_dd I t_q + E_peripheral (t_q = integral of I/I0 dt,
    :meth:`spinloss.device.Pulse.charge_duration`: the energy drawn from the supply), and
    ``transistor`` and ``energy`` (= the supply energy, the cost of the write): the values where
    ok, NaN elsewhere."""
    cell = cell or parse_cell(device)
    path = path or write_path(device, temperature, readout)
    j = np.abs(np.asarray(current_density, dtype=float))
    w = np.asarray(pulse_width, dtype=float)
    j, w = np.broadcast_arrays(j, w)
    p = device.pulse
    t_eff = p.effective_duration(w)
    current = j * path["current_per_density"]
    r = path["resistance"]
    e_ch = joule_energy(current, r, t_eff)   # = Device.write_energy at these pulses
    e_tr = np.full(current.shape, np.nan)
    width = np.full(current.shape, np.nan)
    r_on = np.full(current.shape, np.nan)
    drivable = np.zeros(current.shape, dtype=bool)
    ok = np.zeros(current.shape, dtype=bool)
    reason = np.full(current.shape, None, dtype=object)
    v_max = None
    if path["kind"] == "mtj":
        ro = readout or parse_readout(device)
        v_max = ro.max_voltage
    for idx in np.ndindex(current.shape):
        tr = transistor(current[idx], r, cell)
        if not tr["ok"]:
            reason[idx] = tr["reason"]
            continue
        drivable[idx] = True
        width[idx], r_on[idx] = tr["width"], tr["on_resistance"]
        e_tr[idx] = joule_energy(current[idx], tr["on_resistance"], t_eff[idx])
        v = current[idx] * path["resistance_antiparallel"] if v_max is not None else None
        if v is not None and v > v_max:
            reason[idx] = (f"MTJ write voltage {v:.3g} V (AP state) exceeds the barrier limit "
                           f"{v_max:.3g} V")  # MTJ barrier limit (module docstring)
        else:
            ok[idx] = True
    driven = e_ch + e_tr + cell.peripheral_energy
    # the supply delivers V_dd for the whole pulse: V_dd integral of I dt, whatever the path and the
    # transistor drop (the excess is dissipated in the driver)
    supply = cell.supply_voltage * current * p.charge_duration(w) + cell.peripheral_energy
    return {"current": current, "energy": np.where(ok, supply, np.nan), "supply": supply, "channel": e_ch,
            "transistor": np.where(ok, e_tr, np.nan), "peripheral": cell.peripheral_energy, "ok": ok,
            "t_eff": t_eff, "resistance": r, "drivable": drivable, "transistor_width": width,
            "transistor_on_resistance": r_on, "driven_transistor_energy": e_tr, "driven_energy": driven,
            "reason": reason}


def cell_report(device, current_density=None, pulse_width=None, *, temperature=None,
                settle_time: float = 0.0) -> CellReport:
    """All figures of the cell for one write pulse (defaults: the file's pulse and temperature).

    ``settle_time`` (s) is added to the pulse for the write latency (the state is decided after
    the magnet relaxes; the WER definition uses the same settle time)."""
    from ..experiments.retention import retention

    T = device.temperature if temperature is None else float(temperature)
    cell = parse_cell(device)
    readout = parse_readout(device)
    path = write_path(device, T, readout)
    j = device.pulse.current_density if current_density is None else float(current_density)
    w = device.pulse.width if pulse_width is None else float(pulse_width)
    p = device.pulse
    e = cell_energy(device, j, w, temperature=T, cell=cell, readout=readout, path=path)
    current, t_eff = float(e["current"]), float(e["t_eff"])
    drivable = bool(e["drivable"])
    ret = retention(device, temperature=T)
    delta = float(ret.thermal_stability)
    rd = read_disturb(device, readout, path, delta, T)
    width = float(e["transistor_width"]) if drivable else None
    return CellReport(
        write_current=current, current_density=abs(j), pulse_width=w, effective_duration=t_eff,
        write_latency=p.duration(w) + settle_time, path_resistance=path["resistance"],
        transistor_on_resistance=float(e["transistor_on_resistance"]) if drivable else None,
        transistor_width=width, channel_energy=float(e["channel"]),
        transistor_energy=float(e["driven_transistor_energy"]), peripheral_energy=cell.peripheral_energy,
        energy_per_bit=float(e["supply"]) if drivable else float("nan"), read_current=rd["read_current"],
        read_disturb_probability=rd["read_disturb_probability"], thermal_stability=delta,
        retention_time=ret.mean_dwell_time, cell_area=cell_area(device, cell, width),
        ok=bool(e["ok"]), reason=e["reason"][()],
        details={"write_path": {k: v for k, v in path.items()}, "readout": asdict(readout),
                 "cell": {k: v for k, v in asdict(cell).items() if k != "sources"},
                 "sources": {**cell.sources, **{k: READOUT_SOURCES[k] for k in READOUT_SOURCES}},
                 "read": rd, "temperature": T, "settle_time": settle_time},
        supply_energy=float(e["supply"]) if drivable else float("nan"),
        dissipated_energy=float(e["driven_energy"]))


def mtj_read_numbers(device) -> dict | None:
    """The MTJ readout of a device file (``[readout]``, defaults above) as the numbers a p-bit's
    read energy needs (``read_voltage`` V, ``resistance_area`` Ohm m^2, ``tmr`` 1), None for a
    readout without an MTJ (``spinloss pbit calibrate`` and the demo's p-bits share it)."""
    ro = parse_readout(device)
    if ro.kind != "mtj":
        return None
    return {"read_voltage": ro.read_voltage, "resistance_area": ro.resistance_area, "tmr": ro.tmr}
