// AssemblyScript source of the fast MLP engine's kernels (compiled to kernels-wasm.ts by build-kernels.ts).
//
// Every function works on float32 arrays in linear memory, addressed by byte pointers the JavaScript side allocates.
// Determinism: only plain WebAssembly SIMD (f32x4 mul and add, never relaxed-simd, no fused multiply-add) and
// scalar f32 arithmetic, whose results IEEE 754 and the WebAssembly spec fix bit for bit on every machine. Every
// sum runs in one fixed order that does not depend on the blocking: an output element of gemm is
// ((0 + a0·b0) + a1·b1) + … in increasing t, plus its bias last; column sums run in increasing row.

/** First free byte after the module's static data: the JavaScript arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * C[i, 0..m) = bias[0..m) (or 0 when bias is 0) + Σ_{t<T} A(i, t) · B[t, 0..m), for i < rows.
 * A(i, t) is the f32 at a + 4·(i·ai + t·at), so one kernel serves X·W (ai = T, at = 1) and Xᵀ·dY (ai = 1, at = rows
 * stride). B rows are m floats apart; C rows are m floats apart.
 */
export function gemm(a: usize, ai: i32, at: i32, b: usize, c: usize, bias: usize, rows: i32, T: i32, m: i32): void {
  const bs = <usize>m << 2;
  const ast = <usize>at << 2;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = a + ((<usize>(i * ai)) << 2);
    const a1 = a0 + (<usize>ai << 2);
    const a2 = a1 + (<usize>ai << 2);
    const a3 = a2 + (<usize>ai << 2);
    const c0 = c + ((<usize>(i * m)) << 2);
    let j = 0;
    for (; j + 8 <= m; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let off: usize = 0;
      for (let t = 0; t < T; t++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const x0 = f32x4.splat(load<f32>(a0 + off));
        const x1 = f32x4.splat(load<f32>(a1 + off));
        const x2 = f32x4.splat(load<f32>(a2 + off));
        const x3 = f32x4.splat(load<f32>(a3 + off));
        s00 = f32x4.add(s00, f32x4.mul(x0, b0));
        s01 = f32x4.add(s01, f32x4.mul(x0, b1));
        s10 = f32x4.add(s10, f32x4.mul(x1, b0));
        s11 = f32x4.add(s11, f32x4.mul(x1, b1));
        s20 = f32x4.add(s20, f32x4.mul(x2, b0));
        s21 = f32x4.add(s21, f32x4.mul(x2, b1));
        s30 = f32x4.add(s30, f32x4.mul(x3, b0));
        s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        bp += bs;
        off += ast;
      }
      if (bias != 0) {
        const q0 = v128.load(bias + (<usize>j << 2));
        const q1 = v128.load(bias + (<usize>j << 2), 16);
        s00 = f32x4.add(s00, q0); s01 = f32x4.add(s01, q1);
        s10 = f32x4.add(s10, q0); s11 = f32x4.add(s11, q1);
        s20 = f32x4.add(s20, q0); s21 = f32x4.add(s21, q1);
        s30 = f32x4.add(s30, q0); s31 = f32x4.add(s31, q1);
      }
      const cp = c0 + (<usize>j << 2);
      v128.store(cp, s00); v128.store(cp, s01, 16);
      v128.store(cp + bs, s10); v128.store(cp + bs, s11, 16);
      v128.store(cp + 2 * bs, s20); v128.store(cp + 2 * bs, s21, 16);
      v128.store(cp + 3 * bs, s30); v128.store(cp + 3 * bs, s31, 16);
    }
    for (; j < m; j++) {
      for (let r = 0; r < 4; r++) {
        const ar = a0 + ((<usize>(r * ai)) << 2);
        let s: f32 = 0;
        let bp = b + (<usize>j << 2);
        let off: usize = 0;
        for (let t = 0; t < T; t++) {
          s += load<f32>(ar + off) * load<f32>(bp);
          bp += bs;
          off += ast;
        }
        if (bias != 0) s += load<f32>(bias + (<usize>j << 2));
        store<f32>(c0 + (<usize>(r * m + j) << 2), s);
      }
    }
  }
  for (; i < rows; i++) {
    const ar = a + ((<usize>(i * ai)) << 2);
    const cr = c + ((<usize>(i * m)) << 2);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      let s = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let off: usize = 0;
      for (let t = 0; t < T; t++) {
        s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(ar + off)), v128.load(bp)));
        bp += bs;
        off += ast;
      }
      if (bias != 0) s = f32x4.add(s, v128.load(bias + (<usize>j << 2)));
      v128.store(cr + (<usize>j << 2), s);
    }
    for (; j < m; j++) {
      let s: f32 = 0;
      let bp = b + (<usize>j << 2);
      let off: usize = 0;
      for (let t = 0; t < T; t++) {
        s += load<f32>(ar + off) * load<f32>(bp);
        bp += bs;
        off += ast;
      }
      if (bias != 0) s += load<f32>(bias + (<usize>j << 2));
      store<f32>(cr + (<usize>j << 2), s);
    }
  }
}

