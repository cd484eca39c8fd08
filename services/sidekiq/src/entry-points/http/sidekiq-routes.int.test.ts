import { SignJWT } from 'jose';
import { ThreadCreated } from '@sidekiq/shared';
import { randomUUID } from 'node:crypto';
import { TEST_JWT_SECRET, eventually } from '../../../../../test/support/env';
import { BrokerProbe, call, newUser, startTestService, type TestService } from '../../testing/harness';

let service: TestService;
let broker: BrokerProbe;

beforeAll(async () => {
  broker = await BrokerProbe.open();
  await broker.purgeSidekiqQueues();
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
  await broker?.close();
});

const create = (user: string, body: unknown) => call(service, 'POST', '/api/sidekiqs', { user, body });
const fieldsOf = (body: any): string[] => (body?.error?.details ?? []).map((d: { field: string }) => d.field);

describe('POST /api/sidekiqs', () => {
  it('creates a Sidekiq with every field of SPEC, version 1, no stats yet, default initials from the name', async () => {
    const user = newUser();
    const res = await create(user, {
      name: '  Travel Buddy  ',
      description: 'Plans trips',
      instructions: 'You are a travel agent.',
      conversationStarters: ['Where to?', 'Budget trip'],
      model: 'gpt-4o-mini',
      temperature: 0.3,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Travel Buddy',
      description: 'Plans trips',
      instructions: 'You are a travel agent.',
      avatar: { type: 'initials', value: 'TB', color: expect.stringMatching(/^#[0-9A-Fa-f]{6}$/) },
      conversationStarters: ['Where to?', 'Budget trip'],
      model: 'gpt-4o-mini',
      temperature: 0.3,
      threadCount: 0,
      lastUsedAt: null,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const got = await call(service, 'GET', `/api/sidekiqs/${res.body.id}`, { user });
    expect(got).toEqual({ status: 200, body: res.body });
  });

  it('accepts the minimum: only a name, with empty defaults and null model/temperature', async () => {
    const res = await create(newUser(), { name: 'x' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'x', description: '', instructions: '', conversationStarters: [], model: null, temperature: null, avatar: { type: 'initials', value: 'X' } });
  });

  it('accepts every limit exactly at its maximum', async () => {
    const res = await create(newUser(), {
      name: 'n'.repeat(100),
      description: 'd'.repeat(500),
      instructions: 'i'.repeat(8000),
      conversationStarters: Array.from({ length: 6 }, () => 's'.repeat(200)),
      avatar: { type: 'emoji', value: '👩‍🚀', color: '#00aaFF' },
      temperature: 2,
    });
    expect(res.status).toBe(201);
    expect(res.body.avatar).toEqual({ type: 'emoji', value: '👩‍🚀', color: '#00aaFF' });
    const zero = await create(newUser(), { name: 'cold', temperature: 0 });
    expect(zero.body.temperature).toBe(0);
  });

  it('takes user-chosen initials of one or two letters, upper-cased', async () => {
    const two = await create(newUser(), { name: 'Anything', avatar: { type: 'initials', value: 'qz' } });
    expect(two.body.avatar).toMatchObject({ type: 'initials', value: 'QZ' });
    const one = await create(newUser(), { name: 'Anything', avatar: { type: 'initials', value: 'é' } });
    expect(one.body.avatar).toMatchObject({ value: 'É' });
  });

  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['a name of only spaces', { name: '    ' }, 'name'],
    ['a missing name', { description: 'x' }, 'name'],
    ['a name of 101 chars', { name: 'n'.repeat(101) }, 'name'],
    ['a description of 501 chars', { name: 'a', description: 'd'.repeat(501) }, 'description'],
    ['instructions of 8001 chars', { name: 'a', instructions: 'i'.repeat(8001) }, 'instructions'],
    ['7 conversation starters', { name: 'a', conversationStarters: Array.from({ length: 7 }, () => 's') }, 'conversationStarters'],
    ['a starter of 201 chars', { name: 'a', conversationStarters: ['ok', 's'.repeat(201)] }, 'conversationStarters.1'],
    ['a color that is not #RRGGBB', { name: 'a', avatar: { type: 'initials', color: 'red' } }, 'avatar.color'],
    ['a 3-digit color', { name: 'a', avatar: { type: 'initials', color: '#fff' } }, 'avatar.color'],
    ['two emojis', { name: 'a', avatar: { type: 'emoji', value: '😀😀' } }, 'avatar.value'],
    ['an emoji that is a letter', { name: 'a', avatar: { type: 'emoji', value: 'A' } }, 'avatar.value'],
    ['an emoji avatar without a value', { name: 'a', avatar: { type: 'emoji' } }, 'avatar.value'],
    ['three initials', { name: 'a', avatar: { type: 'initials', value: 'ABC' } }, 'avatar.value'],
    ['initials that are digits', { name: 'a', avatar: { type: 'initials', value: '12' } }, 'avatar.value'],
    ['an unknown avatar type', { name: 'a', avatar: { type: 'image', value: 'x' } }, 'avatar.type'],
    ['a temperature above 2', { name: 'a', temperature: 2.5 }, 'temperature'],
    ['a negative temperature', { name: 'a', temperature: -0.1 }, 'temperature'],
    ['an empty model', { name: 'a', model: '' }, 'model'],
    ['an unknown field', { name: 'a', userId: 'someone-else' }, 'userId'],
    ['a name that is not a string', { name: 42 }, 'name'],
  ])('answers 400 VALIDATION_FAILED naming the field for %s', async (_what, body, field) => {
    const res = await create(newUser(), body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(typeof res.body.error.message).toBe('string');
    expect(fieldsOf(res.body)).toContain(field);
  });

  it('answers 400 VALIDATION_FAILED for malformed JSON, naming the body', async () => {
    const res = await call(service, 'POST', '/api/sidekiqs', { user: newUser(), rawBody: '{"name": "x",' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(res.body)).toEqual(['(body)']);
  });

  it('answers 400 VALIDATION_FAILED for a JSON body that is not an object', async () => {
    const res = await call(service, 'POST', '/api/sidekiqs', { user: newUser(), rawBody: '"just a string"' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('authentication', () => {
  const sign = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET, exp: number | string = '1h') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it.each([
    ['no Authorization header', async () => null],
    ['a header that is not Bearer', async () => 'Basic dXNlcjpwYXNz'],
    ['a garbage token', async () => 'Bearer not.a.jwt'],
    ['a token signed with another secret', async () => `Bearer ${await sign({}, 'another-secret-0123456789abcdef')}`],
    ['an expired token', async () => `Bearer ${await sign({}, TEST_JWT_SECRET, Math.floor(Date.now() / 1000) - 60)}`],
    ['an alg:none token', async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u-1', exp: Math.floor(Date.now() / 1000) + 3600 })}.`],
  ])('answers 401 UNAUTHORIZED on every route with %s', async (_what, header) => {
    const authorization = await header();
    for (const [method, path] of [['GET', '/api/sidekiqs'], ['POST', '/api/sidekiqs'], ['GET', '/api/sidekiqs/x'], ['PATCH', '/api/sidekiqs/x'], ['DELETE', '/api/sidekiqs/x']] as const) {
      const res = await call(service, method, path, { authorization, body: method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined });
      expect({ method, status: res.status, code: res.body?.error?.code }).toEqual({ method, status: 401, code: 'UNAUTHORIZED' });
    }
  });

  it('never takes the owner from the body: userId in a create is refused and the token decides', async () => {
    const user = newUser();
    const res = await create(user, { name: 'a', userId: 'victim' });
    expect(res.status).toBe(400);
  });
});

describe('GET /api/sidekiqs', () => {
  it('lists only the caller’s Sidekiqs, never-used ones newest first', async () => {
    const user = newUser();
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) ids.push((await create(user, { name })).body.id);
    await create(newUser(), { name: 'someone else’s' });
    const res = await call(service, 'GET', '/api/sidekiqs', { user });
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: any) => s.name)).toEqual(['third', 'second', 'first']);
    expect(res.body.nextCursor).toBeNull();
  });

  it('puts the most recently used first, then the never-used ones by creation, newest first', async () => {
    const user = newUser();
    const make = async (name: string) => (await create(user, { name })).body;
    const a = await make('a');
    const b = await make('b');
    const c = await make('c');
    const d = await make('d');
    const used = async (s: any, at: string) =>
      broker.publishEvent(ThreadCreated.create({ threadId: randomUUID(), userId: user, sidekiq: { id: s.id, name: s.name, avatar: s.avatar, version: 1 }, title: null, createdAt: at }));
    await used(a, '2030-01-01T00:00:02.000Z'); // a: most recent use
    await used(c, '2030-01-01T00:00:01.000Z');
    await eventually(() => call(service, 'GET', '/api/sidekiqs', { user }), (r) => r.body.items.filter((s: any) => s.lastUsedAt).length === 2, 10_000, 'stats of a and c');
    const res = await call(service, 'GET', '/api/sidekiqs', { user });
    expect(res.body.items.map((s: any) => s.name)).toEqual(['a', 'c', 'd', 'b']);
    expect(res.body.items[0]).toMatchObject({ threadCount: 1, lastUsedAt: '2030-01-01T00:00:02.000Z' });
  });

  it('pages with limit and cursor, without gaps or repeats', async () => {
    const user = newUser();
    for (let i = 0; i < 5; i++) await create(user, { name: `s${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page: any = await call(service, 'GET', `/api/sidekiqs${qs}`, { user });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s: any) => s.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['s4', 's3', 's2', 's1', 's0']);
  });

  it('answers 400 VALIDATION_FAILED for a bad limit or cursor', async () => {
    const user = newUser();
    expect(fieldsOf((await call(service, 'GET', '/api/sidekiqs?limit=0', { user })).body)).toEqual(['limit']);
    expect(fieldsOf((await call(service, 'GET', '/api/sidekiqs?limit=abc', { user })).body)).toEqual(['limit']);
    const bad = await call(service, 'GET', '/api/sidekiqs?cursor=%%%', { user });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['cursor']);
  });
});

describe('PATCH /api/sidekiqs/:id', () => {
  it('changes only the given fields, bumps version each time and moves updatedAt', async () => {
    const user = newUser();
    const created = (await create(user, { name: 'Helper', description: 'd', instructions: 'old', conversationStarters: ['hi'] })).body;
    const first = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { instructions: 'new' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ...created, instructions: 'new', version: 2, updatedAt: expect.any(String) });
    expect(Date.parse(first.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    const second = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { model: 'm-1', temperature: 1.5 } });
    expect(second.body).toMatchObject({ instructions: 'new', model: 'm-1', temperature: 1.5, version: 3 });
    const cleared = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { model: null, temperature: null } });
    expect(cleared.body).toMatchObject({ model: null, temperature: null, version: 4 });
    expect((await call(service, 'GET', `/api/sidekiqs/${created.id}`, { user })).body).toEqual(cleared.body);
  });

  it('trims a new name and moves initials that came from the old name along with it', async () => {
    const user = newUser();
    const created = (await create(user, { name: 'Travel Buddy' })).body;
    const res = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { name: '  code helper ' } });
    expect(res.body).toMatchObject({ name: 'code helper', avatar: { type: 'initials', value: 'CH', color: created.avatar.color } });
  });

  it('keeps initials the user chose when the name changes', async () => {
    const user = newUser();
    const created = (await create(user, { name: 'Travel Buddy', avatar: { type: 'initials', value: 'ZZ', color: '#112233' } })).body;
    const res = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { name: 'Other' } });
    expect(res.body.avatar).toEqual({ type: 'initials', value: 'ZZ', color: '#112233' });
  });

  it('switches the avatar to an emoji keeping the color, and back to initials from the name', async () => {
    const user = newUser();
    const created = (await create(user, { name: 'Travel Buddy', avatar: { type: 'initials', color: '#ABCDEF' } })).body;
    const emoji = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { avatar: { type: 'emoji', value: '🧳' } } });
    expect(emoji.body.avatar).toEqual({ type: 'emoji', value: '🧳', color: '#ABCDEF' });
    const back = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { avatar: { type: 'initials' } } });
    expect(back.body.avatar).toEqual({ type: 'initials', value: 'TB', color: '#ABCDEF' });
  });

  it.each([
    ['an empty body', {}, '(root)'],
    ['a blank name', { name: '  ' }, 'name'],
    ['a name of 101 chars', { name: 'n'.repeat(101) }, 'name'],
    ['instructions of 8001 chars', { instructions: 'i'.repeat(8001) }, 'instructions'],
    ['a bad color', { avatar: { type: 'initials', color: '#12345G' } }, 'avatar.color'],
    ['a version', { version: 99 }, 'version'],
    ['threadCount', { threadCount: 99 }, 'threadCount'],
  ])('answers 400 VALIDATION_FAILED for %s and changes nothing', async (_what, body, field) => {
    const user = newUser();
    const created = (await create(user, { name: 'Keep' })).body;
    const res = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(res.body)).toContain(field);
    expect((await call(service, 'GET', `/api/sidekiqs/${created.id}`, { user })).body).toEqual(created);
  });

  it('answers 400 VALIDATION_FAILED for malformed JSON', async () => {
    const user = newUser();
    const created = (await create(user, { name: 'Keep' })).body;
    const res = await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, rawBody: '{name:' });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['(body)']);
  });
});

describe('DELETE /api/sidekiqs/:id', () => {
  it('deletes with 204; afterwards the Sidekiq is gone from get, list, patch and delete', async () => {
    const user = newUser();
    const created = (await create(user, { name: 'Doomed' })).body;
    const res = await call(service, 'DELETE', `/api/sidekiqs/${created.id}`, { user });
    expect(res).toEqual({ status: 204, body: undefined });
    expect((await call(service, 'GET', `/api/sidekiqs/${created.id}`, { user })).status).toBe(404);
    expect((await call(service, 'GET', '/api/sidekiqs', { user })).body.items).toEqual([]);
    expect((await call(service, 'PATCH', `/api/sidekiqs/${created.id}`, { user, body: { name: 'x' } })).status).toBe(404);
    expect((await call(service, 'DELETE', `/api/sidekiqs/${created.id}`, { user })).status).toBe(404);
  });
});

describe('another user’s Sidekiq', () => {
  it('answers exactly like a missing one on every verb, and is left untouched', async () => {
    const owner = newUser();
    const intruder = newUser();
    const theirs = (await create(owner, { name: 'Private', instructions: 'secret' })).body;
    const missing = randomUUID();
    const verbs = [
      ['GET', undefined],
      ['PATCH', { name: 'pwned' }],
      ['DELETE', undefined],
    ] as const;
    for (const [method, body] of verbs) {
      const foreign = await call(service, method, `/api/sidekiqs/${theirs.id}`, { user: intruder, body });
      const absent = await call(service, method, `/api/sidekiqs/${missing}`, { user: intruder, body });
      expect(foreign).toEqual(absent);
      expect(foreign).toEqual({ status: 404, body: { error: { code: 'SIDEKIQ_NOT_FOUND', message: 'Sidekiq not found', details: null } } });
    }
    expect((await call(service, 'GET', '/api/sidekiqs', { user: intruder })).body.items).toEqual([]);
    expect((await call(service, 'GET', `/api/sidekiqs/${theirs.id}`, { user: owner })).body).toEqual(theirs);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect(await call(service, 'GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await call(service, 'GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
  });
});
