"""AI workloads held in a memory array (docs/memory.md section 5): the weights of a network at a
precision, read once per inference and written on an on-device update, in arrays of each memory
technology; an edge duty cycle where standby leakage and non-volatility decide; the share of the
system energy (memory + compute) that the memory technology changes.

The workload file (TOML; plain numbers are SI, strings carry units)::

    name = "ResNet-18 at the edge"
    precision_bits = 8                 # bits per weight
    reference = "SRAM"                 # the technology the others are compared with

    [network]
    name = "resnet18"                  # resnet18 | bert-tiny | transformer
    # resnet18: num_classes, image_size; bert-tiny: sequence_length;
    # transformer: layers, d_model, heads, d_ff, vocab, max_positions, sequence_length

    [array]                            # one macro; the weights take as many macros as they need
    capacity = "2 MB"
    node = "22nm"
    word_bits = 64
    temperature = "350 K"
    target = "read_latency"
    buffer_design = "balanced"         # balanced (the validated setting) | latency | best (both tried)

    [compute]
    energy_per_mac = "0.23 pJ"         # J per multiply-accumulate
    macs_per_second = 1e11             # throughput of the compute (sets the compute time)

    [update]
    fraction = 1.0                     # fraction of the weights one on-device update writes

    [duty_cycle]
    inference_period = "1 s"           # one inference per period; the array idles in between
    update_period = "1 day"            # optional: one update per this time
    offchip_energy_per_bit = "20 pJ"   # reloading SRAM weights from off-chip after power gating

    [[technologies]]
    name = "SOT-MRAM spin loss"
    design = "designs/py_nio.json"     # a `spinloss design --json` result, or
    # device = "py_nio_cell.toml"      # a cell file run through the design search (with
    #   target_wer, retention, design_temperature, search = "fast" | "standard"), or
    # cell = {kind = "sram"}           # explicit cell parameters (memcell.cell_from_table)
    # routing = "htree"                # default: htree for MRAM, bus for SRAM (as validated)

Accounting per technology (SI; each number in the JSON output with its unit):

* ``macros`` = ceil(weight bits / capacity); every macro is powered during an inference.
* inference: ``reads`` = ceil(parameters read x precision / word); ``read_energy`` = reads x E_read;
  ``memory_time`` = ceil(reads / macros) x t_read (macros read in parallel, one word per macro per
  read latency); ``compute_time`` = MACs / throughput; ``time`` = max of the two (the weights stream
  while the arithmetic runs). Power gating at the access time scale: a macro's periphery is powered
  while it streams its words, ``active_leakage_energy`` = macros x P_leak x memory_time; for the rest
  of the inference an MRAM macro is off (non-volatile) and an SRAM macro keeps its cells powered,
  ``idle_leakage_energy`` = macros x P_cells x (time - memory_time) (the wake-up of gated supplies is not
  modelled); ``leakage_energy`` is their sum; ``memory_energy`` = read + leakage; ``compute_energy`` =
  MACs x E_MAC; ``energy`` = memory + compute.
* update: ``writes`` = ceil(fraction x parameters x precision / word); ``energy`` = writes x E_write
  + macros x P_leak x time; ``time`` = ceil(writes / macros) x t_write.
* duty cycle (one inference per period T): MRAM is switched off between inferences (non-volatile:
  standby energy 0; the wake-up of the supply is not modelled); SRAM either stays powered, its cells
  leaking (``retain``: macros x P_cells x (T - t)), or is power-gated and reloaded from off-chip memory
  before the next inference (``reload``: weight bits x E_offchip + the writes); the cheaper is taken.
  ``energy_per_period`` adds the updates (their energy x T / update period).
* ``memory_share`` = (energy per period - compute energy) / energy per period; ``change_vs_reference``
  = energy per period / the reference's - 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..config import check_keys, read_toml
from ..errors import ConfigError
from ..io import JsonResult
from ..progress import note
from ..units import to_si
from .memcell import REQUIRED, MemoryCell, cell_from_design, cell_from_table, positive_number
from .model import BUFFER_DESIGNS, TARGETS, ArrayOptions, design_array
from .networks import KNOWN, NETWORKS, Network, resnet18, transformer
from .technology import NODES, technology

TOP_KEYS = {"name", "precision_bits", "reference", "network", "array", "compute", "update", "duty_cycle",
            "technologies"}
NETWORK_KEYS = {"resnet18": {"name", "num_classes", "image_size"}, "bert-tiny": {"name", "sequence_length"},
                "transformer": {"name", "layers", "d_model", "heads", "d_ff", "vocab", "max_positions",
                                "sequence_length", "type_vocab", "pooler"}}
ARRAY_KEYS = {"capacity", "node", "word_bits", "temperature", "target", "buffer_design", "column_buffer"}
COMPUTE_KEYS = {"energy_per_mac", "macs_per_second"}
UPDATE_KEYS = {"fraction"}
DUTY_KEYS = {"inference_period", "update_period", "offchip_energy_per_bit"}
TECH_KEYS = {"name", "design", "device", "cell", "routing", "target_wer", "retention", "design_temperature", "search"}

#: Defaults with their sources (docs/memory.md section 5).
DEFAULTS = {
    "energy_per_mac": (0.23e-12, "8-bit integer multiply 0.2 pJ + add 0.03 pJ at 45 nm (M. Horowitz, "
                                 "'Computing's energy problem', ISSCC 2014)"),
    "macs_per_second": (1e11, "[D] an edge accelerator of ~100 GMAC/s"),
    "offchip_energy_per_bit": (20e-12, "DRAM: 1.3-2.6 nJ per 64-bit access = 20-40 pJ/bit (Horowitz, ISSCC 2014); "
                                       "the lower end"),
}

UNITS = {"parameters": "1", "parameters_read": "1", "macs": "1", "weight_bits": "bit", "capacity_bits": "bit",
         "macros": "1", "reads": "1", "writes": "1", "read_energy": "J", "leakage_energy": "J",
         "memory_energy": "J", "compute_energy": "J", "energy": "J", "memory_time": "s", "compute_time": "s",
         "time": "s", "energy_per_period": "J", "average_power": "W", "standby_energy": "J",
         "retain_energy": "J", "reload_energy": "J", "inference_period": "s", "update_period": "s",
         "memory_share": "1", "change_vs_reference": "1", "energy_per_mac": "J", "macs_per_second": "1/s",
         "offchip_energy_per_bit": "J", "area": "m^2", "read_latency": "s", "write_latency": "s",
         "write_energy": "J", "leakage": "W", "standby_leakage": "W", "total_area": "m^2", "seconds": "s",
         "update_energy_per_period": "J", "active_time": "s", "fraction": "1", "active_leakage_energy": "J",
         "idle_leakage_energy": "J", "area_efficiency": "1", "ratio_to_reference": "1", "precision_bits": "bit",
         "update_fraction": "1", "word_bits": "bit", "temperature": "K", "layers": "1"}


def parse_capacity(value, *, source: str = "<api>", key: str = "capacity") -> int:
    """A capacity -> bits (a power of two): an integer number of bits, or a string with a unit B, KB,
    MB, GB (bytes, binary prefixes: 1 KB = 1024 B; KiB, MiB, GiB too) or b, Kb, Mb, Gb, bit (bits)."""
    import re

    if isinstance(value, bool):
        raise ConfigError(source, key, "must be a capacity such as \"2 MB\"")
    if isinstance(value, int):
        bits = value
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMG]?)(i?)(B|b|bit|bits)\s*", value)
        if not m:
            raise ConfigError(source, key, f"{value!r}: expected a number and B, KB, MB, GB (bytes) or b, Kb, "
                                           "Mb, Gb (bits), e.g. \"2 MB\"")
        number = float(m.group(1))
        scale = {"": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30}[m.group(2)]
        per = 8 if m.group(4) == "B" else 1
        bits_f = number * scale * per
        if bits_f != int(bits_f):
            raise ConfigError(source, key, f"{value!r} is not a whole number of bits")
        bits = int(bits_f)
    else:
        raise ConfigError(source, key, "must be a capacity such as \"2 MB\"")
    if bits < 64 or bits & (bits - 1):
        raise ConfigError(source, key, f"{value!r}: the capacity must be a power of two of at least 64 bits")
    return bits


def parse_node(value, *, source: str = "<api>", key: str = "node") -> str:
    text = str(value).replace(" ", "").lower()
    if text not in NODES:
        raise ConfigError(source, key, f"unknown node {value!r} (known: {', '.join(NODES)})")
    return text


def _positive(table, key, dim, source, prefix, default=None):
    """A positive number of a workload table; ``default`` None: the key must be given."""
    return positive_number(table, key, dim, source=source, prefix=prefix,
                           default=REQUIRED if default is None else default)


def _int(table, key, source, prefix, default=None, minimum=1):
    name = f"{prefix}.{key}" if prefix else key
    v = table.get(key, default)
    if v is None:
        raise ConfigError(source, name, "missing")
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError(source, name, f"must be an integer >= {minimum}")
    return v


def parse_network(table: dict, source: str) -> Network:
    """The ``[network]`` table -> :class:`~spinloss.arrays.networks.Network`."""
    if not isinstance(table, dict):
        raise ConfigError(source, "network", "must be a table with a name")
    name = table.get("name")
    if name not in NETWORK_KEYS:
        raise ConfigError(source, "network.name", f"must be one of {', '.join(NETWORK_KEYS)}")
    check_keys(table, NETWORK_KEYS[name], source=source, prefix="network")
    if name == "resnet18":
        return resnet18(_int(table, "num_classes", source, "network", 1000),
                        _int(table, "image_size", source, "network", 224, minimum=32))
    if name == "bert-tiny":
        return NETWORKS["bert-tiny"](_int(table, "sequence_length", source, "network", 128))
    kw = {k: _int(table, k, source, "network") for k in ("layers", "d_model", "heads", "d_ff", "vocab",
                                                           "max_positions", "sequence_length")}
    kw["type_vocab"] = _int(table, "type_vocab", source, "network", 2)
    pooler = table.get("pooler", True)
    if not isinstance(pooler, bool):
        raise ConfigError(source, "network.pooler", "must be true or false")
    if kw["d_model"] % kw["heads"]:
        raise ConfigError(source, "network.heads", "must divide d_model")
    if kw["sequence_length"] > kw["max_positions"]:
        raise ConfigError(source, "network.sequence_length", "exceeds max_positions")
    return transformer("transformer", pooler=pooler, **kw)


@dataclass(frozen=True)
class MemoryTechnology:
    """One memory technology of a workload: its cell, routing and where the cell came from."""

    name: str
    cell: MemoryCell
    routing: str
    origin: str


@dataclass(frozen=True)
class Workload:
    """A parsed workload file (SI units)."""

    name: str
    source: str
    network: Network
    precision_bits: int
    reference: str
    capacity_bits: int
    node: str
    word_bits: int
    temperature: float
    target: str
    buffer_design: str
    column_buffer: bool
    energy_per_mac: float
    macs_per_second: float
    update_fraction: float
    inference_period: float | None
    update_period: float | None
    offchip_energy_per_bit: float
    technologies: tuple = field(default_factory=tuple)
    entries: tuple = field(default_factory=tuple)      # the raw [[technologies]] tables


def load_workload(path, *, progress=None) -> Workload:
    """Parse a workload file (module docstring). Cells are *not* designed here: entries with a
    ``device`` keep their table and :func:`resolve_technologies` runs the design search."""
    src = str(path)
    raw = read_toml(path)
    check_keys(raw, TOP_KEYS, source=src, prefix="")
    for key in ("network", "technologies"):
        if key not in raw:
            raise ConfigError(src, key, "missing")
    name = raw.get("name", Path(path).stem)
    if not isinstance(name, str):
        raise ConfigError(src, "name", "must be a string")
    net = parse_network(raw["network"], src)
    precision = _int(raw, "precision_bits", src, "", 8)
    if precision > 64:
        raise ConfigError(src, "precision_bits", "must be <= 64")
    arr = raw.get("array", {})
    check_keys(arr, ARRAY_KEYS, source=src, prefix="array")
    capacity = parse_capacity(arr.get("capacity", "2 MB"), source=src, key="array.capacity")
    node = parse_node(arr.get("node", "22nm"), source=src, key="array.node")
    word = _int(arr, "word_bits", src, "array", 64)
    if word & (word - 1) or word > capacity:
        raise ConfigError(src, "array.word_bits", "must be a power of two no larger than the capacity")
    temp = to_si(arr.get("temperature", 350.0), "temperature", source=src, key="array.temperature")
    if not 300.0 <= temp <= 400.0:
        raise ConfigError(src, "array.temperature", "must be within 300-400 K (the node tables)")
    target = arr.get("target", "read_latency")
    if target not in TARGETS:
        raise ConfigError(src, "array.target", f"must be one of {', '.join(TARGETS)}")
    buffer_design = arr.get("buffer_design", "balanced")
    if buffer_design not in BUFFER_DESIGNS:
        raise ConfigError(src, "array.buffer_design", f"must be one of {', '.join(BUFFER_DESIGNS)}")
    column_buffer = arr.get("column_buffer", True)
    if not isinstance(column_buffer, bool):
        raise ConfigError(src, "array.column_buffer", "must be true or false")
    comp = raw.get("compute", {})
    check_keys(comp, COMPUTE_KEYS, source=src, prefix="compute")
    e_mac = _positive(comp, "energy_per_mac", "energy", src, "compute", DEFAULTS["energy_per_mac"][0])
    macs_s = _positive(comp, "macs_per_second", "frequency", src, "compute", DEFAULTS["macs_per_second"][0])
    upd = raw.get("update", {})
    check_keys(upd, UPDATE_KEYS, source=src, prefix="update")
    fraction = upd.get("fraction", 1.0)
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
        raise ConfigError(src, "update.fraction", "must be a number in (0, 1]")
    duty = raw.get("duty_cycle", {})
    check_keys(duty, DUTY_KEYS, source=src, prefix="duty_cycle")
    period = _positive(duty, "inference_period", "time", src, "duty_cycle", -1.0)
    period = None if period < 0 else period
    upd_period = _positive(duty, "update_period", "time", src, "duty_cycle", -1.0)
    upd_period = None if upd_period < 0 else upd_period
    offchip = _positive(duty, "offchip_energy_per_bit", "energy", src, "duty_cycle",
                        DEFAULTS["offchip_energy_per_bit"][0])
    techs = raw["technologies"]
    if not isinstance(techs, list) or not techs:
        raise ConfigError(src, "technologies", "must be a non-empty array of tables ([[technologies]])")
    names = []
    for i, t in enumerate(techs):
        pre = f"technologies[{i}]"
        if not isinstance(t, dict):
            raise ConfigError(src, pre, "must be a table")
        check_keys(t, TECH_KEYS, source=src, prefix=pre)
        if not isinstance(t.get("name"), str) or not t["name"]:
            raise ConfigError(src, f"{pre}.name", "missing (a non-empty string)")
        if t["name"] in names:
            raise ConfigError(src, f"{pre}.name", f"{t['name']!r} given twice")
        names.append(t["name"])
        given = [k for k in ("design", "device", "cell") if k in t]
        if len(given) != 1:
            raise ConfigError(src, pre, "give exactly one of design (a design JSON), device (a cell file to "
                                        "design) or cell (explicit parameters)")
        if t.get("routing", "htree") not in ("htree", "bus"):
            raise ConfigError(src, f"{pre}.routing", "must be htree or bus")
        if "search" in t and t["search"] not in ("fast", "standard", "full"):
            raise ConfigError(src, f"{pre}.search", "must be fast, standard or full")
        for k in ("target_wer", "retention", "design_temperature", "search"):
            if k in t and "device" not in t:
                raise ConfigError(src, f"{pre}.{k}", "only with device = (the design search settings)")
    reference = raw.get("reference", names[0])
    if reference not in names:
        raise ConfigError(src, "reference", f"{reference!r} is not the name of a technology ({', '.join(names)})")
    return Workload(name=name, source=src, network=net, precision_bits=precision, reference=reference,
                    capacity_bits=capacity, node=node, word_bits=word, temperature=float(temp), target=target,
                    buffer_design=buffer_design, column_buffer=column_buffer, energy_per_mac=e_mac,
                    macs_per_second=macs_s, update_fraction=float(fraction), inference_period=period,
                    update_period=upd_period, offchip_energy_per_bit=offchip, entries=tuple(techs))


def resolve_technologies(work: Workload, *, progress=None) -> tuple:
    """The cells of a workload's technologies (design JSONs read, devices designed, tables parsed)."""
    import json

    src = work.source
    base = Path(src).parent
    tech = technology(work.node, work.temperature)
    out = []
    for i, t in enumerate(work.entries):
        pre = f"technologies[{i}]"
        name = t["name"]
        if "design" in t:
            p = base / t["design"]
            if not p.is_file():
                raise ConfigError(src, f"{pre}.design", f"file not found: {p}")
            try:
                data = json.loads(p.read_text())
            except (OSError, ValueError) as exc:
                raise ConfigError(str(p), None, f"not a JSON file ({exc})") from None
            cell = cell_from_design(data, tech, source=str(p), name=name)
            origin = f"design {t['design']}"
        elif "device" in t:
            from ..cells.design import Targets

            try:
                Targets.parse(write_error_rate=t.get("target_wer", 1e-9), retention=t.get("retention", "10 years"),
                              temperature=t.get("design_temperature", "358 K"), source=src)
            except ConfigError as exc:
                key = {"write_error_rate": "target_wer", "temperature": "design_temperature"}.get(exc.key, exc.key)
                raise ConfigError(src, f"{pre}.{key}", exc.rule) from None
            cell = design_cell(base / t["device"], tech, target_wer=t.get("target_wer", 1e-9),
                               retention=t.get("retention", "10 years"),
                               design_temperature=t.get("design_temperature", "358 K"),
                               search=t.get("search", "standard"), name=name, source=src, key=f"{pre}.device",
                               progress=progress)
            origin = f"device {t['device']} (design search, {t.get('search', 'standard')} settings)"
        else:
            table = t["cell"]
            if not isinstance(table, dict):
                raise ConfigError(src, f"{pre}.cell", "must be a table")
            cell = cell_from_table({"name": name, **table}, tech, source=src, prefix=f"{pre}.cell")
            origin = "explicit cell parameters" if cell.kind != "sram" else "6T SRAM cell (CACTI/NVSim)"
        routing = t.get("routing", "bus" if cell.kind == "sram" else "htree")
        out.append(MemoryTechnology(name=name, cell=cell, routing=routing, origin=origin))
    return tuple(out)


