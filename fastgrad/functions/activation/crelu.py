"""crelu and relu6: compositions of relu, concat and clipped_relu."""


def crelu(x, axis=1):
    """Concatenated ReLU: ``concat(relu(x), relu(-x))`` along ``axis``."""
    import fastgrad.functions as F
    return F.concat((F.relu(x), F.relu(-x)), axis=axis)


def relu6(x):
    """``min(max(0, x), 6)``."""
    import fastgrad.functions as F
    return F.clipped_relu(x, 6.0)
