#!/usr/bin/env python3
"""PyTorch goldens for lstm-simd's fused layers and its PyTorch import, and the check the other way.

    /usr/bin/python3 scripts/torch-golden/layers.py        # Debian's python3-torch (1.13) or any torch >= 1.13

CI has no PyTorch: the fixtures are committed (test/fixtures/torch/); rerun this script when a case
is added. It does three things:

1. layers/<cell>-l<L>[-bi].safetensors: nn.LSTM/GRU/RNN with torch's own seeded initialisation, an
   input x (T, B, I), an initial state (h0, c0) or none, and the loss
   L = sum(out * R) + sum(hN * S) [+ sum(cN * Q)]; the file holds the parameters under their state_dict
   names ('param.<name>'), the inputs, out/hN/cN, and the gradients of L ('grad.<name>', 'grad.x',
   'grad.h0', 'grad.c0'), all float32 as torch computes them. test/layers/torch-golden.test.ts loads the
   parameters with loadStateDict and compares (forward within 1e-5, gradients within 1e-4).

2. lm-*.safetensors: two small character language models trained here for 150 SGD steps on the start of
   The Time Machine, saved as a PyTorch user saves them (state_dict names, safetensors), with the
   vocabulary as `json.dump(vocab.idx_to_token, f)` writes it (lm-vocab.json), and the expected logits
   for a few sequences (lm-*.expected.safetensors). One is d2l's concise RNNLM, whose nn.LSTM sits in a
   wrapper (names 'rnn.rnn.weight_ih_l0', ...) and takes one-hot inputs; the other an
   nn.Embedding + 2-layer nn.GRU + nn.Linear. test/io/torch-import.test.ts imports them.

3. from-js/*.safetensors were written by the package (scripts/torch-golden/write-js-models.mjs, run
   here first when node and dist/ exist): each loads into the matching torch module with
   load_state_dict(strict=True) and its logits must match the package's within 1e-5. This prints
   the comparison and exits non-zero on a mismatch.
"""
import json
import os
import re
import subprocess
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'torch')
CELLS = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}

# (cell, I, H, layers, bidirectional, T, B, initial state given)
LAYER_CASES = [
    ('lstm', 5, 4, 1, False, 6, 3, True),
    ('lstm', 5, 4, 2, False, 5, 2, False),
    ('lstm', 5, 3, 2, True, 4, 3, True),
    ('gru', 5, 4, 1, False, 6, 3, True),
    ('gru', 4, 5, 2, False, 5, 2, False),
    ('gru', 5, 3, 2, True, 4, 3, True),
    ('rnn', 5, 4, 1, False, 6, 3, True),
    ('rnn', 4, 5, 2, False, 5, 2, False),
    ('rnn', 5, 3, 2, True, 4, 3, True),
]


def layer_golden(cell, I, H, layers, bidirectional, T, B, with_state, seed):
    torch.manual_seed(seed)
    layer = CELLS[cell](I, H, num_layers=layers, bidirectional=bidirectional)
    D = 2 if bidirectional else 1
    x = torch.randn(T, B, I, requires_grad=True)
    h0 = torch.randn(layers * D, B, H, requires_grad=True) if with_state else None
    c0 = torch.randn(layers * D, B, H, requires_grad=True) if with_state and cell == 'lstm' else None
    R = torch.randn(T, B, D * H)
    S = torch.randn(layers * D, B, H)
    Q = torch.randn(layers * D, B, H)
    if cell == 'lstm':
        out, (hN, cN) = layer(x, (h0, c0)) if with_state else layer(x)
        loss = (out * R).sum() + (hN * S).sum() + (cN * Q).sum()
    else:
        out, hN = layer(x, h0) if with_state else layer(x)
        cN = None
        loss = (out * R).sum() + (hN * S).sum()
    loss.backward()
    tensors = {}
    for name, p in layer.named_parameters():
        tensors[f'param.{name}'] = p
    tensors['x'] = x
    if h0 is not None:
        tensors['h0'] = h0
    if c0 is not None:
        tensors['c0'] = c0
    tensors.update({'R': R, 'S': S})
    if cell == 'lstm':
        tensors['Q'] = Q
    tensors.update({'out': out, 'hN': hN})
    if cN is not None:
        tensors['cN'] = cN
    for name, p in layer.named_parameters():
        tensors[f'grad.{name}'] = p.grad
    tensors['grad.x'] = x.grad
    if h0 is not None:
        tensors['grad.h0'] = h0.grad
    if c0 is not None:
        tensors['grad.c0'] = c0.grad
    metadata = {
        'generator': 'scripts/torch-golden/layers.py',
        'torch': torch.__version__,
        'case': json.dumps({'cell': cell, 'numInputs': I, 'numHiddens': H, 'numLayers': layers,
                            'bidirectional': bidirectional, 'steps': T, 'batch': B}),
    }
    return tensors, metadata


