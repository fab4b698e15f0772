/**
 * The portal's only way to the server: the public routes (no sign-in, no cookies needed). Errors
 * keep the server's code, message and field so a form can put the message next to the field.
 */
import { useCallback, useEffect, useState } from 'react';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: { field?: string } } } | null;
  if (!res.ok) {
    const e = json?.error;
    throw new ApiError(res.status, e?.code ?? 'http', e?.message ?? `HTTP ${res.status}`, e?.details?.field);
  }
  return json as T;
}

export const getJson = <T,>(url: string): Promise<T> => request<T>('GET', url);
export const postJson = <T,>(url: string, body: unknown): Promise<T> => request<T>('POST', url, body);

export interface Loaded<T> { data?: T; error?: ApiError; loading: boolean; reload(): void }

/** Loads a GET route; `url` null waits. */
export function useGet<T>(url: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: url !== null });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (url === null) return;
    let live = true;
    setState((s) => ({ data: s.data, loading: true }));
    getJson<T>(url).then(
      (data) => { if (live) setState({ data, loading: false }); },
      (error: ApiError) => { if (live) setState({ error, loading: false }); },
    );
    return () => { live = false; };
  }, [url, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}
