// The entry of a kernel worker in a browser (a module Worker started by the browser
// platform in worker-platform.ts): the first message starts the loop.
import { serveKernels } from './worker-loop.js';

self.addEventListener(
  'message',
  (event) => {
    void serveKernels(event.data, (error) => {
      self.postMessage(error === undefined ? { ready: true } : { error: String(error) });
    }).then(() => self.close());
  },
  { once: true },
);
