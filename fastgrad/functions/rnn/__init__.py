"""rnn functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.rnn.lstm import lstm  # NOQA
from fastgrad.functions.rnn.n_step_gru import n_step_bigru, n_step_gru  # NOQA
from fastgrad.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm  # NOQA
from fastgrad.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn  # NOQA
from fastgrad.functions.rnn.slstm import slstm  # NOQA
from fastgrad.functions.rnn.tree_lstm import tree_lstm  # NOQA
