// Free of Nest and of the rest of the library: the views' pages thread loads it on its own.

/**
 * A row as `ConversationSummary`'s JSON, made by SQLite: the views send their pages as SQLite writes them,
 * where building an object a row and serialising it again cost half of a 50-row page.
 */
export const SUMMARY_JSON = `json_object(
  'id', id,
  'subject', subject,
  'customer', json_object('id', customer_id, 'name', customer_name, 'email', customer_email),
  'status', status,
  'assigneeId', assignee_id,
  'lastActivityAt', last_activity_at,
  'lastMessagePreview', last_message_preview,
  'messageCount', message_count,
  'revision', revision)`;
