/**
 * Messages to people outside the console through an SMS/voice gateway (短信/语音网关), and their
 * acknowledgements. A delivery is a row plus a durable timer, so it is sent after the creating
 * transaction commits, retried with backoff when the gateway fails, and never sent twice by two
 * server processes. Requests are signed: header `x-minsheng-signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">` with `x-minsheng-timestamp` (Unix seconds), key NOTIFY_WEBHOOK_SECRET.
 * The gateway's callbacks (a key press = acknowledgement) are signed the same way.
 *
 * Delivery is not acknowledgement: a sent message records 'notified' on the order; only a
 * callback or a signed link records 'acknowledged', with who and how.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { afterCommit, backoffMs, cancelTimer, registerTimerHandler, scheduleTimer, withTransaction, type Timer, type TimerEnv } from '../../platform/jobs.ts';
import { appendAction } from './service.ts';
import type { WorkOrder } from './types.ts';

export const WEBHOOK_TIMER = 'notify.webhook';
/** Signed requests older or newer than this are refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** How long the gateway gets to answer one request. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

export interface NewDelivery {
  workOrderId: number | null;
  channel: 'sms' | 'voice';
  /** The module's reference of the contact (e.g. 'elder-contact:12'), echoed in callbacks. */
  contactRef: string;
  to: { name?: string; phone: string };
  message: string;
  /** An acknowledgement link (ackLink) to put in the message. */
  ackUrl?: string;
  /** Idempotency: sending again with the same key returns the first delivery. */
  clientKey?: string;
}

export interface Delivery {
  id: number; workOrderId: number | null; channel: 'sms' | 'voice'; contactRef: string; status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  attempts: number; lastStatus: number | null; lastError: string | null; sentAt: string | null; acknowledgedAt: string | null;
}

const DELIVERY_COLUMNS = `id, work_order_id AS "workOrderId", channel, contact_ref AS "contactRef", status, attempts, last_status AS "lastStatus",
  last_error AS "lastError", sent_at AS "sentAt", acknowledged_at AS "acknowledgedAt"`;

/** Queues a message for the gateway (sent by the timer runner right after commit). */
export async function sendWebhook(db: Queryable, d: NewDelivery): Promise<Delivery> {
  if (!/^\+?\d{5,20}$/.test(d.to.phone)) throw new AppError('validation', 'to.phone: not a phone number', { field: 'to.phone' });
  if (d.message.trim() === '' || d.message.length > 1000) throw new AppError('validation', 'message: 1 to 1000 characters', { field: 'message' });
  const [row] = await db.query<Delivery>(
    `INSERT INTO notification_delivery (work_order_id, channel, contact_ref, recipient, message, client_key)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6) ON CONFLICT (client_key) DO NOTHING RETURNING ${DELIVERY_COLUMNS}`,
    [d.workOrderId, d.channel, d.contactRef, JSON.stringify({ ...d.to, ...(d.ackUrl ? { ackUrl: d.ackUrl } : {}) }), d.message, d.clientKey ?? null]);
  if (!row) {
    const [existing] = await db.query<Delivery>(`SELECT ${DELIVERY_COLUMNS} FROM notification_delivery WHERE client_key = $1`, [d.clientKey]);
    if (!existing) throw new Error('delivery insert returned no row');
    return existing;
  }
  await scheduleTimer(db, { kind: WEBHOOK_TIMER, key: `notify.webhook:${row.id}`, runAt: new Date(), payload: { deliveryId: row.id }, maxAttempts: 100 });
  return row;
}

export async function findDelivery(db: Queryable, id: number): Promise<Delivery | undefined> {
  const [row] = await db.query<Delivery>(`SELECT ${DELIVERY_COLUMNS} FROM notification_delivery WHERE id = $1`, [id]);
  return row;
}

export async function deliveriesOf(db: Queryable, workOrderId: number): Promise<Delivery[]> {
  return db.query<Delivery>(`SELECT ${DELIVERY_COLUMNS} FROM notification_delivery WHERE work_order_id = $1 ORDER BY id`, [workOrderId]);
}

