import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../server/db/client.ts";
import { seed } from "./seed-data.ts";

const config = loadConfig();
const handle = await openDatabase(config.database);
await seed(handle.db);
await handle.close();
console.log(`seeded the ${handle.driver} database`);
