"""Link hooks (``chainer.link_hooks``)."""
from fastgrad.link_hooks.timer import TimerHook  # NOQA
from fastgrad.link_hooks.weight_standardization import WeightStandardization  # NOQA
from fastgrad.link_hooks.spectral_normalization import SpectralNormalization  # NOQA