/** out[j, i] = x[i, j] for an x of rows × cols. */
export function transpose(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(out + (<usize>(j * rows + i) << 2), load<f32>(x + (<usize>(i * cols + j) << 2)));
  }
}

/** out[j] = Σ_i x[i, j] in increasing i. */
export function columnSums(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let j = 0; j < cols; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += load<f32>(x + (<usize>(i * cols + j) << 2));
    store<f32>(out + (<usize>j << 2), s);
  }
}

/** Copies rows idx[0..count) (int32) of a width-column src into consecutive rows of dst. */
export function gatherRows(src: usize, idx: usize, dst: usize, count: i32, width: i32): void {
  const bytes = <usize>width << 2;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    memory.copy(dst + <usize>i * bytes, src + <usize>r * bytes, bytes);
  }
}

/**
 * BatchNorm in training mode on z (rows × u), in place: batch mean and biased variance per column, then
 * out = γ·(z − μ)·(1/√(σ² + ε)) + β. Keeps x̂ and 1/√(σ² + ε) for the backward pass and moves the moving statistics
 * towards the batch's by `decay` (1 − momentum), as tfjs does: s ← s − (s − batch)·decay.
 */
export function batchNormTrain(z: usize, xhat: usize, invStd: usize, gamma: usize, beta: usize, movingMean: usize, movingVar: usize, rows: i32, u: i32, epsilon: f32, decay: f32): void {
  const n = <f32>rows;
  for (let j = 0; j < u; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += load<f32>(z + (<usize>(i * u + j) << 2));
    const mean = s / n;
    let q: f32 = 0;
    for (let i = 0; i < rows; i++) {
      const d = load<f32>(z + (<usize>(i * u + j) << 2)) - mean;
      q += d * d;
    }
    const variance = q / n;
    const inv: f32 = 1 / Mathf.sqrt(variance + epsilon);
    const g = load<f32>(gamma + (<usize>j << 2));
    const b = load<f32>(beta + (<usize>j << 2));
    for (let i = 0; i < rows; i++) {
      const p = <usize>(i * u + j) << 2;
      const h = (load<f32>(z + p) - mean) * inv;
      store<f32>(xhat + p, h);
      store<f32>(z + p, g * h + b);
    }
    store<f32>(invStd + (<usize>j << 2), inv);
    const mm = load<f32>(movingMean + (<usize>j << 2));
    store<f32>(movingMean + (<usize>j << 2), mm - (mm - mean) * decay);
    const mv = load<f32>(movingVar + (<usize>j << 2));
    store<f32>(movingVar + (<usize>j << 2), mv - (mv - variance) * decay);
  }
}

