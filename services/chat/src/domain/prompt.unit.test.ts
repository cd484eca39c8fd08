import { buildPrompt } from './prompt';

describe('buildPrompt', () => {
  const history = [
    { role: 'user' as const, content: 'aaaa' },
    { role: 'assistant' as const, content: 'bbbb' },
    { role: 'user' as const, content: 'cccc' },
    { role: 'assistant' as const, content: 'dddd' },
  ];

  it('puts the instructions first as the only system message and the new message last', () => {
    const prompt = buildPrompt({ instructions: 'Be brief', history, userContent: 'hi', historyBudgetChars: 1000 });
    expect(prompt[0]).toEqual({ role: 'system', content: 'Be brief' });
    expect(prompt.filter((m) => m.role === 'system')).toHaveLength(1);
    expect(prompt.at(-1)).toEqual({ role: 'user', content: 'hi' });
    expect(prompt.map((m) => m.content)).toEqual(['Be brief', 'aaaa', 'bbbb', 'cccc', 'dddd', 'hi']);
  });

  it('sends no system message when the thread has no instructions', () => {
    const prompt = buildPrompt({ instructions: null, history: [], userContent: 'hi', historyBudgetChars: 1000 });
    expect(prompt).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('keeps the newest history within the budget and never starts with an assistant message', () => {
    const prompt = buildPrompt({ instructions: 'x', history, userContent: 'hi', historyBudgetChars: 12 });
    // 12 chars fit 'bbbb','cccc','dddd'; the leading assistant message is then dropped.
    expect(prompt.map((m) => m.content)).toEqual(['x', 'cccc', 'dddd', 'hi']);
  });

  it('skips empty answers of failed turns', () => {
    const prompt = buildPrompt({ instructions: null, history: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '' }], userContent: 'again', historyBudgetChars: 100 });
    expect(prompt.map((m) => m.content)).toEqual(['q', 'again']);
  });
});
