"""The array model: subarrays, mats, a bank with H-tree or bus routing, and the search over
organisations (docs/memory.md section 3). NVSim-like in structure (X. Dong, C. Xu, Y. Xie,
N. P. Jouppi, IEEE TCAD 31, 994 (2012)); the circuits and the accounting are this module's own,
each term stated where it is computed.

Hierarchy. A *subarray* is ``rows`` x ``columns`` cells with its row decoder and word-line drivers,
bit-line multiplexers (``mux`` columns per sense amplifier), sense amplifiers, an output multiplexer
(``output_mux``), precharge (voltage sensing) and, with ``column_buffer``, a data latch and XOR per
column (the differential-write buffer of the NVMExplorer reference). A *mat* is 1-2 x 1-2 subarrays
sharing predecoders. A *bank* is a grid of mats; a word of ``word_bits`` is spread over the active
mats and subarrays; address and data reach them over an H-tree (``routing="htree"``, sense
amplifiers in the subarrays) or over a bus with global bit lines and sense amplifiers at the bank's
edge (``routing="bus"``, external sensing).

Conventions. By default the model is this package's own; ``ArrayOptions(conventions="nvsim")`` runs it
under the modelling assumptions of NVSim, the tool behind the NVMExplorer reference, one named switch
each (:class:`Conventions`), so that the validation compares like with like (docs/memory.md section 6).

Every quantity is SI: s, J (per access of one word), W, m, m^2.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import NamedTuple

from ..errors import ConfigError
from ..io import JsonResult
from ..progress import Counter
from .circuits import Gate, footprint, gate_stage, horowitz, inverter, nand, size_chain
from .memcell import MemoryCell
from .technology import LAYOUT, Technology

# ----------------------------------------------------------------------------- circuit constants

#: Voltage sense amplifier (latch) transistor widths in F: the latch pair N 3.75 F / P 7.5 F sets the
#: regeneration g_m, the enable device 5 F leaks (CACTI 5.1 sense amplifier).
LATCH = {"n": 3.75, "p": 7.5, "enable": 5.0}
#: Sense-amplifier layout of the reference (NVMExplorer's NVSim fork, "new S/A"): one 40 F PMOS load,
#: two 2 F PMOS and two 2 F NMOS latch devices, two 20 F NMOS tails (widths in F); these set its area
#: and its input load.
SENSE_AMP_DEVICES = (("p", 40.0, 1), ("p", 2.0, 2), ("n", 2.0, 2), ("n", 20.0, 2))
#: Current-mode sense amplifier (MRAM reads): delay (s), energy (J) and leakage (W) per amplifier from
#: HSPICE characterisations published with NVSim (32, 45 nm) and its NVMExplorer fork (22 nm).
CURRENT_SENSE_AMP = {"22nm": (1.0e-10, 8e-15, 0.0), "32nm": (1.07e-9, 12.56e-14, 12.54e-8),
                     "45nm": (0.80e-9, 10.26e-14, 4.41e-9)}
#: Per-column data latch and XOR of the differential-write buffer (NVMExplorer's NVSim fork, buffer
#: model by Q. Guo, characterised at 45 nm and scaled): leakage (W) and height (m) per column.
COLUMN_BUFFER = {"22nm": (45.796e-9 + 104.67e-9, 0.743e-6 + 1.059e-6),
                 "32nm": (19.7536e-9 + 45.1492e-9, 1.081e-6 + 1.54e-6),
                 "45nm": (19.7536e-9 + 45.1492e-9, 1.52e-6 + 2.166e-6)}
#: Pass-gate width of a column multiplexer (F): 9 F (six minimum devices, CACTI), wider for an MRAM
#: column so that its resistance stays below :data:`MUX_IR_DROP` of the MTJ's R_P.
MUX_WIDTH_F = 9.0
MUX_IR_DROP = 0.2
#: Bit-line precharge PMOS and equaliser widths (F) of a voltage-sensed column (CACTI).
PRECHARGE_WIDTH_F = 6.0
EQUALIZER_WIDTH_F = 1.5
#: Largest bank aspect ratio accepted by the search (NVSim's layout constraint).
MAX_BANK_ASPECT = 3.0

#: Word-line driver designs: balanced (as small as its current allows: the reference's setting),
#: latency (logical effort), best (both searched, the better kept).
BUFFER_DESIGNS = ("balanced", "latency", "best")

TARGETS = ("read_latency", "write_latency", "read_energy", "write_energy", "read_edp", "write_edp", "area",
           "leakage")


@dataclass(frozen=True)
class Conventions:
    """Modelling conventions of the array model: each switch a named assumption of the reference tool,
    NVSim (X. Dong et al., IEEE TCAD 31, 994 (2012); the NVMExplorer fork github.com/lpentecost/nvsim-merged),
    that spinloss does not make by default. All off (:data:`SPINLOSS`) is this package's own model;
    all on (:data:`NVSIM`) runs the model under NVSim's conventions, so that a comparison with an
    NVSim result compares like with like (docs/memory.md section 6). The switches:

    ``sram_symmetric_timing`` (SubArray.cpp, "assume symmetric read/write for SRAM bitline delay"): an
    SRAM subarray's write takes as long as its read; with the bus the bank's write is its read
    without the edge sense amplifier (BankWithoutHtree.cpp adds the same global bit-line delay to
    both).

    ``sram_column_energy`` (SubArray.cpp): an SRAM read charges every column of each open subarray
    C (V_dd/2)^2 (bit lines precharged to half the supply: "SRAM read voltage is always half of
    vdd"), a write only the written columns, C (V_dd/2)^2 each, and no precharge; no half-selected
    columns, no dependence on how long the row stays open.

    ``bus_charging`` (BankWithoutHtree.cpp): the bank without H-tree charges, for each active row of
    mats i = 0, 1, ..., a wire of the bank's height less i mat heights: for the address bits routed to
    the mats (at V_dd; none along the mat row), and, for SRAM, one global bit line for a read and the
    data bits of one mat for a write, at the global bit lines' precharge voltage (the cell's
    ``read_voltage``, NVMExplorer's SRAM cell file giving 1.1 V; V_dd if the cell has none). The edge
    write drivers are not charged.

    ``bus_wire_delay`` (BankWithoutHtree.cpp, Mux.cpp; SRAM): the global bit line's delay has only
    wire and multiplexer resistances in it, t = [R_l C_g/2 + (R_l + R_g)(C_g/2 + C_mux)] ln(V_pre/(V_pre
    - dV)) + R_l C_g/2 + 2.3 R_mux C_mux with R_l = R_BL + 3 R_mux (the local line and three pass gates),
    the global multiplexer having one input per group of active mats (all mats / active mats); it
    follows the subarray's read instead of overlapping its bit line; the address bus is not timed.

    ``htree_lengths`` (BankWithHtree.cpp): the H-tree's horizontal segments are W/2, W/4, ..., one mat
    width and its vertical ones H/4, ..., half a mat height (W, H the bank's), routed horizontally
    first, then along the direction with more levels left, then alternating; the first horizontal
    segment carries every bit, each later one the address bits still needed and the data bits behind
    it (:func:`htree_levels_nvsim`).

    ``wire_delay`` (Wire.cpp): an unrepeated global wire (H-tree, address bus) takes 2.3 r c L^2 / 2
    instead of the 50 % point of a distributed line, 0.377 r c L^2 (Sakurai 1983).

    ``sram_cell_leakage`` (SubArray.cpp, "two inverters per SRAM cell"): a 6T cell leaks as two
    inverters, each through the wider of its devices, and one pass gate, (2 max(W_n, W_p) + W_access)
    I_off V_dd, instead of one off NMOS, one off PMOS and one pass gate.

    ``search_first_found`` (main.cpp, Result.cpp): the search keeps the first organisation, in NVSim's
    enumeration order (:func:`nvsim_order`), that is strictly better in the target alone, so exact ties
    go to the first found instead of to read latency, read energy and area. (NVSim applies optional
    -Apply...Constraint limits relative to each metric's best before choosing; NVMExplorer's
    configuration sets none, so there are none here either.)

    ``mram_bitline_delay`` (SubArray.cpp, "ICCAD 2009 model"): a current-sensed bit line takes
    Horowitz(tau, 0, word-line ramp) = tau ln 2 with tau = R_BL C_BL/2 (R_AP + R_acc + R_BL/3)/(R_AP + R_acc +
    R_BL), C_BL the line's wire and cell drains, instead of settling to half the P/AP difference
    through the clamp and the multiplexer, (R_mux + R_BL/2)(C_BL + C_node) ln(1/eps).

    ``mux_delay`` (Mux.cpp): a bit-line or output multiplexer takes 2.3 R_pass C (the 90 % point)
    instead of ln 2 R_pass C.

    ``predecoder_load`` (Mat.cpp): a row predecoder drives only the wire from the mat centre to the
    subarrays (its capacitance; no wire resistance, not the inputs of the row decoders' NAND gates),
    a column predecoder only the wire beyond the two subarrays nearest the centre on each side
    (nothing for a mat of 1-2 x 1-2 subarrays).

    ``decoder_ramp`` (Mat.cpp, PredecodeBlock.cpp, RowDecoder.cpp): every decoder stage is driven by
    the output ramp of the stage before it (Horowitz's input-slope term): the combining NAND of a
    two-level decoder by its predecoding gates' ramp, the subarray's row and column decoders by the
    slowest row predecoder output's ramp; without it the first gate of each decoder level sees an
    ideal step.

    ``predecoder_area`` (Mat.cpp, "we don't want to have too much white space here"): the mat's
    predecoders form a square block added to its longer side (sqrt(A) to the width if the mat is
    wider than tall, else to the height) instead of a strip of the same area along the longer side.

    ``mram_precharger`` (SubArray.cpp, Precharger.cpp): every subarray has a bit-line precharger (two
    6 F PMOS and an equaliser per column and their enable driver: height, leakage, read energy), also
    a current-sensed MRAM one, whose lines are not precharged; its drains are not on the bit line.

    ``no_write_drivers`` (SubArray.cpp): a subarray has no write drivers (no area, leakage or input
    energy of them; the written line is charged through the multiplexer alone) instead of an inverter
    per column group whose NMOS carries the write current."""

    sram_symmetric_timing: bool = False
    sram_column_energy: bool = False
    bus_charging: bool = False
    bus_wire_delay: bool = False
    htree_lengths: bool = False
    wire_delay: bool = False
    sram_cell_leakage: bool = False
    search_first_found: bool = False
    mram_bitline_delay: bool = False
    predecoder_load: bool = False
    decoder_ramp: bool = False
    mux_delay: bool = False
    predecoder_area: bool = False
    mram_precharger: bool = False
    no_write_drivers: bool = False

    @property
    def name(self) -> str:
        """``spinloss`` (all off), ``nvsim`` (all on) or ``custom``."""
        for k, v in CONVENTIONS.items():
            if v == self:
                return k
        return "custom"

    def switches(self) -> dict:
        """The switches by name (bool)."""
        return asdict(self)


#: The conventions by name: this package's model (all switches off) and NVSim's (all on).
CONVENTIONS = {"spinloss": Conventions(), "nvsim": Conventions(**{k: True for k in Conventions.__dataclass_fields__})}
SPINLOSS, NVSIM = CONVENTIONS["spinloss"], CONVENTIONS["nvsim"]


def conventions_named(name, source: str = "<api>", key: str = "conventions") -> Conventions:
    """A :class:`Conventions` from its name (spinloss | nvsim) or itself."""
    if isinstance(name, Conventions):
        return name
    if isinstance(name, str) and name.strip().lower() in CONVENTIONS:
        return CONVENTIONS[name.strip().lower()]
    raise ConfigError(source, key, f"must be one of {', '.join(CONVENTIONS)}")


@dataclass(frozen=True)
class ArrayOptions:
    """What the array must be and how it is built.

    ``capacity_bits`` and ``word_bits`` (bits); ``routing`` htree (sense amplifiers in the subarrays)
    or bus (global bit lines to sense amplifiers at the bank edge); ``buffer_design`` balanced (the
    word-line driver only as wide as its current requires, as in the reference), latency (drivers
    sized by logical effort) or best (the search tries both); ``column_buffer``: a latch and XOR per column (the reference's
    differential-write buffer; columns then come in multiples of 64); ``target`` the figure the search
    minimises (:data:`TARGETS`); ``conventions`` the modelling conventions (:class:`Conventions`, or
    its name: spinloss, the default, or nvsim)."""

    capacity_bits: int = 2 * 8 * 2 ** 20
    word_bits: int = 64
    routing: str = "htree"
    buffer_design: str = "balanced"
    column_buffer: bool = True
    target: str = "read_latency"
    conventions: Conventions = SPINLOSS

    def __post_init__(self):
        # a name is resolved here; a bad one is left for validated() to report with its source
        if isinstance(self.conventions, str) and self.conventions.strip().lower() in CONVENTIONS:
            object.__setattr__(self, "conventions", CONVENTIONS[self.conventions.strip().lower()])

    def validated(self, source: str = "<api>") -> "ArrayOptions":
        conventions_named(self.conventions, source)
        for key, v in (("capacity_bits", self.capacity_bits), ("word_bits", self.word_bits)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1 or v & (v - 1):
                raise ConfigError(source, key, "must be a power of two (bits)")
        if self.word_bits > self.capacity_bits:
            raise ConfigError(source, "word_bits", "larger than the capacity")
        if self.routing not in ("htree", "bus"):
            raise ConfigError(source, "routing", "must be htree or bus")
        if self.buffer_design not in BUFFER_DESIGNS:
            raise ConfigError(source, "buffer_design", f"must be one of {', '.join(BUFFER_DESIGNS)}")
        if self.target not in TARGETS:
            raise ConfigError(source, "target", f"must be one of {', '.join(TARGETS)}")
        return self


@dataclass(frozen=True)
class Organisation:
    """One organisation of the bank (counts, powers of two). Mats: ``mat_rows`` x ``mat_cols`` of which
    ``active_mat_rows`` x ``active_mat_cols`` hold the word; subarrays per mat ``sub_rows`` x
    ``sub_cols`` (1 or 2), active ``active_sub_rows`` x ``active_sub_cols``; each subarray ``rows`` x
    ``columns`` with ``mux`` columns per sense amplifier and ``output_mux`` sense amplifiers per output
    bit."""

    mat_rows: int
    mat_cols: int
    active_mat_rows: int
    active_mat_cols: int
    sub_rows: int
    sub_cols: int
    active_sub_rows: int
    active_sub_cols: int
    rows: int
    columns: int
    mux: int
    output_mux: int

    @property
    def active_subarrays(self) -> int:
        return self.active_mat_rows * self.active_mat_cols * self.active_sub_rows * self.active_sub_cols

    @property
    def subarrays(self) -> int:
        return self.mat_rows * self.mat_cols * self.sub_rows * self.sub_cols

    @property
    def bits_per_subarray_access(self) -> int:
        return self.columns // (self.mux * self.output_mux)


def _log2(n: int) -> int:
    return int(round(math.log2(n)))


# ----------------------------------------------------------------------------- decoders

def decoder_block(tech: Technology, n_bits: int, line_cap: float, line_res: float, mode: str,
                  min_final_width: float = 0.0, cache: dict | None = None, ramp_in: float = math.inf,
                  pass_ramp: bool = False) -> dict:
    """A 1-of-2^n decoder whose every output line drives ``line_cap`` (F) through ``line_res``: for n <= 3
    one level of NAND_n (an inverter for n = 1) and a driver chain; for n > 3 two levels, the bits
    split into groups of at most 3 decoded first, their outputs combined by a NAND of the groups.
    The first gate is driven by a signal of slope ``ramp_in`` (1/s; an ideal step by default); with
    ``pass_ramp`` the combining gate of a two-level decoder sees its slowest group's output ramp (the
    ``decoder_ramp`` convention), otherwise an ideal step. Returns ``delay`` (s), ``ramp`` (1/s),
    ``energy`` (J: one output line switches), ``leakage`` (W, all gates), ``area`` (m^2). n = 0:
    nothing (the input ramp passes through)."""
    if n_bits <= 0:
        return {"delay": 0.0, "ramp": ramp_in, "energy": 0.0, "leakage": 0.0, "area": 0.0}
    if cache is not None:
        k = (n_bits, line_cap, line_res, mode, min_final_width, ramp_in, pass_ramp)
        if k not in cache:
            cache[k] = decoder_block(tech, n_bits, line_cap, line_res, mode, min_final_width, ramp_in=ramp_in,
                                     pass_ramp=pass_ramp)
        return cache[k]
    groups = []
    left = n_bits
    while left > 0:
        k = 3 if left % 3 == 0 or left > 4 else (2 if left >= 2 else 1)
        groups.append(k)
        left -= k
    n_out = 2 ** n_bits
    if len(groups) == 1:
        k = groups[0]
        first = inverter(tech, tech.min_width) if k == 1 else nand(tech, k)
        chain = size_chain(tech, first, line_cap, line_res, mode=mode, min_final_width=min_final_width)
        t0, r0, e0 = gate_stage(tech, first, chain.input_cap(tech), ramp_in)
        ev = chain.evaluate(tech, r0)
        return {"delay": t0 + ev["delay"], "ramp": ev["ramp"], "energy": e0 + ev["energy"],
                "leakage": n_out * (first.leakage(tech) + ev["leakage"]),
                "area": n_out * (first.footprint(tech).area + ev["area"])}
    # two levels: each group a 1-of-2^k predecoder driving the inputs of the combining NANDs
    combine = nand(tech, min(3, len(groups))) if len(groups) <= 3 else nand(tech, 3)
    chain = size_chain(tech, combine, line_cap, line_res, mode=mode, min_final_width=min_final_width)
    fan = [n_out // 2 ** k for k in groups]               # combining gates on each predecoded line
    delay_first, energy, leak, area = 0.0, 0.0, 0.0, 0.0
    ramp_first = math.inf
    for k, f in zip(groups, fan):
        sub = decoder_block(tech, k, f * combine.input_cap(tech), 0.0, "latency", ramp_in=ramp_in, pass_ramp=pass_ramp)
        if sub["delay"] >= delay_first:
            delay_first, ramp_first = sub["delay"], sub["ramp"]
        energy += sub["energy"]
        leak += sub["leakage"]
        area += sub["area"]
    # the combining gate is driven by the slowest group's output (its ramp with pass_ramp, else a step)
    t1, r1, e1 = gate_stage(tech, combine, chain.input_cap(tech), ramp_first if pass_ramp else math.inf)
    ev = chain.evaluate(tech, r1)
    return {"delay": delay_first + t1 + ev["delay"], "ramp": ev["ramp"], "energy": energy + e1 + ev["energy"],
            "leakage": leak + n_out * (combine.leakage(tech) + ev["leakage"]),
            "area": area + n_out * (combine.footprint(tech).area + ev["area"])}


# ----------------------------------------------------------------------------- subarray

class SubarrayKey(NamedTuple):
    """What a subarray is built from: its size, multiplexing and whether it senses internally."""

    rows: int
    columns: int
    mux: int
    output_mux: int
    internal_sensing: bool


def sense_amp_area(tech: Technology) -> float:
    """Layout area (m^2) of one sense amplifier: its devices (:data:`SENSE_AMP_DEVICES`) as contacted
    transistors side by side."""
    F = tech.feature_size
    a = 0.0
    for kind, w_f, n in SENSE_AMP_DEVICES:
        fp = footprint(tech, "inv", 1, w_f * F if kind == "n" else 0.0, w_f * F if kind == "p" else 0.0)
        a += n * fp.area
    return a


def sense_amp_input_cap(tech: Technology) -> float:
    """Input load (F) of a sense amplifier: the gates of its latch pair and the drains on its input node."""
    F = tech.feature_size
    return (tech.gate_cap(4.0 * F) + tech.drain_cap(2.0 * F) * 2 + tech.drain_cap(40.0 * F)
            + tech.drain_cap(20.0 * F))


def mux_width(cell: MemoryCell, tech: Technology) -> float:
    """Pass-gate width (m) of a bit-line multiplexer: :data:`MUX_WIDTH_F` F, or for an MRAM column as
    wide as keeps its resistance within :data:`MUX_IR_DROP` of R_P (at most 100 F), and wide enough
    for the write current."""
    F = tech.feature_size
    w = MUX_WIDTH_F * F
    if cell.kind != "sram":
        w = max(w, min(tech.on_resistance(F) * F / (MUX_IR_DROP * cell.resistance_on), LAYOUT["max_width"] * F))
    if cell.kind == "stt":                 # the write current of an STT cell flows through the bit line
        w = max(w, cell.write_current / tech.i_on_n)
    return w


def write_driver_width(cell: MemoryCell, tech: Technology) -> float:
    """NMOS width (m) of a column's write driver: what carries the write current (W = I_w / I_on) for
    MRAM, a 9 F device for SRAM."""
    if cell.kind == "sram":
        return MUX_WIDTH_F * tech.feature_size
    return max(tech.min_width, cell.write_current / tech.i_on_n)


def sram_column_swing(v_pre: float, tau_column: float, t_open: float, sensed: float) -> float:
    """Swing (V) of an SRAM bit line while its row is open: the cell (access and pull-down devices in
    series) discharges the precharged line for as long as the word line stays on, V_pre (1 -
    exp(-t_open / tau_column)), never less than the ``sensed`` swing the amplifier waits for and at
    most V_pre. The word line is turned off only when the access is done (the amplifier has latched,
    or the written cell has flipped), so every column of the open row keeps discharging until then;
    a long global bit line (external sensing) keeps the row open long enough for the unselected
    columns to swing most of the supply. (NVSim charges every column of an open SRAM subarray a full
    discharge, C V_pre^2 with V_pre = V_dd/2: SubArray.cpp of NVSim, Dong et al., IEEE TCAD 31, 994
    (2012); the swing here follows from the discharge time instead.)"""
    if t_open <= 0 or tau_column <= 0:
        return min(sensed, v_pre)
    return min(v_pre, max(sensed, v_pre * -math.expm1(-t_open / tau_column)))


def subarray(cell: MemoryCell, tech: Technology, key: SubarrayKey, opts: ArrayOptions,
             cache: dict | None = None, ramp_in: float = math.inf) -> dict | None:
    """Figures of one subarray (None if the organisation cannot be built). See the module docstring;
    each term is commented where it is computed. ``cache`` (a dict) keeps the decoders of a search;
    ``ramp_in`` (1/s) is the slope of the predecoded lines driving the row and column decoders (an
    ideal step by default; the mat hands on its predecoders' ramp under ``decoder_ramp``)."""
    buffer_design, column_buffer = opts.buffer_design, opts.column_buffer
    conv = opts.conventions
    R, C, mux, omux = key.rows, key.columns, key.mux, key.output_mux
    F = tech.feature_size
    V = tech.vdd
    loc = tech.local
    bits = C // (mux * omux)
    if bits < 1:
        return None
    if column_buffer and C % 64:
        return None                      # the differential-write buffer works on 64-bit groups
    mram = cell.kind != "sram"
    if mram and R > tech.i_on_n / tech.i_off_n:
        return None                      # the off cells' leakage on a bit line would swamp the read
    # --- geometry: word line along the columns, bit line along the rows
    len_wl = C * cell.width + (math.ceil(C / cell.strap_every) * cell.strap_width if cell.strap_every else 0.0)
    len_bl = R * cell.height
    gates_per_cell = 2 if cell.kind == "sram" else 1
    c_wl = len_wl * loc.capacitance + C * gates_per_cell * tech.gate_cap(cell.access_width)
    r_wl = len_wl * loc.resistance
    c_bl = len_bl * loc.capacitance + (R / 2) * tech.drain_cap(cell.access_width)    # contacts shared
    r_bl = len_bl * loc.resistance
    # SOT: a separate write word line on the write transistors and a write (source) line
    c_wwl = len_wl * loc.capacitance + C * tech.gate_cap(cell.write_access_width) if cell.kind == "sot" else c_wl
    c_wbl = (len_bl * loc.capacitance + (R / 2) * tech.drain_cap(cell.write_access_width)
             if cell.kind == "sot" else c_bl)
    r_access = tech.on_resistance(cell.access_width)
    # --- column multiplexer and sense amplifiers
    w_mux = mux_width(cell, tech)
    c_mux_drain = tech.drain_cap(w_mux)
    r_mux = tech.on_resistance(w_mux) if mux > 1 else 0.0
    internal = key.internal_sensing
    n_sa = C // mux
    sa_pitch = mux * cell.width
    if internal and sa_pitch <= 2 * F:
        return None                      # no room for a sense amplifier
    c_sa = sense_amp_input_cap(tech) if internal else 0.0
    c_node = (mux * c_mux_drain if mux > 1 else 0.0) + c_sa          # the sense node behind the mux
    c_bl_total = c_bl + (c_mux_drain if mux > 1 else 0.0)
    # --- row decoder: a NAND2 of two predecoded lines per row (rows > 8), a driver chain to the line
    first = nand(tech, 2) if R > 8 else inverter(tech, tech.min_width)
    wl_current = 0.0                     # CMOS access: the word line drives gates only
    chain = size_chain(tech, first, c_wl, r_wl, mode=buffer_design, min_final_width=wl_current)
    t_nand, ramp_nand, e_nand = gate_stage(tech, first, chain.input_cap(tech), ramp_in)
    drv = chain.evaluate(tech, ramp_nand)
    t_row = t_nand + drv["delay"]
    e_row = e_nand + drv["energy"]
    ramp_wl = drv["ramp"]
    leak_row = R * (first.leakage(tech) + drv["leakage"])
    row_cell_area = first.footprint(tech).area + drv["area"]
    row_cell_h = max(first.footprint(tech).height, drv["height"])
    row_cell_w = first.footprint(tech).width + drv["width"]
    if row_cell_h <= cell.height:
        row_dec_width = row_cell_w                       # one driver per row pitch, white space allowed
    else:
        row_dec_width = R * row_cell_area / len_bl       # folded into the available height
    if cell.kind == "sot":                               # the write word line has its own drivers
        wchain = size_chain(tech, first, c_wwl, r_wl, mode=buffer_design)
        t_nw, r_nw, e_nw = gate_stage(tech, first, wchain.input_cap(tech), ramp_in)
        wdrv = wchain.evaluate(tech, r_nw)
        t_row_w, e_row_w = t_nw + wdrv["delay"], e_nw + wdrv["energy"]
        leak_row += R * (first.leakage(tech) + wdrv["leakage"])
        row_dec_width += max(first.footprint(tech).width + wdrv["width"],
                             R * (first.footprint(tech).area + wdrv["area"]) / len_bl)
    else:
        t_row_w, e_row_w = t_row, e_row
    # --- column decoders: the select lines of the bit-line and output multiplexers
    sel_mux = decoder_block(tech, _log2(mux), (C // mux) * tech.gate_cap(w_mux) + len_wl * loc.capacitance,
                            len_wl * loc.resistance, "latency", cache=cache, ramp_in=ramp_in)
    w_omux = MUX_WIDTH_F * F
    sel_omux = decoder_block(tech, _log2(omux), (n_sa // omux) * tech.gate_cap(w_omux) + len_wl * loc.capacitance,
                             len_wl * loc.resistance, "latency", cache=cache, ramp_in=ramp_in)
    t_col = max(sel_mux["delay"], sel_omux["delay"])
    # --- precharge (voltage sensing): two PMOS and an equaliser per column, one enable line (under the
    # mram_precharger convention also for current sensing, as in NVSim, but off the bit line)
    voltage_sense = cell.read_mode == "voltage"
    if voltage_sense or conv.mram_precharger:
        w_pre, w_eq = PRECHARGE_WIDTH_F * F, EQUALIZER_WIDTH_F * F
        inv_pre = inverter(tech, tech.min_width)
        c_enable = C * inv_pre.input_cap(tech) + len_wl * loc.capacitance
        pre_chain = size_chain(tech, None, c_enable, len_wl * loc.resistance, mode="latency")
        pre = pre_chain.evaluate(tech, math.inf)
        c_pre_gate = 2 * tech.gate_cap(w_pre) + tech.gate_cap(w_eq) + inv_pre.output_cap(tech)
        e_pre = pre["energy"] + C * c_pre_gate * V ** 2
        leak_pre = pre["leakage"] + C * (inv_pre.leakage(tech) + tech.off_current(w_pre, "p") * V)
        fp_pre = footprint(tech, "inv", 1, 0.0, w_pre)
        fp_inv = inv_pre.footprint(tech)
        h_pre = max(fp_pre.height, fp_inv.height) + fp_inv.height
        if voltage_sense:                # each line: its PMOS, one side of the equaliser
            c_bl_total += tech.drain_cap(w_pre) + tech.drain_cap(w_eq)
    else:
        e_pre = leak_pre = h_pre = 0.0
    # --- read: bit line, multiplexer, sense amplifier
    ramp = ramp_wl
    if cell.kind == "sram":
        r_pd = tech.on_resistance(cell.nmos_width)
        v_pre = V
        dv = cell.sense_voltage
        tau = (r_access + r_pd) * (c_bl_total + c_node) + r_bl * (c_node + c_bl_total / 2)
        tau *= math.log(v_pre / (v_pre - dv / 2))       # each line of the pair moves by half the signal
        beta = 1 / (r_pd * tech.transconductance(cell.access_width))
        t_bl, ramp = horowitz(tau, beta, ramp_wl)
        # every column of the open row discharges while the word line is on (sram_column_swing; its
        # time constant is that of one column's own line); the supply restores C dV at V_pre.
        # The energy is set below, once the time the row stays open is known.
        tau_col = (r_access + r_pd) * c_bl_total + r_bl * c_bl_total / 2
        c_col = c_bl_total + (c_node / mux if mux > 1 else 0.0)
        e_bl_read = 0.0
    else:
        if cell.read_mode != "current":
            raise ConfigError("<cell>", "read_mode", "MRAM cells are read by current sensing in this model")
        # the sense amplifier clamps the bit line at V_read through the multiplexer; the current settles
        # to half the P/AP difference of the cell path (MTJ and access transistor):
        # t = tau ln(1/eps), eps = (1 - (R_P + R_acc)/(R_AP + R_acc))/2
        eps = 0.5 * (1 - (cell.resistance_on + r_access) / (cell.resistance_off + r_access))
        tau = (r_mux + r_bl / 2) * (c_bl_total + c_node)
        t_bl = tau * math.log(1 / eps)
        if conv.mram_bitline_delay:      # NVSim: the distributed line behind the AP cell (ICCAD 2009 model)
            r_off = cell.resistance_off + r_access
            tau = r_bl * c_bl / 2 * (r_off + r_bl / 3) / (r_off + r_bl)
            t_bl, _ = horowitz(tau, 0.0, ramp_wl)
        # the sensed bit lines are charged to V_read from the supply (the clamp drops the rest)
        e_bl_read = n_sa * (c_bl_total + c_node / max(mux, 1)) * cell.read_voltage * V
    k_mux = 2.3 if conv.mux_delay else math.log(2)      # pass gate into its load: 50 % point, or NVSim's 2.3 R C
    t_mux = k_mux * r_mux * c_node if mux > 1 else 0.0
    if internal:
        if voltage_sense:
            gm = tech.transconductance(LATCH["n"] * F, "n") + tech.transconductance(LATCH["p"] * F, "p")
            t_sa = c_sa / gm * math.log(V / cell.sense_voltage)
            e_sa = c_sa * V ** 2
            leak_sa = tech.off_current(LATCH["enable"] * F, "n") * V
        else:
            t_sa, e_sa, leak_sa = CURRENT_SENSE_AMP[tech.node]
        h_sa = sense_amp_area(tech) / sa_pitch
    else:
        t_sa = e_sa = leak_sa = h_sa = 0.0
    r_omux = tech.on_resistance(w_omux) if omux > 1 else 0.0
    c_out = omux * tech.drain_cap(w_omux) if omux > 1 else 0.0
    t_omux = k_mux * r_omux * c_out if omux > 1 else 0.0
    # cell read energy: the sensed cells and their reference cells conduct from the bit line's
    # settling until the amplifier latches
    e_cells_read = 2 * cell.read_power * (t_bl + t_sa) * n_sa if mram and internal else 0.0
    t_decode = max(t_row, t_col)
    read_latency = t_decode + t_bl + t_mux + t_sa + t_omux
    if cell.kind == "sram":
        # the row stays open from the word line's rise until the amplifier latches (with external
        # sensing global_bus extends this by the global bit line's time)
        t_open_read = t_bl + t_mux + t_sa
        if conv.sram_column_energy:      # NVSim: every column of the open row, C (V_dd/2)^2
            e_bl_read = C * c_col * (V / 2) ** 2
        else:
            e_bl_read = C * c_col * v_pre * sram_column_swing(v_pre, tau_col, t_open_read, dv)
    # (the multiplexer's nodes swing with the bit lines: counted in e_bl_read)
    read_energy = (e_row + sel_mux["energy"] + sel_omux["energy"] + e_pre + e_bl_read
                   + n_sa * e_sa + e_cells_read)
    # --- write
    if mram:
        # a write driver sized for the write current (W = I_w / I_on) charges the write line through the
        # multiplexer, then the cell takes its pulse
        r_wd = 0.0 if conv.no_write_drivers else tech.on_resistance(write_driver_width(cell, tech))
        tau_c = (r_wd + r_mux) * (c_wbl + c_node) + r_bl * c_wbl / 2
        t_charge, _ = horowitz(tau_c, 0.0, math.inf)
        write_latency = max(t_row_w, t_col + t_charge) + cell.write_time
        e_bits = bits * (cell.write_energy + c_wbl * V ** 2)
        write_energy = e_row_w + sel_mux["energy"] + sel_omux["energy"] + e_bits
    else:
        # a write driver (a 9 F device behind the mux) pulls one line of each written pair to ground;
        # the cell flips within one inverter delay; the other columns of the open row see a read
        r_drv = tech.on_resistance(MUX_WIDTH_F * F) + r_mux
        tau_w = r_drv * (c_bl_total + c_node) + r_bl * c_bl_total / 2
        t_wbl, ramp_w = horowitz(tau_w, 0.0, ramp_wl)
        inv_cell = Gate("inv", 1, cell.nmos_width, cell.pmos_width)
        t_flip, _, _ = gate_stage(tech, inv_cell, inv_cell.input_cap(tech), ramp_w)
        t_flip_sram = t_flip
        write_latency = t_decode + t_wbl + t_flip
        if conv.sram_symmetric_timing:   # NVSim: an SRAM write takes as long as a read
            write_latency = read_latency
        t_open_write = t_wbl + t_flip
        if conv.sram_column_energy:      # NVSim: the written columns only, C (V_dd/2)^2 each
            e_bits = bits * (c_bl_total + c_node / max(mux, 1)) * (V / 2) ** 2
            e_half = 0.0
        else:
            e_bits = bits * (c_bl_total + c_node / max(mux, 1)) * V ** 2
            # the half-selected columns of the open row are read while the row is open (until the flip)
            e_half = (C - bits) * c_bl_total * V * sram_column_swing(V, tau_col, t_open_write, cell.sense_voltage)
        e_pre_write = 0.0 if conv.sram_column_energy else e_pre     # NVSim counts the precharge in reads only
        write_energy = e_row + sel_mux["energy"] + sel_omux["energy"] + e_pre_write + e_bits + e_half
    # --- write drivers (internal sensing: one per column group behind the mux; with external sensing
    # they sit at the bank's edge, global_bus): an inverter whose NMOS carries the write current
    if internal and not conv.no_write_drivers:       # (NVSim's subarray has none: no_write_drivers)
        wd = inverter(tech, write_driver_width(cell, tech))
        leak_wd = n_sa * wd.leakage(tech)
        h_wd = n_sa * wd.footprint(tech).area / len_wl
        write_energy += bits * wd.input_cap(tech) * V ** 2
    else:
        leak_wd = h_wd = 0.0
    # --- leakage
    leak_cells = 0.0
    if cell.kind == "sram":
        # a stored bit holds one inverter's NMOS and the other's PMOS off, and the pass gate on the
        # low node sees the precharged bit line: (W_n + W_p + W_access) I_off V_dd per cell
        per_cell = (tech.off_current(cell.nmos_width, "n") + tech.off_current(cell.pmos_width, "p")
                    + tech.off_current(cell.access_width, "n")) * V
        if conv.sram_cell_leakage:       # NVSim: two inverters, each its wider device, and one pass gate
            per_cell = (2 * max(tech.off_current(cell.nmos_width, "n"), tech.off_current(cell.pmos_width, "p"))
                        + tech.off_current(cell.access_width, "n")) * V
        leak_cells = R * C * per_cell
    leak_buffer = C * COLUMN_BUFFER[tech.node][0] if column_buffer else 0.0
    leakage = (leak_row + sel_mux["leakage"] + sel_omux["leakage"] + leak_pre + n_sa * leak_sa * (1 if internal else 0)
               + leak_wd + leak_buffer + leak_cells)
    # --- area: cells, decoder strip on the side, periphery strips below
    fp_mux = footprint(tech, "inv", 1, w_mux, 0.0)
    h_mux = fp_mux.height if mux > 1 else 0.0
    h_omux = footprint(tech, "inv", 1, w_omux, 0.0).height if omux > 1 else 0.0
    h_buf = COLUMN_BUFFER[tech.node][1] if column_buffer else 0.0
    col_dec_width = max(sel_mux["area"], sel_omux["area"]) / max(len_bl, 1e-30)
    width = len_wl + max(row_dec_width, col_dec_width)
    height = len_bl + h_pre + h_mux + h_sa + h_omux + h_buf + h_wd
    return {
        "width": width, "height": height, "area": width * height, "cell_area": len_wl * len_bl,
        "read_latency": read_latency, "write_latency": write_latency,
        "read_energy": read_energy, "write_energy": write_energy, "leakage": leakage, "cell_leakage": leak_cells,
        "bits": bits, "sense_amps": n_sa if internal else 0,
        "bitline_capacitance": c_bl_total, "wordline_capacitance": c_wl, "node_capacitance": c_node,
        "bitline_resistance": r_bl, "cell_path_resistance": r_access,
        "decode_latency": t_decode, "flip_latency": 0.0 if mram else t_flip_sram,
        "mux_resistance": r_mux, "columns": C,
        "column_time_constant": tau_col if cell.kind == "sram" else 0.0,
        "column_capacitance": c_col if cell.kind == "sram" else 0.0,
        "open_read_time": t_open_read if cell.kind == "sram" else 0.0,
        "open_write_time": t_open_write if cell.kind == "sram" else 0.0,
        "breakdown": {
            "read_delays": {"decoder_delay": t_decode, "row_decoder_delay": t_row, "column_decoder_delay": t_col,
                            "bitline_delay": t_bl, "mux_delay": t_mux, "sense_amp_delay": t_sa,
                            "output_mux_delay": t_omux},
            "read_energies": {"row_decoder_energy": e_row,
                              "column_decoder_energy": sel_mux["energy"] + sel_omux["energy"],
                              "precharge_energy": e_pre, "bitline_energy": e_bl_read,
                              "sense_amp_energy": n_sa * e_sa if internal else 0.0, "cell_energy": e_cells_read},
            "write_energies": {"row_decoder_energy": e_row_w,
                               "column_decoder_energy": sel_mux["energy"] + sel_omux["energy"],
                               "cell_and_line_energy": e_bits, "half_selected_energy": 0.0 if mram else e_half,
                               "precharge_energy": 0.0 if mram else e_pre_write},
            "leakages": {"row_decoder_leakage": leak_row,
                         "column_decoder_leakage": sel_mux["leakage"] + sel_omux["leakage"],
                         "precharge_leakage": leak_pre, "sense_amp_leakage": n_sa * leak_sa if internal else 0.0,
                         "write_driver_leakage": leak_wd, "column_buffer_leakage": leak_buffer,
                         "cell_leakage": leak_cells},
            "areas": {"cell_area": len_wl * len_bl, "row_decoder_area": row_dec_width * height,
                      "sense_amp_area": h_sa * len_wl, "mux_area": (h_mux + h_omux) * len_wl,
                      "precharge_area": h_pre * len_wl, "write_driver_area": h_wd * len_wl,
                      "column_buffer_area": h_buf * len_wl},
        },
    }


# ----------------------------------------------------------------------------- mat and bank

def mat_figures(cell: MemoryCell, tech: Technology, org: Organisation, opts: ArrayOptions,
                cache: dict | None = None) -> dict | None:
    """A mat: ``sub_rows`` x ``sub_cols`` subarrays and their predecoders (row and column). ``cache``
    (a dict) keeps subarrays, mats and decoders across the organisations of one search."""
    cache = {} if cache is None else cache
    key = SubarrayKey(org.rows, org.columns, org.mux, org.output_mux, opts.routing == "htree")
    subs = cache.setdefault("subarray", {})
    if key not in subs:
        subs[key] = subarray(cell, tech, key, opts, cache.setdefault("decoder", {}))
    sub = subs[key]
    if sub is None:
        return None
    mkey = (org.sub_rows, org.sub_cols, org.active_sub_rows * org.active_sub_cols, key)
    mats = cache.setdefault("mat", {})
    if mkey not in mats:
        def timed(ramp):                 # the subarray with its decoders driven by the predecoders' ramp
            k = (key, ramp)
            if k not in subs:
                subs[k] = subarray(cell, tech, key, opts, cache.setdefault("decoder", {}), ramp_in=ramp)
            return subs[k]

        mats[mkey] = _mat(tech, sub, org.sub_rows, org.sub_cols, mkey[2], key, cache.setdefault("decoder", {}),
                          opts.conventions, timed)
    return mats[mkey]


def _mat(tech, sub, sub_rows, sub_cols, active_subs, key, dcache, conv=SPINLOSS, timed=None):
    loc = tech.local
    w = sub["width"] * sub_cols
    h = sub["height"] * sub_rows
    n_sub = sub_rows * sub_cols
    # predecoded lines run from the mat centre to every subarray's decoder
    line_len = sub["height"] * sub_rows / 2 + sub["width"] * sub_cols / 2
    row_bits = _log2(key.rows)
    pre_rows = []
    if conv.predecoder_load:
        # NVSim (Mat.cpp): a row predecoder drives the wire from the mat centre only (its capacitance; no
        # wire resistance, not the decoder gates it feeds); a column predecoder the wire beyond the two
        # subarrays nearest the centre on each side (none for 1-2 x 1-2 subarrays)
        row_load = lambda fan, gate: (line_len * loc.capacitance, 0.0)  # noqa: E731
        col_cap = (max(0.0, sub["height"] * loc.capacitance * (sub_rows - 2) / 2)
                   + max(0.0, sub["width"] * loc.capacitance * (sub_cols - 2) / 2))
        col_load = (col_cap, 0.0)
    else:
        row_load = lambda fan, gate: (line_len * loc.capacitance + fan * gate.input_cap(tech),  # noqa: E731
                                      line_len * loc.resistance)
        col_load = (line_len * loc.capacitance, line_len * loc.resistance)
    if key.rows > 8:                    # two predecoders feed the NAND2 of every row
        half = row_bits // 2
        for nb in (row_bits - half, half):
            fan = n_sub * key.rows // 2 ** nb
            pre_rows.append(decoder_block(tech, nb, *row_load(fan, nand(tech, 2)), "latency", cache=dcache,
                                          pass_ramp=conv.decoder_ramp))
    else:
        pre_rows.append(decoder_block(tech, row_bits, *row_load(n_sub, inverter(tech, tech.min_width)), "latency",
                                      cache=dcache, pass_ramp=conv.decoder_ramp))
    pre_col = [decoder_block(tech, _log2(m), *col_load, "latency", cache=dcache, pass_ramp=conv.decoder_ramp)
               for m in (key.mux, key.output_mux) if m > 1]
    if conv.decoder_ramp and timed is not None:
        # NVSim (Mat.cpp): the subarray's decoders are driven by the slowest row predecoder output's ramp
        sub = timed(min(b["ramp"] for b in pre_rows))
    blocks = pre_rows + pre_col
    t_pre = max((b["delay"] for b in blocks), default=0.0)
    e_pre = sum(b["energy"] for b in blocks)
    leak_pre = sum(b["leakage"] for b in blocks)
    a_pre = sum(b["area"] for b in blocks)
    if conv.predecoder_area:            # NVSim (Mat.cpp): a square block added to the longer side
        if w > h:
            w += math.sqrt(a_pre)
        else:
            h += math.sqrt(a_pre)
    elif w >= h:                        # the predecoders sit in a strip along the longer side
        h += a_pre / w
    else:
        w += a_pre / h
    return {"width": w, "height": h, "area": w * h, "cell_area": sub["cell_area"] * n_sub,
            "read_latency": t_pre + sub["read_latency"], "write_latency": t_pre + sub["write_latency"],
            "read_energy": e_pre + active_subs * sub["read_energy"],
            "write_energy": e_pre + active_subs * sub["write_energy"],
            "leakage": leak_pre + n_sub * sub["leakage"], "cell_leakage": n_sub * sub["cell_leakage"],
            "predecoder": {"delay": t_pre, "energy": e_pre, "leakage": leak_pre, "area": a_pre},
            "subarray": sub}


#: NVSim's delay of an unrepeated wire, 2.3 r c L^2 / 2, as a multiple of r c L^2 (Wire.cpp).
NVSIM_WIRE_DELAY = 2.3 / 2


def global_wire_delay(wire, length: float, conventions: Conventions = SPINLOSS) -> float:
    """Delay (s) of an unrepeated global wire of ``length`` (m): the 50 % point of a distributed line
    (:meth:`~spinloss.arrays.technology.Wire.delay`), or NVSim's 2.3 r c L^2 / 2 under the
    ``wire_delay`` convention."""
    if conventions.wire_delay:
        return NVSIM_WIRE_DELAY * wire.resistance * wire.capacitance * length * length
    return wire.delay(length)


def htree(org: Organisation, mat: dict, tech: Technology, address_bits: int, data_bits: int,
          conventions: Conventions = SPINLOSS) -> dict:
    """H-tree from the bank centre to the active mats (unrepeated global wires on an upper layer: no
    silicon area). The tree splits the block of mats in two along its longer side (columns first on a
    tie); a segment spans the two halves' centres (half the block's extent) and carries the address
    bits still needed and the data bits of the active mats behind it. Where both halves hold active
    mats the data bits split and both branches switch; otherwise one address bit is used up and one
    branch switches. Read latency counts each level twice (address in, data out), write once.
    Under the ``htree_lengths`` convention the levels are NVSim's (:func:`htree_levels_nvsim`).
    Returns ``delay`` (one way, s), ``energy`` (J per access), ``levels``."""
    wire = tech.global_
    if conventions.htree_lengths:
        levels = htree_levels_nvsim(org, mat, address_bits, data_bits)
        energy = sum(lv["branches"] * lv["wires"] * wire.capacitance * lv["length"] for lv in levels) * tech.vdd ** 2
        delay = sum(global_wire_delay(wire, lv["length"], conventions) for lv in levels)
        return {"delay": delay, "energy": energy, "levels": levels}
    block = [org.mat_rows, org.mat_cols, org.active_mat_rows, org.active_mat_cols]
    h, w = mat["height"] * org.mat_rows, mat["width"] * org.mat_cols
    branches, addr, data = 1, address_bits, data_bits
    delay = energy = 0.0
    levels = []
    while block[0] > 1 or block[1] > 1:
        split_cols = block[1] > 1 and (block[1] >= block[0] or block[0] == 1)
        if split_cols:
            seg = w / 2
            w /= 2
            block[1] //= 2
            active = block[3] > 1
            if active:
                block[3] //= 2
        else:
            seg = h / 2
            h /= 2
            block[0] //= 2
            active = block[2] > 1
            if active:
                block[2] //= 2
        n_wires = addr + data
        energy += branches * n_wires * wire.capacitance * seg * tech.vdd ** 2
        delay += global_wire_delay(wire, seg, conventions)
        levels.append({"length": seg, "branches": branches, "wires": n_wires})
        if active:
            branches *= 2
            data //= 2
        else:
            addr = max(addr - 1, 0)
    return {"delay": delay, "energy": energy, "levels": levels}


def htree_levels_nvsim(org: Organisation, mat: dict, address_bits: int, data_bits: int) -> list:
    """The levels of an H-tree with NVSim's geometry (BankWithHtree.cpp; the ``htree_lengths``
    convention). With 2^h columns and 2^v rows of mats, horizontal level i is W/2^(i+1) long (W/2,
    W/4, ..., one mat width) and vertical level j is H/2^(j+2) (H/4, ..., half a mat height). The
    first horizontal level is the trunk and carries every address and data bit; then the direction
    with more levels left is routed until both have as many, then they alternate (horizontal first).
    Each level after the trunk follows one split of the active mats: where the active mats lie on
    both sides the data bits halve and the active branches double, otherwise one address bit is used
    up. A bank of one column of mats starts with its first vertical level (already split). Returns
    the levels (``direction``, ``length`` of one branch, active ``branches``, ``wires`` per branch)."""
    n_h, n_v = _log2(org.mat_cols), _log2(org.mat_rows)
    width, height = mat["width"] * org.mat_cols, mat["height"] * org.mat_rows
    state = {"addr": address_bits, "data": data_bits, "cols": org.active_mat_cols, "rows": org.active_mat_rows,
             "branches": 1}
    levels: list = []
    done = {"h": 0, "v": 0}

    def level(direction: str, split: bool = True) -> None:
        if split:
            key = "cols" if direction == "h" else "rows"
            if state[key] > 1:
                state[key] //= 2
                state["data"] //= 2
                state["branches"] *= 2
            else:
                state["addr"] = max(state["addr"] - 1, 0)
        i = done[direction]
        length = width / 2 ** (i + 1) if direction == "h" else height / 2 ** (i + 2)
        done[direction] += 1
        levels.append({"direction": direction, "length": length, "branches": state["branches"],
                       "wires": state["addr"] + state["data"]})

    if n_h > 0:
        level("h", split=False)
    while n_h - done["h"] > n_v - done["v"]:
        level("h")
    while n_v - done["v"] > n_h - done["h"]:
        level("v")
    while n_h - done["h"] > 0:
        level("h")
        level("v")
    return levels


@dataclass
class ArrayResult(JsonResult):
    """Figures of one array (SI): ``area`` (m^2), ``read_latency``/``write_latency`` (s), ``read_energy``/
    ``write_energy`` (J per access of one word), ``leakage`` (W, everything powered), ``standby_leakage``
    (W, what must stay powered to keep the data: the SRAM cells; 0 for MRAM, which is switched off),
    ``area_efficiency`` (cell area / total), the ``organisation`` and the breakdowns."""

    cell: MemoryCell
    options: ArrayOptions
    organisation: Organisation
    node: str
    temperature: float
    area: float
    height: float
    width: float
    read_latency: float
    write_latency: float
    read_energy: float
    write_energy: float
    leakage: float
    standby_leakage: float
    area_efficiency: float
    breakdown: dict = field(default_factory=dict)
    searched: int = 0

    def as_dict(self) -> dict:
        return {
            "cell": self.cell.to_json(), "options": self.options_json(), "organisation": asdict(self.organisation),
            "node": self.node, "temperature": self.temperature,
            "capacity_bits": self.options.capacity_bits, "word_bits": self.options.word_bits,
            "area": self.area, "height": self.height, "width": self.width,
            "read_latency": self.read_latency, "write_latency": self.write_latency,
            "read_energy": self.read_energy, "write_energy": self.write_energy,
            "read_energy_per_bit": self.read_energy / self.options.word_bits,
            "write_energy_per_bit": self.write_energy / self.options.word_bits,
            "leakage": self.leakage, "standby_leakage": self.standby_leakage,
            "area_efficiency": self.area_efficiency, "breakdown": self.breakdown, "searched": self.searched,
            "units": {**self.cell.to_json()["units"], **breakdown_units(self.breakdown), **ARRAY_UNITS},
        }

    def options_json(self) -> dict:
        """The options, the conventions as their ``name`` and switches."""
        out = asdict(self.options)
        out["conventions"] = {"name": self.options.conventions.name, **self.options.conventions.switches()}
        return out


ARRAY_UNITS = {"area": "m^2", "height": "m", "width": "m", "read_latency": "s", "write_latency": "s",
               "read_energy": "J", "write_energy": "J", "read_energy_per_bit": "J", "write_energy_per_bit": "J",
               "leakage": "W", "standby_leakage": "W", "area_efficiency": "1", "temperature": "K",
               "capacity_bits": "bit", "word_bits": "bit", "length": "m", "delay": "s", "energy": "J",
               "bits": "bit", "sense_amps": "1", "branches": "1", "wires": "1", "local_bits": "bit",
               "bitline_capacitance": "F", "wordline_capacitance": "F", "global_bitline_capacitance": "F",
               "searched": "1", "column_buffer": "1", "strap_every": "1",
               **{k: "1" for k in Conventions.__dataclass_fields__},
               **{k: "1" for k in ("mat_rows", "mat_cols", "active_mat_rows", "active_mat_cols", "sub_rows",
                                   "sub_cols", "active_sub_rows", "active_sub_cols", "rows", "columns", "mux",
                                   "output_mux")}}


def breakdown_units(tree) -> dict:
    """Units of the breakdown's keys by their suffix (``_delay`` s, ``_energy`` J, ``_leakage`` W,
    ``_area`` m^2), so that every number of an array's JSON has its unit under its last key."""
    out = {}
    suffix = {"_delay": "s", "_latency": "s", "_energy": "J", "_leakage": "W", "_area": "m^2"}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                for suf, unit in suffix.items():
                    if k.endswith(suf):
                        out[k] = unit
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return out


def bank_figures(cell: MemoryCell, tech: Technology, org: Organisation, opts: ArrayOptions,
                 cache: dict | None = None) -> dict | None:
    """The bank's figures (plain numbers, SI; None if it cannot be built or breaks a layout rule):
    what the search compares. :func:`evaluate` wraps them in an :class:`ArrayResult`."""
    mat = mat_figures(cell, tech, org, opts, cache)
    if mat is None:
        return None
    h = mat["height"] * org.mat_rows
    w = mat["width"] * org.mat_cols
    if h > MAX_BANK_ASPECT * w or w > MAX_BANK_ASPECT * h:
        return None
    n_mats = org.mat_rows * org.mat_cols
    active_mats = org.active_mat_rows * org.active_mat_cols
    address_bits = _log2(opts.capacity_bits // opts.word_bits)
    if opts.routing == "htree":
        tree = htree(org, mat, tech, address_bits, opts.word_bits, opts.conventions)
        out = {"read_latency": mat["read_latency"] + 2 * tree["delay"],
               "write_latency": mat["write_latency"] + tree["delay"],
               "read_energy": active_mats * mat["read_energy"] + tree["energy"],
               "write_energy": active_mats * mat["write_energy"] + tree["energy"],
               "leakage": n_mats * mat["leakage"], "height": h, "route": {"htree": tree}}
    else:
        bus = global_bus(cell, tech, org, mat, opts, address_bits)
        out = {"read_latency": bus["read_latency"], "write_latency": bus["write_latency"],
               "read_energy": active_mats * mat["read_energy"] + bus["read_energy"],
               "write_energy": active_mats * mat["write_energy"] + bus["write_energy"],
               "leakage": n_mats * mat["leakage"] + bus["leakage"], "height": h + bus["height"],
               "route": {"bus": {k: v for k, v in bus.items() if k != "height"}}}
    out.update(width=w, area=out["height"] * w, cell_area=mat["cell_area"] * n_mats,
               standby_leakage=n_mats * mat["cell_leakage"], mat=mat)
    return out


def evaluate(cell: MemoryCell, tech: Technology, org: Organisation, opts: ArrayOptions,
             cache: dict | None = None) -> ArrayResult | None:
    """Figures of ``cell`` in organisation ``org`` (None if it cannot be built or breaks a layout rule)."""
    b = bank_figures(cell, tech, org, opts, cache)
    if b is None:
        return None
    mat = b["mat"]
    sub = mat["subarray"]
    breakdown = {"subarray": {k: sub[k] for k in ("width", "height", "read_latency", "write_latency",
                                                  "read_energy", "write_energy", "leakage", "bits",
                                                  "sense_amps", "bitline_capacitance", "wordline_capacitance")},
                 "subarray_parts": sub["breakdown"], "mat_predecoder": mat["predecoder"], **b["route"]}
    return ArrayResult(cell=cell, options=opts, organisation=org, node=tech.node, temperature=tech.temperature,
                       area=b["area"], height=b["height"], width=b["width"], read_latency=b["read_latency"],
                       write_latency=b["write_latency"], read_energy=b["read_energy"],
                       write_energy=b["write_energy"], leakage=b["leakage"], standby_leakage=b["standby_leakage"],
                       area_efficiency=b["cell_area"] / b["area"], breakdown=breakdown)


def global_bus(cell: MemoryCell, tech: Technology, org: Organisation, mat: dict, opts: ArrayOptions,
               address_bits: int) -> dict:
    """Bus routing with external sensing (docs/memory.md section 3.5). The address runs on one shared
    global wire per bit: up the bank to the row of active mats and along it (each bit charged once).
    Each output bit has a global bit line over the whole bank height, a global multiplexer (one input
    per column of mats) and a voltage sense amplifier at the bank's edge. A read: the cell discharges
    its local bit line and, through the local and global multiplexers, the global line together (the
    farthest mat sets the latency); the open rows stay on until the edge amplifier latches, and their
    columns keep discharging for that long (:func:`sram_column_swing`). A write: a driver at the
    edge, sized by logical effort, pulls the global and local lines down through both multiplexers;
    the half-selected columns of the open row discharge until the cell has flipped. (NVSim takes an
    SRAM write to last as long as a read, SubArray.cpp; here the write path is timed, docs/memory.md
    section 6.) The conventions ``bus_wire_delay``, ``bus_charging``, ``sram_symmetric_timing`` and
    ``sram_column_energy`` (:class:`Conventions`) replace these rules with NVSim's."""
    conv = opts.conventions
    sram = cell.kind == "sram"
    nv_delay = conv.bus_wire_delay and sram           # NVSim's SRAM global bit line (BankWithoutHtree.cpp)
    wire = tech.global_
    F = tech.feature_size
    V = tech.vdd
    sub = mat["subarray"]
    bank_h = mat["height"] * org.mat_rows
    bank_w = mat["width"] * org.mat_cols
    c_g = wire.capacitance * bank_h
    r_g = wire.resistance * bank_h
    n_in = max(1, org.mat_cols // org.active_mat_cols)                 # global mux inputs per bit
    if nv_delay:                         # NVSim: one input per group of active mats, rows included
        n_in = org.mat_rows * org.mat_cols // (org.active_mat_rows * org.active_mat_cols)
    w_gm = MUX_WIDTH_F * F
    r_gm = tech.on_resistance(w_gm) if n_in > 1 else 0.0
    c_gm = n_in * tech.drain_cap(w_gm) if n_in > 1 else 0.0
    c_sa = sense_amp_input_cap(tech)
    gated = _log2(org.mat_rows * org.mat_cols // (org.active_mat_rows * org.active_mat_cols))
    mat_in_bits = max(0, address_bits - gated)
    # the address: a shared wire per bit, the bank height up and the bank width along the mat row
    len_addr = bank_h + bank_w
    if nv_delay:                         # NVSim does not time the address of a bank without H-tree
        t_addr = 0.0
    else:
        t_addr = global_wire_delay(wire, bank_h, conv) + global_wire_delay(wire, bank_w, conv)
    e_addr = (mat_in_bits + gated) * wire.capacitance * len_addr * V ** 2
    s = sub["breakdown"]["read_delays"]
    r_cell = sub["cell_path_resistance"]
    c_local = sub["bitline_capacitance"] + sub["node_capacitance"]
    dv = cell.sense_voltage
    # precharge of the global bit lines: the supply, or (NVSim) the cell's read voltage where it has one
    v_pre = cell.read_voltage if sram and (conv.bus_charging or nv_delay) and cell.read_voltage else V
    if nv_delay:
        # NVSim: the global line's delay has the wire and multiplexer resistances only (the local
        # line's resistance and three pass gates), and it follows the local bit line's delay
        r_loc = sub["bitline_resistance"] + 3 * r_gm
        c_gm_delay = c_gm + (tech.drain_cap(w_gm) if n_in > 1 else 0.0) + c_sa
        tau = r_loc * c_g / 2 + (r_loc + r_g) * (c_g / 2 + c_gm_delay)
        t_gmux = 2.3 * r_gm * (c_gm + c_sa)          # NVSim's multiplexer delay (Mux.cpp)
        t_gbl = tau * math.log(v_pre / (v_pre - dv)) + r_loc * c_g / 2 + t_gmux
        v_swing = dv
    elif sram:
        # the cell (access and pull-down devices) drives its local line and, through the local and
        # global multiplexers, the global line
        r_cell += tech.on_resistance(cell.nmos_width) + sub["mux_resistance"]
        tau = (r_cell + r_gm) * (c_local + c_g + c_gm + c_sa) + (sub["bitline_resistance"] + r_g) * (c_g / 2 + c_gm + c_sa)
        t_gbl, _ = horowitz(tau * math.log(V / (V - dv / 2)), 0.0, math.inf)
        v_swing = dv
    else:
        eps = 0.5 * (1 - cell.resistance_on / cell.resistance_off)
        t_gbl = (r_gm + r_g / 2) * (c_g + c_gm + c_sa) * math.log(1 / eps)
        v_swing = cell.read_voltage
    gm = tech.transconductance(LATCH["n"] * F, "n") + tech.transconductance(LATCH["p"] * F, "p")
    sense = cell.sense_voltage
    t_sa = c_sa / gm * math.log(V / sense)
    if nv_delay:
        read_latency = t_addr + mat["read_latency"] + t_gbl + t_sa
    else:
        read_latency = t_addr + mat["read_latency"] - s["bitline_delay"] + max(s["bitline_delay"], t_gbl) + t_sa
    n_active = org.active_subarrays
    e_open_read = e_open_write = 0.0
    if cell.kind == "sram" and not conv.sram_column_energy:
        # the open rows stay on until the edge amplifier latches: their columns keep discharging
        # (sram_column_swing) beyond what the subarray alone would take; the difference is counted here
        t_open = max(s["bitline_delay"], t_gbl) + s["mux_delay"] + t_sa
        per_sub = sub["columns"] * sub["column_capacitance"] * V
        e_open_read = n_active * per_sub * (sram_column_swing(V, sub["column_time_constant"], t_open, dv)
                                            - sram_column_swing(V, sub["column_time_constant"],
                                                                sub["open_read_time"], dv))
    # write: the edge driver charges the global line, its multiplexer and the local line
    c_w = c_g + c_gm + c_local
    chain = size_chain(tech, None, c_w, r_g + r_gm + sub["mux_resistance"], mode="latency", invert=False)
    drv = chain.evaluate(tech, math.inf)
    t_wdata = drv["delay"]
    if cell.kind == "sram" and conv.sram_symmetric_timing:
        # NVSim: the write takes the read's path (the subarray's read time, the global bit line),
        # without the edge amplifier
        write_latency = read_latency - t_sa
    elif cell.kind == "sram":
        # the data is on the bus with the address: the word line opens while the edge driver pulls the
        # lines; the cell flips once both are done
        t_pre = mat["predecoder"]["delay"]
        t_wl = t_addr + t_pre + sub["decode_latency"]
        write_latency = max(t_wl, t_wdata) + sub["flip_latency"]
        if not conv.sram_column_energy:
            # the open row stays on from the word line's rise until the cell has flipped: the
            # half-selected columns discharge for that long (this replaces the subarray's estimate with
            # its own write driver, which the bus does not use)
            t_open_w = write_latency - t_wl
            half = (sub["columns"] - sub["bits"]) * sub["bitline_capacitance"] * V
            e_open_write = n_active * half * (sram_column_swing(V, sub["column_time_constant"], t_open_w, dv)
                                              - sram_column_swing(V, sub["column_time_constant"],
                                                                  sub["open_write_time"], dv))
    else:
        write_latency = t_addr + mat["write_latency"]
    n_bits = opts.word_bits
    e_gbl_read = n_bits * (c_g + c_gm + c_sa) * V * v_swing
    e_gbl_write = n_bits * drv["energy"]
    if conv.bus_charging:
        # NVSim: per active row of mats i, a wire of the bank height less i mat heights, charged for the
        # address bits routed to the mats (at V_dd), one global bit line for a read and the data bits
        # of one mat for a write (SRAM, at the global precharge voltage)
        lengths = [bank_h - i * mat["height"] for i in range(org.active_mat_rows)]
        c_rows = wire.capacitance * sum(lengths)
        e_addr = c_rows * mat_in_bits * V ** 2
        if sram:
            e_gbl_read = c_rows * v_pre ** 2
            e_gbl_write = c_rows * v_pre ** 2 * (n_bits // (org.active_mat_rows * org.active_mat_cols))
    e_sa = n_bits * c_sa * V ** 2
    leak_sa = n_bits * (tech.off_current(LATCH["enable"] * F, "n") * V + drv["leakage"])
    h_sa = n_bits * (sense_amp_area(tech) + drv["area"]) / bank_w
    h_gm = footprint(tech, "inv", 1, w_gm, 0.0).height if n_in > 1 else 0.0
    return {"read_latency": read_latency, "write_latency": write_latency,
            "read_energy": e_addr + e_gbl_read + e_sa + e_open_read,
            "write_energy": e_addr + e_gbl_write + e_open_write,
            "leakage": leak_sa, "height": h_sa + h_gm, "global_bitline_delay": t_gbl,
            "global_sense_amp_delay": t_sa, "address_delay": t_addr, "write_data_delay": t_wdata,
            "global_bitline_capacitance": c_g, "address_energy": e_addr, "global_bitline_read_energy": e_gbl_read,
            "global_bitline_write_energy": e_gbl_write}


# ----------------------------------------------------------------------------- search

def organisations(opts: ArrayOptions, *, max_mats: int = 512, max_mux: int = 256, rows_range=(8, 8192),
                  columns_range=(8, 8192)):
    """Every organisation of ``opts.capacity_bits`` with ``opts.word_bits`` per access (powers of two)."""
    cap, word = opts.capacity_bits, opts.word_bits
    p2 = lambda n: [2 ** i for i in range(_log2(n) + 1)]  # noqa: E731
    internal = opts.routing == "htree"
    for mr in p2(max_mats):
        for mc in p2(max_mats):
            if mr * mc > cap // 64:
                continue
            for sr in (1, 2):
                for sc in (1, 2):
                    n_sub = mr * mc * sr * sc
                    for amr in p2(mr):
                        for amc in p2(mc):
                            for asr in p2(sr):
                                for asc in p2(sc):
                                    active = amr * amc * asr * asc
                                    if word % active:
                                        continue
                                    per = word // active
                                    for mux in p2(max_mux):
                                        for omux in (p2(max_mux // mux) if internal else [1]):
                                            cols = per * mux * omux
                                            if not columns_range[0] <= cols <= columns_range[1]:
                                                continue
                                            if cap % (n_sub * cols):
                                                continue
                                            rows = cap // (n_sub * cols)
                                            if not rows_range[0] <= rows <= rows_range[1]:
                                                continue
                                            yield Organisation(mr, mc, amr, amc, sr, sc, asr, asc, rows, cols,
                                                               mux, omux)


def nvsim_order(org: Organisation) -> tuple:
    """Sort key of NVSim's enumeration order (the nesting of its search loops, main.cpp/macros.h): mat
    rows, mat columns, active mats per row, active mats per column, subarrays per mat row and
    column, active subarrays per row and per column, bit-line multiplexer, output multiplexer."""
    return (org.mat_rows, org.mat_cols, org.active_mat_cols, org.active_mat_rows, org.sub_rows, org.sub_cols,
            org.active_sub_cols, org.active_sub_rows, org.mux, org.output_mux)


def objective(r, target: str) -> float:
    """The figure ``target`` of a result (an :class:`ArrayResult` or the dict of :func:`bank_figures`)."""
    g = r.get if isinstance(r, dict) else lambda k: getattr(r, k)
    if target == "read_edp":
        return g("read_latency") * g("read_energy")
    if target == "write_edp":
        return g("write_latency") * g("write_energy")
    return g(target)


def tie_break(target: str) -> tuple:
    """The figures compared after ``target`` when two organisations tie on it (within 1e-9 relative,
    e.g. the same subarrays with the active mats arranged differently): read latency, read energy,
    area, in that order (the target itself skipped)."""
    return tuple(k for k in ("read_latency", "read_energy", "area") if k != target)


def design_array(cell: MemoryCell, tech: Technology, opts: ArrayOptions | None = None, *,
                 organisation: Organisation | None = None, progress=None) -> ArrayResult:
    """The array of ``cell`` that minimises ``opts.target`` over every organisation (or the given
    ``organisation``); exact ties (1e-9 relative) are broken by :func:`tie_break`, or, under the
    ``search_first_found`` convention, the first organisation in NVSim's order (:func:`nvsim_order`)
    strictly better in the target wins. Raises ConfigError when no organisation can be built."""
    opts = (opts or ArrayOptions()).validated()
    if organisation is not None:
        r = evaluate(cell, tech, organisation, opts)
        if r is None:
            raise ConfigError("<organisation>", None, "this organisation cannot be built for the cell")
        return replace(r, searched=1)
    if opts.buffer_design == "best":
        trials = [design_array(cell, tech, replace(opts, buffer_design=b), progress=progress)
                  for b in ("balanced", "latency")]
        keys = (opts.target,) + tie_break(opts.target)
        pick = min(trials, key=lambda r: tuple(objective(r, t) for t in keys))
        return replace(pick, searched=sum(r.searched for r in trials))
    first_found = opts.conventions.search_first_found
    keys = (opts.target,) if first_found else (opts.target,) + tie_break(opts.target)
    best, best_key, n = None, None, 0
    cache: dict = {}
    candidates = list(organisations(opts))
    if first_found:
        candidates.sort(key=nvsim_order)

    def better(k, ref):
        if first_found:                  # NVSim (Result.cpp): strictly less in the target
            return k[0] < ref[0]
        for a, b in zip(k, ref):
            if a < b * (1 - 1e-9):
                return True
            if a > b * (1 + 1e-9):
                return False
        return False

    with Counter(progress, "organisations", total=len(candidates)) as count:
        for i, org in enumerate(candidates):
            if i % 5000 == 0:
                count.set(i)
            b = bank_figures(cell, tech, org, opts, cache)
            if b is None:
                continue
            n += 1
            k = tuple(objective(b, t) for t in keys)
            if best is None or better(k, best_key):
                best, best_key = org, k
        count.set(len(candidates))
    if best is None:
        raise ConfigError("<array>", None, f"no organisation of {opts.capacity_bits} bits with {opts.word_bits}-bit "
                                           "words can be built for this cell")
    return replace(evaluate(cell, tech, best, opts, cache), searched=n)
