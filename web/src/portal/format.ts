/** Times from the server are UTC instants; residents read them in China time (UTC+8). */
const china = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
export const chinaDay = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso.slice(0, 10) : china(iso).slice(0, 10));
export const chinaMinute = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso : china(iso).slice(0, 16).replace('T', ' '));
