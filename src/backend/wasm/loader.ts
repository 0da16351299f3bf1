// Finding, compiling and instantiating the kernel module, in Node and in browsers.
//
// By default the bytes come from generated modules that embed each build as
// base64 (src/wasm-binary, made by scripts/build-wasm.js): no fs, no fetch, no
// bundler configuration, compiled asynchronously. A page that prefers to fetch
// the .wasm file itself passes `source` (a URL, a Response, bytes or a
// compiled WebAssembly.Module), e.g. `dist/wasm/lstm-simd.relaxed.wasm`, and for
// threads `threadsSource` (`dist/wasm/lstm-simd.relaxed-threads.wasm`).

import type { KernelExports } from './exports.js';
import { hasRelaxedSimd, hasSimd } from './features.js';

/** The two wasm builds of the one kernel source: baseline SIMD and relaxed SIMD (fused multiply-add). */
export type SimdBuild = 'simd' | 'relaxed';

/** Where a wasm module comes from: a URL or path, a fetch Response, bytes, or a compiled module. */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

export interface LoadOptions {
  /** Which build; default: 'relaxed' where the engine validates relaxed SIMD, else 'simd'. */
  build?: SimdBuild;
  /** Where the module comes from; default: the embedded bytes of the chosen build. */
  source?: WasmSource;
  /** Where the threads build of the chosen build comes from (with more than one thread); default: its embedded bytes. */
  threadsSource?: WasmSource;
}

/** Thrown when the engine cannot run the requested build (no WebAssembly, no SIMD, or no relaxed SIMD). */
export class WasmUnavailableError extends Error {
  /** 'WasmUnavailableError'. */
  override name = 'WasmUnavailableError';
}

export function pickBuild(requested?: SimdBuild): SimdBuild {
  if (!hasSimd()) {
    throw new WasmUnavailableError(
      'lstm-simd: this engine has no WebAssembly SIMD (needs Node >= 16.4, Chrome 91, Firefox 89, Safari 16.4); use setBackend("js")',
    );
  }
  if (requested === 'relaxed' && !hasRelaxedSimd()) {
    throw new WasmUnavailableError(
      'lstm-simd: the relaxed-SIMD build was requested but this engine does not support relaxed SIMD ' +
        '(Node 20 needs --experimental-wasm-relaxed-simd; Node >= 22 and Chrome >= 114 have it)',
    );
  }
  return requested ?? (hasRelaxedSimd() ? 'relaxed' : 'simd');
}

/** Compiles `build` (its threads build when `threads`) from `source`, or from the embedded bytes. */
export async function compileKernels(
  build: SimdBuild,
  source?: WasmSource,
  threads = false,
): Promise<WebAssembly.Module> {
  if (source === undefined) return WebAssembly.compile(await embeddedBytes(build, threads));
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`lstm-simd: could not fetch ${String(source)}: HTTP ${response.status}`);
    return compileResponse(response);
  }
  if (typeof Response !== 'undefined' && source instanceof Response) return compileResponse(source);
  return WebAssembly.compile(source as BufferSource);
}

async function compileResponse(response: Response): Promise<WebAssembly.Module> {
  // compileStreaming needs the application/wasm MIME type; fall back to bytes when it is missing.
  if (
    typeof WebAssembly.compileStreaming === 'function' &&
    response.headers.get('content-type') === 'application/wasm'
  ) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function embeddedBytes(build: SimdBuild, threads: boolean): Promise<Uint8Array<ArrayBuffer>> {
  // Four literal imports, so that bundlers see each generated module (and load only the one chosen).
  const { base64 } = threads
    ? build === 'relaxed'
      ? await import('../../wasm-binary/relaxed-threads.js')
      : await import('../../wasm-binary/simd-threads.js')
    : build === 'relaxed'
      ? await import('../../wasm-binary/relaxed.js')
      : await import('../../wasm-binary/simd.js');
  return decodeBase64(base64);
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort() {
        throw new Error('lstm-simd: a wasm kernel aborted');
      },
    },
  });
  const exports = instance.exports as unknown as KernelExports & { _initialize?: () => void };
  exports._initialize?.();
  return exports;
}
