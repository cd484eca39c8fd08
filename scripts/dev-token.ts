/**
 * Prints a dev/test JWT: `npx tsx scripts/dev-token.ts <user-id> [expiresIn]` (default dev-user, 12h).
 * Signed HS256 with JWT_SECRET, or the same default `npm start` gives the services.
 */
import { signToken } from '@sidekiq/shared';

const userId = process.argv[2] || 'dev-user';
const expiresIn = process.argv[3] || '12h';
const secret = process.env.JWT_SECRET || 'dev-secret-change-me-please';

signToken(userId, secret, expiresIn).then(
  (token) => process.stdout.write(`${token}\n`),
  (err: unknown) => {
    process.stderr.write(`dev-token: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
