import { pinyin } from 'pinyin-pro';
import { describe, expect, it } from 'vitest';
import { nameInitials } from './person-rules.ts';

/** What pinyin-pro makes of the whole name (context decides polyphonic characters). */
const byWords = (name: string): string =>
  pinyin(name, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive' }).join('').replace(/[^a-z]/gi, '').toLowerCase();

describe('pinyin initials of names', () => {
  it('gives the initials a search by 拼音首字母 expects', () => {
    expect(nameInitials('张三')).toBe('zs');
    expect(nameInitials('李德福')).toBe('ldf');
    expect(nameInitials('曾红')).toBe(byWords('曾红'));
    expect(nameInitials('Anna 王')).toBe(byWords('Anna 王'));
  });

  it('agrees with pinyin-pro on whole names, polyphonic characters included', () => {
    const chars: string[] = [];
    for (let c = 0x4e00; c <= 0x9fa5; c++) chars.push(String.fromCharCode(c));
    let seed = 7;
    const next = (): string => { seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0; return chars[seed % chars.length]!; };
    const names = ['单雄信', '曾国藩', '解缙', '覃红强', '万俟卨', '石长春', '朱重八', '叶公好', '贾宝玉', '沈从文', '尉迟恭', '长孙无忌', '乐嘉', '查良镛'];
    for (let i = 0; i < 20_000; i++) names.push(next() + next() + (i % 3 === 0 ? '' : next()));
    const wrong = names.filter((n) => nameInitials(n) !== byWords(n));
    expect(wrong).toEqual([]);
  });
});
