/** The resident's display choices, remembered on this device only (localStorage). */
import type { Lang } from './i18n.ts';

const LANG_KEY = 'minsheng.portal.lang';
const ELDER_KEY = 'minsheng.portal.elder';

const read = (key: string): string | null => {
  try { return localStorage.getItem(key); } catch { return null; }
};
const write = (key: string, value: string): void => {
  try { localStorage.setItem(key, value); } catch { /* private mode: the choice lasts for this page only */ }
};

export const initialLang = (): Lang => (read(LANG_KEY) === 'en' ? 'en' : 'zh');
export const initialElder = (): boolean => read(ELDER_KEY) === '1';

/** Applies the choices to <html> (lang attribute, large-type class) and remembers them. */
export function applyLang(lang: Lang): void {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  write(LANG_KEY, lang);
}
export function applyElder(on: boolean): void {
  document.documentElement.classList.toggle('elder', on);
  write(ELDER_KEY, on ? '1' : '0');
}
