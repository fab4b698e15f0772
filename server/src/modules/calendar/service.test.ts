/** Reading a holiday notice file: headers in Chinese or English, quoted cells, and errors that name the column. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { parseCalendarCsv } from './service.ts';

describe('parseCalendarCsv', () => {
  it('reads Chinese headers, a BOM, CRLF and quoted cells with commas', () => {
    const rows = parseCalendarCsv('\uFEFF日期,是否工作日,名称,来源\r\n2027-02-06,休,春节,"国办发明电〔2026〕7号, 第一条"\r\n\r\n');
    expect(rows).toEqual([{ date: '2027-02-06', workday: '休', name: '春节', source: '国办发明电〔2026〕7号, 第一条' }]);
  });

  it('an unknown column is refused, naming it', () => {
    try {
      parseCalendarCsv('date,workday,remark\n2027-02-06,false,x\n');
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).details).toMatchObject({ field: 'remark', row: 1, column: 3 });
    }
  });
});
