import type { Request, RequestHandler } from 'express';
import { bearerToken, verifyToken } from '../auth';

/** Verifies the bearer token and puts the user id on `res.locals.userId`; every service checks it itself. */
export function requireUser(secret: string): RequestHandler {
  return (req, res, next) => {
    verifyToken(bearerToken(req.headers.authorization), secret).then(
      (user) => {
        res.locals.userId = user.userId;
        next();
      },
      next,
    );
  };
}

export function userIdOf(res: { locals: Record<string, unknown> }): string {
  const id = res.locals.userId;
  if (typeof id !== 'string') throw new Error('requireUser middleware missing');
  return id;
}

export type AuthedRequest = Request;
