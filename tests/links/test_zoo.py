"""The model zoo (VGG16/19Layers, ResNet50/101/152Layers, GoogLeNet): the
same serialized keys, shapes, available_layers and layer output shapes as
Chainer 7.8.1 (zoo_reference/layout.json), npz round trips, a ResNet50 npz
written by real Chainer giving the same outputs and gradients, the
pretrained_model options, extract / predict / prepare."""
import json
import os
import subprocess
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import gradient_check
from fastgrad.dataset import download
from fastgrad.links.model.vision import googlenet, resnet, vgg
from fastgrad.serializers import DictionarySerializer
from fastgrad.utils import imgproc

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, 'zoo_reference')
with open(os.path.join(REF, 'layout.json')) as f:
    LAYOUT = json.load(f)

MODELS = {
    'ResNet50Layers': lambda: L.ResNet50Layers(pretrained_model=None),
    'ResNet101Layers': lambda: L.ResNet101Layers(pretrained_model=None),
    'ResNet152Layers': lambda: L.ResNet152Layers(pretrained_model=None),
    'VGG16Layers': lambda: L.VGG16Layers(pretrained_model=None),
    'VGG19Layers': lambda: L.VGG19Layers(pretrained_model=None),
    'GoogLeNet': lambda: L.GoogLeNet(pretrained_model=None),
}


@pytest.fixture(scope='module')
def resnet50():
    """One ResNet50Layers(pretrained_model=None) for the tests that do not
    change its parameters (building one takes a few seconds)."""
    numpy.random.seed(0)
    return L.ResNet50Layers(pretrained_model=None)


def _serialized(link):
    s = DictionarySerializer()
    s.save(link)
    return s.target


def _randomize_bn(model, seed=0):
    rng = numpy.random.RandomState(seed)
    for _, link in model.namedlinks():
        if isinstance(link, L.BatchNormalization):
            n = link.avg_mean.shape
            link.avg_mean[...] = rng.uniform(-0.5, 0.5, n)
            link.avg_var[...] = rng.uniform(0.5, 2.0, n)
            link.gamma.array[...] = rng.uniform(0.5, 1.5, n)
            link.beta.array[...] = rng.uniform(-0.5, 0.5, n)


@pytest.mark.parametrize('name', sorted(MODELS))
def test_layout_as_chainer(name):
    ref = LAYOUT[name]
    model = MODELS[name]()
    keys = {k: list(numpy.shape(v)) for k, v in _serialized(model).items()}
    assert keys == ref['keys']
    assert model.available_layers == ref['available_layers']
    assert isinstance(model.available_layers, list)
    x = numpy.random.uniform(-1, 1, ref['input']).astype(numpy.float32)
    with fastgrad.using_config('train', False), fastgrad.no_backprop_mode():
        out = model(x, layers=model.available_layers)
    assert {k: list(v.shape) for k, v in out.items()} == ref['outputs']
    prob = out['prob'].array
    numpy.testing.assert_allclose(prob.sum(axis=1), 1, rtol=1e-5)


def test_initializers_without_pretrained_model(resnet50):
    r = resnet50
    w = r.res4.a.conv2.W.array            # 256 x 256 x 3 x 3: He normal
    assert abs(w.std() - numpy.sqrt(2.0 / (256 * 9))) < 0.02 * numpy.sqrt(2.0 / (256 * 9))
    g = L.GoogLeNet(pretrained_model=None)
    w = g.conv2.W.array                   # LeCun uniform: bound sqrt(3 / fan_in)
    bound = numpy.sqrt(3.0 / (64 * 9))
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.95 * bound
    assert (g.conv2.b.array == 0).all()


def test_resnet_downsample_fb(resnet50):
    msra = resnet50
    fb = L.ResNet50Layers(pretrained_model=None, downsample_fb=True)
    assert msra.res3.a.conv1.stride == (2, 2) and msra.res3.a.conv2.stride == (1, 1)
    assert fb.res3.a.conv1.stride == (1, 1) and fb.res3.a.conv2.stride == (2, 2)
    x = numpy.random.uniform(-1, 1, (1, 3, 64, 64)).astype(numpy.float32)
    with fastgrad.using_config('train', False):
        assert fb(x, layers=['res3'])['res3'].shape == (1, 512, 8, 8)


