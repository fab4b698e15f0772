/** Console strings of the eldercare module: Simplified Chinese first; English has the same shape (checked). */
const zh = {
  title: '',
};
const en: typeof zh = {
  title: '',
};
export const eldercareMessages = { zh, en };
