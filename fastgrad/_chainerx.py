"""What ``import chainerx`` gives under the alias: Chainer's behaviour when
ChainerX is not built (fastgrad has no ChainerX backend)."""


def is_available():
    return False


ndarray = type('ndarray', (), {'__doc__': 'Placeholder: ChainerX is not available.'})


def __getattr__(name):
    # AttributeError, so hasattr() and the import system behave as usual.
    raise AttributeError('chainerx.{}: ChainerX is not available (fastgrad has no '
                       'ChainerX backend; use NumPy or CuPy arrays)'.format(name))