// ---- signatures ------------------------------------------------------------------------------

export const sign = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Checks a signed request from the gateway; throws 'unauthenticated' naming what is wrong. */
export function verifySignature(secret: string | undefined, timestamp: string | undefined, signature: string | undefined, body: string, now = new Date()): void {
  if (!secret) throw new AppError('unauthenticated', 'no gateway secret configured (NOTIFY_WEBHOOK_SECRET)');
  if (!timestamp || !/^\d{9,11}$/.test(timestamp)) throw new AppError('unauthenticated', 'x-minsheng-timestamp: missing or not Unix seconds', { field: 'x-minsheng-timestamp' });
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new AppError('unauthenticated', `x-minsheng-timestamp: more than ${SIGNATURE_TOLERANCE_SECONDS} s from the server clock`, { field: 'x-minsheng-timestamp' });
  }
  if (!signature || !sameText(signature, sign(secret, timestamp, body))) throw new AppError('unauthenticated', 'x-minsheng-signature: does not match', { field: 'x-minsheng-signature' });
}

// ---- sending ----------------------------------------------------------------------------------

interface DeliveryRow {
  id: number; work_order_id: number | null; channel: string; contact_ref: string; recipient: { name?: string; phone: string; ackUrl?: string };
  message: string; status: string; attempts: number; max_attempts: number;
}

/** A send whose answer did not come back (the process died mid-call) is retried after this. */
export const SEND_WATCHDOG_MS = WEBHOOK_TIMEOUT_MS + 30_000;

