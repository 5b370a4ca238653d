"""``chainer.utils.imgproc``: image helpers of the model zoo."""
import numpy


def oversample(images, crop_dims):
    """Ten crops of each ``(C, H, W)`` image: the four corners and the
    center, then the same five mirrored left-right (Chainer's order).

    Args:
        images: a sequence (or array) of same-shaped ``(C, H, W)`` arrays.
        crop_dims (pair of ints): ``(height, width)`` of a crop.

    Returns:
        numpy.ndarray of shape ``(10 * len(images), C, height, width)``.

    >>> oversample(numpy.zeros((2, 3, 8, 8), numpy.float32), (4, 4)).shape
    (20, 3, 4, 4)
    """
    images = numpy.asarray(images)
    if images.ndim != 4:
        raise ValueError('oversample: images must be (C, H, W) arrays, got '
                         'a batch of shape {}'.format(images.shape))
    _, _, h, w = images.shape
    ch, cw = crop_dims
    if ch > h or cw > w:
        raise ValueError('oversample: crop {} is larger than the images '
                         '({}, {})'.format(tuple(crop_dims), h, w))
    tops_lefts = [(0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
                  (int(h / 2.0 - ch / 2.0), int(w / 2.0 - cw / 2.0))]
    crops = [images[:, :, t:t + ch, l:l + cw] for t, l in tops_lefts]
    crops += [c[:, :, :, ::-1] for c in crops]
    # (10, N, C, ch, cw) -> image-major order: ten crops per image
    return numpy.ascontiguousarray(numpy.stack(crops, axis=1).reshape(
        (-1,) + images.shape[1:2] + (ch, cw)))
