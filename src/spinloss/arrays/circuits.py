"""Gate-level pieces of the array model: Horowitz delay, gate footprints, logic gates and driver
chains sized by logical effort (docs/memory.md section 3).

Conventions: widths (m), capacitances (F), resistances (Ohm), times (s), energies (J), powers (W),
areas (m^2). A *ramp* is the slope of a signal, 1/s (the reciprocal of its transition time), as in
Horowitz's formula; ``math.inf`` is an ideal step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .technology import LAYOUT, Technology

#: Switching threshold of the Horowitz model (fraction of V_dd).
SWITCHING_THRESHOLD = 0.5
#: Stage effort of a latency-optimal chain (logical effort: f = 4, Sutherland, Sproull & Harris 1999).
STAGE_EFFORT = 4.0
#: Height (in F) of the row of a peripheral gate: transistors wider than the room fold into fingers.
GATE_HEIGHT_F = 40.0
#: Average leakage of a NAND/NOR over its input states, as a fraction of the parallel devices' full
#: leakage (stack effect; CACTI 5.1 tables: NAND2 0.48, NAND3 0.31, NOR2 0.95, NOR3 0.62).
AVERAGE_LEAKAGE = {("nand", 2): 0.48, ("nand", 3): 0.31, ("nor", 2): 0.95, ("nor", 3): 0.62}
#: Longest inverter chain.
MAX_STAGES = 20


def horowitz(tau: float, beta: float, ramp_in: float) -> tuple[float, float]:
    """Delay (s) and output ramp (1/s) of a stage with time constant ``tau`` (s) driven by an input of
    slope ``ramp_in`` (1/s): t = tau sqrt(ln(v_s)^2 + 2 alpha beta (1 - v_s)), alpha = 1/(ramp_in tau),
    beta = 1/(R g_m) (M. Horowitz, "Timing models for MOS circuits", Stanford PhD thesis, 1983; the
    form used by CACTI). An ideal step gives tau ln 2."""
    if tau <= 0:
        return 0.0, math.inf
    vs = SWITCHING_THRESHOLD
    alpha = 0.0 if math.isinf(ramp_in) else 1.0 / (ramp_in * tau)
    t = tau * math.sqrt(math.log(vs) ** 2 + 2 * alpha * beta * (1 - vs))
    return t, (1 - vs) / t


def fingers(width: float, room: float) -> int:
    """Number of fingers a transistor ``width`` wide needs to fit a diffusion ``room`` (m) high."""
    if width <= room:
        return 1
    return int(math.ceil(width / room))


@dataclass(frozen=True)
class Footprint:
    """Layout box of a gate: ``height`` across the rails and ``width`` along them (m)."""

    height: float
    width: float

    @property
    def area(self) -> float:
        return self.height * self.width


def footprint(tech: Technology, kind: str, n_inputs: int, w_n: float, w_p: float,
              room: float | None = None) -> Footprint:
    """Footprint of an inverter, NAND or NOR gate (or a lone transistor: w_n or w_p zero) in a row
    ``room`` high (default :data:`GATE_HEIGHT_F` F), from the layout rules of
    :data:`~spinloss.arrays.technology.LAYOUT`: contacted diffusions 2.5 F, gates 1 F, uncontacted
    gaps 1.5 F in a series stack; P and N diffusions apart by 2 F, two 2 F rails."""
    F = tech.feature_size
    L = LAYOUT
    room = GATE_HEIGHT_F * F if room is None else room
    contacted = (L["contact"] + 2 * L["contact_poly"]) * F
    both = w_n > 0 and w_p > 0
    avail = room - (L["n_to_p"] + 2 * L["rail"]) * F if both else room
    share_p = w_p / (w_n + w_p) if both else 1.0
    heights, widths = [], []
    for w, series, share in ((w_n, kind == "nand", 1 - share_p if both else 1.0),
                             (w_p, kind == "nor", share_p)):
        if w <= 0:
            continue
        region = max(avail * share, 3 * F)
        k = fingers(w, region)
        h = min(w, region) if k > 1 else w
        n = n_inputs if kind in ("nand", "nor") else 1
        if series:      # transistors in series share uncontacted diffusions
            wd = 2 * contacted + n * k * F + (n * k - 1) * L["poly_poly"] * F
        else:           # in parallel (or a lone device): a contact between every pair of gates
            wd = (n * k + 1) * contacted + n * k * F
        heights.append(h)
        widths.append(wd)
    height = sum(heights) + ((L["n_to_p"] + 2 * L["rail"]) * F if both else 0.0)
    return Footprint(height=height, width=max(widths) if widths else 0.0)


@dataclass(frozen=True)
class Gate:
    """A static CMOS gate (``kind`` inv, nand or nor, ``n_inputs``) with NMOS/PMOS widths (m)."""

    kind: str
    n_inputs: int
    w_n: float
    w_p: float

    def input_cap(self, tech: Technology) -> float:
        """Capacitance (F) of one input: the gates of one NMOS and one PMOS."""
        return tech.gate_cap(self.w_n) + tech.gate_cap(self.w_p)

    def output_cap(self, tech: Technology) -> float:
        """Drain capacitance (F) on the output: a series stack contributes one drain, parallel devices
        one each."""
        room = GATE_HEIGHT_F * tech.feature_size / 2
        kn, kp = fingers(self.w_n, room), fingers(self.w_p, room)
        n_par_n = self.n_inputs if self.kind == "nor" else 1
        n_par_p = self.n_inputs if self.kind == "nand" else 1
        c = 0.0
        if self.w_n > 0:
            c += n_par_n * tech.drain_cap(self.w_n, kn)
        if self.w_p > 0:
            c += n_par_p * tech.drain_cap(self.w_p, kp)
        return c

    def pull_down(self, tech: Technology) -> float:
        """Worst-case pull-down resistance (Ohm): the series stack of a NAND."""
        n = self.n_inputs if self.kind == "nand" else 1
        return n * tech.on_resistance(self.w_n, "n")

    def pull_up(self, tech: Technology) -> float:
        n = self.n_inputs if self.kind == "nor" else 1
        return n * tech.on_resistance(self.w_p, "p")

    def leakage(self, tech: Technology) -> float:
        """Average static power (W) over the input states: an inverter leaks through its off device
        (the wider of the two, conservatively); NAND/NOR through their parallel devices times the
        stack-effect factor of :data:`AVERAGE_LEAKAGE`."""
        if self.kind == "inv":
            return max(tech.off_current(self.w_n, "n"), tech.off_current(self.w_p, "p")) * tech.vdd
        if self.kind == "nand":
            full = self.n_inputs * tech.off_current(self.w_p, "p")
        else:
            full = self.n_inputs * tech.off_current(self.w_n, "n")
        return AVERAGE_LEAKAGE[(self.kind, min(3, self.n_inputs))] * full * tech.vdd

    def footprint(self, tech: Technology, room: float | None = None) -> Footprint:
        return footprint(tech, self.kind, self.n_inputs, self.w_n, self.w_p, room)

    def logical_effort(self, tech: Technology) -> float:
        """Logical effort g (Sutherland et al.): (n + gamma)/(1 + gamma) for a NAND, (1 + n gamma)/(1 +
        gamma) for a NOR, with gamma the P/N width ratio."""
        g = tech.pn_ratio
        if self.kind == "nand":
            return (self.n_inputs + g) / (1 + g)
        if self.kind == "nor":
            return (1 + self.n_inputs * g) / (1 + g)
        return 1.0


def inverter(tech: Technology, w_n: float) -> Gate:
    return Gate("inv", 1, w_n, w_n * tech.pn_ratio)


def nand(tech: Technology, n_inputs: int) -> Gate:
    """A minimum NAND: the NMOS stack widened n times to match an inverter's pull-down."""
    return Gate("nand", n_inputs, n_inputs * tech.min_width, tech.pn_ratio * tech.min_width)


