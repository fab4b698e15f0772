/** Console strings of the projects module: Simplified Chinese first; English has the same shape (checked). */
const zh = {
  title: '',
};
const en: typeof zh = {
  title: '',
};
export const projectsMessages = { zh, en };
