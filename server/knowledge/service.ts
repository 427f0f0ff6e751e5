import { desc, eq, sql } from "drizzle-orm";
import { knowledgeArticles, type KnowledgeArticle } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";

export interface KnowledgeHit {
  slug: string;
  title: string;
  url: string;
  excerpt: string;
  rank: number;
}

/**
 * Postgres full-text search. The query's lexemes are OR-ed (plainto_tsquery ANDs them, which
 * misses natural questions), and weighted ranking puts title and tag matches first.
 */
export async function searchKnowledge(db: Queryable, query: string, limit = 3): Promise<KnowledgeHit[]> {
  const q = query.slice(0, 500);
  const tsquery = sql`nullif(replace(plainto_tsquery('english', ${q})::text, '&', '|'), '')::tsquery`;
  const rank = sql<number>`ts_rank(${knowledgeArticles.search}, ${tsquery})`;
  const rows = await db
    .select({ slug: knowledgeArticles.slug, title: knowledgeArticles.title, body: knowledgeArticles.body, rank })
    .from(knowledgeArticles)
    .where(sql`${knowledgeArticles.search} @@ ${tsquery}`)
    .orderBy(desc(rank))
    .limit(limit);
  return rows.map((r) => ({
    slug: r.slug,
    title: r.title,
    url: `/help/${r.slug}`,
    excerpt: r.body,
    rank: Number(r.rank),
  }));
}

export async function getArticle(db: Queryable, slug: string): Promise<KnowledgeArticle | null> {
  const [row] = await db.select().from(knowledgeArticles).where(eq(knowledgeArticles.slug, slug)).limit(1);
  return row ?? null;
}
