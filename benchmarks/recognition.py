"""Recognition benchmark: exact-match rate, images per second and time per stage on composed expressions.

    .venv/bin/python benchmarks/recognition.py [--count 200] [--seed 0] [--touching 0.15] [--model DIR]
                                               [--scribbles N] [--no-second-look] [--photos] [--structured]
                                               [--roots] [--columns] [--lines]

Each drawing is a random expression composed from MNIST **test** digits redrawn with the canvas pen plus
generated operators (:mod:`training.expression_images`), some digits written into their neighbour as a fast
hand does, in all three PNG polarities, then recognised by the
same ``recognize_batch`` the CLI uses with the committed Keras model. Composition is not timed. A drawing counts
as an exact match when the recognised ASCII expression equals the drawn one character for character.
``--scribbles N`` also draws N scribble-only drawings and counts how many are reported as unreadable.
``--no-second-look`` turns off the second look at unsure crops (:mod:`py_pipeline.views`), to measure it.
``--photos`` photographs every drawing first (:mod:`training.photographs`: blank, lined or squared paper,
turned, on a desk or filling the frame, lit from one side, 2000–4000 px wide, JPEG), and reads the photos;
they are read ten at a time, to bound memory, and only the reading is timed.
``--structured`` composes expressions with raised exponents and stacked fractions instead
(:func:`training.expression_images.random_structured_text`); the expected text then has the ``^`` and the
brackets the pipeline writes for them (so its per-symbol counts are approximate). ``--roots`` composes
expressions with square roots (:func:`training.expression_images.random_root_text`), each radical one stroke
clear of what it covers; the expected text has ``sqrt(…)`` for them. ``--columns`` writes numbers in a column
with a rule under them, as a sum on paper (:func:`training.expression_images.random_column_text`); the expected
text joins the lines, a ``+`` before each with no operator of its own. ``--lines`` writes two or three sums one
under the other, each ending in ``=`` (:func:`training.expression_images.random_lines_text`), to be calculated
one by one; the expected text is theirs joined by newlines, and a drawing counts only when it was calculated
line by line too (a result for each line).
This is a script that prints numbers, not a test: speed depends on the machine and its load.
"""

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from py_pipeline.errors import UnreadableSymbolError  # noqa: E402
from py_pipeline.recognize import recognize_batch  # noqa: E402
from training.expression_images import (POLARITIES, compose_expression, digits_by_label,  # noqa: E402
                                        expected_expression, random_column_text, random_expression_text,
                                        random_lines_text, random_root_text, random_structured_text, scribble_drawing)
from training.mnist_data import load_mnist  # noqa: E402
from training.model_store import load_classifier  # noqa: E402
from training.photographs import photograph  # noqa: E402

