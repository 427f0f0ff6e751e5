import { Link, isRouteErrorResponse, useRouteError } from "@remix-run/react";

const titles: Record<number, string> = {
  400: "That request was not valid",
  403: "You do not have access to this",
  404: "Not found",
  409: "Someone else changed this first",
  429: "Too many requests",
};

/**
 * Errors inside the dashboard stay inside it: the header and navigation remain, the message says
 * what happened in plain words, and the way back leads to the inbox, never to the customer chat.
 */
export function DashboardErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" && status < 500 ? error.data : null;
  return (
    <main className="mx-auto w-full max-w-3xl px-4 py-10" data-error-status={status}>
      <h1 className="text-xl font-semibold">{titles[status] ?? "Something went wrong"}</h1>
      <p role="alert" className="mt-3 text-slate-700">
        {detail ??
          (status === 404
            ? "It may have been deleted, or the link is wrong."
            : "Tandem could not load this page. Your work elsewhere is safe; try again in a moment.")}
      </p>
      <div className="mt-6 flex gap-4">
        <Link to="/dashboard" className="font-medium text-brand-700 underline">
          Back to the inbox
        </Link>
        <button type="button" className="text-slate-700 underline" onClick={() => location.reload()}>
          Try again
        </button>
      </div>
    </main>
  );
}
