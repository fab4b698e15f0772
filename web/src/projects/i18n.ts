import { useTranslation } from 'react-i18next';
import { projectsText } from '../i18n/projects.ts';

/** `t` of the projects pages: `projects.<a>.<b>` from projectsText (with {{name}} interpolation), anything else from i18next. */
export type LooseT = (key: string, options?: Record<string, unknown>) => string;

export function usePt(): { t: LooseT; i18n: ReturnType<typeof useTranslation>['i18n'] } {
  const { t, i18n } = useTranslation();
  const text: unknown = i18n.language === 'en' ? projectsText.en : projectsText.zh;
  const loose: LooseT = (key, options) => {
    if (!key.startsWith('projects.')) return (t as unknown as LooseT)(key, options);
    let node: unknown = text;
    for (const part of key.slice('projects.'.length).split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
    if (typeof node !== 'string') return key.split('.').at(-1) ?? key;
    return node.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options?.[name] ?? ''));
  };
  return { t: loose, i18n };
}
