"""The evaluation report's arithmetic and pictures, on predictions whose answers are known (no TensorFlow)."""

import numpy as np
import pytest

from py_pipeline.recognize import UNREADABLE_BELOW
from py_pipeline.symbols import CLASSES
from training.evaluate import (confusion_matrix, evaluate_classifier, expected_calibration_error,
                               reliability_bins, top_confusions, uncertainty_threshold)
from training.touching import OUTLIER


def test_perfectly_calibrated_predictions_have_zero_ece():
    confidence = np.array([0.9] * 10 + [0.6] * 5)
    correct = np.array([True] * 9 + [False] + [True] * 3 + [False] * 2)
    bins = reliability_bins(confidence, correct, bins=10)
    assert expected_calibration_error(bins, len(confidence)) == pytest.approx(0.0, abs=1e-12)


def test_overconfident_predictions_have_the_gap_as_ece():
    confidence = np.full(100, 0.95)
    correct = np.arange(100) < 75
    bins = reliability_bins(confidence, correct, bins=15)
    assert expected_calibration_error(bins, 100) == pytest.approx(0.20)


def test_threshold_is_the_lowest_confidence_that_meets_the_target():
    confidence = np.concatenate([np.full(990, 0.999), np.full(10, 0.7), np.full(10, 0.55)])
    correct = np.concatenate([np.ones(990, bool), np.zeros(10, bool), np.ones(10, bool)])
    result = uncertainty_threshold(confidence, correct, target=0.998)
    assert result["uncertain_below"] == pytest.approx(0.71)
    assert result["uncertain_target_met"] and result["accuracy_above_threshold"] == 1.0
    assert result["share_of_errors_flagged"] == 1.0 and result["share_flagged"] == pytest.approx(20 / 1010, abs=1e-5)


def test_unreachable_target_is_reported_not_hidden():
    confidence = np.full(100, 0.999)
    correct = np.arange(100) < 90
    result = uncertainty_threshold(confidence, correct, target=0.998)
    assert not result["uncertain_target_met"] and result["uncertain_below"] == 0.99


def test_confusions_count_true_rows_and_predicted_columns():
    labels = np.array([1, 1, 1, 13, 13])
    predicted = np.array([1, 13, 13, 13, 1])
    matrix = confusion_matrix(labels, predicted)
    assert matrix[1, 13] == 2 and matrix[13, 1] == 1 and matrix.sum() == 5
    assert top_confusions(labels, predicted) == [{"true": "1", "predicted": "/", "count": 2},
                                                 {"true": "/", "predicted": "1", "count": 1}]


def test_report_scores_a_classifier_and_writes_both_pictures(tmp_path):
    rng = np.random.default_rng(0)
    labels = {"mnist_test": rng.integers(0, 10, 50), "mnist_test_redrawn": rng.integers(0, 10, 50),
              "generated_symbols": rng.integers(10, len(CLASSES), 30)}
    sets = {name: (np.zeros((len(y), 28, 28), np.float32) + y[:, None, None], y) for name, y in labels.items()}

    def classify(crops):  # reads the label off the image: right on everything but class 3
        truth = crops[:, 0, 0].astype(int)
        guess = np.where(truth == 3, 8, truth)
        probabilities = np.full((len(crops), len(CLASSES)), 0.01 / (len(CLASSES) - 1), np.float32)
        probabilities[np.arange(len(crops)), guess] = 0.99
        return probabilities

    metrics = evaluate_classifier(classify, sets, tmp_path, "test")
    threes = (labels["mnist_test"] == 3).mean()
    assert metrics["accuracy"]["mnist_test"] == pytest.approx(1 - threes, abs=1e-5)
    assert metrics["accuracy"]["generated_symbols"] == 1.0
    assert metrics["per_class_accuracy"]["mnist_test"]["3"] == 0.0
    assert metrics["targets"]["generated_symbols"]["met"] is True
    assert metrics["top_confusions"][0]["true"] == "3" and metrics["top_confusions"][0]["predicted"] == "8"
    for picture in ("confusion.png", "reliability.png"):
        assert (tmp_path / picture).read_bytes()[:4] == b"\x89PNG"


def test_report_says_how_much_the_pipeline_would_call_unreadable(tmp_path):
    digits = np.arange(10)
    sets = {"mnist_test_redrawn": (np.zeros((10, 28, 28), np.float32) + digits[:, None, None], digits),
            "scribbles": (np.full((4, 28, 28), -1.0, np.float32), np.full(4, OUTLIER))}

    def classify(crops):  # sure of every digit, uniform (no symbol) on every scribble
        # By the centre pixel, which the second look's one-pixel moves leave as it is.
        probabilities = np.full((len(crops), len(CLASSES)), 1.0 / len(CLASSES), np.float32)
        digit = crops[:, 14, 14] >= 0
        probabilities[digit] = 0.001
        probabilities[np.flatnonzero(digit), crops[digit, 14, 14].astype(int)] = 0.985
        return probabilities

    metrics = evaluate_classifier(classify, sets, tmp_path, "test")
    assert metrics["unreadable"] == {"below": UNREADABLE_BELOW, "share_of_scribbles": 1.0,
                                     "share_of_mnist_test_redrawn": 0.0}
    assert set(metrics["accuracy"]) == {"mnist_test_redrawn"} and metrics["accuracy"]["mnist_test_redrawn"] == 1.0
