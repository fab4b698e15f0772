/**
 * Common Chinese names for the demo city: surnames weighted roughly by their frequency in
 * northern China, and given names by sex and by the era a person was born in (a 1940s 秀英 and a
 * 2010s 梓涵 read right). Pinyin initials are cached per full name.
 */
import { nameInitials } from '../registry/person-rules.ts';
import { Weighted, type Rng } from './rng.ts';

/** Surname and weight (per ~10,000 people). */
const SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['王', 800], ['李', 750], ['张', 720], ['刘', 650], ['陈', 350], ['杨', 340], ['赵', 300], ['孙', 220],
  ['高', 200], ['周', 180], ['马', 180], ['吴', 160], ['郭', 160], ['于', 160], ['黄', 150], ['徐', 140],
  ['韩', 140], ['朱', 130], ['胡', 120], ['宋', 120], ['梁', 110], ['冯', 110], ['董', 110], ['郑', 100],
  ['曹', 100], ['何', 90], ['田', 90], ['林', 80], ['许', 80], ['贾', 80], ['魏', 80], ['任', 80], ['姜', 80],
  ['崔', 80], ['唐', 70], ['吕', 70], ['闫', 70], ['杜', 70], ['石', 70], ['罗', 60], ['谢', 60], ['肖', 60],
  ['程', 60], ['袁', 60], ['付', 60], ['苏', 60], ['卢', 60], ['丁', 60], ['郝', 60], ['孟', 60], ['邓', 50],
  ['彭', 50], ['薛', 50], ['范', 50], ['姚', 50], ['白', 50], ['史', 50], ['侯', 50], ['常', 50], ['武', 50],
  ['沈', 40], ['蒋', 40], ['蔡', 40], ['潘', 40], ['方', 40], ['金', 40], ['康', 40], ['秦', 40], ['乔', 40],
  ['牛', 40], ['曾', 30], ['叶', 30], ['戴', 30], ['夏', 30], ['钟', 30], ['汪', 30], ['陆', 30], ['孔', 30],
  ['邵', 30], ['段', 30], ['尹', 30], ['贺', 30], ['庞', 30], ['樊', 30], ['翟', 30], ['安', 30], ['焦', 30],
  ['余', 30], ['谭', 20], ['邹', 20], ['熊', 20], ['毛', 20], ['邱', 20], ['江', 20], ['顾', 20], ['万', 20],
  ['雷', 20], ['钱', 20], ['汤', 20], ['文', 20], ['殷', 20], ['陶', 20], ['倪', 20], ['严', 20], ['温', 20],
  ['季', 20], ['鲁', 20], ['葛', 20], ['申', 20], ['毕', 20], ['聂', 20], ['柴', 20], ['边', 20], ['廖', 15],
  ['龙', 15], ['黎', 10], ['易', 10], ['龚', 10], ['兰', 10], ['施', 10], ['洪', 10], ['颜', 10], ['俞', 10],
  ['章', 10], ['伍', 10], ['韦', 10], ['尤', 10], ['向', 10], ['欧阳', 5], ['司马', 2], ['诸葛', 1],
];

const split = (s: string): readonly string[] => s.split(/\s+/).filter(Boolean);

