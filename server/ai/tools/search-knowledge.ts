import { tool } from "ai";
import { z } from "zod";
import { searchKnowledge } from "../../knowledge/service.ts";
import type { ToolContext } from "./context.ts";

const queryInput = z.object({ query: z.string().min(2).max(300) });

export const searchKnowledgeTool = (ctx: ToolContext) =>
  tool({
    description: "Search the help centre. Answer only from the returned articles and cite them as [Title](url).",
    inputSchema: queryInput,
    execute: async ({ query }) => {
      const articles = await searchKnowledge(ctx.db, query);
      return articles.length ? { articles } : { articles: [], note: "No help article matches." };
    },
  });
