/**
 * The baseline for HTTP: GraphQL Yoga with a one-field schema on Node's own HTTP server, as Yoga
 * comes; with BENCH_YOGA_BODY_STREAM=off, without the stream Yoga pipes each body through to
 * count it against its size limit (Tandem limits bodies at its edge instead).
 */
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";
import { serveIpc } from "../lib/child.ts";

const yoga = createYoga({
  schema: createSchema({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "hi" } } }),
  logging: false,
  ...(process.env.BENCH_YOGA_BODY_STREAM === "off" ? { maxRequestBodySize: false as const } : {}),
});
const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
serveIpc((server.address() as { port: number }).port, (cmd) => {
  throw new Error(`unknown command ${cmd}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
