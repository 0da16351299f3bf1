// TensorFlow.js as the comparison: its `cpu` backend (plain JS) and tfjs-backend-wasm
// (XNNPACK, SIMD), both in this process. Loaded only when a suite asks for it.

import { createRequire } from 'node:module';
import path from 'node:path';

/** tfjs backend name for each label the bench prints. */
export const TFJS_BACKENDS = { 'tfjs-cpu': 'cpu', 'tfjs-wasm': 'wasm' };

/**
 * @returns {Promise<TfjsHandle>}
 * @typedef {{ tf: any, labels: string[], info: string, use(label: string): Promise<void> }} TfjsHandle
 */
export async function loadTfjs() {
  let tf;
  let tfWasm;
  try {
    tf = await import('@tensorflow/tfjs');
    tfWasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    const hint = error.code === 'ERR_MODULE_NOT_FOUND' ? '; run npm run bench:install to compare with it' : '';
    return tfjsUnavailable(`TensorFlow.js not loaded (${error.message.split('\n')[0]}${hint})`);
  }
  // Production mode: no per-op debug checks (and no "install tfjs-node" banner).
  tf.enableProdMode();
  // The .wasm files come from node_modules, never from a CDN.
  const require = createRequire(import.meta.url);
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  tfWasm.setWasmPaths(wasmDir + path.sep);

  const labels = [];
  const problems = [];
  for (const [label, name] of Object.entries(TFJS_BACKENDS)) {
    try {
      if (await tf.setBackend(name)) labels.push(label);
      else problems.push(`${label} failed to initialise`);
    } catch (error) {
      problems.push(`${label}: ${error.message}`);
    }
  }

  let wasmInfo = '';
  if (labels.includes('tfjs-wasm')) {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = tfWasm.getThreadsCount();
    wasmInfo = `; tfjs-wasm: ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`;
  }
  const version = tf.version?.tfjs ?? tf.version_core ?? '?';
  const info =
    `TensorFlow.js ${version}: ${labels.join(', ') || 'no backend'}${wasmInfo}` +
    (problems.length ? ` (${problems.join('; ')})` : '');

  return {
    tf,
    labels,
    info,
    async use(label) {
      const name = TFJS_BACKENDS[label];
      if (tf.getBackend() !== name) await tf.setBackend(name);
    },
  };
}

/**
 * A handle with no tfjs labels, whose `info` line says why.
 * @param {string} info
 * @returns {TfjsHandle}
 */
export function tfjsUnavailable(info) {
  return {
    tf: undefined,
    labels: [],
    info,
    async use() {
      throw new Error(info);
    },
  };
}
