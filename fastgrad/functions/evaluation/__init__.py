"""evaluation functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.evaluation.accuracy import accuracy  # NOQA
from fastgrad.functions.evaluation.binary_accuracy import binary_accuracy  # NOQA
from fastgrad.functions.evaluation.classification_summary import (  # NOQA
    classification_summary, f1_score, fbeta_score, precision, r2_score, recall)
