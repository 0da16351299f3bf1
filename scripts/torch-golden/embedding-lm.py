#!/usr/bin/env python3
"""PyTorch goldens for lstm-simd's Embedding and the concise RNNLM that takes it.

Writes test/fixtures/torch/embedding-lm.json, which test/layers/embedding-torch.test.ts reads.
CI has no PyTorch: the fixture is committed; rerun this script only when a case is added.

    /usr/bin/python3 scripts/torch-golden/embedding-lm.py    # Debian's python3-torch (1.13) or any torch >= 1.13

Each case is the model a PyTorch user writes for a word-level language model,

    class LM(nn.Module):            # attribute names = lstm-simd's parameter prefixes
        embedding = nn.Embedding(V, D); rnn = nn.LSTM/GRU/RNN(D, H, L, bidirectional=...); linear = nn.Linear(W, V)
    logits = linear(rnn(embedding(X.T))[0])        # X: (B, T) ids -> time-major (T, B, V) logits
    loss = cross_entropy(logits.reshape(-1, V), Y.T.reshape(-1))                     # mean over T B

with weights drawn once (torch's own initialisers, seeded) and stored by their state_dict names; the
file holds the ids, targets, every parameter, the logits, the loss and every parameter's gradient,
run in float32 (what the package computes in) and in float64 (to check the algebra without rounding).
Ids repeat within the batch, so the embedding gradient's scatter-add must sum rows.
Every number is written with repr(), which round-trips float32 and float64 values exactly.
"""
import json
import os

import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'torch', 'embedding-lm.json')

CELLS = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}
# (cell, V, D, H, layers, bidirectional, B, T)
CASES = [
    ('lstm', 11, 6, 5, 1, False, 3, 4),
    ('lstm', 13, 7, 4, 2, True, 2, 5),
    ('gru', 11, 5, 6, 2, False, 3, 3),
    ('rnn', 9, 4, 5, 1, True, 4, 3),
]


class LM(nn.Module):
    def __init__(self, cell, V, D, H, layers, bidirectional):
        super().__init__()
        self.embedding = nn.Embedding(V, D)
        self.rnn = CELLS[cell](D, H, num_layers=layers, bidirectional=bidirectional)
        self.linear = nn.Linear(H * (2 if bidirectional else 1), V)

    def forward(self, X):
        outputs, _ = self.rnn(self.embedding(X.T))
        return self.linear(outputs)


def numbers(t):
    return [float(repr(float(x))) for x in t.detach().reshape(-1).tolist()]


def run(model, X, Y, V, dtype):
    model = model.to(dtype)
    model.zero_grad()
    logits = model(X)
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), Y.T.reshape(-1))
    loss.backward()
    return {
        'logits': numbers(logits),
        'loss': float(repr(loss.item())),
        'gradients': {name: numbers(p.grad) for name, p in model.named_parameters()},
    }


def case(index, cell, V, D, H, layers, bidirectional, B, T):
    torch.manual_seed(1000 + index)
    model = LM(cell, V, D, H, layers, bidirectional)
    X = torch.randint(0, V, (B, T))
    X[0, 0] = X[-1, -1]  # at least one repeated id
    Y = torch.randint(0, V, (B, T))
    parameters = {name: {'shape': list(p.shape), 'data': numbers(p)} for name, p in model.state_dict().items()}
    return {
        'cell': cell, 'vocabSize': V, 'embeddingDim': D, 'numHiddens': H, 'numLayers': layers,
        'bidirectional': bidirectional, 'batchSize': B, 'numSteps': T,
        'X': X.reshape(-1).tolist(), 'Y': Y.reshape(-1).tolist(),
        'parameters': parameters,
        'float32': run(model, X, Y, V, torch.float32),
        'float64': run(model, X, Y, V, torch.float64),
    }


fixture = {
    'generator': 'scripts/torch-golden/embedding-lm.py',
    'torch': torch.__version__,
    'cases': [case(i, *c) for i, c in enumerate(CASES)],
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(fixture, f, indent=None, separators=(',', ':'))
    f.write('\n')
print(f'wrote {os.path.relpath(OUT, ROOT)}: {len(fixture["cases"])} cases')
