"""Link hooks (``chainer.link_hooks``)."""
from fastgrad.link_hooks.timer import TimerHook  # NOQA
