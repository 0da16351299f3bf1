// lstm-simd lab: why LSTM and GRU beat vanishing gradients, measured on real models. runLab runs the
// chosen sections with one settings object and returns every number (JSON-ready); labReportHtml
// (report.ts) turns them into a self-contained page. Browser-safe: the text for the language-model
// section is passed in, and nothing here touches files.

import type { Backend } from '../backend/backend.js';
import { createBackend, getBackend } from '../backend/registry.js';
import { runChecksum, type ChecksumResult, type SectionHooks } from './checksum.js';
import { runGates, type GateResult } from './gates.js';
import { runGradients, type GradientResult } from './gradients.js';
import { runOutputTanh, type TanhResult } from './output-tanh.js';
import { labSettings, type LabSettings } from './settings.js';

/** The lab's sections, in the order they run. */
export const LAB_SECTIONS = ['checksum', 'gradients', 'gates', 'tanh'] as const;

/** A section of the lab. */
export type LabSection = (typeof LAB_SECTIONS)[number];

/** runLab's options. */
export interface LabOptions {
  /** The quick profile (default false: the full one). */
  quick?: boolean;
  /** The seed every section derives its streams from (default 1). */
  seed?: number;
  /** Replaces the profile's settings (e.g. a test's tiny budget). */
  settings?: LabSettings;
  /** The Time Machine's raw text: the 'tanh' section trains language models on it. */
  text?: string;
  /** The backend to train on (default: the current one); measurements run on a float64 js backend. */
  backend?: Backend;
  onProgress?: (message: string) => void;
  /** Awaited between trainings (a page can repaint); default: a macrotask turn. */
  pause?: () => Promise<void>;
}

/** Everything a lab run measured, with what it was run with. */
export interface LabReport {
  sections: LabSection[];
  quick: boolean;
  settings: LabSettings;
  /** The training backend's variant (js, wasm-simd, wasm-relaxed). */
  backend: string;
  /** Wall-clock seconds per section and in all. */
  seconds: Partial<Record<LabSection, number>> & { total: number };
  checksum?: ChecksumResult;
  gradients?: GradientResult;
  gates?: GateResult;
  tanh?: TanhResult;
}

/** Runs the given sections (in LAB_SECTIONS order) and returns their numbers. */
export async function runLab(sections: readonly LabSection[], options: LabOptions = {}): Promise<LabReport> {
  for (const section of sections) {
    if (!(LAB_SECTIONS as readonly string[]).includes(section)) {
      throw new RangeError(`runLab: unknown section '${String(section)}' (expected ${LAB_SECTIONS.join(', ')})`);
    }
  }
  const wanted = LAB_SECTIONS.filter((s) => sections.includes(s));
  if (wanted.includes('tanh') && typeof options.text !== 'string') {
    throw new TypeError("runLab: the 'tanh' section needs options.text (the Time Machine's raw text)");
  }
  const quick = options.quick ?? false;
  const settings = options.settings ?? labSettings(quick, options.seed ?? 1);
  const seed = settings.seed;
  const backend = options.backend ?? getBackend();
  const measureBackend = await createBackend('js', { precision: 'float64' });
  const hooks: SectionHooks = { onProgress: options.onProgress, pause: options.pause ?? nextTurn };
  const report: LabReport = { sections: wanted, quick, settings, backend: backend.variant, seconds: { total: 0 } };
  const started = now();
  const timed = async <T>(section: LabSection, run: () => Promise<T>): Promise<T> => {
    const start = now();
    const result = await run();
    report.seconds[section] = (now() - start) / 1000;
    return result;
  };

  // The gradient section measures models trained on the checksum task at its length: when the sweep
  // trains that length with the same settings, its models are reused.
  const reusable = sameTraining(settings) ? settings.gradients.length : undefined;
  let kept = new Map();
  if (wanted.includes('checksum')) {
    const sweep = await timed('checksum', () => runChecksum(settings.checksum, seed, backend, hooks, reusable));
    report.checksum = sweep.result;
    kept = sweep.kept;
  }
  if (wanted.includes('gradients')) {
    report.gradients = await timed('gradients', () =>
      runGradients(settings.gradients, seed, backend, measureBackend, hooks, kept),
    );
  }
  if (wanted.includes('gates')) {
    report.gates = await timed('gates', () => runGates(settings.gates, seed, backend, measureBackend, hooks));
  }
  if (wanted.includes('tanh')) {
    report.tanh = await timed('tanh', () => runOutputTanh(settings.tanh, seed, options.text!, backend, hooks));
  }
  report.seconds.total = (now() - started) / 1000;
  return report;
}

/** Whether the gradient section's models are the checksum sweep's at that length (same training settings). */
function sameTraining(settings: LabSettings): boolean {
  const a = settings.checksum;
  const b = settings.gradients;
  return (
    a.lengths.includes(b.length) &&
    (['hidden', 'batchSize', 'epochs', 'stepsPerEpoch', 'valBatches', 'lr', 'clip', 'gateInit'] as const).every(
      (key) => a[key] === b[key],
    )
  );
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