const inFlight = new Set<Promise<void>>();
/** Resolves when every gateway call started by this process has been answered and recorded (tests). */
export async function settleDeliveries(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/**
 * The timer of a delivery: marks it 'sending' and re-arms its own timer as a watchdog, and only
 * after that commit calls the gateway, so a slow gateway never holds the runner or a database
 * lock. The answer is recorded in a transaction of its own. A delivery found 'sending' here was
 * left by a process that died mid-call: it is sent again (at least once: the gateway should
 * treat a repeated deliveryId as the same message).
 */
async function onWebhookTimer(tx: Queryable, timer: Timer, env: TimerEnv): Promise<void> {
  const [d] = await tx.query<DeliveryRow>(`SELECT * FROM notification_delivery WHERE id = $1 FOR UPDATE`, [Number(timer.payload.deliveryId)]);
  if (!d || (d.status !== 'pending' && d.status !== 'sending')) return;
  const config: Partial<Config> = env.config ?? {};
  if (!config.notifyWebhookUrl || !config.notifyWebhookSecret) {
    await tx.query(`UPDATE notification_delivery SET status = 'skipped', last_error = $2 WHERE id = $1`, [d.id, 'no gateway configured (NOTIFY_WEBHOOK_URL, NOTIFY_WEBHOOK_SECRET)']);
    return;
  }
  if (d.status === 'sending') {
    await tx.query(`UPDATE notification_delivery SET attempts = attempts + 1, last_error = 'no answer recorded (process stopped during the call)' WHERE id = $1`, [d.id]);
    d.attempts += 1;
    if (d.attempts >= d.max_attempts) {
      await tx.query(`UPDATE notification_delivery SET status = 'failed' WHERE id = $1`, [d.id]);
      return;
    }
  }
  await tx.query(`UPDATE notification_delivery SET status = 'sending' WHERE id = $1`, [d.id]);
  await scheduleTimer(tx, { kind: WEBHOOK_TIMER, key: timer.key, runAt: new Date(env.now.getTime() + SEND_WATCHDOG_MS), payload: timer.payload, maxAttempts: 100 });
  const url = config.notifyWebhookUrl;
  const secret = config.notifyWebhookSecret;
  const base = config.publicBaseUrl ?? '';
  afterCommit(tx, () => {
    const p = callGateway(env.db, timer, d, { url, secret, base }).catch((err: unknown) => { console.error(`[notify] delivery ${d.id}:`, err); });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  });
}

async function callGateway(db: Db, timer: Timer, d: DeliveryRow, gw: { url: string; secret: string; base: string }): Promise<void> {
  const body = JSON.stringify({
    deliveryId: d.id, workOrderId: d.work_order_id, channel: d.channel, contactRef: d.contact_ref, to: { name: d.recipient.name, phone: d.recipient.phone },
    message: d.message, ackUrl: d.recipient.ackUrl, callbackUrl: `${gw.base}/api/notify/callback`,
  });
  const sentAt = new Date();
  const timestamp = String(Math.floor(sentAt.getTime() / 1000));
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(gw.url, {
      method: 'POST', body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      headers: { 'content-type': 'application/json', 'x-minsheng-timestamp': timestamp, 'x-minsheng-signature': sign(gw.secret, timestamp, body) },
    });
    status = res.status;
    if (!res.ok) error = `gateway answered ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  await withTransaction(db, async (tx) => {
    const [now] = await tx.query<{ status: string; attempts: number; max_attempts: number }>(
      'SELECT status, attempts, max_attempts FROM notification_delivery WHERE id = $1 FOR UPDATE', [d.id]);
    if (!now || now.status !== 'sending') return; // the watchdog took over meanwhile
    const attempts = now.attempts + 1;
    if (error === null) {
      await tx.query(`UPDATE notification_delivery SET status = 'sent', attempts = $2, last_status = $3, last_error = NULL, sent_at = $4 WHERE id = $1`,
        [d.id, attempts, status, sentAt.toISOString()]);
      await cancelTimer(tx, timer.key);
      if (d.work_order_id !== null) await recordOnOrder(tx, d.work_order_id, 'notified', `delivery:${d.id}`, 'notify', {
        deliveryId: d.id, channel: d.channel, contactRef: d.contact_ref, name: d.recipient.name ?? null,
      }, sentAt);
      return;
    }
    const giveUp = attempts >= now.max_attempts;
    await tx.query(`UPDATE notification_delivery SET status = $2, attempts = $3, last_status = $4, last_error = $5 WHERE id = $1`,
      [d.id, giveUp ? 'failed' : 'pending', attempts, status, error.slice(0, 500)]);
    if (giveUp) await cancelTimer(tx, timer.key);
    else await scheduleTimer(tx, { kind: WEBHOOK_TIMER, key: timer.key, runAt: new Date(Date.now() + backoffMs(attempts)), payload: timer.payload, maxAttempts: 100 });
  });
}

/** Appends an action unless the order no longer takes it (closed meanwhile): that is not an error here. */
async function recordOnOrder(tx: Queryable, orderId: number, kind: 'notified' | 'acknowledged', clientActionId: string, actor: string,
  data: Record<string, unknown>, at: Date, note?: string): Promise<WorkOrder | undefined> {
  try {
    return await appendAction(tx, orderId, { kind, actor, clientActionId, data, at: at.toISOString(), ...(note ? { note } : {}) });
  } catch (err) {
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) return undefined;
    throw err;
  }
}

export function registerWebhookHandler(): void {
  registerTimerHandler(WEBHOOK_TIMER, onWebhookTimer);
}

// ---- acknowledgements ------------------------------------------------------------------------

export interface GatewayCallback {
  deliveryId: number;
  event: 'delivered' | 'acknowledged' | 'failed';
  /** How the person answered: a key press in a voice call, an SMS reply. */
  method?: 'key-press' | 'sms-reply' | 'voice-answer';
  digits?: string;
  at?: string;
}

/** A verified gateway callback: an acknowledgement becomes an 'acknowledged' action naming who and how. */
export async function recordGatewayCallback(db: Queryable, cb: GatewayCallback, now = new Date()): Promise<{ recorded: boolean; reason?: string }> {
  const [d] = await db.query<DeliveryRow>('SELECT * FROM notification_delivery WHERE id = $1', [cb.deliveryId]);
  if (!d) throw new AppError('not_found', `delivery ${cb.deliveryId} not found`, { field: 'deliveryId' });
  const at = cb.at ? new Date(cb.at) : now;
  if (cb.event === 'delivered') {
    await db.query(`UPDATE notification_delivery SET sent_at = coalesce(sent_at, $2) WHERE id = $1`, [d.id, at.toISOString()]);
    return { recorded: true };
  }
  if (cb.event === 'failed') {
    await db.query(`UPDATE notification_delivery SET status = 'failed', last_error = 'gateway reported failure' WHERE id = $1`, [d.id]);
    return { recorded: true };
  }
  await db.query(`UPDATE notification_delivery SET acknowledged_at = coalesce(acknowledged_at, $2) WHERE id = $1`, [d.id, at.toISOString()]);
  if (d.work_order_id === null) return { recorded: true };
  const order = await recordOnOrder(db, d.work_order_id, 'acknowledged', `ack:delivery:${d.id}`, `gateway:${d.contact_ref}`, {
    via: 'gateway', method: cb.method ?? 'key-press', deliveryId: d.id, contactRef: d.contact_ref, name: d.recipient.name ?? null, ...(cb.digits ? { digits: cb.digits } : {}),
  }, at, `${d.recipient.name ?? d.contact_ref} 通过${d.channel === 'voice' ? '语音按键' : '短信'}确认`);
  return order ? { recorded: true } : { recorded: false, reason: 'the work order is closed or resolved already' };
}

// ---- signed acknowledgement links (relatives) ------------------------------------------------

const keyCache = new WeakMap<object, string>();

/** The link-signing key, made once per database and shared by every server process. */
async function linkKey(db: Queryable): Promise<string> {
  const cached = keyCache.get(db);
  if (cached) return cached;
  await db.query(`INSERT INTO notify_secret (name, secret) VALUES ('ack-link', $1) ON CONFLICT (name) DO NOTHING`, [randomBytes(32).toString('base64url')]);
  const [row] = await db.query<{ secret: string }>(`SELECT secret FROM notify_secret WHERE name = 'ack-link'`);
  if (!row) throw new Error('no ack-link key');
  keyCache.set(db, row.secret);
  return row.secret;
}

const linkSignature = (key: string, orderId: number, contactRef: string, expires: number): string =>
  createHmac('sha256', key).update(`ack.${orderId}.${contactRef}.${expires}`).digest('base64url');

/**
 * A link a relative opens to acknowledge an order: `/api/ack/:orderId?c=<contactRef>&e=<expiry>&s=<HMAC>`.
 * Opening it shows a confirmation page (a GET never acknowledges: message apps prefetch links);
 * the button on it records the acknowledgement.
 */
export async function ackLink(db: Queryable, orderId: number, contactRef: string, opts: { ttlSeconds?: number; baseUrl?: string; now?: Date } = {}): Promise<string> {
  const expires = Math.floor((opts.now ?? new Date()).getTime() / 1000) + (opts.ttlSeconds ?? 24 * 3600);
  const sig = linkSignature(await linkKey(db), orderId, contactRef, expires);
  return `${opts.baseUrl ?? ''}/api/ack/${orderId}?c=${encodeURIComponent(contactRef)}&e=${expires}&s=${sig}`;
}

/** Checks an acknowledgement link; throws 'forbidden' when forged or expired. */
export async function verifyAckLink(db: Queryable, orderId: number, contactRef: string, expires: number, sig: string, now = new Date()): Promise<void> {
  const expected = linkSignature(await linkKey(db), orderId, contactRef, expires);
  if (!sameText(sig, expected)) throw new AppError('forbidden', 'this link is not valid', { field: 's' });
  if (now.getTime() / 1000 > expires) throw new AppError('forbidden', 'this link has expired', { field: 'e' });
}

/** Records the acknowledgement of a verified link (once per contact and order). */
export async function acknowledgeByLink(db: Queryable, orderId: number, contactRef: string, now = new Date()): Promise<{ recorded: boolean; reason?: string }> {
  const order = await recordOnOrder(db, orderId, 'acknowledged', `ack:link:${contactRef}`, `link:${contactRef}`, { via: 'link', contactRef }, now, '家属通过确认链接确认');
  return order ? { recorded: true } : { recorded: false, reason: 'the work order is closed or resolved already' };
}
