// Target lines printed under a suite's table: PASS when every measured item passes, MISS when
// one does not, PASS* when some were not measured, n/a when none was. Speed is reported, not gated.

/**
 * @param {string} title
 * @param {string} backend
 * @param {{ name: string, outcome?: { ok: boolean, text: string } }[]} items  outcome undefined: not measured
 * @returns {import('./types.js').TargetLine}
 */
export function targetLine(title, backend, items) {
  const parts = [];
  let measured = 0;
  let failed = 0;
  for (const { name, outcome } of items) {
    const prefix = name ? `${name} ` : '';
    if (outcome === undefined) {
      parts.push(`${prefix}n/a`);
      continue;
    }
    measured++;
    if (!outcome.ok) failed++;
    parts.push(`${prefix}${outcome.text}${outcome.ok ? '' : ' (!)'}`);
  }
  const status = measured === 0 ? 'n/a' : failed > 0 ? 'MISS' : measured < items.length ? 'PASS*' : 'PASS';
  return { title, backend, status, pass: measured === 0 ? undefined : failed === 0, detail: parts.join(', ') };
}

/**
 * The target line "`label` >= `factor`x its build on 1 thread" over `cases` ([short name, case name]),
 * for a threaded backend label `<build>-t<N>`.
 * @param {import('./types.js').ResultLookup} lookup
 * @param {string} label
 * @param {[string, string][]} cases
 * @param {number} factor
 * @param {string} [what]  what the title calls the cases (default: their short names)
 */
export function threadSpeedupLine(lookup, label, cases, factor, what = cases.map(([name]) => name).join(', ')) {
  return targetLine(
    `${what}, ${label} >= ${factor}x 1 thread`,
    label,
    cases.map(([name, caseName]) => {
      const speedup = lookup.threadSpeedup(caseName, label);
      const threaded = lookup.medianMs(caseName, label);
      return {
        name,
        outcome:
          speedup === undefined
            ? undefined
            : { ok: speedup >= factor, text: `${speedup.toFixed(2)}x (${ms(threaded)})` },
      };
    }),
  );
}

/** "12.3 ms" with the precision a target needs. */
export function ms(value) {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
}

/**
 * For each wasm label, the line "<label> >= <factor>x tfjs-wasm": the ratio of tfjs-wasm's median time
 * to the label's on each case, shown as "<name> 18.1x (39.8 ms vs 722 ms)".
 * @param {import('./types.js').ResultLookup} lookup
 * @param {number} factor
 * @param {{ name: string, caseName: string }[]} cases
 */
export function speedupOverTfjsWasm(lookup, factor, cases) {
  return ['wasm-simd', 'wasm-relaxed'].map((label) =>
    targetLine(
      `${label} >= ${factor}x tfjs-wasm`,
      label,
      cases.map(({ name, caseName }) => {
        const mine = lookup.medianMs(caseName, label);
        const tf = lookup.medianMs(caseName, 'tfjs-wasm');
        if (mine === undefined || tf === undefined) return { name };
        const speedup = tf / mine;
        return { name, outcome: { ok: speedup >= factor, text: `${speedup.toFixed(1)}x (${ms(mine)} vs ${ms(tf)})` } };
      }),
    ),
  );
}
