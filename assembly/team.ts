// A team: the threads that run one kernel call together over shared memory (the threads
// builds only; the other builds are always called with NO_TEAM). The JS side starts every
// member with the same arguments and its own `member` index (0 is the thread that called,
// the others are workers); a kernel whose steps depend on each other meets at `barrier`
// between them. The barrier's state lives in a TEAM_BYTES block of shared memory that the
// JS side allocates once per backend and zeroes (again after a call that failed).

/** `team` value meaning "this call runs alone": no barrier, every unit is this thread's. */
export const NO_TEAM: usize = 0;

// The block: four i32 fields on separate cache lines, so that the threads spinning on the
// generation do not slow down the ones still arriving.
const ARRIVED = 0; // threads at the barrier in this generation
const GENERATION = 64; // bumped by the last thread to arrive: the barrier opens
const SLEEPERS = 128; // threads waiting in memory.atomic.wait32 on GENERATION
const BROKEN = 192; // set when a member failed: it will never arrive, so nobody waits any more

/** Bytes of the team block (four cache lines). */
export const TEAM_BYTES = 256;

/** Spins before a worker sleeps at the barrier: about 20-50 us, far above a time step's imbalance. */
const SPINS_BEFORE_SLEEP = 1 << 14;

/** Whether the barrier is still closed for `generation` (and nobody has broken the team). */
// @ts-ignore: decorator
@inline function closed(team: usize, generation: i32): bool {
  return atomic.load<i32>(team, GENERATION) == generation && atomic.load<i32>(team, BROKEN) == 0;
}

/**
 * Waits until all `members` threads have arrived (or a member broke the team: the call's result
 * is then garbage, and the caller throws the member's error). Member 0 (the calling thread,
 * which in a browser is the page's main thread, where waiting is not allowed) only spins;
 * workers spin, then sleep until woken. team: the TEAM_BYTES block; members >= 1.
 */
export function barrier(team: usize, member: i32, members: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (members <= 1) return;
    const generation = atomic.load<i32>(team, GENERATION);
    if (atomic.add<i32>(team, 1, ARRIVED) == members - 1) {
      // The last to arrive resets the count for the next round, then opens the barrier.
      atomic.store<i32>(team, 0, ARRIVED);
      atomic.add<i32>(team, 1, GENERATION);
      if (atomic.load<i32>(team, SLEEPERS) > 0) atomic.notify(team + GENERATION, members);
      return;
    }
    for (let i = 0; i < SPINS_BEFORE_SLEEP; i++) {
      if (!closed(team, generation)) return;
    }
    if (member == 0) {
      while (closed(team, generation)) {}
      return;
    }
    // Announce the sleep before checking the generation again: the last thread bumps the
    // generation before it reads SLEEPERS, so either it sees us or we see the new generation.
    atomic.add<i32>(team, 1, SLEEPERS);
    while (closed(team, generation)) memory.atomic.wait32(team + GENERATION, generation, -1);
    atomic.sub<i32>(team, 1, SLEEPERS);
  }
}

/**
 * Marks the team broken and wakes its sleepers: called (from JS) by a member whose share of a call
 * threw, so that the others stop waiting for it at the barrier. The JS side zeroes the block
 * before the team's next call.
 */
export function breakTeam(team: usize): void {
  if (ASC_FEATURE_THREADS) {
    atomic.store<i32>(team, 1, BROKEN);
    atomic.notify(team + GENERATION, -1);
  }
}

/**
 * The first of the hidden units [0, hidden) that `member` of `members` computes; member `members`
 * gives `hidden`. Ranges are multiples of 16 units (a 64-byte line of each state row) where the
 * units allow it, else of 4 (one vector), so that no two threads write the same vector.
 */
export function unitStart(hidden: i32, member: i32, members: i32): i32 {
  const quantum = hidden >= 16 * members ? 16 : 4;
  const share = (hidden + members - 1) / members;
  const per = (share + quantum - 1) / quantum * quantum;
  return min(hidden, member * per);
}
