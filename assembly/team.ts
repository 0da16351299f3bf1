// A team: the threads that run one kernel call together over shared memory (the threads
// builds only; the other builds are always called with NO_TEAM). The JS side starts every
// member with the same arguments and its own `member` index (0 is the thread that called,
// the others are workers); a kernel whose steps depend on each other meets at `barrier`
// between them. The barrier's state lives in a TEAM_BYTES block of shared memory that the
// JS side allocates once per backend and zeroes (again after a call that failed); every
// team call runs all MAX_MEMBERS or fewer threads of the backend, always the same ones.
//
// The barrier is a flag per member, each on its own cache line: a member that arrives bumps
// its own flag and waits until every other member's flag has reached its own. Only its owner
// writes a flag, so arriving costs one store and each waiter reads the others' lines once they
// change (a shared counter would bounce its line between all the members at every arrival).
// The flags count barriers since the block was zeroed, the same number for every member as
// long as every team call has every member, which the JS side guarantees.

/** `team` value meaning "this call runs alone": no barrier, every unit is this thread's. */
export const NO_TEAM: usize = 0;

/** Most threads a team can have (one flag line each); the JS side allows no more threads (MAX_THREADS). */
export const MAX_MEMBERS = 64;

const LINE = 64;
const SLEEPERS = 0; // members waiting in memory.atomic.wait32 on another's flag
const BROKEN = LINE; // set when a member failed: it will never arrive, so nobody waits any more
const FLAGS = 2 * LINE; // member m's flag at FLAGS + m * LINE
const MAILBOXES = FLAGS + MAX_MEMBERS * LINE; // member m's mailbox at MAILBOXES + m * LINE

/** Bytes of the team block. */
export const TEAM_BYTES = MAILBOXES + MAX_MEMBERS * LINE;

/** Spins before a worker sleeps at the barrier: about 20-50 us, far above a time step's imbalance. */
const SPINS_BEFORE_SLEEP = 1 << 14;

// @ts-ignore: decorator
@inline function flagOf(team: usize, member: i32): usize {
  return team + FLAGS + <usize>member * LINE;
}

/** Whether a flag value is still below `target`; wraps around, as flags may after 2^31 barriers. */
// @ts-ignore: decorator
@inline function below(value: i32, target: i32): bool {
  return target - value > 0;
}

/** Whether `flag` is still below `target` (and nobody has broken the team). */
// @ts-ignore: decorator
@inline function behind(team: usize, flag: usize, target: i32): bool {
  return below(atomic.load<i32>(flag), target) && atomic.load<i32>(team, BROKEN) == 0;
}

/**
 * Waits until all `members` threads have arrived (or a member broke the team: the call's result
 * is then garbage, and the caller throws the member's error). Member 0 (the calling thread,
 * which in a browser is the page's main thread, where waiting is not allowed) only spins;
 * workers spin, then sleep until woken. team: the TEAM_BYTES block; 1 <= members <= MAX_MEMBERS.
 */
export function barrier(team: usize, member: i32, members: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (members <= 1) return;
    const mine = flagOf(team, member);
    const arrived = atomic.load<i32>(mine) + 1;
    atomic.store<i32>(mine, arrived);
    if (atomic.load<i32>(team, SLEEPERS) > 0) atomic.notify(mine, -1);
    for (let other = 0; other < members; other++) {
      if (other == member) continue;
      const flag = flagOf(team, other);
      let spins = 0;
      while (behind(team, flag, arrived) && spins < SPINS_BEFORE_SLEEP) spins++;
      if (!behind(team, flag, arrived)) continue;
      if (member == 0) {
        while (behind(team, flag, arrived)) {}
        continue;
      }
      // Announce the sleep before looking at the flag again: its owner stores the flag before it
      // reads SLEEPERS, so either it sees us and wakes us, or we see its new value.
      atomic.add<i32>(team, 1, SLEEPERS);
      for (let seen = atomic.load<i32>(flag); below(seen, arrived) && atomic.load<i32>(team, BROKEN) == 0; seen = atomic.load<i32>(flag)) {
        memory.atomic.wait32(flag, seen, -1);
      }
      atomic.sub<i32>(team, 1, SLEEPERS);
    }
  }
}

/**
 * Member `member`'s mailbox: a cache line of its own where it leaves a small result (a few
 * numbers) for the others, who read it after the next barrier. It must not write the mailbox
 * again before the barrier after that, when every member has read it.
 */
// @ts-ignore: decorator
@inline export function mailbox(team: usize, member: i32): usize {
  return team + MAILBOXES + <usize>member * LINE;
}

/**
 * Marks the team broken and wakes its sleepers: called (from JS) by a member whose share of a call
 * threw, so that the others stop waiting for it at the barrier. The JS side zeroes the block
 * before the team's next call.
 */
export function breakTeam(team: usize): void {
  if (ASC_FEATURE_THREADS) {
    atomic.store<i32>(team, 1, BROKEN);
    for (let m = 0; m < MAX_MEMBERS; m++) atomic.notify(flagOf(team, m), -1);
  }
}

/**
 * The first of the hidden units [0, hidden) that `member` of `members` computes; member `members`
 * gives `hidden`. Ranges are multiples of 16 units (a 64-byte line of each state row) where the
 * units allow it, else of 4 (one vector), so that no two threads write the same vector. Members
 * past the units get empty ranges (they still meet the others at every barrier).
 */
export function unitStart(hidden: i32, member: i32, members: i32): i32 {
  const quantum = hidden >= 16 * members ? 16 : 4;
  const share = (hidden + members - 1) / members;
  const per = (share + quantum - 1) / quantum * quantum;
  return min(hidden, member * per);
}
