import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack';
import { chatTurn, createSidekiq, modelRequest } from '../support/chat';

/**
 * Which Sidekiq a turn uses and what the model gets: the instructions (fresh) as the only system
 * message, the history trimmed to the budget, the new message last, the Sidekiq's model settings.
 */
describe('thread binding and the prompt sent to the model', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ modelTokensPerSecond: 0, chatEnv: { HISTORY_BUDGET_CHARS: 300, OPENAI_MODEL: 'default-model' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('an existing thread keeps its own Sidekiq and ignores the sidekiqId of the request', async () => {
    const user = `u-${randomUUID()}`;
    const first = await createSidekiq(stack, user, { name: 'First', instructions: 'You are the FIRST one.' });
    const second = await createSidekiq(stack, user, { name: 'Second', instructions: 'You are the SECOND one.' });
    const client = await stack.connect(user);
    const t1 = await chatTurn(client, { content: 'hello m1 [[tokens:3]]', sidekiqId: first.id });
    expect(t1.end).toMatchObject({ type: 'chat.done' });
    const t2 = await chatTurn(client, { content: 'again m2 [[tokens:3]]', threadId: t1.started.threadId, sidekiqId: second.id });
    expect(t2.end).toMatchObject({ type: 'chat.done' });
    expect(t2.started).toMatchObject({ threadId: t1.started.threadId, isNewThread: false, sidekiq: { id: first.id, name: 'First' } });
    const sent = modelRequest(stack, 'm2').messages;
    expect(sent.filter((m) => m.role === 'system')).toEqual([{ role: 'system', content: 'You are the FIRST one.' }]);
    expect(sent[0]!.role).toBe('system');
  });

  it('a foreign thread and a missing one both answer THREAD_NOT_FOUND, identically, and reach no model', async () => {
    const owner = `u-${randomUUID()}`;
    const other = `u-${randomUUID()}`;
    const mine = await chatTurn(await stack.connect(owner), { content: 'private [[tokens:2]]' });
    const client = await stack.connect(other);
    const before = stack.model.log.size;
    const foreign = await chatTurn(client, { content: 'let me in', threadId: mine.started.threadId });
    const missing = await chatTurn(client, { content: 'let me in', threadId: randomUUID() });
    const strip = (f: any) => ({ ...f, requestId: undefined });
    expect(foreign.end).toMatchObject({ type: 'chat.error', code: 'THREAD_NOT_FOUND', retryable: false });
    expect(strip(foreign.end)).toEqual(strip(missing.end));
    expect(client.frames.filter((f) => f.type === 'chat.started')).toHaveLength(0);
    expect(stack.model.log.size).toBe(before);
  });

  it('a Sidekiq of someone else is SIDEKIQ_NOT_FOUND, like a missing one', async () => {
    const owner = `u-${randomUUID()}`;
    const theirs = await createSidekiq(stack, owner);
    const client = await stack.connect(`u-${randomUUID()}`);
    const foreign = await chatTurn(client, { content: 'hi', sidekiqId: theirs.id });
    const missing = await chatTurn(client, { content: 'hi', sidekiqId: randomUUID() });
    expect(foreign.end).toMatchObject({ type: 'chat.error', code: 'SIDEKIQ_NOT_FOUND' });
    expect({ ...foreign.end, requestId: 0 }).toEqual({ ...missing.end, requestId: 0 });
  });

  it('sends the history oldest first, trimmed to the budget with the newest kept, and never a stored system message', async () => {
    const user = `u-${randomUUID()}`;
    const sidekiq = await createSidekiq(stack, user, { instructions: 'Be brief.' });
    const client = await stack.connect(user);
    // Each turn: a ~60-character question and a 10-token (~60-character) answer.
    const first = await chatTurn(client, { content: `turn-1 ${'a'.repeat(50)} [[tokens:10]]`, sidekiqId: sidekiq.id });
    const threadId = first.started.threadId;
    for (let i = 2; i <= 5; i++) expect((await chatTurn(client, { content: `turn-${i} ${'a'.repeat(50)} [[tokens:10]]`, threadId })).end.type).toBe('chat.done');
    await chatTurn(client, { content: 'turn-6 final', threadId });
    const sent = modelRequest(stack, 'turn-6').messages;
    expect(sent[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'turn-6 final' });
    const history = sent.slice(1, -1);
    // The budget (300 characters) holds only the most recent turns, whole, starting with a question.
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.length).toBeLessThan(10);
    expect(history.reduce((n, m) => n + m.content.length, 0)).toBeLessThanOrEqual(300);
    expect(history[0]!.role).toBe('user');
    expect(history.at(-1)!.role).toBe('assistant');
    expect(history.at(-2)!.content).toContain('turn-5');
    expect(JSON.stringify(history)).not.toContain('turn-1 ');
    for (let i = 1; i < history.length; i++) expect(history[i]!.role).not.toBe(history[i - 1]!.role);
    expect(history.every((m) => m.role !== 'system')).toBe(true);
  });

  it('uses the Sidekiq’s model and temperature when set, and the defaults otherwise', async () => {
    const user = `u-${randomUUID()}`;
    const tuned = await createSidekiq(stack, user, { model: 'tuned-model', temperature: 0.3 });
    const plain = await createSidekiq(stack, user);
    const client = await stack.connect(user);
    await chatTurn(client, { content: 'tuned-turn [[tokens:2]]', sidekiqId: tuned.id });
    await chatTurn(client, { content: 'plain-turn [[tokens:2]]', sidekiqId: plain.id });
    await chatTurn(client, { content: 'no-sidekiq-turn [[tokens:2]]' });
    expect(modelRequest(stack, 'tuned-turn').body).toMatchObject({ model: 'tuned-model', temperature: 0.3 });
    expect(modelRequest(stack, 'plain-turn').body?.model).toBe('default-model');
    expect(modelRequest(stack, 'plain-turn').body?.temperature).toBeUndefined();
    expect(modelRequest(stack, 'no-sidekiq-turn').messages.map((m) => m.role)).toEqual(['user']);
  });

  it('an instruction edit applies on the very next turn of the thread', async () => {
    const user = `u-${randomUUID()}`;
    const sidekiq = await createSidekiq(stack, user, { instructions: 'Old instructions.' });
    const client = await stack.connect(user);
    const first = await chatTurn(client, { content: 'edit-before [[tokens:2]]', sidekiqId: sidekiq.id });
    const patched = await stack.api(user, 'PATCH', `/api/sidekiqs/${sidekiq.id}`, { instructions: 'New instructions.' });
    expect(patched.status).toBe(200);
    await chatTurn(client, { content: 'edit-after [[tokens:2]]', threadId: first.started.threadId });
    expect(modelRequest(stack, 'edit-before').messages[0]).toEqual({ role: 'system', content: 'Old instructions.' });
    const after = modelRequest(stack, 'edit-after').messages;
    expect(after.filter((m) => m.role === 'system')).toEqual([{ role: 'system', content: 'New instructions.' }]);
  });

  it('after its Sidekiq is deleted, a thread goes on without instructions and says so with sidekiq: null', async () => {
    const user = `u-${randomUUID()}`;
    const sidekiq = await createSidekiq(stack, user, { instructions: 'Soon gone.' });
    const client = await stack.connect(user);
    const first = await chatTurn(client, { content: 'del-before [[tokens:2]]', sidekiqId: sidekiq.id });
    expect((await stack.api(user, 'DELETE', `/api/sidekiqs/${sidekiq.id}`)).status).toBe(204);
    const next = await chatTurn(client, { content: 'del-after [[tokens:2]]', threadId: first.started.threadId });
    expect(next.end).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
    expect(next.started).toMatchObject({ threadId: first.started.threadId, isNewThread: false, sidekiq: null });
    const sent = modelRequest(stack, 'del-after').messages;
    expect(sent.some((m) => m.role === 'system')).toBe(false);
    expect(sent.at(-1)!.content).toBe('del-after [[tokens:2]]');
  });
});
