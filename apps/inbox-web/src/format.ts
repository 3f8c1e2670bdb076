/** Times as the UI shows them: always with their date, and how long someone has been waiting. */

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const DATE_TIME_WITH_YEAR = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "3 Dec, 14:05" (with the year where it is not this one). */
export function dateTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  return (at.getFullYear() === now.getFullYear() ? DATE_TIME : DATE_TIME_WITH_YEAR).format(at);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long since `iso`, in the largest whole unit: "just now", "5 min", "3 h", "2 d". */
export function elapsed(iso: string, now = Date.now()): string {
  const since = Math.max(0, now - new Date(iso).getTime());
  if (since < MINUTE) return 'just now';
  if (since < HOUR) return `${Math.floor(since / MINUTE)} min`;
  if (since < DAY) return `${Math.floor(since / HOUR)} h`;
  return `${Math.floor(since / DAY)} d`;
}

/** "just now", "5 min ago", "3 h ago". */
export function ago(iso: string, now = Date.now()): string {
  const since = elapsed(iso, now);
  return since === 'just now' ? since : `${since} ago`;
}
