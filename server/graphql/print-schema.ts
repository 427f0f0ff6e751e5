import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "./schema.ts";

export const schemaPath = fileURLToPath(new URL("./schema.graphql", import.meta.url));

export function printSdl(): string {
  return printSchema(lexicographicSortSchema(buildSchema())) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaPath, printSdl());
  console.log(`wrote ${schemaPath}`);
}
