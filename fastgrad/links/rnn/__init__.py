"""rnn links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.rnn.lstm import LSTM  # NOQA
