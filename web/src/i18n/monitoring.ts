/** Console strings of the monitoring module: Simplified Chinese first; English has the same shape (checked). */
const zh = {
  title: '',
};
const en: typeof zh = {
  title: '',
};
export const monitoringMessages = { zh, en };
