import { tool } from "ai";
import { z } from "zod";
import { getSystemStatus } from "../../status/service.ts";
import type { ToolContext } from "./context.ts";

const statusInput = z.object({});

export const checkSystemStatus = (ctx: ToolContext) =>
  tool({
    description: "Check whether Northwind services are up: each service's status and any open incidents.",
    inputSchema: statusInput,
    execute: async () => getSystemStatus(ctx.db),
  });