def test_bad_n_layers():
    with pytest.raises(ValueError, match='50, 101, or 152, but 34'):
        resnet.ResNetLayers(None, 34)
    with pytest.raises(ValueError, match='16 or 19, but 11'):
        vgg.VGGLayers(None, 11)


def test_building_block_n_layer_deprecated():
    with pytest.warns(DeprecationWarning, match='n_layer'):
        block = resnet.BuildingBlock(in_channels=4, mid_channels=2, out_channels=4,
                                     stride=1, n_layer=3)
    assert block._forward == ['a', 'b1', 'b2']


def test_bottlenecks_gradient_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        block = resnet.BuildingBlock(2, 3, 2, 4, 2, downsample_fb=True)
    x = numpy.random.uniform(-1, 1, (3, 3, 4, 4))
    gy = numpy.random.uniform(-1, 1, (3, 4, 2, 2))
    params = tuple(p for _, p in sorted(block.namedparams()))
    # a small eps: with batch statistics of 3 samples some ReLU inputs lie
    # within 1e-3 of their kink
    gradient_check.check_backward(block, x, gy, params=params, dtype=numpy.float64,
                                  eps=1e-5, atol=1e-6, rtol=1e-5)


def test_resnet50_forward_backward_small(resnet50):
    model = resnet50
    model.cleargrads()
    x = fastgrad.Variable(numpy.random.uniform(-1, 1, (2, 3, 32, 32)).astype(numpy.float32))
    y = model(x, layers=['fc6'])['fc6']
    F.sum(y * y).backward()
    assert x.grad.shape == x.shape and numpy.isfinite(x.grad).all()
    assert all(p.grad is not None and numpy.isfinite(p.grad).all() for p in model.params())
    model.cleargrads()


def test_forward_layers_and_kwargs(resnet50):
    model = resnet50
    x = numpy.random.uniform(-1, 1, (1, 3, 32, 32)).astype(numpy.float32)
    with fastgrad.using_config('train', False):
        out = model(x, layers=['pool1', 'res2'])
        assert sorted(out) == ['pool1', 'res2']
        assert list(model(x)) == ['prob']
        with pytest.raises(ValueError, match=r"unknown layer\(s\) \['res9'\]"):
            model(x, layers=['res9'])
        with pytest.raises(ValueError, match='test argument is not supported'):
            model(x, test=True)
        with pytest.raises(TypeError, match='foo'):
            model(x, foo=1)


def test_googlenet_auxiliary_branches():
    model = L.GoogLeNet(pretrained_model=None)
    x = numpy.random.uniform(-1, 1, (1, 3, 224, 224)).astype(numpy.float32)
    with fastgrad.using_config('train', False):
        out = model(x, layers=['inception_4a', 'inception_4d', 'loss1_fc2', 'loss2_fc2'])
        for branch, source in (('loss1', 'inception_4a'), ('loss2', 'inception_4d')):
            h = F.average_pooling_2d(out[source], 5, stride=3)
            h = F.relu(getattr(model, branch + '_conv')(h))
            h = F.relu(getattr(model, branch + '_fc1')(h))
            expect = getattr(model, branch + '_fc2')(h)
            numpy.testing.assert_allclose(out[branch + '_fc2'].array, expect.array,
                                          rtol=1e-5, atol=1e-6)
        with pytest.raises(ValueError, match='train argument is not supported'):
            model(x, train=False)


def test_copy_keeps_functions_bound(resnet50):
    model = resnet50
    copied = model.copy()
    assert copied.conv1 is copied.functions['conv1'][0]
    assert copied.res2.a is getattr(copied.res2, copied.res2._forward[0])


