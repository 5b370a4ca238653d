"""rnn functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.rnn.n_step_gru import n_step_bigru, n_step_gru  # NOQA
from fastgrad.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm  # NOQA
from fastgrad.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn  # NOQA
from fastgrad.functions.rnn.tree_lstm import tree_lstm  # NOQA
# lstm and slstm are exported from fastgrad/functions/__init__.py: here the
# package attributes stay the modules, as in Chainer (its tests reach
# lstm.LSTMGrad and slstm.SLSTMGrad on them)
