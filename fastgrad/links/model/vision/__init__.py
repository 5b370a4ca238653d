"""The model zoo (Chainer's ``chainer.links.model.vision``): VGG, ResNet and
GoogLeNet with Chainer's layer names and npz layout."""
