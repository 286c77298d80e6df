"""Every example file through every command with random mutations (issue 7, item 5).

For each command, hypothesis draws an example file of the right kind and a mutation (a value
replaced by a negative, zero, NaN, infinity, a huge or tiny number, a wrong unit, text, a bool,
a list; a key deleted; an unknown key added), writes the mutated file and runs the command on
it in this process with fast settings. Whatever the input, the command must:

- exit with 0, 1 or 2 (never an internal error, never a traceback);
- print no Python warning (warnings are errors while it runs: a RuntimeWarning from NaN
  arithmetic would be a silent wrong answer);
- on exit 2, print exactly one line ``spinloss: error: FILE: KEY: rule`` naming the mutated file
  (or ``<command line>`` for an option) and a key.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinloss import cli

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"

DEVICE_TABLES = {"geometry", "magnet", "field", "pulse", "torques", "readout", "cell", "heating"}


def _load(p: Path) -> dict:
    with p.open("rb") as fh:
        return tomllib.load(fh)


def _kind(data: dict) -> str:
    if "designs" in data:
        return "comparison"
    if "layers" in data:
        return "device" if any(k in data for k in DEVICE_TABLES) else "stack"
    return "other"


EXAMPLES = {p.name: _load(p) for p in sorted(EX.glob("*.toml"))}
STACKS = sorted(n for n, d in EXAMPLES.items() if _kind(d) == "stack")
DEVICES = sorted(n for n, d in EXAMPLES.items() if _kind(d) == "device")

#: Fast settings per command (device files unless said).
COMMANDS = {
    "torque": ["--json"],
    "switch": ["--trials", "4", "-w", "0.1 ns", "--json"],
    "threshold": ["-T", "0", "-w", "0.2 ns", "--json"],
    "wer": ["--method", "monte_carlo", "--trials", "100", "-w", "0.1 ns", "--json"],
    "retention": ["--json"],
    "resonance": ["--json"],
    "trace": ["--duration", "0.2 ns", "--json"],
    "design": ["--fast", "--pulse-widths", "1 ns", "--target-wer", "0.2", "--thermal-stability", "8",
               "--quiet", "--json"],
    "heating": ["-w", "0.1 ns", "--json"],
}


# ---------------------------------------------------------------------------- TOML writer


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def dump_toml(data: dict) -> str:
    """A TOML document with one ``key = value`` line per top-level key (inline tables/arrays)."""
    return "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in data.items())


def test_the_writer_round_trips():
    for name, data in EXAMPLES.items():
        assert tomllib.loads(dump_toml(data)) == data, name


# ---------------------------------------------------------------------------- mutations


def leaf_paths(obj, prefix=()):
    """Paths (tuples of keys/indices) to every leaf and every table of ``obj``."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(prefix + (k,))
            out.extend(leaf_paths(v, prefix + (k,)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.append(prefix + (i,))
            out.extend(leaf_paths(v, prefix + (i,)))
    return out


BAD_VALUES = [-1.0, 0.0, float("nan"), float("inf"), -float("inf"), 1e300, 1e-300, "5 K", "1 A", "abc", "",
              True, [1, 2], {"x": 1}, "1e30 A/m^2", "-3 nm", "0 nm", "1 pm", "1 km", "nan nm", 7]


@st.composite
def mutation(draw, names):
    name = draw(st.sampled_from(names))
    data = copy.deepcopy(EXAMPLES[name])
    paths = leaf_paths(data)
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "replace", "replace", "negate", "scale", "delete", "unknown",
                                   "material"]))
    if action == "material" and isinstance(data.get("layers"), list) and data["layers"]:
        # a material value of one layer overridden with a bad or extreme value
        from spinloss.materials import MATERIAL_KEYS

        i = draw(st.integers(0, len(data["layers"]) - 1))
        key = draw(st.sampled_from(sorted(MATERIAL_KEYS)))
        value = draw(st.sampled_from(BAD_VALUES + [1e30, 1e-30, 1e12]))
        data["layers"][i][key] = value
        return name, data, f"layers[{i}].{key} = {value!r}"
    parent = data
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    old = parent[key]
    if action == "delete":
        if isinstance(parent, list):
            parent.pop(key)
        else:
            del parent[key]
    elif action == "unknown":
        target = old if isinstance(old, dict) else parent if isinstance(parent, dict) else data
        target["not_a_key"] = 1.0
    elif action == "negate" and isinstance(old, (int, float)) and not isinstance(old, bool):
        parent[key] = -old
    elif action == "scale" and isinstance(old, (int, float)) and not isinstance(old, bool):
        parent[key] = old * draw(st.sampled_from([1e-6, 1e-3, 1e3, 1e6]))
    else:
        parent[key] = draw(st.sampled_from(BAD_VALUES))
    return name, data, f"{action} {'.'.join(map(str, path))}"


