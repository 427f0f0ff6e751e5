import express, { type Router } from "express";
import { NoSchemaIntrospectionCustomRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Actor } from "../auth/actor.ts";
import { bearerFrom, resolveActor } from "../auth/resolve-actor.ts";
import type { Config } from "../config.ts";
import type { Queryable } from "../db/client.ts";

/**
 * GraphiQL, served with its assets from Tandem itself (no CDN: it works offline and under the
 * app's own Content-Security-Policy, with no inline script). Who gets it:
 * - while introspection is open to everyone (outside production, by default), everyone;
 * - otherwise, when `GRAPHIQL` is on, signed-in admins only, who then also get introspection
 *   (GraphiQL's docs and completion need it). Everyone else is refused introspection as before.
 */

const require = createRequire(import.meta.url);
const pkgPath = require.resolve("@graphql-yoga/graphiql/package.json");
const version = (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
const distDir = path.join(path.dirname(pkgPath), "dist");

/** Versioned, so the assets can be cached for good. */
export const GRAPHIQL_ASSETS = `/graphiql/${version}`;

const WORKERS = {
  editorWorkerService: "monacoeditorwork/editor.worker.bundle.js",
  json: "monacoeditorwork/json.worker.bundle.js",
  graphql: "monacoeditorwork/graphql.worker..bundle.js",
};

/** Reads the options from a data block (never executed) and starts GraphiQL; a file, so no inline script is needed. */
const BOOT = `"use strict";
(function () {
  var base = ${JSON.stringify(GRAPHIQL_ASSETS)};
  var workers = ${JSON.stringify(WORKERS)};
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_id, label) { return base + "/" + (workers[label] || workers.editorWorkerService); },
  };
  var options = JSON.parse(document.getElementById("graphiql-options").textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), options);
})();
`;

export function graphiqlRouter(): Router {
  const router = express.Router();
  router.get(`${GRAPHIQL_ASSETS}/boot.js`, (_req, res) => {
    res.type("application/javascript").setHeader("Cache-Control", "public, max-age=31536000, immutable");
    res.send(BOOT);
  });
  router.use(GRAPHIQL_ASSETS, express.static(distDir, { immutable: true, maxAge: "1y", index: false }));
  return router;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The page: same-origin stylesheet and scripts, and the options as JSON that cannot close its own block. */
export function renderGraphiQLPage(options: Record<string, unknown>): string {
  const json = JSON.stringify(options).replace(/</g, "\\u003c");
  const title = escapeHtml(String(options.title ?? "Tandem GraphiQL"));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="${GRAPHIQL_ASSETS}/graphiql.css">
</head>
<body>
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root" style="height:100vh">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-options">${json}</script>
<script src="${GRAPHIQL_ASSETS}/yoga-graphiql.umd.js"></script>
<script src="${GRAPHIQL_ASSETS}/boot.js"></script>
</body>
</html>`;
}

const isAdmin = (actor: Actor | undefined) =>
  actor?.kind === "operator" && actor.role === "admin" && !actor.mustChangePassword;

/** Introspection asked for by name (`__typename` alone is not introspection). */
const INTROSPECTION = /__schema|__type\b/;

export interface GraphiQLAccess {
  /** Yoga's `graphiql` option. */
  graphiql: false | ((request: Request) => Promise<false | Record<string, unknown>>);
  /** Refuses introspection to everyone but admins when it is not open to all. */
  plugin: Plugin | null;
}

export function graphiqlAccess(config: Config, db: Queryable): GraphiQLAccess {
  const options = {
    title: "Tandem GraphiQL",
    subscriptionsProtocol: "WS",
    query:
      "# Tandem's API: docs/api.md is the guide. Ctrl+Enter runs the query.\nquery Me {\n  me {\n    name\n    role\n  }\n  systemStatus {\n    allOperational\n  }\n}\n",
  };
  const openToAll = config.graphql.introspection;
  const requestIsAdmin = async (request: Request) =>
    isAdmin(
      (await resolveActor(db, {
        bearer: bearerFrom(request.headers.get("authorization")),
        cookieHeader: request.headers.get("cookie"),
      }).catch(() => undefined)) as Actor | undefined,
    );

  if (openToAll) return { graphiql: config.graphql.graphiql ? async () => options : false, plugin: null };

  const admins = new WeakSet<Request>();
  return {
    graphiql: config.graphql.graphiql ? async (request) => ((await requestIsAdmin(request)) ? options : false) : false,
    plugin: {
      // Only a request that names introspection pays for the extra look-up.
      async onParams({ params, request }) {
        if (config.graphql.graphiql && INTROSPECTION.test(params.query ?? "") && (await requestIsAdmin(request)))
          admins.add(request);
      },
      onValidate({ context, addValidationRule }) {
        const initial = context as { actor?: Actor; request?: Request };
        const admin =
          config.graphql.graphiql && (isAdmin(initial.actor) || (initial.request && admins.has(initial.request)));
        // A validation rule rather than a per-request switch, so it holds over WebSocket exactly as over HTTP.
        if (!admin) addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    },
  };
}
