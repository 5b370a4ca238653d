"""rnn functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.rnn.lstm import lstm  # NOQA
