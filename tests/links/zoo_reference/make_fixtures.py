"""Reference data for the model zoo and the inception links, made by real
Chainer 7.8.1 (run with the Chainer environment's python, not fastgrad's):

    /work/venvs/chainer/bin/python tests/links/zoo_reference/make_fixtures.py small
        writes layout.json (every serialized key and shape, available_layers
        and every layer's output shape of the six zoo models) and
        inception.npz (parameters, input, output and gradients of
        L.Inception / L.InceptionBN); both small, committed.
    .../python tests/links/zoo_reference/make_fixtures.py resnet50 OUT_DIR
        writes OUT_DIR/resnet50.npz (a ResNet50Layers(pretrained_model=None)
        saved by chainer.serializers.save_npz, ~100 MB: not committed; the
        test makes it when Chainer is there) and OUT_DIR/resnet50_io.npz
        (its input, layer outputs and input gradient).
"""
import json
import os
import sys

import chainer
import chainer.functions as F
import chainer.links as L
import numpy

HERE = os.path.dirname(os.path.abspath(__file__))


def _randomize_bn(model, rng):
    """Non-trivial BatchNormalization statistics and affine parameters, so a
    test-mode output depends on loading them."""
    for _, link in model.namedlinks():
        if isinstance(link, L.BatchNormalization):
            n = link.avg_mean.shape
            link.avg_mean[...] = rng.uniform(-0.5, 0.5, n)
            link.avg_var[...] = rng.uniform(0.5, 2.0, n)
            link.gamma.array[...] = rng.uniform(0.5, 1.5, n)
            link.beta.array[...] = rng.uniform(-0.5, 0.5, n)


def _serialized(link):
    s = chainer.serializers.DictionarySerializer()
    s.save(link)
    return s.target


def _layer_shapes(model, x):
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        out = model(x, layers=model.available_layers)
    return {k: list(v.shape) for k, v in out.items()}


ZOO = [
    # name, constructor, input size whose every layer is computed
    ('ResNet50Layers', lambda: L.ResNet50Layers(pretrained_model=None), 64),
    ('ResNet101Layers', lambda: L.ResNet101Layers(pretrained_model=None), 64),
    ('ResNet152Layers', lambda: L.ResNet152Layers(pretrained_model=None), 64),
    ('VGG16Layers', lambda: L.VGG16Layers(pretrained_model=None), 224),
    ('VGG19Layers', lambda: L.VGG19Layers(pretrained_model=None), 224),
    ('GoogLeNet', lambda: L.GoogLeNet(pretrained_model=None), 224),
]

INCEPTIONS = {
    'inception': lambda: L.Inception(3, 2, 2, 3, 2, 3, 2),
    'inceptionbn_max': lambda: L.InceptionBN(3, 3, 2, 3, 2, 3, 'max', 2),
    'inceptionbn_avg_s2': lambda: L.InceptionBN(3, 0, 2, 3, 2, 3, 'avg', None, 2),
}


def small():
    layout = {}
    rng = numpy.random.RandomState(0)
    for name, make, size in ZOO:
        model = make()
        x = rng.uniform(-1, 1, (1, 3, size, size)).astype(numpy.float32)
        layout[name] = {
            'keys': {k: list(numpy.shape(v)) for k, v in _serialized(model).items()},
            'available_layers': model.available_layers,
            'input': [1, 3, size, size],
            'outputs': _layer_shapes(model, x),
        }
        print(name, len(layout[name]['keys']), 'keys', flush=True)
    with open(os.path.join(HERE, 'layout.json'), 'w') as f:
        json.dump(layout, f, indent=0, sort_keys=True)

    arrays = {}
    numpy.random.seed(0)
    for name, make in INCEPTIONS.items():
        link = make()
        _randomize_bn(link, rng)
        for k, v in _serialized(link).items():
            # a copy: the train-mode forward below updates the statistics in place
            arrays['{}/params/{}'.format(name, k)] = numpy.array(v)
        x = rng.uniform(-1, 1, (2, 3, 6, 6)).astype(numpy.float32)
        with chainer.using_config('train', False):
            arrays[name + '/y_test'] = link(x).array
        xv = chainer.Variable(x)
        y = link(xv)      # train mode: batch statistics for the BN links
        gy = rng.uniform(-1, 1, y.shape).astype(numpy.float32)
        F.sum(y * gy).backward()
        arrays[name + '/x'] = x
        arrays[name + '/gy'] = gy
        arrays[name + '/y_train'] = y.array
        arrays[name + '/gx'] = xv.grad
        arrays[name + '/gW_proj3'] = link.proj3.W.grad
    numpy.savez(os.path.join(HERE, 'inception.npz'), **arrays)


def resnet50(out_dir):
    numpy.random.seed(0)
    rng = numpy.random.RandomState(1)
    model = L.ResNet50Layers(pretrained_model=None)
    _randomize_bn(model, rng)
    chainer.serializers.save_npz(os.path.join(out_dir, 'resnet50.npz'), model,
                                 compression=False)
    x = rng.uniform(-1, 1, (2, 3, 32, 32)).astype(numpy.float32)
    layers = ['conv1', 'res2', 'res5', 'pool5', 'fc6', 'prob']
    with chainer.using_config('train', False):
        xv = chainer.Variable(x)
        out = model(xv, layers=layers)
        gp = rng.uniform(-1, 1, out['pool5'].shape).astype(numpy.float32)
        F.sum(out['pool5'] * gp).backward()
    arrays = {'x': x, 'gpool5': gp, 'gx': xv.grad}
    arrays.update({'out/' + k: v.array for k, v in out.items()})
    numpy.savez(os.path.join(out_dir, 'resnet50_io.npz'), **arrays)


if __name__ == '__main__':
    if sys.argv[1:2] == ['small']:
        small()
    elif sys.argv[1:2] == ['resnet50'] and len(sys.argv) == 3:
        resnet50(sys.argv[2])
    else:
        sys.exit(__doc__)
