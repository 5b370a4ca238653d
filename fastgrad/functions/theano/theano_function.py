"""Chainer's Theano bridge, which fastgrad does not carry.

Theano's development ended in 2017 and it does not install on the Python and
NumPy versions fastgrad runs on; its successors (Aesara, PyTensor) changed the
API the bridge was written against.  Calling anything here raises a
``RuntimeError`` that says so, instead of an ImportError from deep inside.
"""

MESSAGE = (
    '{}: Theano is not supported by fastgrad. Theano\'s development ended in 2017 '
    'and it does not install on current Python and NumPy, which is what fastgrad '
    'runs on. Write the computation with fastgrad.functions (chainer.functions '
    'under the alias) instead, or run this program with Chainer and Theano on an '
    'old Python.')


def theano_function(forward_func, backward_func, *inputs):
    """Chainer's ``theano_function``: raises ``RuntimeError`` (Theano is not
    supported; see the module docstring)."""
    raise RuntimeError(MESSAGE.format('theano_function'))


class TheanoFunction(object):
    """Chainer's ``TheanoFunction`` function class: raises ``RuntimeError``
    when created (Theano is not supported; see the module docstring)."""

    def __init__(self, forward_func, backward_func):
        raise RuntimeError(MESSAGE.format('TheanoFunction'))
