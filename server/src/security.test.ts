/** Sessions, lockout, CSRF, masking and reveal, the insert-only audit log, the resident's access log. */
import { makeCitizenId } from '@minsheng/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from './platform/db.ts';
import { grantAppRole } from './platform/migrate.ts';
import { MAX_FAILURES } from './modules/accounts/service.ts';
import { testApp, type TestApp } from './testing/app.ts';
import { login, staffClient, TEST_PASSWORD, type Client } from './testing/auth.ts';
import { testServerUrl } from './testing/db.ts';

const STREET = '120101001000';
const COMMUNITY = '120101001001';

describe('sessions, lockout and CSRF', () => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(); });
  afterAll(async () => { await t.close(); });

  it('locks an account after repeated wrong passwords, answers 429 with a retry time, and audits each failure', async () => {
    const c = await staffClient(t.app, t.ctx.db, 'street-staff', STREET);
    for (let i = 1; i < MAX_FAILURES; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: c.username, password: 'wrong-password' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('wrong username or password');
    }
    const locking = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: c.username, password: 'wrong-password' } });
    expect(locking.statusCode).toBe(429);
    expect(Number(locking.headers['retry-after'])).toBeGreaterThan(800);
    expect(locking.json().error.details.reason).toBe('locked');
    // Even the right password is refused while locked.
    const right = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: c.username, password: TEST_PASSWORD } });
    expect(right.statusCode).toBe(429);
    const [failures] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.login' AND actor_name = $1 AND outcome <> 'ok'`, [c.username]);
    expect(failures?.n).toBe(MAX_FAILURES + 1);
    // An administrator unlocks it.
    const admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
    const users = (await admin.inject('/api/admin/users')).json().items as Array<{ id: number; username: string; lockedUntil: string | null }>;
    const locked = users.find((u) => u.username === c.username)!;
    expect(locked.lockedUntil).not.toBeNull();
    expect((await admin.inject({ method: 'POST', url: `/api/admin/users/${locked.id}/unlock` })).json().lockedUntil).toBeNull();
    await expect(login(t.app, c.username)).resolves.toBeTruthy();
  });

  it('an unknown user gets the same answer as a wrong password', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody.here', password: 'whatever-123' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('wrong username or password');
  });

  it('refuses forged, ended, expired and idle sessions', async () => {
    const c = await staffClient(t.app, t.ctx.db, 'street-staff', STREET);
    expect((await c.inject('/api/auth/me')).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie: 'ms_session=forged-token-value' } })).statusCode).toBe(401);
    const idle = await login(t.app, c.username);
    await t.ctx.db.query(`UPDATE staff_session SET last_seen_at = now() - interval '31 minutes' WHERE csrf_token = $1`, [idle.csrf]);
    expect((await idle.inject('/api/auth/me')).statusCode).toBe(401);
    const expired = await login(t.app, c.username);
    await t.ctx.db.query(`UPDATE staff_session SET expires_at = now() - interval '1 second' WHERE csrf_token = $1`, [expired.csrf]);
    expect((await expired.inject('/api/auth/me')).statusCode).toBe(401);
    expect((await c.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(200);
    expect((await c.inject('/api/auth/me')).statusCode).toBe(401);
  });

  it('sets an HttpOnly SameSite=Strict cookie and security headers', async () => {
    const c = await staffClient(t.app, t.ctx.db, 'street-staff', STREET);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: c.username, password: TEST_PASSWORD } });
    const cookie = String([res.headers['set-cookie']].flat()[0]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('refuses state changes without the session\'s CSRF token, and logs the refusal', async () => {
    const c = await staffClient(t.app, t.ctx.db, 'street-staff', STREET);
    const payload = { name: '无令牌', citizenId: makeCitizenId('120101', '1970-01-01', 11, 'M'), residenceCommunity: COMMUNITY };
    const none = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c.cookie }, payload });
    expect(none.statusCode).toBe(403);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c.cookie, 'x-csrf-token': 'guess' }, payload });
    expect(wrong.statusCode).toBe(403);
    const [row] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND action = 'csrf.refused'`, [c.username]);
    expect(row?.n).toBe(2);
    const [stored] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM person WHERE name = '无令牌'`);
    expect(stored?.n).toBe(0);
  });

  it('limits sign-in attempts per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push((await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { username: `flood${i}`, password: 'x-password-1' } })).statusCode);
    }
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { username: 'flood', password: 'x-password-1' } });
    expect(limited.json().error.details.reason).toBe('rate-limit');
  });

  it('malformed and hostile input is refused cleanly', async () => {
    const c = await staffClient(t.app, t.ctx.db, 'street-staff', STREET);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: 'not json', headers: { 'content-type': 'application/json' } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: "admin' --", password: "' OR '1'='1" } })).statusCode).toBe(401);
    const script = await c.inject({ method: 'POST', url: '/api/persons', payload: { name: '<script>alert(1)</script>', citizenId: makeCitizenId('120101', '1971-01-01', 13, 'M'), residenceCommunity: COMMUNITY } });
    expect(script.statusCode).toBe(201);
    expect(script.json().name).toBe('<script>alert(1)</script>'); // stored as text; the console renders text, never HTML
    expect((await c.inject(`/api/persons?q=${encodeURIComponent("'; DROP TABLE person; --")}`)).statusCode).toBe(200);
    const [still] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM person');
    expect(still?.n).toBeGreaterThan(0);
  });
});

