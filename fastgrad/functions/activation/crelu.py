"""crelu and relu6: compositions of relu, concat and clipped_relu."""


def crelu(x, axis=1):
    """Concatenated ReLU: ``concat(relu(x), relu(-x))`` along ``axis``.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.crelu(x).array
    array([[0., 0., 2., 1., 0., 0.]], dtype=float32)
    """
    import fastgrad.functions as F
    return F.concat((F.relu(x), F.relu(-x)), axis=axis)


def relu6(x):
    """``min(max(0, x), 6)``.

    >>> x = np.array([[-1., 3., 8.]], dtype=np.float32)
    >>> F.relu6(x).array
    array([[0., 3., 6.]], dtype=float32)
    """
    import fastgrad.functions as F
    return F.clipped_relu(x, 6.0)
