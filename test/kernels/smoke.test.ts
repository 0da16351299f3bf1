import { describe, expect, it } from 'vitest';
import { kernelVariants } from '../support/backends.js';

describe.each(kernelVariants())('$variant: heap and a small gemm', ({ create }) => {
  it('computes a 2x3 by 3x2 product', async () => {
    const backend = await create();
    const arena = backend.createArena('t');
    const a = arena.allocate(6);
    const b = arena.allocate(6);
    const c = arena.allocate(4);
    a.view().set([1, 2, 3, 4, 5, 6]);
    b.view().set([1, 0, 0, 1, 1, 1]);
    backend.gemm(false, false, 2, 2, 3, 1, a.ptr, 3, b.ptr, 2, 0, c.ptr, 2);
    expect([...c.view()]).toEqual([4, 5, 10, 11]);
  });
});
