// Fused WGSL programs for the T5 blocks, in the shape tfjs-backend-webgpu runs them: a program object
// (output shape, dispatch, input names, extra uniforms, workgroup size) whose getUserCode() returns the
// body. The backend prepends the bindings: `result` (the output, array<f32>), one read-only storage
// array per input name, and `uniforms` (every input's and the output's shape, plus the program's own
// fields). Each program does one whole step of a T5 layer in one dispatch:
//   kv      RMSNorm (optional) + key and value projections [+ the decoder's cache append, rows gathered
//           by their beam parents while copying, so a beam reorder costs no dispatch of its own]
//   attend  RMSNorm + query projection + scores + relative position bias + masks + softmax + weighted
//           sum of values + output projection + residual add, one workgroup per query row
//   ffn     RMSNorm + wi (relu, or gated gelu) + wo + residual add, one workgroup per row
//   norm    RMSNorm alone (the encoder's final norm)
//   head    final RMSNorm + output projection (+ a logit prior row), columns across workgroups
//   topk    log-softmax normaliser + the row's top k (log-prob, id) pairs, one workgroup per row
//   embed   rows of an embedding table for ids read from a packed id tensor
// Shapes that are fixed for a model (d, heads, widths) are baked into the source as constants and the
// shader key; what changes per call (cache length, query offset) comes in as uniforms, so a decode does
// not compile a pipeline per step. Pure: no tfjs import, only strings and plain objects.

/** What tfjs-backend-webgpu's runWebGPUProgram reads from a program object. */
export interface FusedProgram {
  outputShape: number[];
  /** Per input: how many floats one array element holds (4 = vec4); absent = all scalars. */
  variableComponents?: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms?: string;
  workgroupSize: [number, number, number];
  getUserCode(): string;
}

/** Every workgroup-shared buffer of one program must fit in the 16 KiB WebGPU guarantees. */
export const WORKGROUP_BYTES = 16384;
/** The logit masked positions get, as the unfused path (exp underflows to exactly 0). */
const MASKED = '-1e9';

const lit = (v: number): string => {
  if (!Number.isFinite(v)) throw new RangeError(`cannot bake ${v} into a shader`);
  const s = v.toExponential();
  return s;
};

function workgroupFor(width: number): number {
  return width >= 512 ? 128 : 64;
}

/**
 * Shared helpers: workgroup sum / max and, unless `aLen` is 0, loadRow: the RMS-normalised (or, with
 * eps null, plain) copy of one row of `x` into the shared buffer `a`.
 */
