/** A message as the model sees it. */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface PromptInput {
  /** The Sidekiq's current instructions; empty or null means no system message. */
  instructions: string | null;
  /** Earlier messages of the thread, oldest first. */
  history: Array<{ role: 'user' | 'assistant'; content: string }>;
  userContent: string;
  /** Characters of history to keep, newest first. */
  historyBudgetChars: number;
}

/**
 * The model request: the instructions as the only system message (read fresh each turn, never
 * stored), then as much recent history as fits the budget, then the new message. A history
 * message is kept whole or dropped, and dropping starts from the oldest.
 */
export function buildPrompt({ instructions, history, userContent, historyBudgetChars }: PromptInput): PromptMessage[] {
  const kept: PromptMessage[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    if (!m.content) continue; // an answer that failed before its first token says nothing
    if (used + m.content.length > historyBudgetChars) break;
    used += m.content.length;
    kept.push({ role: m.role, content: m.content });
  }
  kept.reverse();
  // A history that starts with an assistant message reads oddly to most models; drop it.
  while (kept[0]?.role === 'assistant') kept.shift();
  const system: PromptMessage[] = instructions ? [{ role: 'system', content: instructions }] : [];
  return [...system, ...kept, { role: 'user', content: userContent }];
}
