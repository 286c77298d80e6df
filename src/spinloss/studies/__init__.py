"""The headline study behind ``make demo`` / ``spinloss demo``: one command, several sections.

Each section is a function ``section(output_dir, examples_dir, *, progress=None) -> dict`` in its
own module (:mod:`.torque`, :mod:`.switching`, :mod:`.energy`, :mod:`.probabilistic`), registered in :data:`SECTIONS`;
:func:`run_demo` runs the requested sections and writes ``demo_summary.json`` listing every file
and ``report.html``. A section returns at least ``{"section": name, "title": str, "files":
{label: path}, "seconds": float}``; sections that produce a table add ``"table"`` (a list of row
dicts), ``"columns"`` (key -> header with the unit as shown) and, where a column is shown in
another unit than the row's SI value, ``"scale"`` (key -> factor from SI; "fJ" is 1e15); a section
with more than one table lists the others in ``"more_sections"`` (each with its own ``title``,
``table``, ``columns``, ``scale``), shown by the report after it. Add a section by writing its module and one
line in :data:`SECTIONS` (and :data:`DEFAULT_SECTIONS` if it should run by default).

Every JSON file the demo writes carries ``provenance`` (:mod:`.provenance`): a section returns
the example files it read (``"inputs"``) and its ``"seeds"``, puts them in the provenance of each
of its JSON files, and ``demo_summary.json`` lists all of them with their hashes.

Outputs are never a mix of two runs: the sections write into a fresh folder ``DIR.partial``
beside ``DIR``, which replaces ``DIR`` only when every section has finished. An interrupted run
leaves ``DIR`` as it was and ``DIR.partial`` holding the finished sections with a file
``INTERRUPTED`` saying which.

Studies compute through the public API and the sweep engine, draw with :mod:`spinloss.plots`
and report progress through a :data:`spinloss.progress.ProgressCallback`; nothing in the
physics layers imports them.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Callable

from ..errors import Interrupted, SpinlossInputError
from ..io import to_jsonable, write_text_atomic
from ..progress import note

_DEFAULT_OUTPUT = "spinloss-demo"


# ============================================================================ entry point


#: Notes shown by the demo (one line per step of a section, per design of a comparison); the
#: design search's own notes (every WER evaluation) are left out, bars are always shown.
DEMO_NOTE_TASKS = {"demo", "torque", "switching", "energy", "compare", "scaling", "probabilistic"}


def _prefixed(progress, prefix):
    """A progress callback that prefixes notes with the section's place in the demo and keeps
    only the notes of :data:`DEMO_NOTE_TASKS`."""
    if progress is None:
        return None
    from dataclasses import replace

    def cb(event):
        if event.message is not None:
            if event.task not in DEMO_NOTE_TASKS:
                return
            event = replace(event, message=f"{prefix} {event.message}")
        progress(event)

    return cb


def run_demo(output_dir=_DEFAULT_OUTPUT, sections=None, examples_dir=None, *, progress=None,
             full: bool = False) -> dict:
    """Run the headline study: every section in ``sections`` (default :data:`DEFAULT_SECTIONS`)
    writes its files; ``demo_summary.json`` lists them all; ``report.html`` shows them (module
    docstring for the folder swap). ``progress``: a :data:`spinloss.progress.ProgressCallback`.
    ``full``: the sections of :data:`FULL_SECTIONS` at their full settings (the energy section at
    the comparison file's WER 1e-9 with the STANDARD search: the verdict; an hour or more on 2
    cores) instead of the demo's fast ones; the other sections are the same either way.
    Returns ``{"output_dir", "sections": {name: section result}, "files": [paths], "summary",
    "seconds"}``. Ctrl-C raises :class:`~spinloss.errors.Interrupted` naming the finished sections.
    """
    t0 = time.perf_counter()
    names = tuple(DEFAULT_SECTIONS if sections is None else sections)
    unknown = [s for s in names if s not in SECTIONS]
    if unknown or not names:
        raise SpinlossInputError(None, "sections", f"unknown demo section(s) {', '.join(unknown) or '(none)'}; "
                                                   f"available: {', '.join(SECTIONS)}")
    final = Path(output_dir)
    examples = find_examples_dir(examples_dir)
    if final.exists() and not final.is_dir():
        raise SpinlossInputError(None, "output_dir", f"{str(final)!r} exists and is not a folder")
    if not final.parent.is_dir() if str(final.parent) else False:
        raise SpinlossInputError(None, "output_dir", f"folder {str(final.parent)!r} does not exist")
    staging = final.with_name(final.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    results = {}
    try:
        for k, name in enumerate(names, 1):
            note(progress, "demo", f"[demo {k}/{len(names)}] section '{name}' ...")
            run = FULL_SECTIONS.get(name, SECTIONS[name]) if full else SECTIONS[name]
            results[name] = run(staging, examples, progress=_prefixed(progress, f"[demo {k}/{len(names)}]"))
            note(progress, "demo", f"[demo {k}/{len(names)}] section '{name}' done in "
                                   f"{results[name].get('seconds', 0.0):.1f} s")
        from ..report import write_demo_report

        report = write_demo_report(staging, results)
    except KeyboardInterrupt:
        done = ", ".join(results) or "none"
        write_text_atomic(staging / "INTERRUPTED",
                          f"spinloss demo was interrupted; finished sections: {done}. These files are not a "
                          f"complete demo; {final}/ was left as it was.\n")
        raise Interrupted(None, f"finished sections: {done}; their files are in {staging}/ "
                                f"(marked INTERRUPTED); {final}/ was left as it was") from None

    def final_path(p) -> str:
        rel = Path(p).relative_to(staging)
        return str(final / rel)

    for r in results.values():
        r["files"] = {k: final_path(v) for k, v in r["files"].items()}
        for extra in r.get("more_sections") or []:
            extra["files"] = {k: final_path(v) for k, v in (extra.get("files") or {}).items()}
    files = [p for r in results.values() for p in r["files"].values()]
    summary = {
        "output_dir": str(final),
        "examples_dir": str(examples),
        "sections": {n: {"title": r.get("title", n), "seconds": r.get("seconds"), "files": r["files"],
                         "checks": r.get("checks", {})} for n, r in results.items()},
    }
    from ..io import provenance
    from .provenance import unique_inputs

    # every example file a section read (with its hash) and every section's seeds
    inputs = unique_inputs(p for r in results.values() for p in r.get("inputs") or ())
    seeds = {n: dict(r.get("seeds") or {}) for n, r in results.items()}
    summary["provenance"] = provenance(inputs, seeds=seeds, extra={"sections": list(names), "full": bool(full)})
    write_text_atomic(staging / "demo_summary.json", json.dumps(to_jsonable(summary), indent=2, allow_nan=False) + "\n")
    files += [str(final / "demo_summary.json"), final_path(report)]
    # swap the fresh folder in (the old one goes only after the new one is complete)
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    seconds = time.perf_counter() - t0
    note(progress, "demo", f"[demo] done in {seconds:.1f} s; outputs in {final}/ (report {final / 'report.html'})")
    return {"output_dir": str(final), "examples_dir": str(examples), "sections": results,
            "files": files, "summary": str(final / "demo_summary.json"), "seconds": seconds}


def find_examples_dir(examples_dir=None) -> Path:
    """The directory of example stacks: ``examples_dir`` if given, else the repository's
    ``examples/`` next to the package source (src/spinloss/studies/../../../examples), else ``./examples``.
    Raises :class:`SpinlossInputError` naming the places it looked."""
    if examples_dir is not None:
        p = Path(examples_dir)
        if not p.is_dir():
            raise SpinlossInputError(None, "examples_dir", f"{str(p)!r} is not a directory")
        from .torque import TORQUE_EXAMPLES

        missing = [f for f in TORQUE_EXAMPLES if not (p / f).is_file()]
        if missing:
            raise SpinlossInputError(None, "examples_dir", f"{str(p)!r} lacks the example stacks "
                                                           f"{', '.join(missing)}")
        return p
    from .torque import TORQUE_EXAMPLES

    candidates = [Path(__file__).resolve().parents[3] / "examples", Path.cwd() / "examples"]
    for p in candidates:
        if p.is_dir() and all((p / f).is_file() for f in TORQUE_EXAMPLES):
            return p
    looked = ", ".join(str(c) for c in candidates)
    raise SpinlossInputError(None, "examples_dir",
                             f"no examples directory with {', '.join(TORQUE_EXAMPLES[:3])}, ... "
                             f"found (looked in {looked}); pass the repository's examples/ "
                             "(spinloss demo --examples DIR)")


#: Demo sections: name -> function(output_dir, examples_dir, *, progress=None) -> dict.
def _torque_section(output_dir, examples_dir, *, progress=None) -> dict:
    from .torque import headline_torque_study

    return headline_torque_study(output_dir, examples_dir, progress=progress)


def _switching_section(output_dir, examples_dir, *, progress=None) -> dict:
    from .switching import switching_section

    return switching_section(output_dir, examples_dir, progress=progress)


def _energy_section(output_dir, examples_dir, *, progress=None) -> dict:
    from .energy import energy_section

    return energy_section(output_dir, examples_dir, fast=True, progress=progress)


def _energy_full_section(output_dir, examples_dir, *, progress=None) -> dict:
    from .energy import energy_section

    return energy_section(output_dir, examples_dir, fast=False, progress=progress)


def _probabilistic_section(output_dir, examples_dir, *, progress=None) -> dict:
    from .probabilistic import FAST, probabilistic_section

    return probabilistic_section(output_dir, examples_dir, settings=FAST, progress=progress)


SECTIONS: dict[str, Callable[..., dict]] = {"torque": _torque_section, "switching": _switching_section,
                                            "energy": _energy_section, "probabilistic": _probabilistic_section}
#: Sections with full settings (``spinloss demo --full``), replacing the fast ones of :data:`SECTIONS`.
FULL_SECTIONS: dict[str, Callable[..., dict]] = {"energy": _energy_full_section}
#: Sections run by ``spinloss demo`` when none are named.
DEFAULT_SECTIONS: tuple = ("torque", "switching", "energy", "probabilistic")
