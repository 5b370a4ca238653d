"""discriminative_margin_based_clustering_loss (De Brabandere et al. 2017):
pull pixel embeddings to their instance's mean, push the means apart, keep
the means small.  Built from differentiable functions."""
import numpy

from fastgrad import utils
from fastgrad.variable import as_array

_NAME = 'discriminative_margin_based_clustering_loss'


def _l2(x, axis):
    """sqrt(sum(x ** 2)) over ``axis``, with gradient 0 (not NaN) where it is 0."""
    from fastgrad import functions as F
    s = F.sum(x * x, axis=axis)
    positive = as_array(s) > 0
    dtype = as_array(s).dtype
    safe = s * positive.astype(dtype) + (~positive).astype(dtype)
    return F.sqrt(safe) * positive.astype(dtype)


def _l1(x, axis):
    from fastgrad import functions as F
    return F.sum(F.absolute(x), axis=axis)


class DiscriminativeMarginBasedClusteringLoss(object):
    """The loss as a callable object; see
    :func:`discriminative_margin_based_clustering_loss` for the arguments."""

    def __init__(self, delta_v=0.5, delta_d=1.5, max_embedding_dim=10, norm=1,
                 alpha=1.0, beta=1.0, gamma=0.001):
        if max_embedding_dim <= 0:
            raise ValueError('{}: max_embedding_dim must be positive; got {}'
                             .format(_NAME, max_embedding_dim))
        if norm not in (1, 2):
            raise ValueError('{}: norm can only be 1 or 2; got {}'.format(_NAME, norm))
        self.delta_v, self.delta_d = delta_v, delta_d
        self.max_embedding_dim = max_embedding_dim
        self.alpha, self.beta, self.gamma = alpha, beta, gamma
        self.norm = _l1 if norm == 1 else _l2

    def __call__(self, embeddings, labels):
        from fastgrad import functions as F
        emb_a, labels = as_array(embeddings), as_array(labels)
        n_inst = self.max_embedding_dim
        if emb_a.ndim != 4 or emb_a.shape[1] != n_inst:
            raise utils.invalid_type(
                _NAME, 'embeddings.ndim == 4 and embeddings.shape[1] == max_embedding_dim',
                'embeddings.shape = {}, max_embedding_dim = {}'.format(emb_a.shape, n_inst))
        if labels.shape != emb_a.shape[:1] + emb_a.shape[2:]:
            raise utils.invalid_type(
                _NAME, 'labels.shape == (B, H, W) of embeddings',
                'labels.shape = {}, embeddings.shape = {}'.format(labels.shape, emb_a.shape))
        xp = utils.array_module(emb_a)
        dtype = emb_a.dtype
        batch, dim = emb_a.shape[:2]

        # masks[c, b, 0, h, w]: pixel (h, w) of image b belongs to instance c + 1
        ids = xp.arange(1, n_inst + 1).reshape(n_inst, 1, 1, 1)
        masks = (labels[None] == ids)[:, :, None].astype(dtype)
        emb = F.broadcast_to(F.expand_dims(embeddings, 0), (n_inst,) + emb_a.shape)
        counts = xp.maximum(masks.sum(axis=(3, 4)), 1)                     # (C, B, 1)
        means = F.sum(emb * masks, axis=(3, 4)) / counts                   # (C, B, D)

        # regularisation: the norm of each instance's means over the batch
        l_reg = F.sum(self.norm(means, (1, 2))) / (n_inst * batch)

        # variance: pixels farther than delta_v from their instance's mean
        spread = (F.broadcast_to(F.reshape(means, means.shape + (1, 1)), emb.shape) - emb) * masks
        l_var = F.relu(self.norm(spread, 2) - self.delta_v) ** 2            # (C, B, H, W)
        per_inst = xp.maximum(masks.sum(axis=(1, 2, 3, 4)), 1)             # (C,)
        l_var = F.sum(F.sum(l_var, axis=(1, 2, 3)) / per_inst) / n_inst

        # distance: pairs of means closer than 2 delta_d
        first, second = numpy.triu_indices(n_inst, 1)
        if len(first):
            gap = F.get_item(means, xp.asarray(first)) - F.get_item(means, xp.asarray(second))
            dist = self.norm(gap, 2)                                         # (P, B)
            l_dist = F.sum(F.relu(2 * self.delta_d - dist) ** 2) / max(len(first) * batch, 1)
        else:
            l_dist = F.sum(means * 0)
        return self.alpha * l_var, self.beta * l_dist, self.gamma * l_reg


def discriminative_margin_based_clustering_loss(
        embeddings, labels, delta_v, delta_d, max_embedding_dim, norm=1,
        alpha=1.0, beta=1.0, gamma=0.001):
    """Discriminative margin-based clustering loss for instance segmentation.

    Args:
        embeddings (Variable or ndarray): (B, max_embedding_dim, H, W)
            pixel embeddings.
        labels (ndarray): (B, H, W) integer instance ids; instance ``c``
            (1 <= c <= max_embedding_dim) is pixels equal to ``c``, 0 is
            background.
        delta_v (float): pull margin: distances to the instance mean below
            it cost nothing.
        delta_d (float): push margin: means farther apart than
            ``2 * delta_d`` cost nothing.
        max_embedding_dim (int): the embedding size, also the number of
            instances considered.
        norm (int): 1 or 2, the norm of the distances.
        alpha, beta, gamma (float): weights of the three terms.

    Returns:
        tuple of Variable: ``(alpha * variance loss, beta * distance loss,
        gamma * regularisation loss)``, each a scalar.

    With ``norm=2`` the gradient of a zero distance (an absent instance's
    mean) is 0 here; Chainer's is NaN there.

    >>> emb = np.zeros((1, 2, 1, 2), dtype=np.float32)
    >>> emb[0, 0, 0, 1] = 1.
    >>> labels = np.array([[[1, 2]]], dtype=np.int32)
    >>> losses = F.discriminative_margin_based_clustering_loss(
    ...     emb, labels, delta_v=0.5, delta_d=1.5, max_embedding_dim=2)
    >>> [round(float(v.array), 4) for v in losses]
    [0.0, 4.0, 0.0005]
    """
    return DiscriminativeMarginBasedClusteringLoss(
        delta_v, delta_d, max_embedding_dim, norm, alpha, beta, gamma)(embeddings, labels)