function prelude(wg: number, d: number, aLen: number, eps: number | null, normInput: string): string {
  const norm =
    eps === null
      ? `for (var i = li; i < D; i += WG) { a[i] = x[xoff + i]; }
  workgroupBarrier();`
      : `var ss = 0.0;
  for (var i = li; i < D; i += WG) { let v = x[xoff + i]; ss += v * v; }
  let tot = wgSum(ss);
  let sc = inverseSqrt(tot / f32(D) + ${lit(eps)});
  for (var i = li; i < D; i += WG) { a[i] = x[xoff + i] * sc * ${normInput}[i]; }
  workgroupBarrier();`;
  const rowLoader =
    aLen === 0
      ? ''
      : `var<workgroup> a : array<f32, ${aLen}>;

// a[0..D) = the row of x starting at xoff, RMS-normalised and scaled (or copied).
fn loadRow(xoff : i32) {
  let li = i32(localIndex);
  ${norm}
}`;
  return `
const WG = ${wg};
const D = ${d};
var<workgroup> red : array<f32, ${wg}>;
${rowLoader}

fn wgSum(v : f32) -> f32 {
  let li = i32(localIndex);
  red[li] = v;
  workgroupBarrier();
  for (var s = WG / 2; s > 0; s = s / 2) {
    if (li < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn wgMax(v : f32) -> f32 {
  let li = i32(localIndex);
  red[li] = v;
  workgroupBarrier();
  for (var s = WG / 2; s > 0; s = s / 2) {
    if (li < s) { red[li] = max(red[li], red[li + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;
}

export interface KvSpec {
  d: number;
  inner: number;
  /** RMSNorm epsilon, or null when the input is used as it is (cross-attention memory). */
  eps: number | null;
  /** Decoder self-attention: copy the cache [rowsBefore, T, 2*inner] (rows gathered by parent ids) and append. */
  append: boolean;
}

/**
 * Keys and values of `rows` inputs: output [rows, 2*inner] (key then value per row), or with `append`
 * [rows, T+1, 2*inner] = the parent rows' T cached positions followed by this one. Inputs: x [rows, d],
 * nw [d] (when normed), wk, wv [d, inner]; with append also past [*, T, 2*inner] and ids (int32, the
 * parent of row r at ids[parentOff + r]).
 */
export function kvProgram(s: KvSpec, rows: number, pastLen: number): FusedProgram {
  const wg = 64;
  const I2 = 2 * s.inner;
  const variableNames = ['x', ...(s.eps !== null ? ['nw'] : []), 'wk', 'wv', ...(s.append ? ['past', 'ids'] : [])];
  const store = s.append
    ? `let T = uniforms.pastShape.y;
    let pr = ids[uniforms.parentOff + r];
    for (var p = 0; p < T; p++) { result[(r * (T + 1) + p) * I2 + c] = past[(pr * T + p) * I2 + c]; }
    result[(r * (T + 1) + T) * I2 + c] = acc;`
    : `result[r * I2 + c] = acc;`;
  return {
    outputShape: s.append ? [rows, pastLen + 1, I2] : [rows, I2],
    shaderKey: `peapodKv_${s.d}_${s.inner}_${s.eps ?? 'raw'}_${s.append ? 'append' : 'plain'}`,
    dispatchLayout: { x: s.append ? [0, 1, 2] : [0, 1] },
    dispatch: [Math.ceil(I2 / wg), rows, 1],
    variableNames,
    uniforms: s.append ? 'parentOff : i32,' : undefined,
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `${prelude(wg, s.d, s.d, s.eps, 'nw')}
const I = ${s.inner};
const I2 = ${I2};
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let r = i32(workgroupId.y);
  let c = i32(workgroupId.x) * WG + i32(localIndex);
  loadRow(r * D);
  if (c < I2) {
    var acc = 0.0;
    if (c < I) {
      for (var i = 0; i < D; i++) { acc += a[i] * wk[i * I + c]; }
    } else {
      let cc = c - I;
      for (var i = 0; i < D; i++) { acc += a[i] * wv[i * I + cc]; }
    }
    ${store}
  }
}
`,
  };
}

export interface AttendSpec {
  d: number;
  heads: number;
  dKv: number;
  eps: number;
  /** Relative position bias, read per head by the relative position clamped to +-maxDistance. */
  positionBias: { maxDistance: number } | null;
  /** A 0/1 padding mask [examples, S] over the memory. */
  mask: boolean;
  /** Queries may not see memory positions after their own (teacher-forced decoder, causal encoder). */
  causal: boolean;
  /** The example of query row r is ids[exOff + r] (beam rows); otherwise r / lq. */
  exampleIds: boolean;
}

/** Largest memory length one attend workgroup can hold scores for (all buffers within WORKGROUP_BYTES). */
export function attendCapacity(s: Pick<AttendSpec, 'd' | 'heads' | 'dKv'>): number {
  const inner = s.heads * s.dKv;
  const wg = workgroupFor(Math.max(s.d, inner));
  const fixed = Math.max(s.d, inner) + inner + s.heads + wg;
  return Math.floor((WORKGROUP_BYTES / 4 - fixed) / s.heads);
}

/** Score slots per head for a memory of `memLen`: a power of two (few pipelines), within capacity. */
export function scoreSlots(s: Pick<AttendSpec, 'd' | 'heads' | 'dKv'>, memLen: number): number {
  const cap = attendCapacity(s);
  if (memLen > cap) throw new RangeError(`attention over ${memLen} positions exceeds the fused kernel's ${cap}`);
  let slots = 16;
  while (slots < memLen) slots *= 2;
  return Math.min(slots, cap);
}