describe('masking, reveal and the audit log', () => {
  let t: TestApp;
  let street: Client;
  let personId = 0;
  const citizenId = makeCitizenId('120101', '1945-09-09', 21, 'M');
  beforeAll(async () => {
    t = await testApp();
    street = await staffClient(t.app, t.ctx.db, 'street-staff', STREET);
    personId = (await street.inject({ method: 'POST', url: '/api/persons', payload: { name: '马桂芳', citizenId, residenceCommunity: COMMUNITY, phone: '13812345678' } })).json().id;
  });
  afterAll(async () => { await t.close(); });

  it('masks ID and phone by default; the call seat sees phones but not IDs', async () => {
    const file = (await street.inject(`/api/persons/${personId}`)).json();
    expect(file.citizenId).toBe(`${citizenId.slice(0, 6)}********${citizenId.slice(14)}`);
    expect(file.phone).toBe('138****5678');
    const list = (await street.inject('/api/persons?q=mgf')).json();
    expect(list.items[0]).toMatchObject({ citizenId: file.citizenId, phone: '138****5678' });
    const seat = await staffClient(t.app, t.ctx.db, 'call-seat', '120000000000');
    const seen = (await seat.inject(`/api/persons/${personId}`)).json();
    expect(seen.phone).toBe('13812345678');
    expect(seen.citizenId).toBe(file.citizenId);
  });

  it('reveal needs a reason, is allowed to some roles only, and is audited with the reason', async () => {
    expect((await street.inject({ method: 'POST', url: `/api/persons/${personId}/reveal`, payload: { fields: ['citizenId'] } })).json().error.details.field).toBe('reason');
    const res = await street.inject({ method: 'POST', url: `/api/persons/${personId}/reveal`, payload: { fields: ['citizenId', 'phone'], reason: '办理低保申请核对身份' } });
    expect(res.json()).toEqual({ citizenId, phone: '13812345678' });
    const community = await staffClient(t.app, t.ctx.db, 'community-worker', COMMUNITY);
    expect((await community.inject({ method: 'POST', url: `/api/persons/${personId}/reveal`, payload: { fields: ['citizenId'], reason: '想看看完整号码' } })).statusCode).toBe(403);
    const auditor = await staffClient(t.app, t.ctx.db, 'auditor', '120000000000');
    const found = (await auditor.inject(`/api/audit?action=person.reveal&personId=${personId}`)).json();
    expect(found.items).toEqual([expect.objectContaining({ actor_name: street.username, reason: '办理低保申请核对身份', fields: ['citizenId', 'phone'], outcome: 'ok' })]);
    const reads = (await auditor.inject(`/api/audit?user=${street.username}&action=person.read`)).json();
    expect(reads.total).toBeGreaterThanOrEqual(1);
    const xlsx = await auditor.inject(`/api/audit/export.xlsx?personId=${personId}`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('the audit log refuses UPDATE and DELETE, on every database', async () => {
    await expect(t.ctx.db.query(`UPDATE audit_log SET reason = 'x'`)).rejects.toThrow(/insert-only/);
    await expect(t.ctx.db.query('DELETE FROM audit_log')).rejects.toThrow(/insert-only/);
    await expect(t.ctx.db.query('TRUNCATE audit_log')).rejects.toThrow(/insert-only/);
  });

  it.skipIf(!testServerUrl())('on PostgreSQL the application role has no UPDATE or DELETE on the audit log', async () => {
    const role = `minsheng_app_${Date.now().toString(36)}`;
    const dbUrl = new URL(t.ctx.config.databaseUrl ?? '');
    const admin = new pg.Client({ connectionString: dbUrl.toString() });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      await grantAppRole(t.ctx.db, role);
      const appUrl = new URL(dbUrl.toString());
      appUrl.username = role;
      const app = await openDb({ databaseUrl: appUrl.toString() });
      try {
        await app.query(`INSERT INTO audit_log (actor_kind, actor_name, action) VALUES ('system', 'probe', 'probe')`);
        expect((await app.query('SELECT count(*) FROM person')).length).toBe(1);
        await expect(app.query(`UPDATE audit_log SET reason = 'x'`)).rejects.toThrow(/permission denied/);
        await expect(app.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied/);
      } finally { await app.close(); }
    } finally {
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });

  it('a resident signs in with an access code and sees which offices looked at the file, not who', async () => {
    const issued = (await street.inject({ method: 'POST', url: `/api/persons/${personId}/access-code` })).json();
    expect(issued.code).toMatch(/^[2-9A-HJKMNP-Z]{10}$/);
    expect((await t.app.inject({ method: 'POST', url: '/api/portal/login', payload: { citizenId, accessCode: 'WRONGCODE2' } })).statusCode).toBe(401);
    const ok = await t.app.inject({ method: 'POST', url: '/api/portal/login', payload: { citizenId, accessCode: issued.code.toLowerCase() } });
    expect(ok.statusCode).toBe(200);
    const cookie = String([ok.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const log = await t.app.inject({ url: '/api/me/access-log', headers: { cookie } });
    expect(log.statusCode).toBe(200);
    const items = log.json().items as Array<{ office: string; roles: string[]; action: string; reason: string | null }>;
    expect(items).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'person.reveal', reason: '办理低保申请核对身份', roles: ['街道/乡镇工作人员'] }),
      expect.objectContaining({ action: 'person.read', office: expect.stringContaining('测试单位') }),
    ]));
    expect(log.body).not.toContain(street.username);
    // Without the resident cookie, nothing.
    expect((await t.app.inject('/api/me/access-log')).statusCode).toBe(401);
  });
});
