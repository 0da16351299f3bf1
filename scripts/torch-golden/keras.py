#!/usr/bin/env python3
"""Keras 3 weight files with PyTorch reference outputs, for lstm-simd's Keras import.

    apt-get install python3-h5py                     # Debian's h5py (Keras itself is not needed)
    /usr/bin/python3 scripts/torch-golden/keras.py

Writes test/fixtures/keras/ (committed; CI needs neither torch nor h5py). Each case is a language model
built in PyTorch (seeded), whose weights are converted to Keras 3's layout here and written as Keras 3
writes `model.save_weights('x.weights.h5')` for

    keras.Sequential([keras.layers.Embedding(V, E)?, keras.layers.LSTM/GRU/SimpleRNN(H, return_sequences=True)
                      x L, keras.layers.Dense(V)])

that is, one HDF5 group per layer under /layers, named as Keras names them (embedding, lstm, lstm_1, ...,
dense), the variables as datasets vars/0, vars/1, ... in the order the layer creates them, a recurrent
layer's under its cell (layers/lstm/cell/vars/0..2), and empty vars groups where a layer owns none:

    Embedding  vars/0 embeddings (V, E)
    LSTM       cell/vars/0 kernel (I, 4H), 1 recurrent_kernel (H, 4H), 2 bias (4H)        gates i, f, c, o
    GRU        cell/vars/0 kernel (I, 3H), 1 recurrent_kernel (H, 3H), 2 bias (2, 3H)     gates z, r, h
               (reset_after=True, Keras's default: row 0 the input bias, row 1 the recurrent bias;
               reset_after=False has a (3H) bias and a different formula)
    SimpleRNN  cell/vars/0 kernel (I, H), 1 recurrent_kernel (H, H), 2 bias (H)
    Dense      vars/0 kernel (W, V), 1 bias (V)

The conversion from PyTorch (ecosystem.md section 2.2): kernel = W_ih^T, recurrent_kernel = W_hh^T with
the gate blocks reordered for the GRU (r, z, n -> z, r, h); one LSTM/RNN bias b_ih + b_hh; the GRU's two
biases as the rows of a (2, 3H) bias; Dense kernel = linear.weight^T. The PyTorch logits of the same
weights are stored beside each file (<case>.expected.safetensors: X as float, logits (T, B, V)), so the
import is checked against PyTorch, not against this script's own inverse.
"""
import json
import os
import sys
import zipfile

import h5py
import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'keras')
CELLS = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}
KERAS_NAMES = {'lstm': 'lstm', 'gru': 'gru', 'rnn': 'simple_rnn'}


class LM(nn.Module):
    def __init__(self, cell, V, E, H, layers):
        super().__init__()
        self.V = V
        self.embedding = nn.Embedding(V, E) if E else None
        self.rnn = CELLS[cell](E or V, H, num_layers=layers)
        self.linear = nn.Linear(H, V)

    def forward(self, X):  # (B, T) ids -> (T, B, V)
        inputs = self.embedding(X.T) if self.embedding is not None else nn.functional.one_hot(X.T, self.V).float()
        return self.linear(self.rnn(inputs)[0])


def blocks(w, order, H):
    """Reorders the gate blocks (rows of H) of a PyTorch weight or bias."""
    return torch.cat([w[g * H:(g + 1) * H] for g in order])


def keras_cell_vars(cell, rnn, layer, H, reset_after=True):
    get = lambda name: getattr(rnn, f'{name}_l{layer}').detach()  # noqa: E731
    w_ih, w_hh, b_ih, b_hh = get('weight_ih'), get('weight_hh'), get('bias_ih'), get('bias_hh')
    if cell == 'gru':
        order = [1, 0, 2]  # PyTorch r, z, n -> Keras z, r, h
        w_ih, w_hh, b_ih, b_hh = (blocks(t, order, H) for t in (w_ih, w_hh, b_ih, b_hh))
        bias = torch.stack([b_ih, b_hh]) if reset_after else b_ih + b_hh
    else:  # LSTM i, f, g, o is Keras's i, f, c, o; one bias
        bias = b_ih + b_hh
    return [w_ih.T, w_hh.T, bias]


