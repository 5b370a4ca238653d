"""selu(x) = scale * elu(x, alpha) (self-normalizing ELU)."""
from fastgrad.functions.activation.elu import elu


def selu(x, alpha=1.6732632423543772, scale=1.0507009873554805):
    """Scaled exponential linear unit, ``scale * elu(x, alpha)``.

    The defaults are the constants of Klambauer et al. (2017) that keep
    activations at zero mean and unit variance.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.selu(x).array
    array([[-1.1113307,  0.       ,  2.101402 ]], dtype=float32)
    """
    return elu(x, alpha) * float(scale)
