/** Console strings of the workorders module: Simplified Chinese first; English has the same shape (checked). */
const zh = {
  title: '',
};
const en: typeof zh = {
  title: '',
};
export const workordersMessages = { zh, en };
