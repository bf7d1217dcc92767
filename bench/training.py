"""The PyTorch and JAX side of bench/training.ts: the same network, data, batches per epoch, epochs and optimizer.

Started by training.ts as `python bench/training.py <data dir>`; reads one command per line on stdin
("<engine> <shape>", engine torch or jax) and answers each with one JSON line: the seconds of one training
(model built, all epochs, a valid loss after each epoch, best weights kept), measured around the training only,
and the process CPU seconds in that time (equal to the seconds or below when one thread did the work). Both are
asked to use one CPU thread. Needs `pip install torch jax numpy` (CPU wheels from PyPI).

Network (train.mlp's defaults): per hidden block Linear -> BatchNorm (momentum 0.1, eps 1e-5) -> ReLU -> Dropout,
then Linear -> sigmoid with binary cross-entropy; Adam (eps 1e-7 as tfjs); a trailing batch of one row is skipped.
"""

import json
import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def load(data_dir, shape):
    meta = json.load(open(os.path.join(data_dir, f"{shape}.json")))
    arr = lambda name, n: np.fromfile(os.path.join(data_dir, f"{shape}.{name}.f32"), dtype=np.float32).reshape(n, -1)
    return meta, arr("x_train", meta["train"]), arr("y_train", meta["train"]), arr("x_valid", meta["valid"]), arr("y_valid", meta["valid"])


def batches(n, batch_size, rng):
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        b = order[start : start + batch_size]
        if len(b) < 2 and n >= 2:
            continue
        yield b


# ---------------------------------------------------------------------------------------------------------------
# PyTorch


def train_torch(meta, x, y, xv, yv):
    import torch

    torch.manual_seed(0)
    layers, width = [], x.shape[1]
    for units in meta["layers"]:
        layers += [torch.nn.Linear(width, units), torch.nn.BatchNorm1d(units, momentum=0.1, eps=1e-5), torch.nn.ReLU(), torch.nn.Dropout(meta["dropout"])]
        width = units
    layers.append(torch.nn.Linear(width, 1))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=meta["learningRate"], eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt, yt, xvt, yvt = map(torch.from_numpy, (x, y, xv, yv))
    rng = np.random.default_rng(0)
    best, best_state = float("inf"), None
    for _ in range(meta["epochs"]):
        model.train()
        for b in batches(len(xt), meta["batchSize"], rng):
            idx = torch.from_numpy(b)
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            v = loss_fn(model(xvt), yvt).item()
        if v < best:
            best, best_state = v, {k: t.clone() for k, t in model.state_dict().items()}
    model.load_state_dict(best_state)
    return best


# ---------------------------------------------------------------------------------------------------------------
# JAX: one jitted training step (gather, forward, backward, Adam, BatchNorm statistics) and a jitted inference


_jax_fns = {}


def jax_fns(layers, dropout, lr):
    key = (tuple(layers), dropout, lr)
    if key in _jax_fns:
        return _jax_fns[key]
    import jax
    import jax.numpy as jnp

    def forward(params, stats, x, training, rng):
        new_stats = []
        h = x
        for i, (w, b, g, beta) in enumerate(params[:-1]):
            z = h @ w + b
            mm, mv = stats[i]
            if training:
                mean, var = z.mean(0), z.var(0)
                new_stats.append((0.9 * mm + 0.1 * mean, 0.9 * mv + 0.1 * var * z.shape[0] / (z.shape[0] - 1)))
            else:
                mean, var = mm, mv
            h = jax.nn.relu(g * (z - mean) / jnp.sqrt(var + 1e-5) + beta)
            if training and dropout > 0:
                rng, sub = jax.random.split(rng)
                h = jnp.where(jax.random.bernoulli(sub, 1 - dropout, h.shape), h / (1 - dropout), 0)
        w, b = params[-1]
        return (h @ w + b)[:, 0], new_stats

    def bce(logits, y):
        return jnp.mean(jnp.maximum(logits, 0) - logits * y + jnp.log1p(jnp.exp(-jnp.abs(logits))))

    def step(params, stats, m, v, t, x, y, idx, rng):
        def loss(p):
            logits, new_stats = forward(p, stats, x[idx], True, rng)
            return bce(logits, y[idx, 0]), new_stats

        (_, new_stats), grads = jax.value_and_grad(loss, has_aux=True)(params)
        t = t + 1
        m = jax.tree_util.tree_map(lambda a, g: 0.9 * a + 0.1 * g, m, grads)
        v = jax.tree_util.tree_map(lambda a, g: 0.999 * a + 0.001 * g * g, v, grads)
        params = jax.tree_util.tree_map(
            lambda p, a, s: p - lr * (a / (1 - 0.9**t)) / (jnp.sqrt(s / (1 - 0.999**t)) + 1e-7), params, m, v
        )
        return params, new_stats, m, v, t

    def valid_loss(params, stats, x, y):
        return bce(forward(params, stats, x, False, None)[0], y[:, 0])

    fns = (jax.jit(step), jax.jit(valid_loss))
    _jax_fns[key] = fns
    return fns


def train_jax(meta, x, y, xv, yv):
    import jax
    import jax.numpy as jnp

    step, valid_loss = jax_fns(meta["layers"], meta["dropout"], meta["learningRate"])
    key = jax.random.PRNGKey(0)
    params, stats, width = [], [], x.shape[1]
    for units in meta["layers"]:
        key, sub = jax.random.split(key)
        lim = np.sqrt(6 / (width + units))
        params.append((jax.random.uniform(sub, (width, units), minval=-lim, maxval=lim), jnp.zeros(units), jnp.ones(units), jnp.zeros(units)))
        stats.append((jnp.zeros(units), jnp.ones(units)))
        width = units
    key, sub = jax.random.split(key)
    lim = np.sqrt(6 / (width + 1))
    params.append((jax.random.uniform(sub, (width, 1), minval=-lim, maxval=lim), jnp.zeros(1)))
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = jnp.zeros((), jnp.float32)
    xd, yd, xvd, yvd = map(jnp.asarray, (x, y, xv, yv))
    rng = np.random.default_rng(0)
    best, best_params = float("inf"), None
    for _ in range(meta["epochs"]):
        for b in batches(len(x), meta["batchSize"], rng):
            key, sub = jax.random.split(key)
            params, stats, m, v, t = step(params, stats, m, v, t, xd, yd, jnp.asarray(b), sub)
        loss = float(valid_loss(params, stats, xvd, yvd))
        if loss < best:
            best, best_params = loss, (params, stats)
    return best


ENGINES = {"torch": train_torch, "jax": train_jax}


def main():
    data_dir = sys.argv[1]
    import torch

    torch.set_num_threads(1)
    for line in sys.stdin:
        engine, shape = line.split()
        data = load(data_dir, shape)
        t0, c0 = time.perf_counter(), time.process_time()
        loss = ENGINES[engine](*data)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"engine": engine, "shape": shape, "seconds": seconds, "cpuSeconds": cpu, "validLoss": loss}), flush=True)


if __name__ == "__main__":
    main()
