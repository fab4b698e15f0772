/**
 * A batch run's first data error, as the server stores it (`person 3001: invalid input`, the
 * compiled query's English message after the entity), in the user's language: the entity and each
 * message the compiler writes have a translation; an unknown message is shown as it is.
 */
import type { TFunction } from 'i18next';

function messageText(message: string, t: TFunction): string {
  if (message === 'invalid input') return t('policies.runErrorMessages.invalidInput');
  if (message === 'the amount could not be evaluated') return t('policies.runErrorMessages.amount');
  let m = /^condition "(.+)" could not be evaluated$/.exec(message);
  if (m) return t('policies.runErrorMessages.condition', { id: m[1] ?? '' });
  m = /^the amount of case (\d+) \((.+)\) could not be evaluated$/.exec(message);
  if (m) return t('policies.runErrorMessages.caseAmount', { n: m[1] ?? '', outcome: m[2] ?? '' });
  m = /^case (\d+) \((.+)\) could not be evaluated$/.exec(message);
  if (m) return t('policies.runErrorMessages.case', { n: m[1] ?? '', outcome: m[2] ?? '' });
  return message;
}

export function runErrorText(stored: string, t: TFunction): string {
  const m = /^(person|household) (\d+): ([\s\S]*)$/.exec(stored);
  if (!m) return messageText(stored, t);
  const id = m[2] ?? '';
  const entity = m[1] === 'household' ? t('policies.runErrorEntity.household', { id }) : t('policies.runErrorEntity.person', { id });
  return t('policies.runErrorOf', { entity, message: messageText(m[3] ?? '', t) });
}
