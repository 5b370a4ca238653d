"""rnn functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.rnn.lstm import lstm  # NOQA
from fastgrad.functions.rnn.slstm import slstm  # NOQA
from fastgrad.functions.rnn.tree_lstm import tree_lstm  # NOQA