PHOTO_BATCH = 10
"""Photos read per ``recognize_batch`` call: a 4000-px photo is 36 MB as RGB."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--touching", type=float, default=0.15,
                        help="chance that a digit is written into the previous one (default 0.15)")
    parser.add_argument("--model", help="model directory (default: the one models/current names)")
    parser.add_argument("--show-misses", type=int, default=10, help="print up to this many misses")
    parser.add_argument("--scribbles", type=int, default=0,
                        help="also this many scribble-only drawings: how many are reported as unreadable")
    parser.add_argument("--no-second-look", dest="second_look", action="store_false",
                        help="read unsure crops once only (py_pipeline.views), to measure what the second look brings")
    parser.add_argument("--photos", action="store_true",
                        help="read phone-like photos of the drawings (training.photographs) instead of the drawings")
    parser.add_argument("--structured", action="store_true",
                        help="expressions with raised exponents and stacked fractions")
    parser.add_argument("--roots", action="store_true", help="expressions with square roots")
    parser.add_argument("--columns", action="store_true", help="numbers written in a column, a rule under them")
    parser.add_argument("--lines", action="store_true", help="sums one under the other, each ending in =")
    args = parser.parse_args()

    mnist = load_mnist()
    digits = digits_by_label(mnist.test_images, mnist.test_labels)
    rng = np.random.default_rng(args.seed)
    polarities = ("dark-on-light",) if args.photos else POLARITIES  # a photo is of ink on paper
    texts = (random_root_text if args.roots else random_structured_text if args.structured
             else random_column_text if args.columns else random_lines_text if args.lines else random_expression_text)
    drawings = [compose_expression(texts(rng), digits, rng, polarities[i % len(polarities)], args.touching)
                for i in range(args.count)]
    expected = [expected_expression(d.text) for d in drawings]
    classify = load_classifier(args.model)
    # Warm-up: Keras builds its graph on the first call.
    recognize_batch([drawings[0].image], classify, second_look=args.second_look)

    if args.photos:
        results, elapsed = [], 0.0
        for first in range(0, len(drawings), PHOTO_BATCH):
            photos = [photograph(d.image, rng) for d in drawings[first:first + PHOTO_BATCH]]
            start = time.perf_counter()
            results += recognize_batch(photos, classify, second_look=args.second_look)
            elapsed += time.perf_counter() - start
    else:
        start = time.perf_counter()
        results = recognize_batch([d.image for d in drawings], classify, second_look=args.second_look)
        elapsed = time.perf_counter() - start

    exact = [r.expression == text and (not args.lines or len(r.results) == text.count("\n") + 1)
             for r, text in zip(results, expected)]
    symbols = sum(len(d.boxes) for d in drawings)
    stage_totals = {}
    for r in results:
        for stage, ms in r.timings_ms.items():
            stage_totals.setdefault(stage, []).append(ms)

    print(f"drawings            {len(drawings)} ({symbols} symbols, seed {args.seed}, touching {args.touching}"
          f"{', photographed' if args.photos else ''}{', structured' if args.structured else ''}"
          f"{', columns' if args.columns else ''}{', lines one by one' if args.lines else ''}"
          f"{', with roots' if args.roots else ''})")
    print(f"exact match         {sum(exact)}/{len(exact)} = {100 * sum(exact) / len(exact):.1f}%")
    print(f"throughput          {len(drawings) / elapsed:.1f} images/s ({elapsed:.2f} s in all)")
    print("time per stage      (ms per image: mean, median)")
    for stage, values in stage_totals.items():
        print(f"  {stage:<17} {statistics.fmean(values):8.2f} {statistics.median(values):8.2f}")
    misses = [(text, r.expression, r.error) for text, r, ok in zip(expected, results, exact) if not ok]
    for text, got, error in misses[:args.show_misses]:
        print(f"  miss: drew {text!r:<22} read {got!r:<22} {error.message if error else ''}")
    for line in miss_summary(expected, [r.expression for r in results]):
        print(line)
    flagged = [isinstance(r.error, UnreadableSymbolError) for r in results]
    print(f"unreadable          {sum(flagged)} of the {len(flagged)} expressions reported as unreadable")
    if args.scribbles:
        scribbles = [scribble_drawing(rng) for _ in range(args.scribbles)]
        read = recognize_batch(scribbles, classify, second_look=args.second_look)
        caught = sum(isinstance(r.error, UnreadableSymbolError) for r in read)
        calculated = sum(r.value is not None for r in read)
        print(f"scribbles           {caught}/{len(scribbles)} reported as unreadable, {calculated} calculated "
              "(random walks, not the training generator)")


def miss_summary(drawn, read):
    """Lines that say where the misses come from: a symbol read as another, or the wrong number of symbols.

    Where the count is right, the symbols line up one to one, which gives the rate at which single symbols
    are misread in context. If every symbol were misread independently at that rate, a drawing of n symbols
    would be read exactly with probability (rate read right)^n: the ``ceiling`` line averages that over the
    drawings, so the gap between it and the exact-match rate is what segmentation and counting cost.
    """
    aligned = [(a, b) for a, b in zip(drawn, read) if len(a) == len(b)]
    substituted = sum(a != b for a, b in aligned)
    miscounted = len(drawn) - len(aligned)
    pairs = Counter((x, y) for a, b in aligned for x, y in zip(a, b) if x != y)
    symbols = sum(len(a) for a, _ in aligned)
    right = symbols - sum(pairs.values())
    lines = [f"misses by kind      {substituted} with a symbol misread, {miscounted} with too few or too many "
             "symbols (or none read)"]
    if symbols:
        rate = right / symbols
        ceiling = sum(rate ** len(a) for a in drawn) / len(drawn)
        lines.append(f"symbols read right  {right}/{symbols} = {100 * rate:.2f}% where the count is right; "
                     f"ceiling {100 * ceiling:.1f}% exact if each were misread independently at that rate")
    if pairs:
        lines.append("most misread        " + ", ".join(f"{x}→{y} ×{n}" for (x, y), n in pairs.most_common(8)))
    return lines


if __name__ == "__main__":
    main()
