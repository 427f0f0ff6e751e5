import type { LinksFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError } from "@remix-run/react";
import stylesheet from "./tailwind.css";
import { useNonce } from "~/lib/nonce.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full bg-slate-50">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="h-full text-slate-900 antialiased">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  // A response the app threw on purpose says what happened in its own words (e.g. "Nothing at /x.").
  const message = isRouteErrorResponse(error)
    ? typeof error.data === "string" && error.data.length < 200
      ? `${error.status}: ${error.data}`
      : `${error.status} ${error.statusText}`
    : "Something went wrong.";
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-xl font-semibold">Tandem</h1>
      <p role="alert" className="mt-4 text-slate-700">
        {message}
      </p>
      <a className="mt-4 inline-block text-brand-600 underline" href="/">
        Back to the chat
      </a>
    </main>
  );
}
