/** Signed-in test clients: a staff account with one role binding, driven through the real login. */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Db } from '../platform/db.ts';
import type { Role } from '../platform/auth/roles.ts';
import { createUser } from '../modules/accounts/service.ts';

export const TEST_PASSWORD = 'test-password-123';
let counter = 0;

export interface Client {
  username: string;
  cookie: string;
  csrf: string;
  inject(opts: InjectOptions | string): Promise<LightMyRequestResponse>;
}

export async function login(app: FastifyInstance, username: string, password = TEST_PASSWORD): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const setCookie = [res.headers['set-cookie']].flat().find((c): c is string => typeof c === 'string' && c.startsWith('ms_session='));
  const cookie = setCookie?.split(';')[0] ?? '';
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return {
    username, cookie, csrf,
    inject: (opts) => {
      const o: InjectOptions = typeof opts === 'string' ? { method: 'GET', url: opts } : opts;
      return app.inject({ ...o, headers: { ...(o.headers ?? {}), cookie, 'x-csrf-token': csrf } });
    },
  };
}

/** Creates an account with one role bound to a region (and grid) and signs it in. */
export async function staffClient(app: FastifyInstance, db: Db, role: Role, regionCode: string, gridId: string | null = null): Promise<Client> {
  counter += 1;
  const username = `t${counter}.${role}`.slice(0, 40);
  await createUser(db, { username, displayName: `测试${counter}`, office: `测试单位${counter}`, password: TEST_PASSWORD, roles: [{ role, regionCode, gridId }] }, 'test');
  return login(app, username);
}
