"""Normalization cases compared with Chainer 7.8.1 (see cases.py for the format)."""
import numpy


def _rng(seed):
    return numpy.random.RandomState(seed)


def _whitenable(shape, groups, seed):
    """x whose group covariances have well separated eigenvalues (the
    gradient of eigh divides by their differences)."""
    rng = _rng(seed)
    C = shape[1] // groups
    m = shape[0] * int(numpy.prod(shape[2:]))
    a = rng.uniform(-1, 1, (groups, C, m))
    a -= a.mean(axis=2, keepdims=True)
    u, s, vh = numpy.linalg.svd(a, full_matrices=False)
    k = min(C, m - 1)
    s[:, :k] += (0.5 + 0.2 * numpy.arange(k))[::-1]
    a = numpy.einsum('bij,bj,bjk->bik', u, s, vh) + rng.uniform(-1, 1, (groups, C, 1))
    return numpy.ascontiguousarray(
        a.reshape((shape[1], shape[0]) + tuple(shape[2:])).swapaxes(0, 1))


def _gn_inputs(seed, shape):
    rng = _rng(seed)
    return [rng.randn(*shape) * 2 + 1, rng.uniform(.5, 1.5, shape[1]), rng.randn(shape[1])]


def cases(F):
    c = {}
    c['group_normalization_4d'] = (lambda x, g, b: F.group_normalization(x, 3, g, b),
                                   _gn_inputs(0, (2, 6, 3, 2)), 3)
    c['group_normalization_2d'] = (lambda x, g, b: F.group_normalization(x, 2, g, b),
                                   _gn_inputs(1, (3, 4)), 3)
    c['group_normalization_eps'] = (
        lambda x, g, b: F.group_normalization(x, 1, g, b, eps=0.1), _gn_inputs(2, (2, 3, 5)), 3)

    rng = _rng(3)
    x = rng.uniform(-10, 10, (5, 3, 2))
    gamma, beta = rng.uniform(.5, 1, 3), rng.uniform(-1, 1, 3)
    rm, rv = rng.uniform(-1, 1, 3), rng.uniform(.5, 1, 3)
    # unclipped r, d: the gradient stops at r, d, so it is not the numerical one
    c['batch_renormalization'] = (
        lambda x, g, b: F.batch_renormalization(x, g, b, 30, 50, running_mean=rm.copy(),
                                                running_var=rv.copy()),
        [x, gamma, beta], 3, {'rtol': 1e-10, 'numerical': False})
    # r, d clipped at their bounds (constants): the true derivative
    c['batch_renormalization_clipped'] = (
        lambda x, g, b: F.batch_renormalization(
            x, g, b, 1.5, 0.1, eps=1e-3, running_mean=numpy.array([1e3, -1e3, 1e3]),
            running_var=numpy.full(3, 1e-3), decay=0.5, update_statistics=True),
        [x, gamma, beta], 3, {'rtol': 1e-10})
    c['batch_renormalization_4d'] = (
        lambda x, g, b: F.batch_renormalization(x, g, b, 1, 0, running_mean=numpy.zeros(3),
                                                running_var=numpy.ones(3)),
        [rng.randn(2, 3, 2, 2), gamma, beta], 3, {'rtol': 1e-10})
    c['fixed_batch_renormalization'] = (
        F.fixed_batch_renormalization,
        [x, gamma, beta, rm, rv], 5, {'rtol': 1e-10})

    c['decorrelated_batch_normalization'] = (
        lambda x: F.decorrelated_batch_normalization(x, groups=2),
        [_whitenable((5, 4, 2), 2, 4)], 1, {'rtol': 1e-8, 'double_backward': False})
    c['decorrelated_batch_normalization_1group'] = (
        lambda x: F.decorrelated_batch_normalization(x, groups=1, eps=0.1),
        [_whitenable((6, 3), 1, 5)], 1, {'rtol': 1e-8, 'double_backward': False})
    rng = _rng(6)
    # Chainer's gradients of mean and projection are wrong (its gmean is one
    # column, its gprojection has the shape (m, m)): only x is compared.
    c['fixed_decorrelated_batch_normalization'] = (
        lambda x, mean, proj: F.fixed_decorrelated_batch_normalization(x, mean, proj,
                                                                       groups=2),
        [rng.randn(3, 4, 2), rng.randn(2, 2), rng.uniform(.5, 1, (2, 2, 2))], 1,
        {'rtol': 1e-10})
    return c
