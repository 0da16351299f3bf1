// A small static file server for the demo page (`npm run demo`) and the browser tests: the files
// under one root, on 127.0.0.1 only, plus a few URL paths mapped to files outside it (the corpus,
// which the repository never holds). Only known file types are served; nothing outside the root
// unless it is mapped explicitly.
//
// Every response carries COOP/COEP headers, so the page is cross-origin isolated (SharedArrayBuffer,
// which a multi-threaded wasm backend needs, is then available); everything is same-origin anyway.
// `isolated: false` leaves them out (the browser test of the one-thread fallback).

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';

/** File types served, by extension. */
export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The headers that make a page cross-origin isolated. */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * @typedef {{
 *   root: string,                          // directory served at '/'
 *   files?: Record<string, string>,        // URL path -> file path outside (or inside) the root
 *   redirects?: Record<string, string>,    // URL path -> location (e.g. '/' -> '/demo/')
 *   host?: string,                         // default 127.0.0.1
 *   port?: number,                         // default 0: any free port
 *   cache?: boolean,                       // allow the browser to cache (default false: no-store)
 *   isolated?: boolean,                    // send COOP/COEP (default true)
 *   onRequest?: (status: number, pathname: string) => void,  // every request and its status (for tests)
 * }} StaticServerOptions
 *
 * @typedef {{ server: import('node:http').Server, origin: string, close(): Promise<void> }} StaticServer
 */

/**
 * Starts serving; resolves once listening.
 * @param {StaticServerOptions} options
 * @returns {Promise<StaticServer>}
 */
export function serveStatic(options) {
  const root = path.resolve(options.root);
  const files = options.files ?? {};
  const redirects = options.redirects ?? {};
  const cacheControl = options.cache ? 'no-cache' : 'no-store';
  /** @param {import('node:http').ServerResponse} response @param {number} status @param {string} what */
  const fail = (response, status, what) => {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${status} ${what}\n`);
  };

  const server = createServer(async (request, response) => {
    response.on('finish', () => options.onRequest?.(response.statusCode, request.url ?? ''));
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      fail(response, 400, request.url ?? '');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      fail(response, 405, `${request.method} ${pathname}`);
      return;
    }
    const location = redirects[pathname];
    if (location !== undefined) {
      response.writeHead(302, { location }).end();
      return;
    }
    const mapped = files[pathname];
    const file = mapped ?? path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    const type = CONTENT_TYPES[/** @type {keyof typeof CONTENT_TYPES} */ (path.extname(file))];
    if ((mapped === undefined && !file.startsWith(root + path.sep)) || type === undefined) {
      fail(response, 403, pathname);
      return;
    }
    let body;
    try {
      body = await readFile(file);
    } catch {
      fail(response, 404, pathname);
      return;
    }
    response.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': cacheControl,
      ...(options.isolated === false ? {} : ISOLATION_HEADERS),
      'x-content-type-options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });

  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({
        server,
        origin: `http://${host}:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections(); // a browser's keep-alive connections would hold close() open
          }),
      });
    });
  });
}
