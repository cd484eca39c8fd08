import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from './errors';

const encoder = new TextEncoder();

export interface VerifiedUser {
  userId: string;
}

/**
 * Verifies an HS256 JWT and returns its subject. Only HS256 is accepted, so `alg:none` and
 * algorithm-confusion tokens fail; `exp` is required and enforced.
 */
export async function verifyToken(token: string | undefined, secret: string): Promise<VerifiedUser> {
  if (!token) throw new AppError('UNAUTHORIZED', 'Missing bearer token');
  try {
    // A token without `exp` would never expire: refused.
    const { payload } = await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
      throw new AppError('UNAUTHORIZED', 'Token has no subject');
    }
    return { userId: payload.sub };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const reason = err instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token';
    throw new AppError('UNAUTHORIZED', reason);
  }
}

/** Reads `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** Dev and test tokens; production tokens come from the identity provider. */
export async function signToken(userId: string, secret: string, expiresIn: string | number = '12h'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime(expiresIn).sign(encoder.encode(secret));
}