# ---- language models -------------------------------------------------------------------------

def time_machine_chars(limit):
    path = os.environ.get('LSTM_SIMD_CORPUS') or os.path.join(ROOT, '..', 'shared', 'data', 'timemachine.txt')
    if not os.path.exists(path):
        path = '/work/shared/data/timemachine.txt'
    with open(path, encoding='utf-8') as f:
        text = re.sub('[^A-Za-z]+', ' ', f.read()).lower()  # d2l's preprocessing
    return text[:limit]


class D2lRNN(nn.Module):
    """d2l's concise LSTM/GRU/RNN class: the torch layer is an attribute `rnn` of a wrapper."""

    def __init__(self, cell, num_inputs, num_hiddens):
        super().__init__()
        self.rnn = CELLS[cell](num_inputs, num_hiddens)

    def forward(self, inputs):
        return self.rnn(inputs)


class D2lRNNLM(nn.Module):
    """d2l's concise RNNLM: one-hot inputs, the wrapped recurrent layer, a linear output layer."""

    def __init__(self, cell, vocab_size, num_hiddens):
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = D2lRNN(cell, vocab_size, num_hiddens)
        self.linear = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X):  # X: (B, T) ids -> (T, B, V) logits
        embs = nn.functional.one_hot(X.T, self.vocab_size).float()
        outputs, _ = self.rnn(embs)
        return self.linear(outputs)


class EmbeddingLM(nn.Module):
    def __init__(self, cell, vocab_size, embedding_dim, num_hiddens, layers, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, num_hiddens, num_layers=layers, bidirectional=bidirectional)
        self.linear = nn.Linear(num_hiddens * (2 if bidirectional else 1), vocab_size)

    def forward(self, X):
        outputs, _ = self.rnn(self.embedding(X.T))
        return self.linear(outputs)


class OneHotLM(nn.Module):
    """The package's RNNLM as a torch module: `rnn` takes one-hot inputs directly, `linear` on top."""

    def __init__(self, cell, vocab_size, num_hiddens, layers, bidirectional):
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = CELLS[cell](vocab_size, num_hiddens, num_layers=layers, bidirectional=bidirectional)
        self.linear = nn.Linear(num_hiddens * (2 if bidirectional else 1), vocab_size)

    def forward(self, X):
        outputs, _ = self.rnn(nn.functional.one_hot(X.T, self.vocab_size).float())
        return self.linear(outputs)


def train_lm(model, corpus, steps, batch, num_steps, lr, seed):
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        starts = torch.randint(0, len(corpus) - num_steps - 1, (batch,), generator=generator)
        X = torch.stack([corpus[s:s + num_steps] for s in starts])
        Y = torch.stack([corpus[s + 1:s + num_steps + 1] for s in starts])
        logits = model(X)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.T.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return float(loss)


