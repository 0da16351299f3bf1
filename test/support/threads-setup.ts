// Setup file of every Node project: registers worker_threads (as the package's Node entry
// does) and sets how many threads the wasm backends the tests create run on, from
// LSTM_SIMD_TEST_THREADS (default 1). With more than one, every kernel call that can be cut
// is cut, however small, so that the suite's small problems run the threaded paths.
import '../../src/node/threads.js';
import { setDefaultThreads, setSplitAll } from '../../src/backend/wasm/thread-count.js';

const threads = Number(process.env.LSTM_SIMD_TEST_THREADS ?? '1');
setDefaultThreads(threads);
setSplitAll(threads > 1);
