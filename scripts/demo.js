// npm run demo: serves the browser demo (demo/) with the built package (dist/) on 127.0.0.1, and the
// Time Machine text as demo/timemachine.txt from wherever it is on this machine (the repository never
// holds it): --data PATH, else demo/timemachine.txt if you put one there, else the package cache that
// `npm start` fills (downloading it there, SHA-1 checked, unless --no-download).
//
//   npm run demo [-- --port 8080] [--data path/to/timemachine.txt] [--no-download]

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveStatic } from './static-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORPUS_URL_PATH = '/demo/timemachine.txt';
const USAGE = 'usage: npm run demo -- [--port N] [--data path/to/timemachine.txt] [--no-download]';

/** @param {string} message */
function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

/**
 * The corpus file to serve, or null (the page then lets the user pick a text).
 * @param {{ data?: string, download: boolean }} options
 * @returns {Promise<string | null>}
 */
async function findCorpus({ data, download }) {
  const inDemo = path.join(ROOT, 'demo', 'timemachine.txt');
  if (data === undefined && existsSync(inDemo)) return inDemo;
  const { resolveTimeMachineText } = await import('../dist/node/index.js');
  try {
    const found = await resolveTimeMachineText({ path: data, download });
    if (found.warning) process.stderr.write(`demo: ${found.warning}\n`);
    if (found.path === null) {
      process.stderr.write('demo: the downloaded text could not be cached; pass --data PATH to serve a copy\n');
    }
    return found.path;
  } catch (error) {
    if (data !== undefined) fail(/** @type {Error} */ (error).message);
    process.stderr.write(
      `demo: ${/** @type {Error} */ (error).message}\n` +
        'demo: serving the page without it: pick any text file in the page, or restart with --data PATH.\n',
    );
    return null;
  }
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        data: { type: 'string' },
        'no-download': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    fail(`${/** @type {Error} */ (error).message}\n${USAGE}`);
    return;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be an integer from 0 to 65535, got ${args.port}`);
  if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    fail('dist/ is missing: run `npm run build` first (npm install does it)');
  }

  const corpus = await findCorpus({ data: args.data, download: !args['no-download'] });
  let served;
  try {
    served = await serveStatic({
      root: ROOT,
      files: corpus === null ? {} : { [CORPUS_URL_PATH]: corpus },
      redirects: { '/': '/demo/' },
      port,
      cache: true,
    });
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    fail(code === 'EADDRINUSE' ? `port ${port} is in use: pass another with --port` : String(error));
    return;
  }
  if (corpus !== null) process.stdout.write(`demo: serving ${corpus} as ${CORPUS_URL_PATH}\n`);
  process.stdout.write(`demo: open ${served.origin}/demo/ (Ctrl+C stops the server)\n`);
}

await main();
