// Greedy decoding (d2l's predict) of a one-layer recurrent language model at B = 1, fused: all
// the tokens of a call in one kernel call, so that a team of threads meets at barriers inside it
// instead of being started once per token (the start costs a few microseconds against a step of
// about ten at H = 256, and a team started for every token was measured to run its shares slower
// than the same shares inside one long call). Per token: the cell step on the chosen token (each
// member its units, as in the unit-split forwards of recurrent.ts), a barrier, then the output
// layer and its argmax: a small one whole in every member (all reach the same token), a large one
// cut by rows, each member's winner posted in its mailbox, a second barrier, and every member
// merging the winners in member order, so all agree on the next token without a third.
// The contract is Kernels.decodeGreedy in src/backend/backend.ts; the readable twin is
// src/backend/js/decode.ts.

import { NO_TEAM, barrier, mailbox, unitStart } from './team';
import { gruForward, lstmForward, rnnForward } from './recurrent';
import { packedRowProduct } from './packed-product';

const LSTM = 0;
const GRU = 1;

/** Largest output layer (outputs x hidden multiply-adds) that every member of a team computes whole. */
const SMALL_OUTPUT_MADDS: i64 = 16384;

/**
 * Runs `tokens` greedy steps: token t's id is ids[t] (ids[0] from the caller), its cell step
 * moves the state, and ids[t + 1] is the largest logit of W_out h_t + b_out other than `exclude`
 * (-1: none), the first one on ties, NaN never chosen (when every logit is NaN or excluded: the
 * first index not excluded).
 * cell: 0 LSTM, 1 GRU, 2 RNN tanh (G = 4H, 3H, H); weightHh: (G, H); biasIh, biasHh: (G);
 * packedHh: W_hh packed by packRecurrentWeights; inputRows: (V, G) W_ih^T (a row per token);
 * h, c: (H) the state, in and out (c: LSTM only); packedOut: W_out (outputs, H) packed;
 * outBias: (outputs); ids: (tokens + 1) i32; scratch: decodeScratchSize floats (Kernels);
 * logits: (outputs) this member's own scratch. team, member, members: the team that runs the call (every member
 * with the same arguments), or NO_TEAM, 0, 1.
 */
export function decodeGreedy(
  cell: i32, tokens: i32, hidden: i32, outputs: i32,
  weightHh: usize, biasIh: usize, biasHh: usize, packedHh: usize, inputRows: usize,
  h: usize, c: usize, packedOut: usize, outBias: usize, ids: usize, exclude: i32,
  scratch: usize, logits: usize, team: usize, member: i32, members: i32,
): void {
  const G = hidden * (cell == LSTM ? 4 : cell == GRU ? 3 : 1);
  const hBytes = <usize>hidden << 2;
  // Scratch: gates (G) | GRU product (G) | tanh(c) or W_hn h + b_hn (H) | two banks of h_t (H)
  // and of c_t (H). Token t writes bank t & 1 and reads the other. The last reads of bank t & 1
  // before that were token t - 1's product, before its first barrier, and a member writing it at
  // token t has passed token t - 1's second barrier, so no other member is still reading it.
  const gates = scratch;
  const rec = gates + (<usize>G << 2);
  const spare = rec + (<usize>G << 2);
  const hBanks = spare + hBytes;
  const cBanks = hBanks + 2 * hBytes;
  const solo = team == NO_TEAM;
  const j0 = solo ? 0 : unitStart(hidden, member, members);
  const j1 = solo ? hidden : unitStart(hidden, member + 1, members);
  // A small output layer (the chapter's 28 characters) is computed whole by every member, which
  // all take the same argmax: no second barrier per token (a barrier costs more than the product).
  const everyRow = solo || <i64>outputs * hidden <= SMALL_OUTPUT_MADDS;
  const v0 = everyRow ? 0 : unitStart(outputs, member, members);
  const v1 = everyRow ? outputs : unitStart(outputs, member + 1, members);
  const mine: usize = solo ? 0 : mailbox(team, member);
  for (let t = 0; t < tokens; t++) {
    const hPrev = t == 0 ? h : hBanks + <usize>((t - 1) & 1) * hBytes;
    const cPrev = t == 0 ? c : cBanks + <usize>((t - 1) & 1) * hBytes;
    const hOut = hBanks + <usize>(t & 1) * hBytes;
    const cOut = cBanks + <usize>(t & 1) * hBytes;
    // Member 0 keeps the ids in `ids`; the others read the token of step t from their mailbox,
    // where they put it themselves (ids[t] may not be written yet when they get here).
    const id = t == 0 || member == 0 ? ids + (<usize>t << 2) : mine + 8;
    // One step from the previous state (the final copies of the kernels go to the bank itself).
    if (cell == LSTM) {
      lstmForward(1, 1, 1, hidden, 0, gates, weightHh, biasIh, biasHh, hPrev, cPrev, hOut, hidden, cOut, spare,
        hOut, cOut, packedHh, 0, inputRows, id, team, member, members);
    } else if (cell == GRU) {
      gruForward(1, 1, 1, hidden, 0, gates, weightHh, biasIh, biasHh, hPrev, hOut, hidden, spare, rec, hOut,
        packedHh, 0, inputRows, id, team, member, members);
    } else {
      rnnForward(1, 1, 1, hidden, 0, gates, weightHh, biasIh, biasHh, hPrev, hOut, hidden, hOut, packedHh, 0,
        inputRows, id, team, member, members);
    }
    barrier(team, member, members); // every unit of h_t is written
    // This member's rows of the output layer, and their winner.
    if (v1 > v0) packedRowProduct(v0, v1, hidden, hOut, packedOut, logits, false, false);
    let best = -1;
    let bestValue: f32 = 0;
    for (let v = v0; v < v1; v++) {
      if (v == exclude) continue;
      const value = load<f32>(logits + (<usize>v << 2)) + load<f32>(outBias + (<usize>v << 2));
      if (value != value) continue; // NaN
      if (best < 0 || value > bestValue) {
        best = v;
        bestValue = value;
      }
    }
    if (!everyRow) {
      store<f32>(mine, bestValue);
      store<i32>(mine, best, 4);
      barrier(team, member, members); // every winner is posted
      // Members hold ascending ranges: taking a later one only when strictly larger keeps the first on ties.
      best = -1;
      for (let m = 0; m < members; m++) {
        const box = mailbox(team, m);
        const index = load<i32>(box, 4);
        const value = load<f32>(box);
        if (index >= 0 && (best < 0 || value > bestValue)) {
          best = index;
          bestValue = value;
        }
      }
      // The mailbox's id word is read by this member only, and a winner is written only after the
      // next token's first barrier, when every member has read this one's.
    }
    if (best < 0) best = exclude == 0 && outputs > 1 ? 1 : 0;
    if (member == 0) store<i32>(ids + (<usize>(t + 1) << 2), best);
    else store<i32>(mine, best, 8);
  }
  // The state after the last token: this member's units (no one reads h or c after the first token).
  if (tokens > 0) {
    const last = <usize>((tokens - 1) & 1) * hBytes;
    const o = <usize>j0 << 2;
    const n = <usize>(j1 - j0) << 2;
    memory.copy(h + o, hBanks + last + o, n);
    if (cell == LSTM) memory.copy(c + o, cBanks + last + o, n);
  }
}