/**
 * One attention sub-layer for every query row: x [R, d] -> x + Wo(softmax(q K^T + bias) V) with
 * q = RMSNorm(x) Wq. Memory kv [E, S, 2*inner] (keys then values). The query of row r sits at
 * position (r % lq) + qoff and belongs to example ids[exOff + r] or r / lq. Inputs in order:
 * x, nw, wq, kv, wo, then rel [heads, 2*maxDistance+1] (the bias of each head by relative position
 * -M..M, see relativeBiasTable) with a position bias, mask [E, S] with a mask, ids with exampleIds.
 */
export function attendProgram(s: AttendSpec, rows: number, memLen: number): FusedProgram {
  const inner = s.heads * s.dKv;
  const wg = workgroupFor(Math.max(s.d, inner));
  const slots = scoreSlots(s, memLen);
  const M = s.positionBias?.maxDistance ?? 0;
  // At most 7 inputs: with the output that is the 8 storage buffers WebGPU guarantees per stage.
  const variableNames = ['x', 'nw', 'wq', 'kv', 'wo', ...(s.positionBias ? ['rel'] : []), ...(s.mask ? ['mask'] : []), ...(s.exampleIds ? ['ids'] : [])];
  if (variableNames.length > 7) throw new RangeError('attend takes a position bias, a mask and example ids, but not all three at once (8 storage buffers)');
  const example = s.exampleIds ? 'ids[uniforms.exOff + r]' : 'r / uniforms.lq';
  const bias = [
    s.positionBias ? `acc += rel[h * ${2 * M + 1} + clamp(sp - qpos, -${M}, ${M}) + ${M}];` : '',
    s.mask ? `acc += (1.0 - mask[e * S + sp]) * ${MASKED};` : '',
    s.causal ? `if (sp > qpos) { acc += ${MASKED}; }` : '',
  ].join('\n      ');
  return {
    outputShape: [rows, s.d],
    shaderKey: `peapodAttend_${s.d}_${s.heads}_${s.dKv}_${s.eps}_${M}_${s.mask}_${s.causal}_${s.exampleIds}_${slots}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [rows, 1, 1],
    variableNames,
    uniforms: 'lq : i32, qoff : i32, exOff : i32,',
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `${prelude(wg, s.d, Math.max(s.d, inner), s.eps, 'nw')}
const H = ${s.heads};
const DK = ${s.dKv};
const I = ${inner};
const I2 = ${2 * inner};
const SL = ${slots};
var<workgroup> q : array<f32, ${inner}>;
var<workgroup> sc : array<f32, ${s.heads * slots}>;
var<workgroup> hinv : array<f32, ${s.heads}>;
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let li = i32(localIndex);
  let r = i32(workgroupId.x);
  let S = uniforms.kvShape.y;
  let e = ${example};
  let qpos = r % uniforms.lq + uniforms.qoff;
  loadRow(r * D);
  for (var c = li; c < I; c += WG) {
    var acc = 0.0;
    for (var i = 0; i < D; i++) { acc += a[i] * wq[i * I + c]; }
    q[c] = acc;
  }
  workgroupBarrier();
  for (var t = li; t < H * S; t += WG) {
    let h = t / S;
    let sp = t % S;
    let kb = (e * S + sp) * I2 + h * DK;
    var acc = 0.0;
    for (var j = 0; j < DK; j++) { acc += q[h * DK + j] * kv[kb + j]; }
    ${bias}
    sc[h * SL + sp] = acc;
  }
  workgroupBarrier();
  for (var h = li; h < H; h += WG) {
    var m = -3.0e38;
    for (var sp = 0; sp < S; sp++) { m = max(m, sc[h * SL + sp]); }
    var sum = 0.0;
    for (var sp = 0; sp < S; sp++) {
      let ev = exp(sc[h * SL + sp] - m);
      sc[h * SL + sp] = ev;
      sum += ev;
    }
    hinv[h] = 1.0 / sum;
  }
  workgroupBarrier();
  for (var c = li; c < I; c += WG) {
    let h = c / DK;
    var acc = 0.0;
    for (var sp = 0; sp < S; sp++) { acc += sc[h * SL + sp] * kv[(e * S + sp) * I2 + I + c]; }
    a[c] = acc * hinv[h];
  }
  workgroupBarrier();
  for (var c = li; c < D; c += WG) {
    var acc = 0.0;
    for (var i = 0; i < I; i++) { acc += a[i] * wo[i * D + c]; }
    result[r * D + c] = x[r * D + c] + acc;
  }
}
`,
  };
}

export interface FfnSpec {
  d: number;
  dFf: number;
  eps: number;
  gated: boolean;
}

/** Whether a feed-forward block of this size fits one workgroup's shared memory. */
export function ffnFits(s: Pick<FfnSpec, 'd' | 'dFf'>): boolean {
  return (s.d + s.dFf + workgroupFor(s.d)) * 4 <= WORKGROUP_BYTES;
}

/** x [R, d] -> x + Wo(act(RMSNorm(x) Wi)). Inputs: x, nw, wi (or wi0, wi1 when gated), wo. */
export function ffnProgram(s: FfnSpec, rows: number): FusedProgram {
  const wg = workgroupFor(s.d);
  const hidden = s.gated
    ? `var g = 0.0;
    var l = 0.0;
    for (var i = 0; i < D; i++) { g += a[i] * wi0[i * F + c]; l += a[i] * wi1[i * F + c]; }
    let u = clamp(0.7978845608028654 * (g + 0.044715 * g * g * g), -15.0, 15.0);
    hid[c] = 0.5 * g * (1.0 + tanh(u)) * l;`
    : `var acc = 0.0;
    for (var i = 0; i < D; i++) { acc += a[i] * wi[i * F + c]; }
    hid[c] = max(acc, 0.0);`;
  return {
    outputShape: [rows, s.d],
    shaderKey: `peapodFfn_${s.d}_${s.dFf}_${s.eps}_${s.gated}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [rows, 1, 1],
    variableNames: s.gated ? ['x', 'nw', 'wi0', 'wi1', 'wo'] : ['x', 'nw', 'wi', 'wo'],
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `${prelude(wg, s.d, s.d, s.eps, 'nw')}
const F = ${s.dFf};
var<workgroup> hid : array<f32, ${s.dFf}>;
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let li = i32(localIndex);
  let r = i32(workgroupId.x);
  loadRow(r * D);
  for (var c = li; c < F; c += WG) {
    ${hidden}
  }
  workgroupBarrier();
  for (var c = li; c < D; c += WG) {
    var acc = 0.0;
    for (var j = 0; j < F; j++) { acc += hid[j] * wo[j * D + c]; }
    result[r * D + c] = x[r * D + c] + acc;
  }
}
`,
  };
}