def run_mutated(tmp_path_factory, command, name, data, what):
    d = tmp_path_factory.mktemp("fuzz")
    # files that refer to a library next to them keep working
    for lib in EX.glob("my_materials.toml"):
        (d / lib.name).write_text(lib.read_text())
    path = d / name
    path.write_text(dump_toml(data))
    import io
    from contextlib import redirect_stderr, redirect_stdout

    out, err = io.StringIO(), io.StringIO()
    code = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        original = warnings.simplefilter
        try:
            warnings.simplefilter = lambda *a, **k: None  # the CLI must not switch them off here
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    cli.main([command, str(path), *COMMANDS[command]])
                except SystemExit as exc:
                    code = exc.code
        finally:
            warnings.simplefilter = original
    stderr = err.getvalue()
    context = f"{command} on {name} ({what}): exit {code}\n{stderr}"
    assert code in (0, 1, 2), context
    assert "Traceback" not in stderr, context
    assert "internal error" not in stderr, context
    assert "Warning" not in stderr, context
    if code == 2:
        errors = [l for l in stderr.splitlines() if l.startswith("spinloss: error: ")]
        assert len(errors) == 1, context
        line = errors[0][len("spinloss: error: "):]
        parts = line.split(": ")
        assert len(parts) >= 3 or (len(parts) >= 2 and parts[0] in (str(path), "<command line>")), context
        assert parts[0] in (str(path), "<command line>") or str(d) in parts[0], context
    if code == 0:
        json.loads(out.getvalue())


FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(case=mutation(STACKS + DEVICES))
def test_fuzz_torque(tmp_path_factory, case):
    run_mutated(tmp_path_factory, "torque", *case)


@pytest.mark.slow
@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "torque"])
def test_fuzz_device_commands(tmp_path_factory, command):
    @FUZZ
    @given(case=mutation(DEVICES))
    def check(case):
        run_mutated(tmp_path_factory, command, *case)

    check()


# ---------------------------------------------------------------------------- options

#: Options of the device commands and values a hurried user might type (NaN, negative, empty
#: items, wrong units, out of range): each gives exit 0, 1 or 2, never a traceback, and exit 2
#: names the option.
OPTION_CASES = {
    "switch": ["--seed", "--trials", "-T", "-j", "-w"],
    "threshold": ["--seed", "--initial-tilt", "-T", "-w"],
    "wer": ["--seed", "--trials", "-T", "-j", "-w"],
    "retention": ["-T", "--seed"],
    "resonance": ["--tilt"],
    "trace": ["--seed", "--devices", "--duration", "-T", "--sequence"],
    "heating": ["-j", "-w"],
}
BAD_OPTION_VALUES = ["-1", "nan", "inf", "", "abc", "5 kg", "1e30", "0", "2e19", "1 ns,,2 ns", ",", "-5 nm"]


def _command_line(command, option, value):
    args = list(COMMANDS[command])
    if option in args:                      # the fast option replaced by the odd value
        i = args.index(option)
        args[i + 1] = value
    else:
        args += [option, value]
    return args


LONG_NAMES = {"-T": "--temperature", "-j": "--current-density", "-w": "--pulse-width"}


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.tuples(st.sampled_from(sorted(OPTION_CASES)), st.data()))
def test_fuzz_options(capsys, case):
    command, data = case
    option = data.draw(st.sampled_from(OPTION_CASES[command]))
    value = data.draw(st.sampled_from(BAD_OPTION_VALUES))
    args = [command, str(EX / "pt_py_device.toml"), *_command_line(command, option, value)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            cli.main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code
    out, err = capsys.readouterr()
    context = f"spinloss {' '.join(args)}: exit {code}\n{err}"
    assert code in (0, 1, 2), context
    assert "Traceback" not in err and "internal error" not in err and "Warning" not in err, context
    if code == 2:
        errors = [l for l in err.splitlines() if l.startswith("spinloss: error: ")]
        assert len(errors) == 1, context
        named = (option, LONG_NAMES.get(option, option))
        assert any(n in errors[0] for n in named) or "pt_py_device.toml" in errors[0], context
    if code == 0:
        json.loads(out)
