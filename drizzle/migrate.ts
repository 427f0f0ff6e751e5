import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../server/db/client.ts";

// openDatabase applies pending migrations; running it again does nothing.
const config = loadConfig();
const handle = await openDatabase(config.database);
await handle.close();
console.log(`migrated the ${handle.driver} database`);