/** RMSNorm of every row: x [R, d], nw [d] -> [R, d]. */
export function normProgram(d: number, eps: number, rows: number): FusedProgram {
  const wg = workgroupFor(d);
  return {
    outputShape: [rows, d],
    shaderKey: `peapodNorm_${d}_${eps}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [rows, 1, 1],
    variableNames: ['x', 'nw'],
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `${prelude(wg, d, d, eps, 'nw')}
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let r = i32(workgroupId.x);
  loadRow(r * D);
  for (var c = i32(localIndex); c < D; c += WG) { result[r * D + c] = a[c]; }
}
`,
  };
}

export interface HeadSpec {
  d: number;
  vocab: number;
  eps: number;
  /** Multiplies the logits (T5's tied head: d^-0.5). */
  scale: number;
  /** A logit row added to every row ('broadcast', add [1, V]) or to row r the row ids[exOff + r] of add. */
  add: 'none' | 'broadcast' | 'example';
}

/** Rows and columns one head thread computes (4 columns as one vec4 load). */
const HEAD_ROWS = 4;

/** Whether the head's 4 normalised rows fit one workgroup's shared memory. */
export function headFits(s: Pick<HeadSpec, 'd'>): boolean {
  return HEAD_ROWS * s.d * 4 + 64 * 4 <= WORKGROUP_BYTES;
}

/**
 * Logits [R, V] = scale * RMSNorm(x) W (+ add). Inputs: x, nw, w [d, V], then add [*, V], ids as needed.
 * A workgroup normalises 4 rows into shared memory once and each thread computes 4 rows x 4 adjacent
 * columns from one vec4 load per input feature (16 sums per 4 + 1 loads: the head is the step's
 * largest product, V x d per row); with V not divisible by 4, 4 rows x 1 column from scalar loads.
 */
export function headProgram(s: HeadSpec, rows: number): FusedProgram & { variableComponents: number[] } {
  const wg = 64;
  if (!headFits(s)) throw new RangeError(`the fused head needs 4 rows of ${s.d} in shared memory`);
  const comp = s.vocab % 4 === 0 ? 4 : 1;
  const variableNames = ['x', 'nw', 'w', ...(s.add !== 'none' ? ['add'] : []), ...(s.add === 'example' ? ['ids'] : [])];
  const extra = s.add === 'broadcast' ? 'v += add[c + j];' : s.add === 'example' ? 'v += add[ids[uniforms.exOff + r] * V + c + j];' : '';
  const V4 = s.vocab / comp;
  const accType = comp === 4 ? 'vec4<f32>' : 'f32';
  const accAt = comp === 4 ? 'acc[k][j]' : 'acc[k]';
  return {
    outputShape: [rows, s.vocab],
    shaderKey: `peapodHead_${comp}_${s.d}_${s.vocab}_${s.eps}_${s.scale}_${s.add}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil(V4 / wg), Math.ceil(rows / HEAD_ROWS), 1],
    variableNames,
    variableComponents: variableNames.map((n) => (n === 'w' ? comp : 1)),
    uniforms: 'exOff : i32,',
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `${prelude(wg, s.d, 0, null, '')}
const V = ${s.vocab};
const V4 = ${V4};
const RB = ${HEAD_ROWS};
var<workgroup> xs : array<f32, ${HEAD_ROWS * s.d}>;
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let li = i32(localIndex);
  let R = uniforms.outShape.x;
  let r0 = i32(workgroupId.y) * RB;
  let c4 = i32(workgroupId.x) * WG + li;
  for (var k = 0; k < RB; k++) {
    let r = min(r0 + k, R - 1);
    var ss = 0.0;
    for (var i = li; i < D; i += WG) { let v = x[r * D + i]; ss += v * v; }
    let sc = inverseSqrt(wgSum(ss) / f32(D) + ${lit(s.eps)});
    for (var i = li; i < D; i += WG) { xs[k * D + i] = x[r * D + i] * sc * nw[i]; }
  }
  workgroupBarrier();
  if (c4 < V4) {
    var acc : array<${accType}, RB>;
    for (var i = 0; i < D; i++) {
      let wv = w[i * V4 + c4];
      for (var k = 0; k < RB; k++) { acc[k] += xs[k * D + i] * wv; }
    }
    let c = c4 * ${comp};
    for (var k = 0; k < RB; k++) {
      let r = r0 + k;
      if (r < R) {
        for (var j = 0; j < ${comp}; j++) {
          var v = ${accAt} * ${lit(s.scale)};
          ${extra}
          result[r * V + c + j] = v;
        }
      }
    }
  }
}
`,
  };
}

