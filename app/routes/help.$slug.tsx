import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getArticle } from "#server/knowledge/service.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.title} · Northwind help` : "Help" },
];

/** Help articles are public: the same text the agents cite. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const article = await getArticle(context.services.db, params.slug ?? "");
  if (!article) throw new Response("No such help article.", { status: 404 });
  return { title: article.title, body: article.body };
}

export default function HelpArticle() {
  const article = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto max-w-2xl px-4 py-10">
      <p className="text-sm text-slate-500">Northwind help centre</p>
      <h1 className="mt-1 text-2xl font-semibold">{article.title}</h1>
      <div className="mt-6 space-y-3 leading-relaxed text-slate-800">
        {article.body.split(/(?=\s\d\. )/).map((para, i) => (
          <p key={i}>{para.trim()}</p>
        ))}
      </div>
      <a href="/" className="mt-8 inline-block text-brand-700 underline">
        Back to the chat
      </a>
    </main>
  );
}
