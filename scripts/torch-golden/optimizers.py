#!/usr/bin/env python3
"""PyTorch goldens for lstm-simd's optimisers and learning-rate schedules.

Writes test/fixtures/torch/optimizers.json, which test/train/torch-optimizers.test.ts reads.
CI has no PyTorch: the fixture is committed; rerun this script only when a case is added.

    /usr/bin/python3 scripts/torch-golden/optimizers.py      # Debian's python3-torch (1.13) or any torch >= 1.13

What it records, all from fixed inputs stored in the file itself (nothing depends on torch's RNG):
- two parameters, a (3, 5) and b (7,) (sizes that are not multiples of the SIMD width), and one gradient
  per step for each (with a few exact zeros, and a different scale each step);
- for each optimiser configuration (`options` use lstm-simd's camelCase names; `torch` the kwargs they
  map to): the parameters after every step and the optimiser state after the last step, run once in
  float32 (what the package computes in) and once in float64 (to check the formulas without rounding);
- for each schedule: the learning rate of steps 0..n-1 (torch's `get_last_lr()` after k `scheduler.step()`
  calls) for a base rate;
- optimiser runs whose learning rate a schedule sets after every step (`scheduler.step()` after
  `optimizer.step()`, PyTorch's order).
Every number is written with repr(), which round-trips float32 and float64 values exactly.
"""
import json
import os
import warnings

import torch

warnings.filterwarnings('ignore')  # torch warns about get_lr outside step in some versions
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'torch', 'optimizers.json')
STEPS = 5

# ---- fixed inputs -------------------------------------------------------------------------------------
generator = torch.Generator().manual_seed(20240611)
SHAPES = {'a': [3, 5], 'b': [7]}
initial = {name: torch.randn(shape, generator=generator, dtype=torch.float32) for name, shape in SHAPES.items()}
gradients = []
for step in range(STEPS):
    scale = [1.0, 0.25, 3.0, 0.5, 1.5][step]
    grads = {}
    for name, shape in SHAPES.items():
        g = torch.randn(shape, generator=generator, dtype=torch.float32) * scale
        g.view(-1)[step % g.numel()] = 0.0  # an exact zero: Adam/RMSprop divide by eps there
        grads[name] = g
    gradients.append(grads)

# lstm-simd option name -> torch keyword
KEYWORDS = {
    'lr': 'lr', 'momentum': 'momentum', 'dampening': 'dampening', 'weightDecay': 'weight_decay',
    'nesterov': 'nesterov', 'betas': 'betas', 'eps': 'eps', 'alpha': 'alpha', 'centered': 'centered',
}
OPTIMIZERS = {'sgd': torch.optim.SGD, 'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW,
              'rmsprop': torch.optim.RMSprop}
STATE_NAMES = ['momentum_buffer', 'exp_avg', 'exp_avg_sq', 'square_avg', 'grad_avg']

CASES = [
    ('sgd', 'plain', {'lr': 0.1}),
    ('sgd', 'weight decay', {'lr': 0.1, 'weightDecay': 0.01}),
    ('sgd', 'momentum', {'lr': 0.1, 'momentum': 0.9}),
    ('sgd', 'momentum, dampening, weight decay', {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.25, 'weightDecay': 0.02}),
    ('sgd', 'nesterov, weight decay', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.01}),
    ('adam', 'defaults, lr 0.05', {'lr': 0.05}),
    ('adam', 'betas, eps, L2 weight decay', {'lr': 0.02, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1}),
    ('adamw', 'defaults, lr 0.05 (weight decay 0.01)', {'lr': 0.05}),
    ('adamw', 'weight decay 0.1', {'lr': 0.02, 'weightDecay': 0.1, 'betas': [0.85, 0.995]}),
    ('rmsprop', 'defaults, lr 0.01', {'lr': 0.01}),
    ('rmsprop', 'centered, momentum, weight decay', {'lr': 0.01, 'alpha': 0.9, 'eps': 1e-6, 'centered': True,
                                                     'momentum': 0.7, 'weightDecay': 0.05}),
    ('rmsprop', 'momentum', {'lr': 0.005, 'momentum': 0.9}),
]


def torch_kwargs(options):
    return {KEYWORDS[k]: (tuple(v) if k == 'betas' else v) for k, v in options.items()}


def values(t):
    return [repr(float(x)) for x in t.detach().reshape(-1).tolist()]


def as_numbers(strings):
    return [float(s) for s in strings]


