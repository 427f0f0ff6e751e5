import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lexicographicSortSchema, printSchema } from "graphql";
import { format } from "prettier";
import { buildSchema } from "./schema.ts";

export const schemaPath = fileURLToPath(new URL("./schema.graphql", import.meta.url));

/** The schema as SDL, sorted, in the formatter's style, so `npm run format` never changes the checked-in file. */
export function printSdl(): Promise<string> {
  return format(printSchema(lexicographicSortSchema(buildSchema())), { parser: "graphql", printWidth: 120 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaPath, await printSdl());
  console.log(`wrote ${schemaPath}`);
}
