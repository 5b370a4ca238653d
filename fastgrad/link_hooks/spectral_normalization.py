"""SpectralNormalization (Miyato et al. 2018): the link computes with
W / sigma(W), sigma the largest singular value of W (as a matrix over its
output axis) estimated by power iteration with a persistent vector
``<weight>_u``; optionally times a learnt ``gamma``."""
from fastgrad import backend, configuration
from fastgrad.link_hook import LinkHook


def _l2normalize(xp, v, eps):
    return v / (xp.linalg.norm(v) + eps)


class SpectralNormalization(LinkHook):
    """Args (as in Chainer): n_power_iteration, eps, use_gamma, factor,
    weight_name, name.  Add it to a link (``link.add_hook(...)``), not as a
    context manager.

    >>> np.random.seed(0)  # the power iteration's start vector
    >>> layer = L.Linear(2, 2, initialW=np.array([[3., 0.], [0., 1.]], np.float32))
    >>> _ = layer.add_hook(fastgrad.link_hooks.SpectralNormalization(n_power_iteration=5))
    >>> np.round(layer(np.ones((1, 2), np.float32)).array, 4)  # W / 3
    array([[1.    , 0.3333]], dtype=float32)
    """

    name = 'SpectralNormalization'

    def __init__(self, n_power_iteration=1, eps=1e-6, use_gamma=False, factor=None,
                 weight_name='W', name=None):
        if n_power_iteration <= 0:
            raise ValueError('n_power_iteration must be positive')
        self.n_power_iteration = n_power_iteration
        self.eps = eps
        self.use_gamma = use_gamma
        self.factor = factor
        self.weight_name = weight_name
        self.vector_name = weight_name + '_u'
        self.axis = 0
        self.v = None
        self._initialized = False
        if name is not None:
            self.name = name

    def __enter__(self):
        raise NotImplementedError('SpectralNormalization is added to a link, not used '
                                  'as a context manager.')

    def __exit__(self, *exc):
        raise NotImplementedError

    def added(self, link):
        if not hasattr(link, self.weight_name):
            raise ValueError("Weight '{}' does not exist!".format(self.weight_name))
        import fastgrad.links as L
        deconv = tuple(c for c in (getattr(L, 'Deconvolution2D', None),
                                   getattr(L, 'DeconvolutionND', None)) if c)
        if deconv and isinstance(link, deconv):
            self.axis = 1          # the output channels of a deconvolution
        if getattr(link, self.weight_name).array is not None:
            self._prepare(link)

    def deleted(self, link):
        delattr(link, self.vector_name)
        if self.use_gamma:
            del link.gamma

    def _matrix(self, W):
        """W with the output axis first, as a 2-D matrix."""
        if self.axis != 0:
            W = W.transpose([self.axis] + [i for i in range(W.ndim) if i != self.axis])
        return W if W.ndim == 2 else W.reshape(W.shape[0], -1)

    def _prepare(self, link, x=None):
        import fastgrad
        if getattr(link, self.weight_name).array is None and x is not None:
            link._initialize_params(x.shape[1])
        W = getattr(link, self.weight_name)
        if W.shape[self.axis] == 0:
            raise ValueError('Expect {}.shape[{}] > 0'.format(self.weight_name, self.axis))
        xp = backend.get_array_module(W.array)
        u = xp.random.normal(size=(W.shape[self.axis],)).astype(W.dtype)
        setattr(link, self.vector_name, u)
        link.register_persistent(self.vector_name)
        if self.use_gamma:
            s = xp.linalg.svd(self._matrix(W.array), compute_uv=False)
            with link.init_scope():
                link.gamma = fastgrad.Parameter(xp.asarray(s[0], dtype=W.dtype))
        self._initialized = True

    def forward_preprocess(self, cb_args):
        link = cb_args.link
        if not self._initialized:
            self._prepare(link, cb_args.args[0] if cb_args.args else None)
        self.original_weight = getattr(link, self.weight_name)
        object.__setattr__(link, self.weight_name, self.normalize_weight(link))

    def forward_postprocess(self, cb_args):
        object.__setattr__(cb_args.link, self.weight_name, self.original_weight)

    def normalize_weight(self, link):
        """W / sigma (times gamma), sigma from power iteration; in training
        mode the persistent vector ``u`` is updated.  ``self.v`` keeps the
        other vector, so that a recomputation (``config.in_recomputing``)
        gives the same W / sigma."""
        import fastgrad.functions as F
        W = getattr(link, self.weight_name)
        xp = backend.get_array_module(W.array)
        Wm = self._matrix(W.array)
        u = getattr(link, self.vector_name)
        recomputing = configuration.config.in_recomputing
        if recomputing:
            # F.forget's second forward: the vectors of the first one
            v = self.v
        else:
            for _ in range(self.n_power_iteration):
                v = _l2normalize(xp, u.dot(Wm), self.eps)
                u = _l2normalize(xp, Wm.dot(v), self.eps)
            self.v = v
        W_matrix = W
        if self.axis != 0:
            W_matrix = F.transpose(W, [self.axis] + [i for i in range(W.ndim)
                                                     if i != self.axis])
        if W_matrix.ndim != 2:
            W_matrix = F.reshape(W_matrix, (W_matrix.shape[0], -1))
        sigma = F.sum(F.matmul(W_matrix, v) * u)
        if self.factor is not None:
            sigma = sigma / self.factor
        W_bar = W / F.broadcast_to(sigma, W.shape)
        if self.use_gamma:
            W_bar = F.broadcast_to(link.gamma, W.shape) * W_bar
        if configuration.config.train and not recomputing:
            getattr(link, self.vector_name)[...] = u
        return W_bar
