"""The protobuf package's message classes for fastgrad's Caffe schema
(fastgrad/links/caffe/_proto.py), built from the same field table: what the
tests check fastgrad's own reader and writer against.  Skips the calling test
where protobuf is not installed."""
import pytest

from fastgrad.links.caffe import _proto as P


def protobuf_classes():
    pytest.importorskip('google.protobuf')
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    types = {'int32': F.TYPE_INT32, 'int64': F.TYPE_INT64, 'uint32': F.TYPE_UINT32,
             'uint64': F.TYPE_UINT64, 'bool': F.TYPE_BOOL, 'float': F.TYPE_FLOAT,
             'double': F.TYPE_DOUBLE, 'string': F.TYPE_STRING, 'bytes': F.TYPE_BYTES,
             'enum': F.TYPE_INT32}   # an enum is an int32 on the wire
    fd = descriptor_pb2.FileDescriptorProto(name='fastgrad_caffe_test.proto',
                                            package='caffe', syntax='proto2')
    for name, cls in P.MESSAGES.items():
        m = fd.message_type.add(name=name)
        for f in cls._fields.values():
            fp = m.field.add(name=f.name, number=f.number,
                             label=F.LABEL_REPEATED if f.repeated else F.LABEL_OPTIONAL)
            if f.is_message:
                fp.type = F.TYPE_MESSAGE
                fp.type_name = '.caffe.' + f.kind
            else:
                fp.type = types[f.kind]
            if f.packed:
                fp.options.packed = True
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {name: message_factory.GetMessageClass(
        pool.FindMessageTypeByName('caffe.' + name)) for name in P.MESSAGES}
