import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Typed fetch wrapper for the Minsheng API. Every error answer of the server has the shape
 * `{error:{code, message, details?:{field?, ...}}}`; it is turned into an ApiError.
 * Response bodies are not validated at runtime (the zod schemas stay on the server).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The error message without a leading "field: " the server may already have put in front. */
export function bareMessage(e: ApiError): string {
  return e.field && e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message;
}

export type Query = Record<string, string | number | null | undefined>;

/**
 * The session itself is an HttpOnly cookie; the CSRF token that every non-GET request must carry
 * (header `x-csrf-token`) is kept here, in memory only, and refetched from `/api/auth/me` on load.
 */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on any 401 answer (session missing, idle or expired), except where a request opts out. */
let onUnauthenticated: (() => void) | null = null;
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

/** Builds `/api/...?a=b`, leaving out empty values. */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `/api${path}${qs ? `?${qs}` : ''}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (proxy error page, server down...)
  }
  if (isRecord(body) && isRecord(body.error)) {
    const err = body.error;
    const details = isRecord(err.details) ? err.details : {};
    return new ApiError(
      res.status,
      typeof err.code === 'string' ? err.code : `http_${res.status}`,
      typeof err.message === 'string' ? err.message : res.statusText,
      typeof details.field === 'string' ? details.field : undefined,
      details,
    );
  }
  return new ApiError(res.status, `http_${res.status}`, `HTTP ${res.status} ${res.statusText}`.trim());
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Query;
  /** JSON-encoded unless it is FormData. */
  body?: unknown;
  signal?: AbortSignal;
  /** Do not treat a 401 as "session over" (sign-in itself, the initial `/auth/me`). */
  allow401?: boolean;
}

async function refreshCsrfToken(): Promise<boolean> {
  try {
    const me = await request<{ csrfToken: string }>('/auth/me');
    setCsrfToken(me.csrfToken);
    return true;
  } catch {
    return false;
  }
}

export async function request<T>(path: string, opts: RequestOptions = {}, retried = false): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) {
    body = opts.body;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), { method, headers, body, signal: opts.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.allow401) onUnauthenticated?.();
    const err = await toApiError(res);
    // Signed in again in another tab: this tab's CSRF token belongs to the ended session. Fetch the
    // current one and retry once.
    if (res.status === 403 && method !== 'GET' && !retried && /csrf/i.test(err.message) && (await refreshCsrfToken())) {
      return request<T>(path, opts, true);
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * POST a multipart form with upload progress (fetch cannot report it), e.g. `POST /api/imports`.
 * `onProgress` receives 0..100.
 */
export function uploadForm<T>(path: string, form: FormData, onProgress?: (percent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path));
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'Network error'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T);
        return;
      }
      if (xhr.status === 401) onUnauthenticated?.();
      const res = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
      void toApiError(res).then(reject);
    };
    xhr.send(form);
  });
}

export const apiGet = <T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> =>
  request<T>(path, { query, signal });

export interface Loadable<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * GET `path` (with `query`) whenever either changes; `path === null` skips the request.
 * Stale answers of superseded requests are dropped.
 */
export function useApi<T>(path: string | null, query?: Query): Loadable<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const key = path === null ? null : apiUrl(path, query);
  const queryRef = useRef(query);
  queryRef.current = query;

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    const ctl = new AbortController();
    setLoading(true);
    setError(undefined);
    apiGet<T>(path, queryRef.current, ctl.signal)
      .then((d) => {
        setData(d);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return;
        // Drop the previous answer: showing it under a failed request would mislead.
        setData(undefined);
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', e instanceof Error ? e.message : String(e)));
        setLoading(false);
      });
    return () => ctl.abort();
    // `key` captures path and query
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

// ---- work orders, notifications, calendar (helper A) ------------------------------------------

export type WorkOrderStatus = 'open' | 'accepted' | 'resolved' | 'closed';
export type WorkOrderActionKind = 'created' | 'assigned' | 'accepted' | 'note' | 'visit' | 'escalated' | 'notified' | 'acknowledged'
  | 'dispatched' | 'on-site' | 'timeout' | 'resolved' | 'closed' | 'reopened';
export interface WorkOrderAssignee { userId?: number; role?: string; regionCode?: string; gridId?: string; label?: string }
export interface WorkOrderAction {
  seq: number; kind: WorkOrderActionKind; actor: string; at: string; note: string | null;
  assignee: WorkOrderAssignee | null; data: Record<string, unknown> | null;
}
export interface WorkOrderSummary {
  id: number; type: string; subject: { kind: string; id: string }; regionCode: string; gridId: string | null; title: string;
  priority: 'low' | 'normal' | 'high' | 'critical'; status: WorkOrderStatus; assignee: WorkOrderAssignee; escalationLevel: number;
  createdAt: string; dueAt: string | null; overdue: boolean; resolvedAt: string | null; closedAt: string | null; payload: Record<string, unknown>;
  regionName?: string | null; gridName?: string | null;
}
export interface WorkOrderDetail extends WorkOrderSummary {
  actions: WorkOrderAction[];
  deliveries: Array<{ id: number; channel: 'sms' | 'voice'; contactRef: string; status: string; attempts: number; sentAt: string | null; acknowledgedAt: string | null }>;
  serverTime: string;
}
export interface StaffNotification { id: number; workOrderId: number | null; kind: string; title: string; body: string | null; createdAt: string; readAt: string | null }
export interface CalendarDayInfo { date: string; workday: boolean; kind: 'weekday' | 'weekend' | 'holiday' | 'adjusted-workday'; source: string; name?: string; warning?: string }
