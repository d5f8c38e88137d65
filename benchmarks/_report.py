"""Writing one script's section of benchmarks/RESULTS.md, keeping every other section."""

from __future__ import annotations

from pathlib import Path

SECTION_START = "<!-- written by"


def write_section(path: Path, mark: str, text: str) -> None:
    """Replace the section that starts with ``mark`` (up to the next script's marker) by
    ``text`` (which starts with ``mark``), or append it; the rest of the file is kept."""
    old = path.read_text() if path.exists() else ""
    i = old.find(mark)
    if i < 0:
        before, later = old, ""
    else:
        before = old[:i]
        j = old.find(SECTION_START, i + len(mark))
        later = "" if j < 0 else old[j:]
    before = before.rstrip("\n")
    body = text.rstrip("\n") + "\n"
    path.write_text((before + "\n\n" if before else "") + body + ("\n" + later if later else ""))


def emit(lines: list, mark: str, out: str | None, quick: bool) -> None:
    """Print a script's section and write it into ``out``, or into benchmarks/RESULTS.md in
    full mode (a quick run writes nothing unless ``out`` is given)."""
    text = "\n".join(lines)
    print(text)
    path = out or (None if quick else str(Path(__file__).resolve().parent / "RESULTS.md"))
    if path:
        write_section(Path(path), mark, text)
        print(f"wrote {path}")
