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
    roi_cases(F, c)
    s1, s2 = _normal(22, (2, 3, 9, 7), (1, 2, 4, 5))
    c['spatial_pyramid_pooling_2d'] = (
        lambda x: F.spatial_pyramid_pooling_2d(x, 3, pooling='max'), [s1], 1,
        {'double_backward': False})
    c['spatial_pyramid_pooling_2d_small'] = (
        lambda x: F.spatial_pyramid_pooling_2d(x, 2, pooling='max'), [s2], 1,
        {'double_backward': False})
    spatial_cases(F, c)
    return c


def _rois(seed, n_rois, n_images, h, w, scale, inside=False):
    """RoIs (R, 4) as (y0, x0, y1, x1) in input coordinates (before
    ``scale``), some reaching past the border (unless ``inside``: max pooling
    gives -inf for the bins outside), some tiny, and their images."""
    rng = numpy.random.RandomState(seed)
    lo = 0 if inside else -2
    y0 = rng.uniform(lo, h - 3, n_rois)
    x0 = rng.uniform(lo, w - 3, n_rois)
    y1 = y0 + rng.uniform(0.3, 1, n_rois) * ((h - 1 - y0) if inside else h * 0.8)
    x1 = x0 + rng.uniform(0.3, 1, n_rois) * ((w - 1 - x0) if inside else w * 0.8)
    rois = numpy.stack([y0, x0, y1, x1], axis=1) / scale
    return rois, rng.randint(0, n_images, n_rois).astype(numpy.int32)


def roi_cases(F, c):
    x, = _normal(30, (2, 3, 12, 10))
    rois, idx = _rois(31, 7, 2, 12, 10, 0.5)
    roi5 = numpy.concatenate([idx[:, None].astype(numpy.float64), rois[:, [1, 0, 3, 2]]], 1)
    c['roi_pooling_2d'] = (lambda x, r: F.roi_pooling_2d(x, r, 3, 4, 0.5), [x, roi5], 1)
    inner, inner_idx = _rois(32, 7, 2, 12, 10, 0.5, inside=True)
    c['roi_max_pooling_2d'] = (
        lambda x, r, i: F.roi_max_pooling_2d(x, r, i, (3, 2), 0.5), [x, inner, inner_idx], 1)
    c['roi_average_pooling_2d'] = (
        lambda x, r, i: F.roi_average_pooling_2d(x, r, i, 3, 0.5), [x, rois, idx], 1)

    # Chainer's align ops take float32 only; fastgrad's run in float64 here
    # (so that the numerical gradient check is precise)
    def f32(fn):
        if not F.__name__.startswith('chainer'):
            return fn

        def run(x, r, i):
            y = fn(F.cast(x, numpy.float32), r.astype(numpy.float32), i)
            return F.cast(y, numpy.float64)
        return run
    c['roi_average_align_2d'] = (
        f32(lambda x, r, i: F.roi_average_align_2d(x, r, i, (3, 4), 0.5)), [x, rois, idx], 1,
        {'rtol': 1e-5})
    c['roi_average_align_2d_ratio'] = (
        f32(lambda x, r, i: F.roi_average_align_2d(x, r, i, 2, 0.5, (2, 3))),
        [x, rois, idx], 1, {'rtol': 1e-5})
    c['roi_max_align_2d'] = (
        f32(lambda x, r, i: F.roi_max_align_2d(x, r, i, (3, 4), 0.5)), [x, inner, inner_idx], 1,
        {'rtol': 1e-5})
    c['roi_max_align_2d_ratio'] = (
        f32(lambda x, r, i: F.roi_max_align_2d(x, r, i, 2, 0.5, 2)), [x, rois, idx], 1,
        {'rtol': 1e-5})


def spatial_cases(F, c):
    chainer = F.__name__.startswith('chainer')
    if chainer and not hasattr(numpy, 'float'):
        # Chainer 7.8.1's resize_images uses numpy.float (gone since NumPy 1.24)
        numpy.float = float

    def f32(fn):
        # Chainer's resize_images takes float32 only; fastgrad runs in float64
        if not chainer:
            return fn
        return lambda x: F.cast(fn(F.cast(x, numpy.float32)), numpy.float64)
    x, = _normal(40, (2, 3, 5, 7))
    for shape in [(8, 11), (3, 4), (5, 2)]:
        for align in (True, False):
            name = 'resize_images_{}x{}_{}'.format(shape[0], shape[1], 'align' if align
                                                   else 'half')
            c[name] = (f32(lambda x, s=shape, a=align: F.resize_images(x, s,
                                                                        align_corners=a)),
                       [x], 1, {'rtol': 1e-5})
    c['resize_images_nearest'] = (
        f32(lambda x: F.resize_images(x, (9, 4), mode='nearest')), [x], 1, {'rtol': 1e-5})
    s1, s2 = _normal(41, (2, 10, 4, 5), (1, 27, 6, 7))
    c['shift'] = (lambda x: F.shift(x), [s1], 1)
    c['shift_k5x3_d2'] = (lambda x: F.shift(x, (5, 3), (2, 1)), [s2], 1)
    c['shift_k3_dneg'] = (lambda x: F.shift(x, 3, (-1, 2)), [s2], 1)
    rng = numpy.random.RandomState(42)
    theta = rng.uniform(-0.8, 0.8, (2, 2, 3))
    c['spatial_transformer_grid'] = (
        lambda t: F.spatial_transformer_grid(t, (4, 6)), [theta], 1)
    img = rng.randn(2, 3, 5, 6)
    # points inside, near the border and outside (zero padding)
    grid = rng.uniform(-1.3, 1.3, (2, 2, 4, 5))
    c['spatial_transformer_sampler'] = (
        lambda x, g: F.spatial_transformer_sampler(x, g), [img, grid], 2)
    c['spatial_transformer'] = (
        lambda x, t: F.spatial_transformer_sampler(
            x, F.spatial_transformer_grid(t, (3, 4))), [img, theta * 0.9], 2)
