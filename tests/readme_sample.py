"""The README's `evalkit run` sample, made by running the command, so the README cannot drift from it.

    python tests/readme_sample.py            # print the sample as `evalkit run` makes it now
    python tests/readme_sample.py --write    # and put it in README.md, between the sample's markers

`tests/test_docs.py` runs the same command (a slow test) and fails when the README's block differs,
beyond the run time and the last digit of a score (CPUs differ there).
The sample is the whole table with its legend, the first claim `evalkit run` lists on stderr, and the
closing line; the output folder is shown as `reports`, where `evalkit run` writes by default.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN = "<!-- evalkit run sample: made by tests/readme_sample.py -->"
END = "<!-- end of the evalkit run sample -->"
NUMBER = re.compile(r"\d+\.\d+")


def sample() -> str:
    """What `evalkit run` prints over the project's references, as the README shows it."""
    with tempfile.TemporaryDirectory(prefix="evalkit-readme-") as out:
        done = subprocess.run(
            [sys.executable, "-m", "evalkit.frontends.cli", "run", "--output-dir", out],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        )
        stdout, stderr = done.stdout.replace(out, "reports"), done.stderr
    if done.returncode not in (0, 1):
        raise RuntimeError(f"evalkit run exited {done.returncode}: {stderr.strip()}")
    *table, blank, closing = stdout.rstrip("\n").split("\n")
    claim: list[str] = []
    for line in stderr.splitlines():  # the first listed claim: its line and the indented lines under it
        if claim and not line.startswith(" "):
            break
        if claim or "] " in line:
            claim.append(line)
    return "\n".join([*table, *claim, "", closing]) + "\n"


def block(text: str) -> str:
    """The sample as it stands in the README (without its fence)."""
    start, end = text.index(BEGIN), text.index(END)
    body = text[start + len(BEGIN) : end].strip("\n")
    return body.removeprefix("```text\n").removesuffix("\n```") + "\n"


def same(readme: str, made: str) -> bool:
    """Equal but for the run time and a last digit of a score: words, columns, verdicts and results exact."""
    readme, made = (re.sub(r" in \d+\.\ds;", " in N s;", t) for t in (readme, made))
    if NUMBER.sub("#", readme) != NUMBER.sub("#", made):
        return False
    pairs = zip(NUMBER.findall(readme), NUMBER.findall(made), strict=True)
    return all(abs(float(a) - float(b)) <= 1.5 * 10 ** -len(a.split(".")[1]) for a, b in pairs)


def main() -> None:
    made = sample()
    print(made, end="")
    if "--write" in sys.argv[1:]:
        text = README.read_text(encoding="utf-8")
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        README.write_text(f"{text[:start]}\n```text\n{made}```\n{text[end:]}", encoding="utf-8")


if __name__ == "__main__":
    main()
