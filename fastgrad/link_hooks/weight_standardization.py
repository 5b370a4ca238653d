"""WeightStandardization: the link computes with its weight standardized
per output unit (zero mean, unit variance over the other axes), the
standardization differentiable, the stored parameter untouched."""
from fastgrad.link_hook import LinkHook


class WeightStandardization(LinkHook):
    """Args: eps (added to the variance), weight_name ('W'), name.

    >>> layer = L.Linear(2, 1, initialW=np.array([[1., 3.]], np.float32))
    >>> _ = layer.add_hook(fastgrad.link_hooks.WeightStandardization())
    >>> np.round(layer(np.array([[1., 2.]], np.float32)).array, 4)  # W -> [-1, 1]
    array([[1.]], dtype=float32)
    >>> layer.W.array  # the parameter itself is unchanged
    array([[1., 3.]], dtype=float32)
    """

    name = 'WeightStandardization'

    def __init__(self, *, eps=1e-5, weight_name='W', name=None):
        self.eps = eps
        self.weight_name = weight_name
        if name is not None:
            self.name = name
        self._initialized = False
        self.original_weight = None

    def __enter__(self):
        raise NotImplementedError('WeightStandardization is added to a link, not used '
                                  'as a context manager.')

    def __exit__(self, *exc):
        raise NotImplementedError

    def added(self, link):
        if link is None:
            return
        if not hasattr(link, self.weight_name):
            raise ValueError("Weight '{}' does not exist!".format(self.weight_name))
        self._initialized = getattr(link, self.weight_name).array is not None

    def forward_preprocess(self, cb_args):
        import fastgrad.functions as F
        link = cb_args.link
        weight = getattr(link, self.weight_name)
        if weight.array is None:
            if not cb_args.args:
                raise ValueError('WeightStandardization: input variable does not exist!')
            link._initialize_params(cb_args.args[0].shape[1])
            weight = getattr(link, self.weight_name)
        self.original_weight = weight
        flat = F.reshape(weight, (weight.shape[0], -1))
        centered = flat - F.broadcast_to(F.mean(flat, axis=1, keepdims=True), flat.shape)
        var = F.mean(centered * centered, axis=1, keepdims=True)
        normalized = centered / F.broadcast_to(F.sqrt(var + self.eps), flat.shape)
        object.__setattr__(link, self.weight_name, F.reshape(normalized, weight.shape))

    def forward_postprocess(self, cb_args):
        object.__setattr__(cb_args.link, self.weight_name, self.original_weight)
