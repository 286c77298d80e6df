"""Memory cells as the array model sees them (docs/memory.md section 4): SRAM (6T, published
numbers), STT-MRAM (two-terminal, one transistor) and SOT-MRAM (three-terminal: a write transistor
on the channel, a read transistor on the MTJ).

A cell is given in SI units (m, m^2, Ohm, V, A, s, J, W). It comes from

* :func:`sram_6t` (the CACTI/NVSim 6T cell, 146 F^2);
* :func:`cell_from_design`: a ``spinloss design --json`` result (or a :class:`~spinloss.cells.DesignResult`):
  write current, write time, the cell's own write energy, access transistor, area, MTJ resistances;
* :func:`cell_from_table`: explicit parameters (a ``[cell]`` table of a workload or array file).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

from ..errors import ConfigError
from ..units import to_si
from .technology import Technology

KINDS = ("sram", "stt", "sot")

#: The 6T SRAM cell of CACTI 5.1 (Thoziyoor et al., HP Labs HPL-2008-20, section on the SRAM cell)
#: used by NVSim and the NVMExplorer reference: 146 F^2, aspect ratio 1.46, access 1.31 F, pull-down
#: 2.08 F, pull-up 1.23 F; a well strap of 7.5 F every 16 cells along the word line; sense margin
#: 80 mV. For scale: Intel's 22 nm high-density cell is 0.092 um^2 = 190 F^2 (IEDM 2012).
SRAM_6T = {"area_f2": 146.0, "aspect_ratio": 1.46, "access_width_f": 1.31, "nmos_width_f": 2.08,
           "pmos_width_f": 1.23, "strap_every": 16, "strap_width_f": 7.5, "sense_voltage": 0.08}


@dataclass(frozen=True)
class MemoryCell:
    """One bit cell (SI units).

    ``kind`` sram | stt | sot; ``area`` (m^2) and ``aspect_ratio`` (height along the bit line over width
    along the word line); ``access_width`` (m): the transistor on the read path (STT: the only one; SOT:
    the read transistor; SRAM: a pass gate); ``write_access_width`` (m): the transistor that carries
    the write current (SOT: the write transistor on the channel; otherwise the access transistor).
    MRAM: ``resistance_on``/``resistance_off`` (Ohm) of the MTJ in P/AP, ``read_voltage`` (V) across
    the cell in a read, ``read_power`` (W) drawn by the cell during sensing, ``write_current`` (A),
    ``write_time`` (s: the pulse and the settling after it, until the bit is decided) and
    ``write_energy`` (J per bit: what the cell itself takes, driver and transistor included, not
    the array's lines). SRAM: ``nmos_width``/``pmos_width`` (m) of the inverters, the well strap.
    ``sense_voltage`` (V): the smallest signal a voltage sense amplifier resolves; ``read_mode``
    current | voltage."""

    name: str
    kind: str
    area: float
    aspect_ratio: float
    access_width: float
    write_access_width: float
    read_mode: str = "current"
    resistance_on: float | None = None
    resistance_off: float | None = None
    read_voltage: float | None = None
    read_power: float | None = None
    write_current: float | None = None
    write_time: float | None = None
    write_energy: float | None = None
    nmos_width: float | None = None
    pmos_width: float | None = None
    strap_every: int = 0
    strap_width: float = 0.0
    sense_voltage: float = 0.025
    source: str = ""
    details: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def width(self) -> float:
        """Cell width along the word line (m): sqrt(area / aspect ratio)."""
        return math.sqrt(self.area / self.aspect_ratio)

    @property
    def height(self) -> float:
        """Cell height along the bit line (m): sqrt(area x aspect ratio)."""
        return math.sqrt(self.area * self.aspect_ratio)

    @property
    def volatile(self) -> bool:
        return self.kind == "sram"

    def to_json(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "details"}
        out["units"] = {"area": "m^2", "access_width": "m", "write_access_width": "m", "resistance_on": "Ohm",
                        "resistance_off": "Ohm", "read_voltage": "V", "read_power": "W", "write_current": "A",
                        "write_time": "s", "write_energy": "J", "nmos_width": "m", "pmos_width": "m",
                        "strap_width": "m", "sense_voltage": "V", "aspect_ratio": "1"}
        return out


def sram_6t(tech: Technology, name: str = "SRAM 6T") -> MemoryCell:
    """The CACTI/NVSim 6T SRAM cell (:data:`SRAM_6T`) at the node of ``tech``."""
    F = tech.feature_size
    s = SRAM_6T
    return MemoryCell(name=name, kind="sram", area=s["area_f2"] * F * F, aspect_ratio=s["aspect_ratio"],
                      access_width=s["access_width_f"] * F, write_access_width=s["access_width_f"] * F,
                      read_mode="voltage", nmos_width=s["nmos_width_f"] * F, pmos_width=s["pmos_width_f"] * F,
                      strap_every=s["strap_every"], strap_width=s["strap_width_f"] * F,
                      sense_voltage=s["sense_voltage"],
                      source="CACTI 5.1 6T cell (Thoziyoor et al., HPL-2008-20), as used by NVSim/NVMExplorer")


# ----------------------------------------------------------------------------- from explicit values

#: Keys of an explicit cell table, with their dimension (None: a plain number or string).
CELL_TABLE_KEYS = {
    "name": None, "kind": None, "area": "area", "area_f2": "dimensionless", "aspect_ratio": "dimensionless",
    "access_width": "length", "access_width_f": "dimensionless", "write_access_width": "length",
    "write_access_width_f": "dimensionless", "read_mode": None, "resistance_on": "resistance",
    "resistance_off": "resistance", "tmr": "dimensionless", "read_voltage": "voltage", "read_power": None,
    "write_current": "current", "write_time": "time", "write_energy": "energy", "sense_voltage": "voltage",
}


#: ``default`` of :func:`positive_number` for a key that must be given.
REQUIRED = object()


def positive_number(table: dict, key: str, dim, *, source: str, prefix: str, default=REQUIRED):
    """``table[key]`` as a finite number > 0 in SI: a value with a unit of dimension ``dim`` (or a
    plain SI number when ``dim`` is None). A missing key is ``default`` (or an error when it is
    :data:`REQUIRED`); errors name ``source`` and ``prefix.key`` in one line."""
    if key not in table:
        if default is REQUIRED:
            raise ConfigError(source, f"{prefix}.{key}", "missing")
        return default
    v = table[key]
    if dim is None:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(source, f"{prefix}.{key}", "must be a number (SI)")
        v = float(v)
    else:
        v = to_si(v, dim, source=source, key=f"{prefix}.{key}")
    if not (math.isfinite(v) and v > 0):
        raise ConfigError(source, f"{prefix}.{key}", "must be a finite number > 0")
    return float(v)


def cell_from_table(table: dict, tech: Technology, *, source: str = "<api>", prefix: str = "cell") -> MemoryCell:
    """A cell from explicit values (SI numbers or strings with units). Areas and widths may be given in
    feature sizes of the array's node (``area_f2``, ``access_width_f``). ``kind`` sram takes the 6T
    defaults and optionally ``read_voltage``, the precharge of the global bit lines that NVSim takes
    from an SRAM cell file (used only under the nvsim conventions' ``bus_charging`` and
    ``bus_wire_delay``; this package's own model precharges to V_dd); stt and sot need ``area`` (or
    ``area_f2``), ``access_width`` (or ``_f``), ``resistance_on`` and ``resistance_off`` (or ``tmr``),
    ``read_voltage``, ``write_current``, ``write_time`` and ``write_energy``; sot also
    ``write_access_width``."""
    from ..config import check_keys

    check_keys(table, set(CELL_TABLE_KEYS), source=source, prefix=prefix)
    kind = table.get("kind")
    if kind not in KINDS:
        raise ConfigError(source, f"{prefix}.kind", f"must be one of {', '.join(KINDS)}")
    name = str(table.get("name", kind.upper()))
    if kind == "sram":
        extra = set(table) - {"name", "kind", "read_voltage"}
        if extra:
            raise ConfigError(source, f"{prefix}.{sorted(extra)[0]}", "an SRAM cell takes the published 6T "
                                                                       "values (only name, kind, read_voltage)")
        cell = sram_6t(tech, name)
        if "read_voltage" in table:
            v = positive_number(table, "read_voltage", "voltage", source=source, prefix=prefix)
            cell = replace(cell, read_voltage=v, source=f"{cell.source}; read voltage from {source} [{prefix}]")
        return cell
    F = tech.feature_size

    def get(key, required=True):
        return positive_number(table, key, CELL_TABLE_KEYS[key], source=source, prefix=prefix,
                               default=REQUIRED if required else None)

    def either(si_key, f_key, scale, required=True):
        if si_key in table and f_key in table:
            raise ConfigError(source, f"{prefix}.{f_key}", f"give {si_key} or {f_key}, not both")
        if f_key in table:
            return get(f_key) * scale
        return get(si_key, required=required)

    area = either("area", "area_f2", F * F)
    access = either("access_width", "access_width_f", F)
    write_access = either("write_access_width", "write_access_width_f", F, required=(kind == "sot"))
    r_on = get("resistance_on")
    if "resistance_off" in table and "tmr" in table:
        raise ConfigError(source, f"{prefix}.tmr", "give resistance_off or tmr, not both")
    r_off = r_on * (1 + get("tmr")) if "tmr" in table else get("resistance_off")
    if r_off <= r_on:
        raise ConfigError(source, f"{prefix}.resistance_off", "must exceed resistance_on (the P state)")
    read_mode = table.get("read_mode", "current")
    if read_mode not in ("current", "voltage"):
        raise ConfigError(source, f"{prefix}.read_mode", "must be current or voltage")
    v_read = get("read_voltage")
    p_read = get("read_power", required=False)
    return MemoryCell(
        name=name, kind=kind, area=area, aspect_ratio=get("aspect_ratio", required=False) or 1.0,
        access_width=access, write_access_width=write_access or access, read_mode=read_mode,
        resistance_on=r_on, resistance_off=r_off, read_voltage=v_read,
        read_power=p_read if p_read is not None else v_read ** 2 / r_on,
        write_current=get("write_current"), write_time=get("write_time"), write_energy=get("write_energy"),
        sense_voltage=get("sense_voltage", required=False) or 0.025, source=f"{source} [{prefix}]")


# ----------------------------------------------------------------------------- from a design

def cell_from_design(design, tech: Technology, *, source: str = "<design>", name: str | None = None) -> MemoryCell:
    """A cell from a design result: a :class:`~spinloss.cells.DesignResult` or its JSON (the output of
    ``spinloss design --json``; keys ``meets_targets``, ``write_current``, ``write_latency``,
    ``supply_energy``, ``peripheral_energy``, ``cell_area``, ``classification``, ``cell`` with the
    access transistor width, the readout and the read current).

    Mapping (docs/memory.md section 4): write current as designed; write time = the design's write
    latency (pulse plus the settling of its WER definition); the cell's write energy = the supply
    energy minus the design's own bit-line term (the array computes its lines itself): V_dd I t_q;
    write transistor width as sized by the design (at the cell's node); area as estimated by the
    design; MTJ R_P = V_read / I_read of the design's readout, R_AP = R_P (1 + TMR); read voltage
    and read power V_read I_read of the design's readout. Read transistor: as wide as the write
    transistor (the design's area counts two transistors of that width for an SOT cell, one for STT)."""
    d = design.to_json() if hasattr(design, "to_json") else dict(design)
    if not isinstance(d, dict) or "meets_targets" not in d:
        raise ConfigError(source, None, "not a design result (no meets_targets key; give the JSON of "
                                        "`spinloss design --json`)")
    if not d.get("meets_targets"):
        raise ConfigError(source, "meets_targets", f"the design does not meet its targets: {d.get('reason')}")
    try:
        cell = d["cell"]
        details = cell["details"]
        readout = details["readout"]
        read = details["read"]
        mech = (d.get("classification") or {}).get("mechanism") or (d.get("torque") or {}).get("mechanism")
        kind = "stt" if mech == "stt" else "sot"
        i_w = float(d["write_current"])
        t_w = float(d["write_latency"])
        e_w = float(d["supply_energy"]) - float(d.get("peripheral_energy") or 0.0)
        area = float(d["cell_area"])
        w_tr = float(cell["transistor_width"])
        v_read = float(readout["read_voltage"])
        i_read = float(read["read_current"])
        tmr = float(readout["tmr"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(source, None, f"design JSON lacks a field the array needs ({exc})") from None
    if readout.get("kind") != "mtj":
        raise ConfigError(source, "cell.details.readout.kind", "the array model reads cells through an MTJ "
                                                               "(readout kind mtj)")
    for key, v in (("write_current", i_w), ("write_latency", t_w), ("supply_energy", e_w), ("cell_area", area),
                   ("cell.transistor_width", w_tr), ("read_voltage", v_read), ("read_current", i_read)):
        if not (math.isfinite(v) and v > 0):
            raise ConfigError(source, key, "must be a finite number > 0")
    r_p = v_read / i_read
    read_width = w_tr
    return MemoryCell(
        name=name or str(d.get("name", kind.upper())), kind=kind, area=area, aspect_ratio=1.0,
        access_width=read_width, write_access_width=w_tr, read_mode="current",
        resistance_on=r_p, resistance_off=r_p * (1 + tmr), read_voltage=v_read, read_power=v_read * i_read,
        write_current=i_w, write_time=t_w, write_energy=e_w,
        source=f"{source} (design: {d.get('name')}, category {(d.get('classification') or {}).get('category')})",
        details={"category": (d.get("classification") or {}).get("category"),
                 "pulse_width": d.get("pulse_width"), "write_error_rate": d.get("write_error_rate"),
                 "thermal_stability": d.get("thermal_stability"), "design_node": (details.get("cell") or {})
                 .get("technology_node")})
