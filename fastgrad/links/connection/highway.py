"""L.Highway: y = act(plain(x)) * T + x * (1 - T), T = sigmoid(transform(x))."""
from fastgrad import link
from fastgrad.functions.activation.relu import relu
from fastgrad.functions.activation.sigmoid import sigmoid
from fastgrad.links.connection.linear import Linear


class Highway(link.Chain):
    """``Highway(in_out_size, nobias=False, activate=relu, init_Wh=None,
    init_Wt=None, init_bh=None, init_bt=-1)``

    Two Linear children, ``plain`` (``init_Wh``, ``init_bh``) and
    ``transform`` (``init_Wt``, ``init_bt``; the negative default bias starts
    the gate T near "carry the input through").

    >>> l = L.Highway(3)
    >>> l(np.ones((2, 3), dtype=np.float32)).shape
    (2, 3)
    """

    def __init__(self, in_out_size, nobias=False, activate=relu,
                 init_Wh=None, init_Wt=None, init_bh=None, init_bt=-1):
        super().__init__()
        self.activate = activate
        with self.init_scope():
            self.plain = Linear(in_out_size, in_out_size, nobias=nobias,
                                initialW=init_Wh, initial_bias=init_bh)
            self.transform = Linear(in_out_size, in_out_size, nobias=nobias,
                                    initialW=init_Wt, initial_bias=init_bt)

    def forward(self, x):
        out_plain = self.activate(self.plain(x))
        out_transform = sigmoid(self.transform(x))
        return out_plain * out_transform + x * (1 - out_transform)