def test_npz_round_trip(tmp_path):
    model = L.ResNet50Layers(pretrained_model=None)
    _randomize_bn(model)
    path = str(tmp_path / 'resnet50.npz')
    fastgrad.serializers.save_npz(path, model, compression=False)
    loaded = L.ResNet50Layers(pretrained_model=path)
    a, b = _serialized(model), _serialized(loaded)
    assert sorted(a) == sorted(b)
    for k in a:
        numpy.testing.assert_array_equal(a[k], b[k], err_msg=k)
    x = numpy.random.uniform(-1, 1, (1, 3, 32, 32)).astype(numpy.float32)
    with fastgrad.using_config('train', False):
        numpy.testing.assert_array_equal(model(x, layers=['fc6'])['fc6'].array,
                                         loaded(x, layers=['fc6'])['fc6'].array)


def test_npz_of_another_model_is_refused(tmp_path):
    path = str(tmp_path / 'g.npz')
    fastgrad.serializers.save_npz(path, L.GoogLeNet(pretrained_model=None), compression=False)
    with pytest.raises(KeyError):
        L.ResNet50Layers(pretrained_model=path)


def _chainer_python():
    path = os.environ.get('FASTGRAD_CHAINER_PYTHON', '/work/venvs/chainer/bin/python')
    if not os.path.exists(path):
        return None
    ok = subprocess.run([path, '-c', 'import chainer'], capture_output=True).returncode == 0
    return path if ok else None


@pytest.mark.slow
def test_resnet50_npz_written_by_chainer(tmp_path):
    """A ResNet50Layers(pretrained_model=None) saved by Chainer 7.8.1 (with
    random BN statistics) loads here and gives Chainer's outputs and input
    gradient.  The npz is ~100 MB, so it is made here, not committed."""
    python = _chainer_python()
    if python is None:
        pytest.skip('needs Chainer 7.8.1 (set FASTGRAD_CHAINER_PYTHON to its python) to '
                    'write the 100 MB ResNet50 npz')
    script = os.path.join(REF, 'make_fixtures.py')
    subprocess.run([python, script, 'resnet50', str(tmp_path)], check=True,
                   capture_output=True, timeout=600)
    io = numpy.load(str(tmp_path / 'resnet50_io.npz'))
    model = L.ResNet50Layers(pretrained_model=str(tmp_path / 'resnet50.npz'))
    layers = [k[len('out/'):] for k in io.files if k.startswith('out/')]
    with fastgrad.using_config('train', False):
        x = fastgrad.Variable(io['x'])
        out = model(x, layers=layers)
        F.sum(out['pool5'] * io['gpool5']).backward()
    # float32 through 50 layers: the error scales with the values' magnitude
    for k in layers:
        ref = io['out/' + k]
        numpy.testing.assert_allclose(out[k].array, ref, rtol=1e-4,
                                      atol=1e-5 * abs(ref).max(), err_msg=k)
    numpy.testing.assert_allclose(x.grad, io['gx'], rtol=1e-4, atol=1e-5 * abs(io['gx']).max())


def test_auto_loads_a_converted_npz_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    download.set_dataset_root(str(tmp_path / 'root'))
    try:
        model = L.GoogLeNet(pretrained_model=None)
        folder = download.get_dataset_directory('pfnet/chainer/models/')
        fastgrad.serializers.save_npz(os.path.join(folder, 'bvlc_googlenet.npz'), model,
                                      compression=False)
        loaded = L.GoogLeNet()
        numpy.testing.assert_array_equal(loaded.inc4c.conv5.W.array,
                                         model.inc4c.conv5.W.array)
    finally:
        download.set_dataset_root(None)


@pytest.mark.parametrize('module,mean', [
    (resnet, (103.063, 115.903, 123.152)),
    (vgg, (103.939, 116.779, 123.68)),
    (googlenet, (104.0, 117.0, 123.0)),
])
def test_prepare(module, mean):
    rgb = numpy.empty((20, 30, 3), numpy.uint8)
    rgb[...] = (10, 20, 30)
    y = module.prepare(rgb, size=None)
    assert y.shape == (3, 20, 30) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y[:, 0, 0], numpy.float32([30, 20, 10]) - numpy.float32(mean),
                                  rtol=1e-6)
    assert module.prepare(rgb).shape == (3, 224, 224)
    assert module.prepare(rgb.transpose(2, 0, 1), size=(8, 6)).shape == (3, 6, 8)
    assert module.prepare(rgb[:, :, 0]).shape == (3, 224, 224)         # grey
    assert module.prepare(rgb[None, :, :, 0], size=None).shape == (3, 20, 30)
    with fastgrad.using_config('dtype', numpy.float16):
        assert module.prepare(rgb).dtype == numpy.float16


