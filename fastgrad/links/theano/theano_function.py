"""``L.TheanoFunction``: Chainer's link around a Theano graph, which fastgrad
does not carry (see :mod:`fastgrad.functions.theano.theano_function`)."""
from fastgrad.functions.theano.theano_function import MESSAGE
from fastgrad.link import Link


class TheanoFunction(Link):
    """``TheanoFunction(inputs, outputs)``: Chainer's link that runs a Theano
    graph.  Creating one raises ``RuntimeError``: Theano is not supported by
    fastgrad (its development ended in 2017 and it does not install on current
    Python and NumPy); write the computation with fastgrad.functions instead.

    >>> L.TheanoFunction(inputs=None, outputs=None)
    Traceback (most recent call last):
      ...
    RuntimeError: TheanoFunction: Theano is not supported by fastgrad. ...
    """

    def __init__(self, inputs, outputs):
        raise RuntimeError(MESSAGE.format('TheanoFunction'))
