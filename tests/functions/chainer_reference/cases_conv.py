"""Connection-family cases compared with Chainer 7.8.1 (convolution_nd and
friends); same format as cases.py."""
import numpy


def _inputs(seed, *shapes):
    rng = numpy.random.RandomState(seed)
    return [rng.randn(*s) for s in shapes]


def cases(F):
    c = {}
    c['convolution_1d'] = (
        lambda x, W, b: F.convolution_1d(x, W, b, stride=2, pad=1, cover_all=True),
        _inputs(200, (2, 3, 7), (4, 3, 3), (4,)), 3)
    c['convolution_nd_2d'] = (
        lambda x, W, b: F.convolution_nd(x, W, b, stride=(1, 2), pad=(1, 0),
                                         dilate=(2, 1), groups=2),
        _inputs(201, (2, 4, 6, 5), (4, 2, 2, 3), (4,)), 3)
    c['convolution_3d'] = (
        lambda x, W: F.convolution_3d(x, W, None, stride=(2, 1, 1), pad=1),
        _inputs(202, (1, 2, 4, 3, 4), (3, 2, 3, 2, 2)), 2)
    c['deconvolution_1d'] = (
        lambda x, W, b: F.deconvolution_1d(x, W, b, stride=2, pad=1, outsize=(8,)),
        _inputs(203, (2, 3, 4), (3, 2, 3), (2,)), 3)
    c['deconvolution_nd_2d'] = (
        lambda x, W, b: F.deconvolution_nd(x, W, b, stride=(2, 1), pad=(0, 1),
                                           dilate=(1, 2), groups=2),
        _inputs(204, (2, 4, 3, 4), (4, 1, 2, 3), (2,)), 3)
    c['deconvolution_3d'] = (
        lambda x, W: F.deconvolution_3d(x, W, None, stride=2, pad=(1, 0, 1)),
        _inputs(205, (1, 2, 2, 3, 2), (2, 3, 3, 2, 3)), 2)
    c['dilated_convolution_2d'] = (
        lambda x, W, b: F.dilated_convolution_2d(x, W, b, stride=(2, 1), pad=2, dilate=2,
                                                 cover_all=True),
        _inputs(206, (2, 2, 6, 5), (3, 2, 2, 3), (3,)), 3)
    c['depthwise_convolution_2d'] = (
        lambda x, W, b: F.depthwise_convolution_2d(x, W, b, stride=(1, 2), pad=1),
        _inputs(207, (2, 3, 4, 5), (2, 3, 3, 2), (6,)), 3)
    c['im2col'] = (
        lambda x: F.im2col(x, (2, 3), stride=(2, 1), pad=(1, 0), dilate=(1, 2)),
        _inputs(208, (2, 2, 5, 6)), 1)
    c['im2col_cover_all'] = (
        lambda x: F.im2col(x, 3, stride=2, pad=1, cover_all=True),
        _inputs(209, (1, 2, 6, 5)), 1)
    c['local_convolution_2d'] = (
        lambda x, W, b: F.local_convolution_2d(x, W, b),
        _inputs(210, (2, 3, 4, 5), (2, 3, 3, 3, 2, 3), (2, 3, 3)), 3)
    c['local_convolution_2d_nobias'] = (
        lambda x, W: F.local_convolution_2d(x, W),
        _inputs(211, (1, 2, 3, 3), (3, 2, 2, 2, 2, 2)), 2)
    # offsets spread over about +-2 pixels: some taps leave the padded image
    c['deformable_convolution_2d_sampler'] = (
        lambda x, offset, W, b: F.deformable_convolution_2d_sampler(
            x, offset * 1.3, W, b, stride=(1, 2), pad=1),
        _inputs(212, (2, 2, 4, 5), (2, 2 * 3 * 2, 4, 2), (3, 2, 3, 2), (3,)), 4)
    return c
