"""Sections of docs/benchmarks.md that a measurement of their own writes
(VACUUM beside inserts, ingest, IVF drift, range search, tenants, hybrid search, other types): each lies
between two copies of its marker line, and a later full run or another section's run keeps it as it is."""
import os


def section_of(text, mark):
    """The section of `text` between `mark` lines, "" when it has none."""
    parts = text.split(mark)
    return mark + parts[1] + mark + "\n" if len(parts) >= 3 else ""


def with_section(text, section, mark):
    """`text` with its `mark` section (if any) replaced by `section`, which
    goes at the end."""
    parts = text.split(mark)
    rest = parts[0] + mark.join(parts[2:]).lstrip("\n") if len(parts) >= 3 else text
    return rest.rstrip("\n") + "\n\n" + section if section else rest


def write_section(report_path, section, mark):
    """Puts the section into the report in place of an earlier one (or at
    the end)."""
    text = open(report_path).read() if os.path.exists(report_path) else ""
    with open(report_path, "w") as f:
        f.write(with_section(text, section, mark))


def closing_lines(ratios, command, machine, mark):
    """The end of a section: its ratio lines, the command and the machine,
    and the closing marker."""
    return [""] + ratios + ["", f"Command: `{command}`. Machine: {machine}.", mark, ""]
