// Giving the event loop a turn between training batches, so that a page
// stays responsive (timers, input, rendering) while fitAsync trains.
//
// Node: setImmediate; the loop runs due timers and I/O on every turn.
// Browsers and workers: a MessageChannel message, then setTimeout(0) from its
// task. Each alone falls short: setTimeout(0) chained from timer to timer is
// clamped to 4 ms after five levels (the HTML spec's nesting rule: 4.3 ms per
// yield measured in Chromium 156), and a posted message alone let Chromium run
// a 20 ms interval timer on only about half of the yields. Called from the
// message's task, setTimeout(0) is not nested (no clamp) and queues behind the
// timers already due: 0.1-0.4 ms per yield, and the timer then ran on 55-69 of
// 60-72 yields (Chromium 156, a 2-epoch fit of 72 batches of 256 x 32 tokens).

/** Resolves on a later task of the event loop, after due timers have had their turn. */
export function yieldToEventLoop(): Promise<void> {
  const global = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof global.setImmediate === 'function') {
    const setImmediate = global.setImmediate;
    return new Promise((resolve) => setImmediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        setTimeout(resolve, 0);
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