def design_cell(device_path, tech, *, target_wer=1e-9, retention="10 years", design_temperature="358 K",
                search="standard", name=None, source="<api>", key="device", seed=0, progress=None) -> MemoryCell:
    """Run the design search on a cell file and turn the result into a :class:`MemoryCell`."""
    from dataclasses import replace as dc_replace

    from ..cells.design import FAST, FULL, STANDARD, Targets, design
    from ..device import Device

    p = Path(device_path)
    if not p.is_file():
        raise ConfigError(source, key, f"file not found: {p}")
    device = Device.from_toml(p)
    targets = Targets.parse(write_error_rate=target_wer, retention=retention, temperature=design_temperature,
                            source=source)
    settings = dc_replace({"fast": FAST, "standard": STANDARD, "full": FULL}[search], seed=seed)
    note(progress, "design", f"designing {p.name} ({search} settings, WER {targets.write_error_rate:g})")
    result = design(device, targets, settings, progress=progress)
    return cell_from_design(result, tech, source=str(p), name=name)


@dataclass
class WorkloadResult(JsonResult):
    """Outcome of :func:`run_workload` (SI units; ``units`` says which)."""

    name: str
    network: dict
    settings: dict
    technologies: list
    reference: str
    statements: list
    seconds: float = 0.0

    def as_dict(self) -> dict:
        from .memcell import MemoryCell
        from .model import ARRAY_UNITS

        cell_units = MemoryCell("x", "sram", 1.0, 1.0, 1.0, 1.0).to_json()["units"]
        return {"name": self.name, "network": self.network, "settings": self.settings,
                "technologies": self.technologies, "reference": self.reference, "statements": self.statements,
                "seconds": self.seconds, "units": {**cell_units, **ARRAY_UNITS, **UNITS}}


