"""selu(x) = scale * elu(x, alpha) (self-normalizing ELU)."""
from fastgrad.functions.activation.elu import elu


def selu(x, alpha=1.6732632423543772, scale=1.0507009873554805):
    """Scaled exponential linear unit, ``scale * elu(x, alpha)``.

    The defaults are the constants of Klambauer et al. (2017) that keep
    activations at zero mean and unit variance.
    """
    return elu(x, alpha) * float(scale)
