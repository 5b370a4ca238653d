from fastgrad.functions.activation.relu import relu  # NOQA
from fastgrad.functions.activation.sigmoid import sigmoid  # NOQA
from fastgrad.functions.activation.tanh import tanh  # NOQA