def test_extract_sizes(resnet50):
    model = resnet50
    images = [numpy.random.randint(0, 255, (40, 30, 3)).astype(numpy.uint8),
              numpy.random.randint(0, 255, (40, 30)).astype(numpy.uint8)]
    with fastgrad.using_config('train', False):
        # size is (width, height), as PIL's (and so Chainer's)
        out = model.extract(images, layers=['res2', 'pool5'], size=(64, 48))
        assert out['res2'].shape == (2, 256, 12, 16)
        assert out['pool5'].shape == (2, 2048)
        out = model.extract(images, layers=['res2'], size=None)
        assert out['res2'].shape == (2, 256, 10, 7)
        assert list(model.extract(images[:1], size=(32, 32))) == ['pool5']
    with pytest.raises(ValueError, match='volatile argument is not supported'):
        model.extract(images, volatile=True)


def test_predict_googlenet():
    model = L.GoogLeNet(pretrained_model=None)
    image = numpy.random.randint(0, 255, (50, 40, 3)).astype(numpy.uint8)
    center = model.predict([image], oversample=False)
    assert center.shape == (1, 1000) and center.dtype == numpy.float32
    assert center.creator is None                  # predict builds no graph
    x = googlenet.prepare(image, size=(256, 256))[None, :, 16:240, 16:240]
    with fastgrad.using_config('train', False):
        expect = model(x)['prob'].array
    numpy.testing.assert_allclose(center.array, expect, rtol=1e-5, atol=1e-7)


class _Tiny(resnet.ResNetLayers):
    """ResNetLayers' predict/extract over a cheap network (a Linear of the
    channel means), so the ten-crop average can be checked quickly."""

    def __init__(self):
        fastgrad.Chain.__init__(self)
        with self.init_scope():
            self.fc = L.Linear(3 * 4, 1000)

    @property
    def functions(self):
        return {'pool5': [lambda x: F.average_pooling_2d(x, 112)],
                'fc6': [self.fc], 'prob': [F.softmax]}


def test_predict_oversample_averages_ten_crops():
    model = _Tiny()
    images = [numpy.random.randint(0, 255, (300, 280, 3)).astype(numpy.uint8)
              for _ in range(2)]
    y = model.predict(images, oversample=True)
    assert y.shape == (2, 1000) and y.creator is None
    crops = imgproc.oversample(numpy.stack([resnet.prepare(i, (256, 256)) for i in images]),
                               (224, 224))
    with fastgrad.using_config('train', False):
        probs = model(crops)['prob'].array.reshape(2, 10, 1000)
    numpy.testing.assert_allclose(y.array, probs.mean(axis=1), rtol=1e-5, atol=1e-8)


def test_oversample():
    images = numpy.arange(2 * 1 * 4 * 5, dtype=numpy.float32).reshape(2, 1, 4, 5)
    crops = imgproc.oversample(images, (2, 3))
    assert crops.shape == (20, 1, 2, 3)
    img = images[1]
    expect = [img[:, 0:2, 0:3], img[:, 0:2, 2:5], img[:, 2:4, 0:3], img[:, 2:4, 2:5],
              img[:, 1:3, 1:4]]
    expect += [e[:, :, ::-1] for e in expect]
    numpy.testing.assert_array_equal(crops[10:], numpy.stack(expect))
    with pytest.raises(ValueError, match='larger than the images'):
        imgproc.oversample(images, (5, 3))


if __name__ == '__main__':
    sys.exit(pytest.main([__file__, '-q']))
