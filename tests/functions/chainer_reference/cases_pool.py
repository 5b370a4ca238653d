"""Pooling and spatial array ops compared with Chainer 7.8.1 (see cases.py for
the format).  Max pooling inputs are random normals: no two elements tie, so
the argmax (and the gradient) is the same in both libraries."""
import numpy


def _normal(seed, *shapes):
    rng = numpy.random.RandomState(seed)
    return [rng.randn(*shape) for shape in shapes]


def cases(F):
    c = {}
    nd = [('1d', (2, 3, 9), 3, 2, 1), ('3d', (2, 2, 5, 4, 6), (2, 3, 2), (2, 1, 2), (0, 1, 0)),
          ('4d', (1, 2, 3, 4, 3, 4), 2, (1, 2, 1, 2), (0, 1, 1, 0))]
    for i, (tag, shape, k, s, p) in enumerate(nd):
        x, = _normal(10 + i, shape)
        c['max_pooling_nd_' + tag] = (
            lambda x, k=k, s=s, p=p: F.max_pooling_nd(x, k, s, p), [x], 1,
            {'double_backward': False})
        c['max_pooling_nd_nocover_' + tag] = (
            lambda x, k=k, s=s, p=p: F.max_pooling_nd(x, k, s, p, cover_all=False), [x], 1,
            {'double_backward': False})
        c['average_pooling_nd_' + tag] = (
            lambda x, k=k, s=s, p=p: F.average_pooling_nd(x, k, s, p), [x], 1)
        c['average_pooling_nd_ignore_' + tag] = (
            lambda x, k=k, s=s, p=p: F.average_pooling_nd(x, k, s, p, pad_value=None), [x], 1)
    x1, x3 = _normal(20, (2, 3, 8), (1, 2, 4, 4, 6))
    c['max_pooling_1d'] = (lambda x: F.max_pooling_1d(x, 3, 2, 1), [x1], 1,
                           {'double_backward': False})
    c['max_pooling_3d'] = (lambda x: F.max_pooling_3d(x, 2), [x3], 1,
                           {'double_backward': False})
    c['average_pooling_1d'] = (lambda x: F.average_pooling_1d(x, 3, 1, 1), [x1], 1)
    c['average_pooling_3d'] = (lambda x: F.average_pooling_3d(x, 2, 2, 1, pad_value=None),
                               [x3], 1)
    u1, u3, u4 = _normal(21, (2, 3, 4), (1, 2, 2, 3, 2), (1, 1, 2, 2, 3, 2))
    c['unpooling_1d'] = (lambda x: F.unpooling_1d(x, 3, 2, 1), [u1], 1)
    c['unpooling_3d'] = (lambda x: F.unpooling_3d(x, 2, cover_all=False), [u3], 1)
    c['unpooling_nd_outsize'] = (
        lambda x: F.unpooling_nd(x, (2, 3, 2, 2), (2, 2, 1, 2), (1, 0, 0, 1),
                                 outsize=(2, 5, 4, 2)), [u4], 1)
    return c
