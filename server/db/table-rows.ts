import { getTableColumns, type InferSelectModel } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { rowsOf } from "./rows.ts";

/**
 * Reads the rows of a raw `select * from <table> …` as Drizzle's own select returns them: keyed by
 * property name, each value through its column's mapping from the driver (timestamps to `Date`,
 * JSON parsed). For the hottest reads (the conversation lock, the token lookup): the query builder
 * rebuilds a select's SQL on every call, which cost a sixth of the server's CPU per message, while
 * a `sql` template with the table and a parameter or two costs little.
 */
export function tableRows<T extends PgTable>(table: T): (result: unknown) => InferSelectModel<T>[] {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name, column }));
  return (result) =>
    rowsOf<Record<string, unknown>>(result).map((raw) => {
      const row: Record<string, unknown> = {};
      for (const { key, name, column } of columns) {
        const value = raw[name];
        row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
      }
      return row as InferSelectModel<T>;
    });
}
