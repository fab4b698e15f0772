import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { zh } from './zh.ts';
import { en } from './en.ts';

export type Lang = 'zh' | 'en';
const STORAGE_KEY = 'minsheng.lang';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof zh };
  }
}

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

void i18n.use(initReactI18next).init({
  resources: { zh: { translation: zh }, en: { translation: en } },
  lng: initialLang(),
  fallbackLng: 'zh',
  interpolation: { escapeValue: false }, // React escapes already
  returnNull: false,
});

function syncHtmlLang(lang: string): void {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}
syncHtmlLang(i18n.language);
i18n.on('languageChanged', (lang) => {
  syncHtmlLang(lang);
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage may be unavailable (private mode); the switch still works for this tab
  }
});

export function currentLang(): Lang {
  return i18n.language === 'en' ? 'en' : 'zh';
}

export default i18n;
