import type { ActiveTurn } from './active-turn';

/**
 * The turns this instance is running, by `${userId}:${requestId}`. Cancels that arrive before
 * their turn starts (the request still queued) are remembered for a minute so the turn stops
 * as soon as it begins.
 */
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

  remove(key: string): void {
    this.turns.delete(key);
  }

  cancel(key: string): boolean {
    const turn = this.turns.get(key);
    if (turn) {
      turn.cancel();
      return true;
    }
    const now = Date.now();
    for (const [k, at] of this.earlyCancels) if (now - at > this.cancelMemoryMs) this.earlyCancels.delete(k);
    this.earlyCancels.set(key, now);
    return false;
  }

  get size(): number {
    return this.turns.size;
  }

  all(): ActiveTurn[] {
    return [...this.turns.values()];
  }
}