def write_keras_weights(path, model, cell, layers, H, reset_after=True):
    with h5py.File(path, 'w') as f:
        root = f.create_group('layers')
        f.create_group('vars')

        def group_with_vars(name, tensors):
            g = root.create_group(name)
            v = g.create_group('vars')
            for i, t in enumerate(tensors):
                v.create_dataset(str(i), data=np.asarray(t, dtype=np.float32))
            return g

        if model.embedding is not None:
            group_with_vars('embedding', [model.embedding.weight.detach()])
        for layer in range(layers):
            name = KERAS_NAMES[cell] + (f'_{layer}' if layer else '')
            g = group_with_vars(name, [])
            cell_vars = g.create_group('cell').create_group('vars')
            for i, t in enumerate(keras_cell_vars(cell, model.rnn, layer, H, reset_after)):
                cell_vars.create_dataset(str(i), data=np.asarray(t, dtype=np.float32))
        group_with_vars('dense', [model.linear.weight.detach().T, model.linear.bias.detach()])


def write_keras_archive(path, weights_path, cell, V, E, H, layers, compression):
    """A .keras file as model.save() writes it: config.json (the Sequential model), metadata.json, weights."""
    class_name = {'lstm': 'LSTM', 'gru': 'GRU', 'rnn': 'SimpleRNN'}[cell]
    config_layers = [{'module': 'keras.layers', 'class_name': 'InputLayer',
                      'config': {'name': 'input_layer', 'batch_shape': [None, None] if E else [None, None, V]}}]
    if E:
        config_layers.append({'module': 'keras.layers', 'class_name': 'Embedding',
                              'config': {'name': 'embedding', 'input_dim': V, 'output_dim': E}})
    for layer in range(layers):
        config = {'name': KERAS_NAMES[cell] + (f'_{layer}' if layer else ''), 'units': H, 'activation': 'tanh',
                  'use_bias': True, 'return_sequences': True, 'go_backwards': False}
        if cell != 'rnn':
            config['recurrent_activation'] = 'sigmoid'
        if cell == 'gru':
            config['reset_after'] = True
        config_layers.append({'module': 'keras.layers', 'class_name': class_name, 'config': config})
    config_layers.append({'module': 'keras.layers', 'class_name': 'Dense',
                          'config': {'name': 'dense', 'units': V, 'activation': 'linear', 'use_bias': True}})
    config = {'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': config_layers}}
    with zipfile.ZipFile(path, 'w', compression=compression) as z:
        z.writestr('metadata.json', json.dumps({'keras_version': '3.6.0', 'date_saved': '2026-12-01@00:00:00'}))
        z.writestr('config.json', json.dumps(config))
        z.write(weights_path, 'model.weights.h5')


# (name, cell, V, E, H, layers, reset_after)
CASES = [
    ('lstm', 'lstm', 11, 0, 6, 1, True),
    ('gru-embedding', 'gru', 13, 5, 4, 2, True),
    ('simple-rnn', 'rnn', 9, 0, 7, 2, True),
    ('gru-reset-before', 'gru', 11, 0, 4, 1, False),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, (name, cell, V, E, H, layers, reset_after) in enumerate(CASES):
        torch.manual_seed(200 + i)
        model = LM(cell, V, E, H, layers)
        with torch.no_grad():  # larger biases than the default init, so that a bias mix-up shows
            for p in model.parameters():
                p.uniform_(-0.6, 0.6)
        X = torch.randint(0, V, (3, 5), generator=torch.Generator().manual_seed(i))
        with torch.no_grad():
            logits = model(X)
        weights_path = os.path.join(OUT, f'{name}.weights.h5')
        write_keras_weights(weights_path, model, cell, layers, H, reset_after)
        if name in ('lstm', 'gru-embedding'):  # Keras stores; a deflated archive checks the inflating path
            compression = zipfile.ZIP_STORED if name == 'lstm' else zipfile.ZIP_DEFLATED
            write_keras_archive(os.path.join(OUT, f'{name}.keras'), weights_path, cell, V, E, H, layers, compression)
        safetensors_io.save(os.path.join(OUT, f'{name}.expected.safetensors'), {'X': X.float(), 'logits': logits},
                            {'generator': 'scripts/torch-golden/keras.py', 'torch': torch.__version__,
                             'h5py': h5py.__version__})
    print(f'wrote {len(CASES)} Keras weight files to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
