"""Running the ``spinloss`` command for the p-bit tests: in a subprocess (end to end, one per
command) or in this process (the error paths and the cheap variants: no interpreter start-up)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_subprocess(*args, ok=(0,)) -> Ran:
    p = subprocess.run([sys.executable, "-m", "spinloss", *map(str, args)], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode in ok, p.stderr
    assert "Traceback" not in p.stderr
    return Ran(p.returncode, p.stdout, p.stderr)


def run_inprocess(capsys, *args, ok=(0,)) -> Ran:
    """``spinloss.cli.main`` with ``args``; stdout and stderr from pytest's capsys."""
    from spinloss.cli import main

    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    assert code in ok, out.err
    assert "Traceback" not in out.err
    return Ran(code, out.out, out.err)