@dataclass(frozen=True)
class DriverChain:
    """An inverter chain (possibly empty) that drives ``load_cap`` (F) through ``load_res`` (Ohm),
    behind a first gate. ``widths`` are the NMOS widths of the inverters (m)."""

    widths: tuple
    load_cap: float
    load_res: float

    def input_cap(self, tech: Technology) -> float:
        if not self.widths:
            return self.load_cap
        return inverter(tech, self.widths[0]).input_cap(tech)

    def evaluate(self, tech: Technology, ramp_in: float) -> dict:
        """``delay`` (s), ``ramp`` (1/s) at the load, ``energy`` (J) of one transition of every node,
        ``leakage`` (W), ``area`` (m^2), ``height``/``width`` (m) of the chain laid out in a row."""
        delay, ramp, energy, leak = 0.0, ramp_in, 0.0, 0.0
        gates = [inverter(tech, w) for w in self.widths]
        for i, g in enumerate(gates):
            last = i == len(gates) - 1
            c_next = self.load_cap if last else gates[i + 1].input_cap(tech)
            c = g.output_cap(tech) + c_next
            r = g.pull_down(tech)
            tau = r * c + (self.load_res * self.load_cap / 2 if last else 0.0)
            beta = 1.0 / (r * tech.transconductance(g.w_n, "n"))
            t, ramp = horowitz(tau, beta, ramp)
            delay += t
            energy += c * tech.vdd ** 2
            leak += g.leakage(tech)
        fps = [g.footprint(tech) for g in gates]
        return {"delay": delay, "ramp": ramp, "energy": energy, "leakage": leak,
                "area": sum(f.area for f in fps), "height": max((f.height for f in fps), default=0.0),
                "width": sum(f.width for f in fps)}


