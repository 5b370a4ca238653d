from fastgrad.functions.activation.clipped_relu import clipped_relu  # NOQA
from fastgrad.functions.activation.elu import elu  # NOQA
from fastgrad.functions.activation.gelu import gelu  # NOQA
from fastgrad.functions.activation.hard_sigmoid import hard_sigmoid  # NOQA
from fastgrad.functions.activation.leaky_relu import leaky_relu  # NOQA
from fastgrad.functions.activation.log_softmax import log_softmax  # NOQA
from fastgrad.functions.activation.maxout import maxout  # NOQA
from fastgrad.functions.activation.prelu import prelu  # NOQA
from fastgrad.functions.activation.relu import relu  # NOQA
from fastgrad.functions.activation.selu import selu  # NOQA
from fastgrad.functions.activation.sigmoid import sigmoid  # NOQA
from fastgrad.functions.activation.softmax import softmax  # NOQA
from fastgrad.functions.activation.softplus import softplus  # NOQA
from fastgrad.functions.activation.swish import swish  # NOQA
from fastgrad.functions.activation.tanh import tanh  # NOQA
from fastgrad.functions.activation.crelu import crelu, relu6  # NOQA
from fastgrad.functions.activation.rrelu import rrelu  # NOQA
