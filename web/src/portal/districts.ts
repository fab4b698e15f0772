/**
 * Tianjin's 16 districts (GB/T 2260 codes, as the registry stores them in 12 digits). The
 * self-check works offline, so it carries this short public list instead of asking the server.
 */
export interface District { code: string; zh: string; en: string }

export const DISTRICTS: readonly District[] = [
  { code: '120101000000', zh: '和平区', en: 'Heping' },
  { code: '120102000000', zh: '河东区', en: 'Hedong' },
  { code: '120103000000', zh: '河西区', en: 'Hexi' },
  { code: '120104000000', zh: '南开区', en: 'Nankai' },
  { code: '120105000000', zh: '河北区', en: 'Hebei' },
  { code: '120106000000', zh: '红桥区', en: 'Hongqiao' },
  { code: '120110000000', zh: '东丽区', en: 'Dongli' },
  { code: '120111000000', zh: '西青区', en: 'Xiqing' },
  { code: '120112000000', zh: '津南区', en: 'Jinnan' },
  { code: '120113000000', zh: '北辰区', en: 'Beichen' },
  { code: '120114000000', zh: '武清区', en: 'Wuqing' },
  { code: '120115000000', zh: '宝坻区', en: 'Baodi' },
  { code: '120116000000', zh: '滨海新区', en: 'Binhai New Area' },
  { code: '120117000000', zh: '宁河区', en: 'Ninghe' },
  { code: '120118000000', zh: '静海区', en: 'Jinghai' },
  { code: '120119000000', zh: '蓟州区', en: 'Jizhou' },
];

/** "Outside Tianjin": a code no Chinese division has, so a policy's Tianjin check fails on it. */
export const OUTSIDE_TIANJIN = '000000000000';

export const districtName = (code: string, lang: 'zh' | 'en'): string | undefined => {
  const d = DISTRICTS.find((x) => code.startsWith(x.code.slice(0, 6)));
  return d ? d[lang] : undefined;
};
