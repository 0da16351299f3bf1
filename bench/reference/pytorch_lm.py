"""Native PyTorch (CPU) on the bench's language-model workloads, for the README's comparison.

The same work as bench/suites/training.js and generation.js: an nn.LSTM language model over
V = 28 one-hot inputs with a dense output layer, a training step being forward, mean softmax
cross-entropy, zero_grad, backward, global-norm clipping at 1 and SGD (lr 1); and the logits of
one 1000-token sequence at B = 1, H = 256. Each figure is the median of interleaved samples
(1, then 2 threads, in turn) after a warm-up.

    python3 bench/reference/pytorch_lm.py [--threads 1,2] [--samples 15]

Debian's python3-torch links the reference BLAS (C2 takes over a second). The README's figures use
Debian's OpenBLAS without installing it system-wide (`apt-get download libopenblas0-pthread`, then
`dpkg -x` it into DIR), one thread count per run, as torch.set_num_threads does not set OpenBLAS's:

    LD_LIBRARY_PATH=DIR/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=2 \
        python3 bench/reference/pytorch_lm.py --threads 2
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

V = 28
SHAPES = {"C1": (1024, 32, 32), "C2": (64, 64, 256)}


class LanguageModel(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.rnn = torch.nn.LSTM(V, hidden)
        self.linear = torch.nn.Linear(hidden, V)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.linear(out)


def training_step(batch, steps, hidden):
    model = LanguageModel(hidden)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    generator = torch.Generator().manual_seed(1)
    x = F.one_hot(torch.randint(0, V, (steps, batch), generator=generator), V).float()
    y = torch.randint(0, V, (steps * batch,), generator=generator)

    def step():
        loss = F.cross_entropy(model(x).reshape(-1, V), y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    return step


def long_forward(steps=1000, hidden=256):
    model = LanguageModel(hidden)
    x = F.one_hot(torch.randint(0, V, (steps, 1)), V).float()

    def forward():
        with torch.no_grad():
            return model(x)

    return forward


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    cases = [(f"{name} training step", lambda s=shape: training_step(*s)) for name, shape in SHAPES.items()]
    cases.append(("LM forward 1000 steps (B = 1, H = 256)", long_forward))
    print(f"PyTorch {torch.__version__}, {torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, 'cpu') else 'CPU'}")
    for name, make in cases:
        runs = {t: make() for t in threads}
        times = {t: [] for t in threads}
        for t in threads:  # warm-up
            torch.set_num_threads(t)
            for _ in range(3):
                runs[t]()
        for _ in range(args.samples):
            for t in threads:
                torch.set_num_threads(t)
                start = time.perf_counter()
                runs[t]()
                times[t].append((time.perf_counter() - start) * 1000)
        figures = ", ".join(f"{t} thread{'s' if t > 1 else ''} {statistics.median(times[t]):.1f} ms" for t in threads)
        print(f"{name}: {figures}")


if __name__ == "__main__":
    main()
