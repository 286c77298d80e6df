"""``spinloss demo``: the headline study (torque, switching, energy and probabilistic sections, HTML report)."""

from __future__ import annotations

import click

from ..errors import ConfigError, SpinlossInputError
from .common import CLI_SOURCE, echo_table, emit_json, fmt, json_option, progress_for


@click.command()
@click.option("--output", "output_dir", default="spinloss-demo", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Directory for tables and figures.")
@click.option("--examples", "examples_dir", default=None, metavar="DIR",
              type=click.Path(file_okay=False),
              help="The example stacks (default: the repository's examples/, else ./examples).")
@click.option("--sections", default=None, metavar="A,B,...",
              help="Run only these sections (torque, switching, energy, probabilistic; default: all).")
@click.option("--full", is_flag=True,
              help="The energy section at full settings: the comparison file's WER 1e-9, the STANDARD search "
                   "(1, 3, 10 ns), 30 x 30 maps, the scaling study at 200-20 nm (an hour or more on 2 cores). "
                   "Without it every number of that section is from fast settings at WER 1e-4, labelled so.")
@json_option
def demo(output_dir, examples_dir, sections, full, as_json):
    """The headline study: spin-loss torque vs heavy-metal SOT, with controls.

    Writes a table of xi_DL, xi_FL, resistivity and xi^2/rho over the example stacks and figures
    of xi_DL of Py/NiO vs Py thickness, NiO thickness, temperature and interface conductance
    (with the no-sink and symmetric controls) into DIR; prints the table and the files.
    """
    from ..studies import run_demo

    try:
        names = tuple(x.strip() for x in sections.split(",") if x.strip()) if sections else None
        result = run_demo(output_dir, sections=names, examples_dir=examples_dir,
                          progress=progress_for(as_json), full=full)
    except SpinlossInputError as exc:
        if exc.key == "examples_dir":
            raise ConfigError(CLI_SOURCE, "--examples", exc.rule) from None
        if exc.key == "sections":
            raise ConfigError(CLI_SOURCE, "--sections", exc.rule) from None
        if exc.key == "output_dir":
            raise ConfigError(CLI_SOURCE, "--output", exc.rule) from None
        raise
    if as_json:
        emit_json({"output_dir": result["output_dir"], "seconds": result["seconds"],
                   "files": result["files"], "sections": {
                       name: {k: sec[k] for k in ("title", "table", "columns", "scale", "reference", "checks",
                                                  "statement", "summary", "conclusion", "more_sections", "files",
                                                  "seconds") if k in sec}
                       for name, sec in result["sections"].items()}})
        return
    for name, sec in result["sections"].items():
        for part in [sec] + list(sec.get("more_sections") or []):
            click.echo(f"{part.get('title', name)}")
            if part.get("table") and "columns" in part:
                from ..studies.torque import format_cell

                cols = part["columns"]
                scale = part.get("scale") or {}
                first = part["table"][0]
                echo_table(list(cols.values()),
                           [[format_cell(k, row.get(k), scale) for k in cols] for row in part["table"]],
                           align="".join("l" if isinstance(first.get(k), str) else "r" for k in cols))
                ref = next((r.get("stack") for r in part["table"] if r.get("key") == part.get("reference")), None)
                if ref:
                    click.echo(f"  xi per current density J in the named layer; 'vs ref': xi^2/rho relative "
                               f"to {ref}; 'stack vs ref': (torque)^2 per Joule power of the whole stack "
                               f"relative to {ref} (counts shunting; see torque_table.md)")
            if isinstance(part.get("conclusion"), str):
                click.echo(f"  {part['conclusion']}")
        if sec.get("checks"):
            click.echo("  checks (the physics claims, evaluated on the data):")
            for k, v in sec["checks"].items():
                click.echo(f"    {k.replace('_', ' ')}: {fmt(v, '.3g') if isinstance(v, float) else v}")
        click.echo("")
    click.echo(f"Outputs ({result['seconds']:.1f} s) in {result['output_dir']}/:")
    for path in result["files"]:
        click.echo(f"  {path}")
