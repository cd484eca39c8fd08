import type { ActiveTurn } from './active-turn';

/**
 * The turns this instance is running, by `${userId}:${requestId}`. Cancels that arrive before
 * their turn starts (the request still queued) are remembered for a minute so the turn stops
 * as soon as it begins.
 */
/** Early cancels remembered at most (a flood of cancels for unknown ids must stay cheap). */
const MAX_EARLY_CANCELS = 10_000;

export class TurnRegistry {
  private readonly turns = new Map<string, ActiveTurn>();
  private readonly earlyCancels = new Map<string, number>();

  constructor(private readonly cancelMemoryMs = 60_000) {}

  add(turn: ActiveTurn): void {
    this.turns.set(turn.id.key, turn);
    if (this.earlyCancels.delete(turn.id.key)) turn.cancel();
  }

  get(key: string): ActiveTurn | undefined {
    return this.turns.get(key);
  }

  /**
   * Forgets a finished turn after `lingerMs`. Meanwhile a resume that raced the end (it read
   * `running` from the database just before) still finds it and gets the final frame.
   */
  remove(key: string, lingerMs = 0): void {
    const turn = this.turns.get(key);
    if (lingerMs <= 0 || !turn) {
      this.turns.delete(key);
      return;
    }
    setTimeout(() => {
      if (this.turns.get(key) === turn) this.turns.delete(key);
    }, lingerMs).unref();
  }

  cancel(key: string): boolean {
    const turn = this.turns.get(key);
    if (turn) {
      turn.cancel();
      return true;
    }
    const now = Date.now();
    // A Map iterates in insertion order, so expired entries are at the front: stop at the first
    // live one (constant work per cancel, not a scan), and never hold more than a bounded number.
    for (const [k, at] of this.earlyCancels) {
      if (now - at <= this.cancelMemoryMs && this.earlyCancels.size < MAX_EARLY_CANCELS) break;
      this.earlyCancels.delete(k);
    }
    this.earlyCancels.delete(key);
    this.earlyCancels.set(key, now);
    return false;
  }

  /** Turns still streaming (lingering finished ones do not count). */
  get size(): number {
    let n = 0;
    for (const t of this.turns.values()) if (!t.finished) n++;
    return n;
  }

  all(): ActiveTurn[] {
    return [...this.turns.values()];
  }
}
