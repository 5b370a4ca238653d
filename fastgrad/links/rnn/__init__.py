"""rnn links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.rnn.gru import GRU, StatefulGRU, StatelessGRU  # NOQA
from fastgrad.links.rnn.lstm import LSTM, StatelessLSTM  # NOQA
from fastgrad.links.rnn.mgu import StatefulMGU, StatelessMGU  # NOQA
from fastgrad.links.rnn.peephole import StatefulPeepholeLSTM  # NOQA
from fastgrad.links.rnn.tree_lstm import ChildSumTreeLSTM, NaryTreeLSTM  # NOQA
from fastgrad.links.rnn.zoneoutlstm import StatefulZoneoutLSTM  # NOQA
from fastgrad.links.rnn.n_step_gru import NStepBiGRU, NStepGRU  # NOQA
from fastgrad.links.rnn.n_step_lstm import NStepBiLSTM, NStepLSTM  # NOQA
from fastgrad.links.rnn.n_step_rnn import (  # NOQA
    NStepBiRNNReLU, NStepBiRNNTanh, NStepRNNReLU, NStepRNNTanh)
