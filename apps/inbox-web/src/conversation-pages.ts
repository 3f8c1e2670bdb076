/**
 * A conversation as the pane shows it: the most recent page of its messages and of its timeline, plus
 * whatever earlier pages the reader asked for, kept across refreshes.
 */
import type { Details, Message, TimelineEntry } from './api';

/** Timeline entries carry no id; an entry's JSON is the same each time the server sends it. */
export const timelineKey = (entry: TimelineEntry): string => JSON.stringify(entry);

/**
 * The latest answer, with the earlier entries `shown` already held in front of it where the two meet. Where
 * they do not (more arrived than a page holds), the latest answer alone: no gap is ever shown.
 */
export function keepEarlierPages(shown: Details | null, latest: Details): Details {
  if (!shown || shown.id !== latest.id) return latest;
  const messages = joined(shown.messages, latest.messages, (message: Message) => message.id);
  const timeline = joined(shown.timeline, latest.timeline, timelineKey);
  return {
    ...latest,
    ...(messages && latest.earlierMessagesCursor !== null
      ? { messages, earlierMessagesCursor: shown.earlierMessagesCursor }
      : {}),
    ...(timeline && latest.earlierTimelineCursor !== null
      ? { timeline, earlierTimelineCursor: shown.earlierTimelineCursor }
      : {}),
  };
}

/** `shown` with the page before it (from `earlier`, an answer asked with that list's cursor) in front. */
export function withEarlierPage(shown: Details, earlier: Details, list: 'messages' | 'timeline'): Details {
  return list === 'messages'
    ? {
        ...shown,
        messages: [...earlier.messages, ...shown.messages],
        earlierMessagesCursor: earlier.earlierMessagesCursor,
      }
    : {
        ...shown,
        timeline: [...earlier.timeline, ...shown.timeline],
        earlierTimelineCursor: earlier.earlierTimelineCursor,
      };
}

/** `held` up to where `latest` begins, then `latest`; undefined where `latest` does not begin within `held`. */
function joined<Entry>(held: Entry[], latest: Entry[], keyOf: (entry: Entry) => string): Entry[] | undefined {
  if (latest.length === 0) return undefined;
  const first = keyOf(latest[0]);
  const start = held.findIndex((entry) => keyOf(entry) === first);
  return start < 0 ? undefined : [...held.slice(0, start), ...latest];
}
