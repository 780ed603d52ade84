#!/usr/bin/env python3
"""Fills each `<!-- run: ARGS -->` ... `<!-- end -->` block of README.md with the real output of
`build/tsize ARGS`. tests/cli_test.cpp (ReadmeExamplesAreRealOutput) checks them."""
import pathlib
import re
import subprocess

root = pathlib.Path(__file__).resolve().parent.parent
readme = root / "README.md"
text = readme.read_text()


def fill(match):
    args = match.group(1)
    run = subprocess.run([str(root / "build" / "tsize"), *args.split()], capture_output=True,
                         text=True)
    out = run.stdout + run.stderr
    return f"<!-- run: {args} -->\n```\n$ tsize {args}\n{out}```\n<!-- end -->"


text = re.sub(r"<!-- run: (.*?) -->\n.*?<!-- end -->", fill, text, flags=re.S)
readme.write_text(text)
