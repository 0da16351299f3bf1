"""A minimal safetensors reader and writer (float32 only) for the golden scripts.

Debian's python3-torch ships without the `safetensors` package; the format is small enough to write
here: 8 bytes little-endian header length, the JSON header padded with spaces to a multiple of 8
(as the reference writer does), then the raw little-endian row-major data.
"""
import json
import struct

import numpy as np
import torch


def save(path, tensors, metadata=None):
    """tensors: dict name -> torch.Tensor (written as F32, in the dict's order)."""
    header = {}
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().cpu().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load(path):
    """Returns (dict name -> float32 torch.Tensor, metadata dict)."""
    with open(path, 'rb') as f:
        raw = f.read()
    (length,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + length].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    data = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        assert entry['dtype'] == 'F32', f'{name}: only F32 is read here, got {entry["dtype"]}'
        begin, end = entry['data_offsets']
        values = np.frombuffer(data[begin:end], dtype='<f4').copy()
        tensors[name] = torch.from_numpy(values).reshape(entry['shape'])
    return tensors, metadata