/** Given names by era (birth year from) and sex. */
const GIVEN: ReadonlyArray<{ from: number; M: readonly string[]; F: readonly string[] }> = [
  {
    from: 0,
    M: split(`德福 德明 德山 国庆 国华 振华 振国 永福 永华 永祥 宝山 宝林 富贵 长顺 长林 春生 玉山 文华 文斌 殿臣
      凤山 树林 树森 金山 金生 连生 洪恩 广和 世杰 茂林 景春 庆余 万福 有才 福生 海山 建章 瑞 祥 福 贵 林 山`),
    F: split(`秀英 桂英 秀兰 玉兰 桂兰 淑珍 淑兰 凤英 玉珍 秀珍 桂珍 玉英 凤兰 淑贞 秀芳 玉芬 淑芬 素珍 桂芝 淑华
      翠兰 金凤 玉梅 秀云 桂香 兰英 凤琴 宝珍 素兰 淑琴 英 兰 珍 芬`),
  },
  {
    from: 1950,
    M: split(`建国 建华 建军 国强 国庆 志强 志刚 卫东 卫国 红军 援朝 建设 立新 永红 向东 胜利 跃进 建平 建民 德华
      振东 海涛 玉林 宝华 长江 庆丰 金龙 连成 学军 军 伟 强 刚 勇 斌 明 华 平`),
    F: split(`淑华 秀梅 桂芬 玉华 丽华 红梅 秀华 爱华 凤霞 桂荣 秀荣 淑敏 玉梅 建华 红 霞 华 萍 英 芳 梅 珍 丽 玲 燕
      秀玲 桂琴 淑云 素梅 卫红`),
  },
  {
    from: 1970,
    M: split(`伟 勇 军 斌 涛 磊 强 鹏 杰 超 明 亮 刚 辉 健 波 峰 宁 海涛 海波 建伟 志勇 志军 晓东 晓明 文杰 俊杰 宏伟
      立军 永刚 红伟 春雷 建新 振宇 国栋 卫华 宝军 金龙 天宇`),
    F: split(`丽 艳 敏 静 燕 霞 娟 玲 芳 红 颖 丹 莉 慧 晶 洁 琳 萍 海燕 红梅 晓燕 丽娜 丽丽 晓丽 春燕 秀丽 雪梅 美玲
      艳红 玉洁 晓红 秀娟 丽萍 晓静 俊英 雅琴 立红`),
  },
  {
    from: 1990,
    M: split(`浩 宇 鹏 磊 超 帅 博 晨 杰 鑫 昊 凯 硕 阳 旭 浩然 宇航 子豪 俊杰 天宇 志远 佳豪 梓豪 文博 嘉豪 家豪 宇轩
      晓宇 一鸣 明轩 思远 子健 浩宇 博文 俊豪 宏宇`),
    F: split(`婷 雪 琳 倩 莹 璐 佳 丹 欣 悦 静 颖 娜 蕊 晴 思琪 雨欣 佳琪 欣怡 梦瑶 雨婷 晓雪 文静 婉婷 佳怡 诗雨 梦琪
      紫涵 雪晴 可欣 梦洁 思雨 佳慧 晓彤 丹丹`),
  },
  {
    from: 2005,
    M: split(`子轩 浩宇 宇轩 梓睿 子墨 沐宸 浩然 一诺 奕辰 宇泽 梓轩 俊熙 睿泽 子涵 思源 铭轩 皓轩 博文 锦程 明哲 昊天
      泽宇 嘉懿 梓豪 天佑 宇航 俊宇 沐阳 逸凡 承泽 辰 轩 睿 涵 泽 航 宸`),
    F: split(`梓涵 欣怡 雨萱 诗涵 梓萱 一诺 若汐 可馨 语桐 紫萱 思彤 雨桐 欣妍 梦琪 佳怡 芷若 依诺 沐晴 语汐 安琪 子涵
      思涵 诗琪 梓晴 心怡 雨涵 亦菲 瑾萱 艺涵 嘉怡 悦 瑶 涵 萱 琪 彤 妍`),
  },
];

const surnameTable = new Weighted(SURNAMES);

export function pickSurname(rng: Rng): string { return surnameTable.pick(rng); }

export function pickGivenName(rng: Rng, sex: 'M' | 'F', birthYear: number): string {
  let era = GIVEN[0];
  for (const e of GIVEN) if (birthYear >= e.from) era = e;
  if (!era) throw new Error('no given names');
  return rng.pick(era[sex]);
}

/** Pinyin initials through the registry's own rule, computed once per distinct name. */
export class InitialsCache {
  private readonly cache = new Map<string, string>();
  of(name: string): string {
    let v = this.cache.get(name);
    if (v === undefined) { v = nameInitials(name); this.cache.set(name, v); }
    return v;
  }
}