def lm_goldens():
    text = time_machine_chars(20000)
    idx_to_token = sorted(set(text) | {'<unk>'})  # d2l's Vocab: sorted tokens, '<unk>' among them
    token_to_idx = {t: i for i, t in enumerate(idx_to_token)}
    corpus = torch.tensor([token_to_idx[c] for c in text])
    V = len(idx_to_token)
    with open(os.path.join(FIXTURES, 'lm-vocab.json'), 'w') as f:
        json.dump(idx_to_token, f)
    torch.manual_seed(1)
    models = {
        'lm-lstm-d2l': D2lRNNLM('lstm', V, 32),
        'lm-gru-embedding': EmbeddingLM('gru', V, 16, 24, 2),
    }
    generator = torch.Generator().manual_seed(7)
    starts = torch.randint(0, len(corpus) - 20, (3,), generator=generator)
    X = torch.stack([corpus[s:s + 20] for s in starts])  # (3, 20)
    for name, model in models.items():
        loss = train_lm(model, corpus, steps=150, batch=32, num_steps=32, lr=1.0, seed=3)
        with torch.no_grad():
            logits = model(X)
        safetensors_io.save(os.path.join(FIXTURES, f'{name}.safetensors'), model.state_dict(),
                            {'generator': 'scripts/torch-golden/layers.py', 'torch': torch.__version__})
        safetensors_io.save(os.path.join(FIXTURES, f'{name}.expected.safetensors'),
                            {'X': X.float(), 'logits': logits},
                            {'generator': 'scripts/torch-golden/layers.py', 'final_training_loss': loss})
        print(f'{name}: trained 150 steps, final training loss {loss:.3f}')


# ---- the other way: files written by the package load into torch -----------------------------------

def check_js_models():
    out = os.path.join(FIXTURES, 'from-js')
    writer = os.path.join(ROOT, 'scripts', 'torch-golden', 'write-js-models.mjs')
    if os.path.exists(os.path.join(ROOT, 'dist', 'index.js')):
        subprocess.run(['node', writer, out], check=True)
    failures = 0
    with open(os.path.join(out, 'models.json')) as f:
        cases = json.load(f)
    for case in cases:
        tensors, metadata = safetensors_io.load(os.path.join(out, case['file']))
        spec = json.loads(metadata['model'])
        cell = spec['kind']
        layers = spec.get('numLayers', 1)
        bidirectional = spec.get('bidirectional', False)
        if 'embeddingDim' in spec:
            model = EmbeddingLM(cell, spec['vocabSize'], spec['embeddingDim'], spec['numHiddens'], layers, bidirectional)
        else:
            model = OneHotLM(cell, spec['vocabSize'], spec['numHiddens'], layers, bidirectional)
        model.load_state_dict(tensors, strict=True)  # every name and shape must match, nothing left over
        with torch.no_grad():
            logits = model(torch.tensor(case['X']))
        expected = torch.tensor(case['logits']).reshape(logits.shape)
        diff = float((logits - expected).abs().max())
        ok = diff <= 1e-5
        failures += not ok
        print(f"from-js/{case['file']}: load_state_dict(strict=True) ok, logits max |torch - lstm-simd| = "
              f"{diff:.2e} {'ok' if ok else 'MISMATCH'}")
    return failures


def main():
    os.makedirs(os.path.join(FIXTURES, 'layers'), exist_ok=True)
    for i, case in enumerate(LAYER_CASES):
        cell, I, H, layers, bidirectional, T, B, with_state = case
        tensors, metadata = layer_golden(*case, seed=100 + i)
        name = f"{cell}-l{layers}{'-bi' if bidirectional else ''}{'' if with_state else '-nostate'}"
        safetensors_io.save(os.path.join(FIXTURES, 'layers', f'{name}.safetensors'), tensors, metadata)
    print(f'wrote {len(LAYER_CASES)} layer goldens')
    lm_goldens()
    sys.exit(1 if check_js_models() else 0)


if __name__ == '__main__':
    main()
