"""The recognition benchmark runs as a user runs it, with the committed model, and its numbers add up."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_benchmark_prints_rates_and_accounts_for_every_miss():
    run = subprocess.run([sys.executable, "benchmarks/recognition.py", "--count", "30", "--seed", "3"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    drawn_symbols = int(re.search(r"drawings\s+30 \((\d+) symbols", out).group(1))
    exact, count = map(int, re.search(r"exact match\s+(\d+)/(\d+)", out).groups())
    kinds = re.search(r"misses by kind\s+(\d+) with a symbol misread, (\d+) with", out)
    substituted, miscounted = map(int, kinds.groups())
    assert count == 30 and exact + substituted + miscounted == count
    assert float(re.search(r"throughput\s+([\d.]+) images/s", out).group(1)) > 0
    for stage in ("input", "segment", "normalize", "classify", "parse", "evaluate"):
        assert re.search(rf"^\s+{stage}\s+[\d.]+\s+[\d.]+$", out, re.M), stage

    right, aligned = map(int, re.search(r"symbols read right\s+(\d+)/(\d+)", out).groups())
    assert aligned <= drawn_symbols and aligned - right >= substituted  # each such miss misreads one or more
    ceiling = float(re.search(r"ceiling ([\d.]+)% exact", out).group(1))
    assert 0 < ceiling <= 100
    if substituted:
        listed = re.search(r"most misread\s+(.*)$", out, re.M).group(1)
        assert sum(int(n) for n in re.findall(r"×(\d+)", listed)) <= aligned - right


@pytest.mark.slow
def test_the_photo_benchmark_reads_photographs_of_the_drawings():
    run = subprocess.run([sys.executable, "benchmarks/recognition.py", "--count", "12", "--seed", "2", "--photos"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert re.search(r"drawings\s+12 \(\d+ symbols, seed 2, touching 0.15, photographed\)", out)
    exact, count = map(int, re.search(r"exact match\s+(\d+)/(\d+)", out).groups())
    kinds = re.search(r"misses by kind\s+(\d+) with a symbol misread, (\d+) with", out)
    assert count == 12 and exact + sum(map(int, kinds.groups())) == count
    # Reading a photo starts from a camera-sized image: the input stage costs far more than for a drawing.
    assert float(re.search(r"^\s+input\s+([\d.]+)", out, re.M).group(1)) > 0


@pytest.mark.slow
@pytest.mark.parametrize("option, described, notation", [
    ("--structured", "structured", "{|}:"),     # stacked fractions {A|B}, raised exponents
    ("--roots", "with roots", "[]:"),           # square roots [A]
])
def test_the_layout_benchmarks_compare_with_the_text_the_pipeline_writes(option, described, notation):
    run = subprocess.run([sys.executable, "benchmarks/recognition.py", "--count", "12", "--seed", "1", option,
                          "--show-misses", "12"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert re.search(rf"drawings\s+12 \(\d+ symbols, seed 1, touching 0.15, {described}\)", out)
    exact, count = map(int, re.search(r"exact match\s+(\d+)/(\d+)", out).groups())
    assert count == 12 and exact > 0
    # Misses list what was drawn the way the pipeline writes it: no composer notation left in it.
    for drawn in re.findall(r"miss: drew '([^']*)'", out):
        assert not set(drawn) & set(notation)