/**
 * Per row of logits [R, V]: the k largest (ties: lower id first) as log-probabilities, then their ids
 * as floats: output [R, 2k]. With `ban` (uniform) the token `eos` ranks with -1e9 added, as beam
 * search's end-of-sequence ban before the minimum length.
 */
export function topkProgram(vocab: number, k: number, rows: number): FusedProgram {
  const wg = 128;
  return {
    outputShape: [rows, 2 * k],
    shaderKey: `peapodTopk_${vocab}_${k}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [rows, 1, 1],
    variableNames: ['logits'],
    uniforms: 'eos : i32, ban : i32,',
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `${prelude(wg, 1, 0, null, '')}
const V = ${vocab};
const K = ${k};
var<workgroup> ri : array<i32, ${wg}>;
fn ranked(base : i32, c : i32) -> f32 {
  var v = logits[base + c];
  if (uniforms.ban != 0 && c == uniforms.eos) { v += ${MASKED}; }
  return v;
}
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let li = i32(localIndex);
  let r = i32(workgroupId.x);
  let base = r * V;
  var m = -3.0e38;
  for (var c = li; c < V; c += WG) { m = max(m, logits[base + c]); }
  let mx = wgMax(m);
  var s = 0.0;
  for (var c = li; c < V; c += WG) { s += exp(logits[base + c] - mx); }
  let lse = mx + log(wgSum(s));
  // Each thread keeps the best K of its own columns, sorted (ties: the lower id first, as columns come
  // in increasing order); then K rounds each take the best head of the WG lists.
  var lv : array<f32, K>;
  var lix : array<i32, K>;
  var cnt = 0;
  for (var c = li; c < V; c += WG) {
    let v = ranked(base, c);
    if (cnt < K || v > lv[K - 1]) {
      var j = min(cnt, K - 1);
      while (j > 0 && lv[j - 1] < v) {
        lv[j] = lv[j - 1];
        lix[j] = lix[j - 1];
        j--;
      }
      lv[j] = v;
      lix[j] = c;
      cnt = min(cnt + 1, K);
    }
  }
  var ptr = 0;
  for (var k = 0; k < K; k++) {
    var bv = -3.4e38;
    var bi = 2147483647;
    if (ptr < cnt) {
      bv = lv[ptr];
      bi = lix[ptr];
    }
    red[li] = bv;
    ri[li] = bi;
    workgroupBarrier();
    for (var st = WG / 2; st > 0; st = st / 2) {
      if (li < st) {
        let ov = red[li + st];
        let oi = ri[li + st];
        if (ov > red[li] || (ov == red[li] && oi < ri[li])) { red[li] = ov; ri[li] = oi; }
      }
      workgroupBarrier();
    }
    let wv = red[0];
    let wi = ri[0];
    if (li == 0) {
      result[r * 2 * K + k] = wv - lse;
      result[r * 2 * K + K + k] = f32(wi);
    }
    if (ptr < cnt && lix[ptr] == wi) { ptr++; }
    workgroupBarrier();
  }
}
`,
  };
}

/** Rows of table [N, d] for ids[off .. off+R): output [R, d]. Inputs: table, ids. */
export function embedProgram(d: number, rows: number): FusedProgram {
  const wg = 64;
  return {
    outputShape: [rows, d],
    shaderKey: `peapodEmbed_${d}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: [Math.ceil(d / wg), rows, 1],
    variableNames: ['table', 'ids'],
    uniforms: 'off : i32,',
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `
const D = ${d};
fn main(index : i32) {
  _ = uniforms.outShape; // every binding must be statically used (the pipeline layout is 'auto')
  let r = i32(workgroupId.y);
  let c = i32(workgroupId.x) * ${wg} + i32(localIndex);
  if (c < D) { result[r * D + c] = table[ids[uniforms.off + r] * D + c]; }
}
`,
  };
}