def size_chain(tech: Technology, first: Gate | None, load_cap: float, load_res: float = 0.0, *,
               mode: str = "latency", min_final_width: float = 0.0, invert: bool = True) -> DriverChain:
    """Inverter chain behind ``first`` (a logic gate, or None for a chain driven by a minimum inverter)
    to drive ``load_cap``.

    ``mode="latency"``: logical-effort sizing (Sutherland, Sproull & Harris, *Logical Effort*, 1999):
    path effort H = g C_load / C_in, N = round(log4 H) stages including the first gate, equal stage
    effort H^(1/N). ``mode="balanced"``: the last inverter is only as wide as the current it must carry
    (``min_final_width``, at least the minimum width) and the chain is sized by logical effort up to
    it; the load is then driven by that small stage (the area-lean choice the NVMExplorer reference
    uses, NVSim's "balanced" buffer design). ``invert``: the chain must invert the signal (a NAND
    decoder's active-low output becomes an active-high word line)."""
    if first is None:
        first = inverter(tech, tech.min_width)
    c_in = first.input_cap(tech)
    g = first.logical_effort(tech)
    per_width = tech.c_gate * (1 + tech.pn_ratio)      # input cap per NMOS width of an inverter
    w_min = tech.min_width
    w_max = LAYOUT["max_width"] * tech.feature_size
    w_need = min(max(w_min, min_final_width), w_max)
    stages = lambda H: max(1, int(round(math.log(H) / math.log(STAGE_EFFORT))))  # noqa: E731
    if mode == "balanced":
        # path from the first gate's input to the last inverter's input: n_inv stages
        H = max(1.0, g * per_width * w_need / c_in)
        n_inv = stages(H)
    elif mode == "latency":
        # path from the first gate's input to the load: the first gate plus n_inv inverters
        H = max(1.0, g * load_cap / c_in)
        n_inv = stages(H) - 1
    else:
        raise ValueError(f"unknown buffer design {mode!r}")
    if (n_inv % 2 == 1) != invert:
        n_inv += 1
    n_inv = min(n_inv, MAX_STAGES)
    if n_inv == 0:
        return DriverChain(widths=(), load_cap=load_cap, load_res=load_res)
    if mode == "balanced":
        f = H ** (1.0 / n_inv)
        widths = [w_need]
    else:
        f = H ** (1.0 / (n_inv + 1))
        widths = [min(max(w_need, load_cap / f / per_width), w_max)]
    for _ in range(n_inv - 1):
        widths.insert(0, max(w_min, widths[0] / f))
    return DriverChain(widths=tuple(widths), load_cap=load_cap, load_res=load_res)


def gate_stage(tech: Technology, gate: Gate, load_cap: float, ramp_in: float) -> tuple[float, float, float]:
    """Delay (s), output ramp (1/s) and switching energy (J) of ``gate`` driving ``load_cap`` (F)."""
    c = gate.output_cap(tech) + load_cap
    r = gate.pull_down(tech)
    beta = 1.0 / (r * tech.transconductance(gate.w_n, "n"))
    t, ramp = horowitz(r * c, beta, ramp_in)
    return t, ramp, c * tech.vdd ** 2
