// The package as npm would publish it: what the tarball holds, and whether a consumer can use it
// (type-check its declarations without @types/node, require() it from CommonJS). Needs the build
// (npm test runs it first).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

interface PackedFile {
  path: string;
  size: number;
}

function packedFiles(): PackedFile[] {
  // --ignore-scripts: the build already ran (npm test's pretest); pack only lists.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out)[0].files;
}

/** A scratch project whose node_modules/lstm-simd is this repository (as an installed package). */
function consumerProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-simd-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'lstm-simd'), 'dir');
  return dir;
}

describe('the npm package', () => {
  it('ships the build, sources and licence, but no wasm text, generated base64 sources or test files', () => {
    const files = packedFiles();
    const paths = files.map((f) => f.path);
    for (const required of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
      'dist/index.js',
      'dist/node/index.js',
    ]) {
      expect(paths).toContain(required);
    }
    expect(paths.filter((p) => p.endsWith('.wasm')).sort()).toEqual([
      'dist/wasm/lstm-simd.relaxed-threads.wasm',
      'dist/wasm/lstm-simd.relaxed.wasm',
      'dist/wasm/lstm-simd.simd-threads.wasm',
      'dist/wasm/lstm-simd.simd.wasm',
    ]);
    expect(paths.filter((p) => p.endsWith('.wat'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('src/wasm-binary/'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('test/') || p.startsWith('bench/'))).toEqual([]);
    // One base64 copy per build (the embedded module: two SIMD builds, each also as a threads build);
    // its declaration is a plain string type.
    const base64Files = files.filter((f) => f.path.startsWith('dist/wasm-binary/') && f.path.endsWith('.js'));
    expect(base64Files).toHaveLength(4);
    for (const f of files.filter((f) => f.path.startsWith('dist/wasm-binary/') && f.path.endsWith('.d.ts'))) {
      expect(f.size).toBeLessThan(1024);
    }
  });

  it('declares what a registry and a bundler need', () => {
    expect(manifest.license).toBe('MIT');
    // Only the Node entry's registration of worker_threads as the kernels' thread platform.
    expect(manifest.sideEffects).toEqual(['./dist/node/threads.js']);
    expect(manifest.keywords).toEqual(expect.arrayContaining(['lstm', 'gru', 'webassembly']));
    expect(manifest.engines.node).toBe('>=20.19');
    expect(statSync(join(root, 'LICENSE')).size).toBeGreaterThan(500);
  });

  it('type-checks in a consumer without @types/node', () => {
    const dir = consumerProject();
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'consumer.ts'),
      [
        "import { ready, LSTM, RNNLM, Trainer, TimeMachine } from 'lstm-simd';",
        "import { loadTimeMachine, defaultCacheDir } from 'lstm-simd/node';",
        'export async function main(): Promise<string> {',
        '  await ready();',
        '  const data: TimeMachine = await loadTimeMachine({ batchSize: 2, numSteps: 4 });',
        '  const model = new RNNLM(new LSTM({ numInputs: data.vocab.length, numHiddens: 4 }), { vocabSize: 28 });',
        '  new Trainer({ maxEpochs: 0 }).fit(model, data);',
        '  return defaultCacheDir() + model.predict("it", 1, data.vocab);',
        '}',
      ].join('\n'),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    expect(output).toBe('');
  });

  it('can be required from CommonJS (Node >= 20.19 loads ES modules with require)', () => {
    const dir = consumerProject();
    const requireFromConsumer = createRequire(join(dir, 'index.cjs'));
    const core = requireFromConsumer('lstm-simd');
    const node = requireFromConsumer('lstm-simd/node');
    expect(typeof core.ready).toBe('function');
    expect(typeof node.loadTimeMachine).toBe('function');
  });
});
