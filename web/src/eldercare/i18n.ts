import { useTranslation } from 'react-i18next';
import { eldercareText } from '../i18n/eldercare.ts';

/** `t` of the eldercare pages: keys are built at run time from enum values, so they are plain strings. */
export type LooseT = (key: string, options?: Record<string, unknown>) => string;

/**
 * `eldercare.<path>` is looked up in eldercareText of the current language (with {{name}}
 * interpolation, falling back to options.defaultValue, then the last key part); every other key
 * goes to i18next. See web/src/i18n/eldercare.ts for why the strings are not typed resources.
 */
export function useEt(): { t: LooseT; i18n: ReturnType<typeof useTranslation>['i18n'] } {
  const { t, i18n } = useTranslation();
  const text: unknown = i18n.language === 'en' ? eldercareText.en : eldercareText.zh;
  const loose: LooseT = (key, options) => {
    if (!key.startsWith('eldercare.')) return (t as unknown as LooseT)(key, options);
    if (key === 'eldercare.title') return (t as unknown as LooseT)(key, options);
    const parts = key.slice('eldercare.'.length).split('.');
    let node: unknown = text;
    for (const p of [parts[0]!, parts.slice(1).join('.')].filter((x) => x !== '')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[p] : undefined;
    if (typeof node !== 'string') return typeof options?.defaultValue === 'string' ? options.defaultValue : parts.at(-1) ?? key;
    return node.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options?.[name] ?? ''));
  };
  return { t: loose, i18n };
}

/**
 * Alarm and visit times in China Standard Time whatever the browser's zone: the call seat, the
 * relatives and the working-day rules all speak Beijing time.
 */
export function bj(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}
