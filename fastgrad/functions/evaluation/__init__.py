"""evaluation functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.evaluation.accuracy import accuracy  # NOQA
from fastgrad.functions.evaluation.binary_accuracy import binary_accuracy  # NOQA