/** BatchNorm in inference mode on z (rows × u), in place: out = γ·(z − μ̄)/√(σ̄² + ε) + β with the moving statistics. */
export function batchNormInfer(z: usize, gamma: usize, beta: usize, movingMean: usize, movingVar: usize, rows: i32, u: i32, epsilon: f32): void {
  for (let j = 0; j < u; j++) {
    const p = <usize>j << 2;
    const inv: f32 = 1 / Mathf.sqrt(load<f32>(movingVar + p) + epsilon);
    const g = load<f32>(gamma + p);
    const b = load<f32>(beta + p);
    const mean = load<f32>(movingMean + p);
    for (let i = 0; i < rows; i++) {
      const q = <usize>(i * u + j) << 2;
      store<f32>(z + q, g * ((load<f32>(z + q) - mean) * inv) + b);
    }
  }
}

/**
 * The backward pass of batchNormTrain: from dOut (rows × u) writes dz (may be dOut itself) and the gradients of γ
 * and β: dγ = Σ dOut·x̂, dβ = Σ dOut, dz = γ·inv/N · (N·dOut − dβ − x̂·dγ).
 */
export function batchNormBackward(dOut: usize, xhat: usize, invStd: usize, gamma: usize, dz: usize, dGamma: usize, dBeta: usize, rows: i32, u: i32): void {
  const n = <f32>rows;
  for (let j = 0; j < u; j++) {
    let sg: f32 = 0;
    let sb: f32 = 0;
    for (let i = 0; i < rows; i++) {
      const p = <usize>(i * u + j) << 2;
      const d = load<f32>(dOut + p);
      sg += d * load<f32>(xhat + p);
      sb += d;
    }
    store<f32>(dGamma + (<usize>j << 2), sg);
    store<f32>(dBeta + (<usize>j << 2), sb);
    const k: f32 = (load<f32>(gamma + (<usize>j << 2)) * load<f32>(invStd + (<usize>j << 2))) / n;
    for (let i = 0; i < rows; i++) {
      const p = <usize>(i * u + j) << 2;
      store<f32>(dz + p, k * (n * load<f32>(dOut + p) - sb - load<f32>(xhat + p) * sg));
    }
  }
}

/** z += t elementwise over `count` floats (a bias vector added to a pre-activation). */
export function addInPlace(z: usize, t: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const p = <usize>i << 2;
    store<f32>(z + p, load<f32>(z + p) + load<f32>(t + p));
  }
}

/** h = max(s, 0)·mask (mask 0 means no dropout, i.e. a factor of 1), over `count` floats. */
export function reluDropout(s: usize, h: usize, mask: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const p = <usize>i << 2;
    const v = load<f32>(s + p);
    const r: f32 = v > 0 ? v : 0;
    store<f32>(h + p, mask == 0 ? r : r * load<f32>(mask + p));
  }
}

/** The backward pass of reluDropout: ds = dh·mask where s > 0, else 0 (ds may be dh itself). */
export function reluDropoutBackward(dh: usize, s: usize, mask: usize, ds: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const p = <usize>i << 2;
    const g = mask == 0 ? load<f32>(dh + p) : load<f32>(dh + p) * load<f32>(mask + p);
    store<f32>(ds + p, load<f32>(s + p) > 0 ? g : 0);
  }
}

/** p = 1/(1 + e^(−z)) in place over `count` floats. */
export function sigmoid(z: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const p = <usize>i << 2;
    store<f32>(z + p, 1 / (1 + Mathf.exp(-load<f32>(z + p))));
  }
}

/**
 * For a sigmoid output z (rows × 1) and labels y: the gradient of mean binary cross-entropy (Keras' log loss,
 * −y·log(p + ε) − (1 − y)·log(1 − p + ε)) with respect to z, through the sigmoid as tfjs differentiates it:
 * dz = (−y/(p + ε) + (1 − y)/(1 − p + ε))/rows · p·(1 − p). Written into dz.
 * With per-row sample weights w (w ≠ 0), the loss is the mean over the rows of w_i · loss_i (divided by rows, not
 * by Σw): row i's term is multiplied by w_i before the division, so a weight of 1 gives the unweighted bytes.
 */