def run_workload(work: Workload, technologies=None, *, progress=None) -> WorkloadResult:
    """Energy and time of ``work`` for each technology (module docstring)."""
    import time

    t0 = time.perf_counter()
    techs = resolve_technologies(work, progress=progress) if technologies is None else technologies
    node = technology(work.node, work.temperature)
    net = work.network
    weight_bits = net.parameters * work.precision_bits
    rows = []
    for t in techs:
        opts = ArrayOptions(capacity_bits=work.capacity_bits, word_bits=work.word_bits, routing=t.routing,
                            buffer_design=work.buffer_design, column_buffer=work.column_buffer,
                            target=work.target)
        note(progress, "workload", f"array of {t.name} ({work.capacity_bits // 8 // 2 ** 20 or 1} MB macro, {work.node})")
        arr = design_array(t.cell, node, opts, progress=progress)
        rows.append(account(work, t, arr, weight_bits))
    ref = next(r for r in rows if r["name"] == work.reference)
    for r in rows:
        key = "energy_per_period" if work.inference_period else "energy"
        base = ref["duty_cycle"][key] if work.inference_period else ref["system"]["energy"]
        own = r["duty_cycle"][key] if work.inference_period else r["system"]["energy"]
        r["system"]["change_vs_reference"] = own / base - 1.0
        r["system"]["ratio_to_reference"] = own / base
        r["system"]["basis"] = "energy_per_period" if work.inference_period else "energy_per_inference"
    statements = summarise(work, rows)
    settings = {"precision_bits": work.precision_bits, "capacity_bits": work.capacity_bits, "node": work.node,
                "word_bits": work.word_bits, "temperature": work.temperature, "target": work.target,
                "buffer_design": work.buffer_design, "column_buffer": work.column_buffer,
                "energy_per_mac": work.energy_per_mac, "macs_per_second": work.macs_per_second,
                "update_fraction": work.update_fraction, "inference_period": work.inference_period,
                "update_period": work.update_period, "offchip_energy_per_bit": work.offchip_energy_per_bit,
                "weight_bits": weight_bits, "sources": {k: v[1] for k, v in DEFAULTS.items()}}
    netj = net.to_json()
    known = KNOWN.get(net.name)
    netj = {k: v for k, v in netj.items() if k != "layers"} | {"layers": len(net.layers)}
    if known:
        netj["published"] = known
    return WorkloadResult(name=work.name, network=netj, settings=settings, technologies=rows,
                          reference=work.reference, statements=statements, seconds=time.perf_counter() - t0)


