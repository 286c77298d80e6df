"""Transistors and wires of a process node for the array model (docs/memory.md section 2).

Every number below is a published roadmap or layout value; the table entries say where each comes
from. The transistor rows are the ITRS low-operating-power (LOP) devices as computed by the MASTAR 5
model that accompanies the ITRS Process Integration, Devices and Structures tables (files
``lop-bulk-2010/2012/2016``), in the form tabulated with the NVSim array model (X. Dong, C. Xu, Y. Xie,
N. P. Jouppi, IEEE TCAD 31, 994 (2012)); the effective-resistance factor and the P/N width ratio
are CACTI's (S. Thoziyoor et al., CACTI 5.1, HP Labs HPL-2008-20). Using the same roadmap devices
as the reference of the validation (NVMExplorer runs NVSim) means the validation tests the array
model and not a difference of transistors. Wires are the ITRS interconnect values (aggressive
local and global layers, copper, low-k) as used by CACTI and NVSim.

Units: SI throughout (m, V, A/m of gate width, F/m of width, F/m^2, Ohm/m, F/m of wire length).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError

#: Temperatures (K) of the current tables: 300 K to 400 K in 10 K steps.
TABLE_TEMPERATURES = tuple(300.0 + 10.0 * i for i in range(11))

#: Copper resistivity temperature coefficient (1/K) about 293 K [M: CRC handbook, 3.9e-3 /K].
COPPER_TEMPERATURE_COEFFICIENT = 3.9e-3
#: Fringing capacitance of a wire (F/m), the fixed value of the CACTI wire model.
WIRE_FRINGE_CAPACITANCE = 1.15e-10
#: Miller factor of a switching neighbour (worst case of two opposite neighbours, CACTI: 1.5).
WIRE_MILLER_FACTOR = 1.5
#: Relative permittivity of the dielectric below a wire (SiO2 etch stop, CACTI: 3.9).
WIRE_VERTICAL_PERMITTIVITY = 3.9
#: Junction parameters (BSIM4 defaults as used by CACTI): bottom 1e-3 F/m^2, isolation-edge
#: sidewall 2.5e-10 F/m, gate-edge sidewall 0.5e-10 F/m, grading 0.5 / 0.33 / 0.33, built-in 0.9 V.
JUNCTION = {"bottom": 1e-3, "sidewall": 2.5e-10, "gate_edge": 0.5e-10, "grading_bottom": 0.5,
            "grading_sidewall": 0.33, "built_in_potential": 0.9}
#: Saturation velocity of carriers in silicon (m/s), for V_dsat = L v_sat / mu.
SATURATION_VELOCITY = 1e5

_ITRS = ("ITRS PIDS low-operating-power device, MASTAR 5 ({file}), as tabulated for NVSim "
         "(Dong et al., IEEE TCAD 31, 994 (2012))")
_CACTI = "CACTI 5.1 (Thoziyoor et al., HP Labs HPL-2008-20): effective-resistance factor and P/N width ratio"

#: Transistor rows (LOP roadmap). Currents in A/m (= uA/um) at 300, 310, ..., 400 K.
#: ``on_current_p`` None: half the NMOS value (CACTI's rule where MASTAR's PMOS is not usable).
TRANSISTORS = {
    "22nm": {
        "file": "lop-bulk-2016", "feature_size": 22e-9, "supply_voltage": 0.5, "threshold_voltage": 0.21739,
        "gate_length": 11e-9, "gate_capacitance_ideal": 3.45e-10, "fringe_capacitance": 1.7e-10,
        "oxide_capacitance": 3.14e-2, "electron_mobility": 747.37e-4, "hole_mobility": 118.35e-4,
        "pn_ratio": 2.28, "resistance_factor": 1.73,
        "on_current_n": (716.1, 704.3, 692.6, 681.2, 669.9, 658.8, 647.9, 637.1, 626.5, 616.0, 605.7),
        "on_current_p": None,
        # MASTAR's 2016 LOP leakage is not usable as printed; NVSim scales the 2012 row by 1/1.7
        "off_current_n": tuple(v / 1.7 for v in (3.57e-2, 4.21e-2, 4.91e-2, 5.68e-2, 6.51e-2, 7.42e-2, 8.43e-2,
                                                 9.57e-2, 1.10e-1, 1.28e-1, 1.48e-1)),
    },
    "32nm": {
        "file": "lop-bulk-2012", "feature_size": 32e-9, "supply_voltage": 0.7, "threshold_voltage": 0.27852,
        "gate_length": 18e-9, "gate_capacitance_ideal": 5.54e-10, "fringe_capacitance": 2.0e-10,
        "oxide_capacitance": 3.08e-2, "electron_mobility": 581.62e-4, "hole_mobility": 120.30e-4,
        "pn_ratio": 2.28, "resistance_factor": 1.73,
        "on_current_n": (760.3, 750.4, 740.5, 730.7, 720.8, 710.9, 700.3, 687.6, 670.5, 647.4, 623.6),
        "on_current_p": (878.6, 865.1, 851.8, 838.7, 825.7, 813.0, 800.3, 787.9, 775.5, 763.0, 750.3),
        "off_current_n": (3.57e-2, 4.21e-2, 4.91e-2, 5.68e-2, 6.51e-2, 7.42e-2, 8.43e-2, 9.57e-2, 1.10e-1,
                          1.28e-1, 1.48e-1),
    },
    "45nm": {
        "file": "lop-bulk-2010", "feature_size": 45e-9, "supply_voltage": 0.7, "threshold_voltage": 0.28894,
        "gate_length": 22e-9, "gate_capacitance_ideal": 6.13e-10, "fringe_capacitance": 2.0e-10,
        "oxide_capacitance": 2.79e-2, "electron_mobility": 606.95e-4, "hole_mobility": 124.60e-4,
        "pn_ratio": 2.28, "resistance_factor": 1.76,
        "on_current_n": (682.1, 672.3, 662.5, 652.8, 643.0, 632.8, 620.9, 605.0, 583.6, 561.0, 542.7),
        "on_current_p": (772.4, 759.6, 746.9, 734.4, 722.1, 710.0, 698.1, 686.3, 674.4, 662.3, 650.2),
        "off_current_n": (4.03e-3, 5.02e-3, 6.18e-3, 7.51e-3, 9.04e-3, 1.08e-2, 1.27e-2, 1.47e-2, 1.66e-2,
                          1.84e-2, 2.03e-2),
    },
}

#: Wire layers per node: pitch (m), aspect ratio (thickness/width), dielectric below (m),
#: in-plane relative permittivity, copper resistivity at 293 K with size effects (Ohm m).
#: [ITRS interconnect tables as used by CACTI/NVSim; the 22 nm global resistivity is ITRS's
#: effective value for wide wires, 3.0e-8 Ohm m.]
WIRES = {
    "22nm": {"local": {"pitch": 44e-9, "aspect_ratio": 1.9, "dielectric_thickness": 1.9 * 22e-9,
                       "permittivity": 2.55, "resistivity": 6.0e-8},
             "global": {"pitch": 176e-9, "aspect_ratio": 2.34, "dielectric_thickness": 0.42e-6 * 22 / 32,
                        "permittivity": 2.55, "resistivity": 3.0e-8}},
    "32nm": {"local": {"pitch": 64e-9, "aspect_ratio": 1.8, "dielectric_thickness": 1.8 * 32e-9,
                       "permittivity": 2.82, "resistivity": 5.0e-8},
             "global": {"pitch": 256e-9, "aspect_ratio": 2.34, "dielectric_thickness": 0.42e-6,
                        "permittivity": 2.82, "resistivity": 2.5e-8}},
    "45nm": {"local": {"pitch": 102e-9, "aspect_ratio": 1.8, "dielectric_thickness": 0.0918e-6,
                       "permittivity": 2.6, "resistivity": 4.08e-8},
             "global": {"pitch": 360e-9, "aspect_ratio": 2.34, "dielectric_thickness": 0.63e-6,
                        "permittivity": 2.6, "resistivity": 2.06e-8}},
}

NODES = tuple(TRANSISTORS)
DEFAULT_NODE = "22nm"
DEFAULT_TEMPERATURE = 350.0

#: Layout rules in units of the feature size F (lambda-style rules of CACTI/NVSim's gate-area
#: model): contact 1 F, contact-to-poly 0.75 F, poly-to-poly 1.5 F, N-to-P diffusion 2 F, power
#: rail 2 F; minimum transistor 1.5 F wide; largest transistor 100 F.
LAYOUT = {"contact": 1.0, "contact_poly": 0.75, "poly_poly": 1.5, "n_to_p": 2.0, "rail": 2.0,
          "min_width": 1.5, "max_width": 100.0}


@dataclass(frozen=True)
class Wire:
    """One wire layer: ``resistance`` (Ohm/m) and ``capacitance`` (F/m) per length, ``pitch`` (m)."""

    kind: str
    pitch: float
    resistance: float
    capacitance: float

    def delay(self, length: float) -> float:
        """50 % delay (s) of an unrepeated wire of ``length`` (m) driven by an ideal step: 0.377 r c L^2
        (distributed RC line; T. Sakurai, IEEE JSSC 18, 418 (1983))."""
        return 0.377 * self.resistance * self.capacitance * length * length


def wire_layer(kind: str, geometry: dict, temperature: float) -> Wire:
    """Resistance and capacitance per length of a wire layer (CACTI's wire model): width = spacing =
    pitch/2, thickness = aspect ratio x width; R = rho(T)/(t w); C = eps0 [2 k_v w/h + 2 M k t/s] + C_fringe,
    with k_v the permittivity below (3.9), M the Miller factor (1.5), k the in-plane permittivity."""
    eps0 = 8.854187817e-12
    width = geometry["pitch"] / 2
    spacing = geometry["pitch"] - width
    thickness = geometry["aspect_ratio"] * width
    rho = geometry["resistivity"] * (1 + COPPER_TEMPERATURE_COEFFICIENT * (temperature - 293.0))
    r = rho / (thickness * width)
    c = (2 * eps0 * WIRE_VERTICAL_PERMITTIVITY * width / geometry["dielectric_thickness"]
         + 2 * eps0 * WIRE_MILLER_FACTOR * geometry["permittivity"] * thickness / spacing
         + WIRE_FRINGE_CAPACITANCE)
    return Wire(kind=kind, pitch=geometry["pitch"], resistance=r, capacitance=c)


@dataclass(frozen=True)
class Technology:
    """A node's transistors and wires at one temperature (SI). Construct with :func:`technology`.

    Per unit gate width: ``i_on_n``, ``i_on_p`` (A/m), ``i_off_n``, ``i_off_p`` (A/m); gate capacitance
    ``c_gate`` (F/m, ideal + overlap + fringe); junction ``c_junction`` (F/m^2), ``c_sidewall`` and
    ``c_gate_edge`` (F/m) at a reverse bias of V_dd."""

    node: str
    temperature: float
    feature_size: float
    vdd: float
    vth: float
    gate_length: float
    c_gate: float
    c_junction: float
    c_sidewall: float
    c_gate_edge: float
    oxide_capacitance: float
    electron_mobility: float
    hole_mobility: float
    pn_ratio: float
    resistance_factor: float
    i_on_n: float
    i_on_p: float
    i_off_n: float
    i_off_p: float
    local: Wire
    global_: Wire
    sources: dict = field(default_factory=dict, compare=False, hash=False)

    # --------------------------------------------------------------- transistor primitives
    @property
    def F(self) -> float:  # noqa: N802 - the feature size is called F in every layout rule
        return self.feature_size

    @property
    def min_width(self) -> float:
        """Smallest transistor width (m)."""
        return LAYOUT["min_width"] * self.feature_size

    def gate_cap(self, width: float) -> float:
        """Gate capacitance (F) of a transistor ``width`` (m) wide."""
        return self.c_gate * width

    def on_resistance(self, width: float, kind: str = "n") -> float:
        """Effective switching resistance (Ohm): R = k_R V_dd / (I_on W) (CACTI)."""
        i_on = self.i_on_n if kind == "n" else self.i_on_p
        return self.resistance_factor * self.vdd / (i_on * width)

    def transconductance(self, width: float, kind: str = "n") -> float:
        """Saturation transconductance (S): g_m = mu C_ox W / (2 L) min(V_dsat, V_dd - V_th)."""
        mu = self.electron_mobility if kind == "n" else self.hole_mobility
        vdsat = self.gate_length * SATURATION_VELOCITY / mu
        return mu * self.oxide_capacitance / 2 * width / self.gate_length * min(vdsat, self.vdd - self.vth)

    def off_current(self, width: float, kind: str = "n") -> float:
        """Subthreshold leakage (A) of an off transistor ``width`` wide at V_ds = V_dd."""
        return (self.i_off_n if kind == "n" else self.i_off_p) * width

    def drain_cap(self, width: float, fingers: int = 1) -> float:
        """Drain capacitance (F) of a transistor ``width`` (m) wide folded into ``fingers`` gates.

        The fingers alternate source/drain diffusions (S G D G S ...), so there are (k + 1)//2 drains,
        each a contacted diffusion (contact + 2 contact-to-poly = 2.5 F long) with a bottom junction and
        two isolation-edge ends; interior drains have two gate edges, the last drain of an odd count one
        gate edge and one isolation edge along the width (the unfolded transistor: l W c_j +
        (2 l + W) c_sw + W c_ge, as in CACTI)."""
        F = self.feature_size
        k = max(1, int(fingers))
        length = (LAYOUT["contact"] + 2 * LAYOUT["contact_poly"]) * F
        w = width / k
        n_drain = (k + 1) // 2
        cap = n_drain * (length * w * self.c_junction + 2 * length * self.c_sidewall)
        if k % 2 == 0:
            cap += n_drain * 2 * w * self.c_gate_edge
        else:
            cap += (2 * n_drain - 1) * w * self.c_gate_edge + w * self.c_sidewall
        return cap


def technology(node: str = DEFAULT_NODE, temperature: float = DEFAULT_TEMPERATURE, *,
               source: str = "<api>", key: str = "node") -> Technology:
    """The :class:`Technology` of ``node`` (one of :data:`NODES`) at ``temperature`` (K, 300-400)."""
    if node not in TRANSISTORS:
        raise ConfigError(source, key, f"unknown technology node {node!r} (known: {', '.join(NODES)})")
    if not (isinstance(temperature, (int, float)) and 300.0 <= float(temperature) <= 400.0):
        raise ConfigError(source, "temperature", "the node tables cover 300-400 K")
    T = float(temperature)
    row = TRANSISTORS[node]
    vdd = row["supply_voltage"]
    j = JUNCTION
    bias = 1 + vdd / j["built_in_potential"]
    c_overlap = 0.2 * row["gate_capacitance_ideal"]          # CACTI: overlap = 20 % of the ideal gate

    def at(values):
        return float(np.interp(T, TABLE_TEMPERATURES, values))

    i_on_n = at(row["on_current_n"])
    i_on_p = at(row["on_current_p"]) if row["on_current_p"] else 0.5 * i_on_n
    i_off = at(row["off_current_n"])
    wires = WIRES[node]
    src = {
        "transistors": _ITRS.format(file=row["file"]),
        "resistance_factor": _CACTI, "pn_ratio": _CACTI,
        "on_current_p": "MASTAR PMOS row" if row["on_current_p"] else "half the NMOS current (CACTI rule)",
        "off_current_p": "equal to NMOS (NVSim/CACTI: MASTAR's PMOS leakage unusable)",
        "junction": "BSIM4 defaults (CACTI): 1e-3 F/m^2, 2.5e-10 F/m, 0.5e-10 F/m at zero bias",
        "wires": "ITRS interconnect (aggressive local and global layers) as used by CACTI 5.1 and NVSim",
    }
    return Technology(
        node=node, temperature=T, feature_size=row["feature_size"], vdd=vdd, vth=row["threshold_voltage"],
        gate_length=row["gate_length"],
        c_gate=row["gate_capacitance_ideal"] + c_overlap + 3 * row["fringe_capacitance"],
        c_junction=j["bottom"] / bias ** j["grading_bottom"],
        c_sidewall=j["sidewall"] / bias ** j["grading_sidewall"],
        c_gate_edge=j["gate_edge"] / bias ** j["grading_sidewall"],
        oxide_capacitance=row["oxide_capacitance"], electron_mobility=row["electron_mobility"],
        hole_mobility=row["hole_mobility"], pn_ratio=row["pn_ratio"], resistance_factor=row["resistance_factor"],
        i_on_n=i_on_n, i_on_p=i_on_p, i_off_n=i_off, i_off_p=i_off,
        local=wire_layer("local", wires["local"], T), global_=wire_layer("global", wires["global"], T),
        sources=src)
