import type Database from 'better-sqlite3';

/** Every row of every table, in primary-key order: what "equal, row for row" compares. */
export function dumpTables(db: Database.Database, tables: readonly string[]): Record<string, unknown[]> {
  const dump: Record<string, unknown[]> = {};
  for (const table of tables) dump[table] = db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all();
  return dump;
}