export function sigmoidLogLossGrad(z: usize, y: usize, w: usize, dz: usize, rows: i32, epsilon: f32): void {
  const n = <f32>rows;
  for (let i = 0; i < rows; i++) {
    const q = <usize>i << 2;
    const p: f32 = 1 / (1 + Mathf.exp(-load<f32>(z + q)));
    const t = load<f32>(y + q);
    const term: f32 = -t / (p + epsilon) + (1 - t) / (1 - p + epsilon);
    const dp: f32 = (w == 0 ? term : load<f32>(w + q) * term) / n;
    store<f32>(dz + q, dp * (p * (1 - p)));
  }
}

/** Softmax over each row of z (rows × g), in place (max subtracted first). */
export function softmax(z: usize, rows: i32, g: i32): void {
  for (let i = 0; i < rows; i++) {
    const r = z + (<usize>(i * g) << 2);
    let mx = load<f32>(r);
    for (let j = 1; j < g; j++) mx = Mathf.max(mx, load<f32>(r + (<usize>j << 2)));
    let s: f32 = 0;
    for (let j = 0; j < g; j++) {
      const e = Mathf.exp(load<f32>(r + (<usize>j << 2)) - mx);
      store<f32>(r + (<usize>j << 2), e);
      s += e;
    }
    for (let j = 0; j < g; j++) store<f32>(r + (<usize>j << 2), load<f32>(r + (<usize>j << 2)) / s);
  }
}

/** For logits z (rows × g) and class indices cls (int32): d(mean softmax cross-entropy)/dz = (softmax − onehot)/rows. */
export function softmaxCrossEntropyGrad(z: usize, cls: usize, dz: usize, rows: i32, g: i32): void {
  const n = <f32>rows;
  memory.copy(dz, z, <usize>(rows * g) << 2);
  softmax(dz, rows, g);
  for (let i = 0; i < rows; i++) {
    const c = load<i32>(cls + (<usize>i << 2));
    for (let j = 0; j < g; j++) {
      const p = dz + (<usize>(i * g + j) << 2);
      store<f32>(p, (load<f32>(p) - (j == c ? <f32>1 : <f32>0)) / n);
    }
  }
}

/**
 * One Adam step over `count` parameters, as tfjs applies it: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
 * θ ← θ + (m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε) · (−lr). c1/c2 are 1 − β₁ and 1 − β₂ as tfjs rounds them (from
 * float64), oneMinusAcc1/2 are 1 − β₁ᵗ and 1 − β₂ᵗ.
 */
export function adam(theta: usize, grad: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, c1: f32, c2: f32, oneMinusAcc1: f32, oneMinusAcc2: f32, epsilon: f32): void {
  // Four lanes at a time: f32x4 mul, add, div and sqrt round exactly as their scalar forms, so the tail loop and the
  // vector loop give the same bits for the same inputs.
  const vb1 = f32x4.splat(beta1), vb2 = f32x4.splat(beta2), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const va1 = f32x4.splat(oneMinusAcc1), va2 = f32x4.splat(oneMinusAcc2), veps = f32x4.splat(epsilon), vlr = f32x4.splat(-lr);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const p = <usize>i << 2;
    const g = v128.load(grad + p);
    const mi = f32x4.add(f32x4.mul(v128.load(m + p), vb1), f32x4.mul(g, vc1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + p), vb2), f32x4.mul(f32x4.mul(g, g), vc2));
    v128.store(m + p, mi);
    v128.store(v + p, vi);
    const step = f32x4.div(f32x4.div(mi, va1), f32x4.add(f32x4.sqrt(f32x4.div(vi, va2)), veps));
    v128.store(theta + p, f32x4.add(v128.load(theta + p), f32x4.mul(step, vlr)));
  }
  for (; i < count; i++) {
    const p = <usize>i << 2;
    const g = load<f32>(grad + p);
    const mi = load<f32>(m + p) * beta1 + g * c1;
    const vi = load<f32>(v + p) * beta2 + g * g * c2;
    store<f32>(m + p, mi);
    store<f32>(v + p, vi);
    const step = (mi / oneMinusAcc1) / (Mathf.sqrt(vi / oneMinusAcc2) + epsilon);
    store<f32>(theta + p, load<f32>(theta + p) + step * -lr);
  }
}