def run(name, options, dtype, schedule=None):
    params = {k: v.to(dtype).clone().requires_grad_(True) for k, v in initial.items()}
    optimizer = OPTIMIZERS[name](list(params.values()), **torch_kwargs(options))
    scheduler = schedule(optimizer) if schedule else None
    after, lrs = [], []
    for step in range(STEPS):
        lrs.append(optimizer.param_groups[0]['lr'])
        for k, p in params.items():
            p.grad = gradients[step][k].to(dtype).clone()
        optimizer.step()
        if scheduler:
            scheduler.step()
        after.append({k: as_numbers(values(p)) for k, p in params.items()})
    state = {}
    for k, p in params.items():
        for key, value in optimizer.state[p].items():
            if key in STATE_NAMES and value is not None:
                state.setdefault(key, {})[k] = as_numbers(values(value))
            elif key == 'step':
                state['step'] = int(float(value))
    return {'parameters': after, 'state': state, 'lrs': lrs}


def optimizer_cases():
    out = []
    for name, label, options in CASES:
        out.append({'optimizer': name, 'label': label, 'options': options, 'torch': repr(torch_kwargs(options)),
                    'float32': run(name, options, torch.float32), 'float64': run(name, options, torch.float64)})
    return out


# ---- schedules ----------------------------------------------------------------------------------------
S = torch.optim.lr_scheduler
SCHEDULES = [
    ('step', {'stepSize': 3, 'gamma': 0.5}, 0.1, 12, lambda o: S.StepLR(o, step_size=3, gamma=0.5),
     'StepLR(step_size=3, gamma=0.5)'),
    ('cosine', {'tMax': 10, 'etaMin': 0.001}, 0.1, 14, lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
     'CosineAnnealingLR(T_max=10, eta_min=0.001)'),
    ('linear', {'startFactor': 0.1, 'endFactor': 1.0, 'totalIters': 4}, 0.1, 8,
     lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=4),
     'LinearLR(start_factor=0.1, end_factor=1.0, total_iters=4)'),
    ('warmup-cosine', {'warmupSteps': 3, 'totalSteps': 12, 'startFactor': 0.1, 'etaMin': 0}, 0.1, 12,
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=3),
                                  S.CosineAnnealingLR(o, T_max=9, eta_min=0)], milestones=[3]),
     'SequentialLR([LinearLR(start_factor=0.1, total_iters=3), CosineAnnealingLR(T_max=9)], milestones=[3])'),
]


def schedule_cases():
    out = []
    for name, options, base, steps, make, description in SCHEDULES:
        p = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([p], lr=base)
        scheduler = make(optimizer)
        lrs = []
        for _ in range(steps):
            lrs.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        out.append({'schedule': name, 'options': options, 'baseLr': base, 'torch': description,
                    'lrs': [float(repr(x)) for x in lrs]})
    return out


SCHEDULED = [
    ('adam', {'lr': 0.05}, 'warmup-cosine', {'warmupSteps': 2, 'totalSteps': 5, 'startFactor': 0.25, 'etaMin': 0.001},
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=2),
                                  S.CosineAnnealingLR(o, T_max=3, eta_min=0.001)], milestones=[2])),
    ('sgd', {'lr': 0.1, 'momentum': 0.9}, 'step', {'stepSize': 2, 'gamma': 0.5},
     lambda o: S.StepLR(o, step_size=2, gamma=0.5)),
]


def scheduled_cases():
    out = []
    for name, options, schedule, schedule_options, make in SCHEDULED:
        out.append({'optimizer': name, 'options': options, 'schedule': schedule, 'scheduleOptions': schedule_options,
                    'float32': run(name, options, torch.float32, make),
                    'float64': run(name, options, torch.float64, make)})
    return out


fixture = {
    'generator': 'scripts/torch-golden/optimizers.py',
    'torch': torch.__version__,
    'steps': STEPS,
    'parameters': {k: {'shape': SHAPES[k], 'data': as_numbers(values(v))} for k, v in initial.items()},
    'gradients': [{k: as_numbers(values(g)) for k, g in grads.items()} for grads in gradients],
    'optimizers': optimizer_cases(),
    'schedules': schedule_cases(),
    'scheduled': scheduled_cases(),
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(fixture, f, indent=None, separators=(',', ':'))
    f.write('\n')
print(f'wrote {os.path.relpath(OUT, ROOT)}: {len(fixture["optimizers"])} optimiser cases, '
      f'{len(fixture["schedules"])} schedules, {len(fixture["scheduled"])} scheduled runs')