def account(work: Workload, tech: MemoryTechnology, arr, weight_bits: int) -> dict:
    """The inference, update and duty-cycle figures of one technology (module docstring)."""
    net = work.network
    word = work.word_bits
    macros = -(-weight_bits // work.capacity_bits)
    reads = -(-net.parameters_read * work.precision_bits // word)
    read_energy = reads * arr.read_energy
    memory_time = -(-reads // macros) * arr.read_latency
    compute_time = net.macs / work.macs_per_second
    t_inf = max(memory_time, compute_time)
    # power gating at the access time scale: a macro's periphery is on while it streams its words; in
    # the rest of the inference an MRAM macro is off (non-volatile), an SRAM macro keeps its cells on
    leak_active = macros * arr.leakage
    idle_power = macros * arr.standby_leakage
    leakage_energy = leak_active * memory_time + idle_power * (t_inf - memory_time)
    compute_energy = net.macs * work.energy_per_mac
    memory_energy = read_energy + leakage_energy
    inference = {"reads": reads, "read_energy": read_energy, "memory_time": memory_time,
                 "compute_time": compute_time, "time": t_inf, "leakage_energy": leakage_energy,
                 "active_leakage_energy": leak_active * memory_time,
                 "idle_leakage_energy": idle_power * (t_inf - memory_time),
                 "memory_energy": memory_energy, "compute_energy": compute_energy,
                 "energy": memory_energy + compute_energy}
    writes = -(-int(math.ceil(work.update_fraction * net.parameters)) * work.precision_bits // word)
    t_upd = -(-writes // macros) * arr.write_latency
    update = {"writes": writes, "time": t_upd, "energy": writes * arr.write_energy + leak_active * t_upd,
              "fraction": work.update_fraction}
    duty = None
    if work.inference_period is not None:
        T = work.inference_period
        if T < t_inf:
            raise ConfigError(work.source, "duty_cycle.inference_period",
                              f"{T:.3g} s is shorter than one inference with {tech.name} ({t_inf:.3g} s)")
        idle = T - t_inf
        if tech.cell.volatile:
            retain = macros * arr.standby_leakage * idle
            full_writes = -(-weight_bits // word)
            reload_time = -(-full_writes // macros) * arr.write_latency
            reload = (weight_bits * work.offchip_energy_per_bit + full_writes * arr.write_energy
                      + leak_active * reload_time)
            strategy = "retain" if retain <= reload else "reload"
            standby = min(retain, reload)
        else:
            retain = reload = 0.0
            strategy = "power_off"
            standby = 0.0
        upd_per_period = (update["energy"] * T / work.update_period) if work.update_period else 0.0
        e_period = inference["energy"] + standby + upd_per_period
        duty = {"inference_period": T, "active_time": t_inf, "standby_strategy": strategy,
                "standby_energy": standby, "retain_energy": retain if tech.cell.volatile else None,
                "reload_energy": reload if tech.cell.volatile else None,
                "update_energy_per_period": upd_per_period, "energy_per_period": e_period,
                "average_power": e_period / T, "memory_share": (e_period - compute_energy) / e_period}
    system = {"energy": inference["energy"], "memory_share": memory_energy / inference["energy"]}
    return {"name": tech.name, "kind": tech.cell.kind, "origin": tech.origin, "routing": tech.routing,
            "cell": tech.cell.to_json(), "category": tech.cell.details.get("category"), "macros": macros,
            "weight_bits": weight_bits, "total_area": macros * arr.area,
            "array": {k: getattr(arr, k) for k in ("area", "read_latency", "write_latency", "read_energy",
                                                   "write_energy", "leakage", "standby_leakage",
                                                   "area_efficiency")}
                     | {"organisation": arr.to_json()["organisation"]},
            "inference": inference, "update": update, "duty_cycle": duty, "system": system}


def summarise(work: Workload, rows: list) -> list:
    """Plain statements: which technology needs the least energy per inference, per update and per
    duty period, and how much of the system energy the memory is."""
    out = []

    def least(key_fn, what):
        best = min(rows, key=key_fn)
        out.append(f"least {what}: {best['name']} ({key_fn(best):.3g} J)")

    least(lambda r: r["inference"]["energy"], "energy per inference (memory + compute)")
    least(lambda r: r["update"]["energy"], "energy per on-device update")
    if work.inference_period:
        least(lambda r: r["duty_cycle"]["energy_per_period"],
              f"energy per {work.inference_period:g} s duty period")
    for r in rows:
        s = r["duty_cycle"]["memory_share"] if r["duty_cycle"] else r["system"]["memory_share"]
        out.append(f"{r['name']}: memory is {100 * s:.1f} % of the system energy"
                   + (f" per period ({r['duty_cycle']['standby_strategy']} between inferences)" if r["duty_cycle"]
                      else " per inference")
                   + (f"; {100 * r['system']['change_vs_reference']:+.1f} % vs {work.reference}"
                      if "change_vs_reference" in r["system"] and r["name"] != work.reference else ""))
    return out
