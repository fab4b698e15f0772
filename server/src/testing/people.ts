/** Valid test persons in real Tianjin communities. */
import { makeCitizenId, type PersonInput } from '@minsheng/contracts';

/** 和平区 劝业场街道 花园路社区 and 河西区 大营门街道 a community there. */
export const HEPING_COMMUNITY = '120101001001';
export const HEPING_STREET = '120101001000';

let seq = 100;
export function person(overrides: Partial<PersonInput> & { birthDate?: string; sex?: 'M' | 'F' } = {}): PersonInput {
  const birthDate = overrides.birthDate ?? '1950-03-15';
  const sex = overrides.sex ?? 'F';
  seq += 2;
  return {
    name: '王秀英', citizenId: makeCitizenId('120101', birthDate, seq, sex), residenceCommunity: HEPING_COMMUNITY,
    hukouRegion: HEPING_COMMUNITY, phone: '13812345678', ...overrides,
  };
}
