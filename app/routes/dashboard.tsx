import { keepLastData } from "~/lib/keep-last-data.ts";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, NavLink, Outlet, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { eq, sql } from "drizzle-orm";
import { decisions, operators } from "#drizzle/schema.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { countViews } from "#server/conversations/inbox.ts";
import { badgeTitle, useAttention, waitingText } from "~/lib/attention.ts";
import { LiveConnectionProvider, useDashboardLive } from "~/lib/use-inbox-stream.ts";
import { DashboardErrorBoundary } from "~/components/dashboard-error.tsx";
import { CommandBar } from "~/components/command-bar.tsx";
import { ConductorSkeleton } from "~/components/conductor.tsx";

export const meta: MetaFunction = ({ matches }) => [{ title: badgeTitle(matches, "Tandem dashboard") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (new URL(request.url).pathname === "/dashboard/login")
    return { operator: null, decisionsWaiting: 0, unreadMine: 0 };
  const actor = await requireOperatorSession(request, context);
  const [me] = await context.services.db.select().from(operators).where(eq(operators.id, actor.operatorId));
  const [waiting] = await context.services.db
    .select({ n: sql<number>`count(*)::int` })
    .from(decisions)
    .where(eq(decisions.status, "proposed"));
  return {
    operator: { name: actor.name, role: actor.role, availability: me?.availability ?? "offline" },
    decisionsWaiting: Number(waiting?.n ?? 0),
    unreadMine: actor.mustChangePassword ? 0 : (await countViews(context.services.db, actor)).unreadMine,
  };
}

const navClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100"}`;

export default function DashboardLayout() {
  const { operator } = useLoaderData<typeof loader>();
  const location = useLocation();
  if (!operator || location.pathname === "/dashboard/login") return <Outlet />;
  return <SignedIn />;
}

function SignedIn() {
  const { operator, decisionsWaiting, unreadMine } = useLoaderData<typeof loader>();
  const location = useLocation();
  const navigation = useNavigation();
  const attention = useAttention(location.pathname);
  const live = useDashboardLive({ onNotice: attention.onNotice, onInbox: attention.onInbox });
  if (!operator) return null;
  return (
    <div className="flex min-h-full flex-col">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-2">
          <span className="mr-4 text-lg font-semibold text-brand-700">Tandem</span>
          <nav aria-label="Dashboard" className="flex gap-1">
            <NavLink to="/dashboard" end className={navClass}>
              Inbox
              {unreadMine ? (
                <span
                  className="ml-1 rounded-full bg-red-700 px-1.5 text-xs font-semibold text-white"
                  data-testid="unread-badge"
                >
                  {unreadMine}
                  <span className="sr-only"> unread</span>
                </span>
              ) : null}
            </NavLink>
            <NavLink to="/dashboard/decisions" className={navClass}>
              Decisions{decisionsWaiting ? ` (${decisionsWaiting})` : ""}
            </NavLink>
            <NavLink to="/dashboard/conductor" className={navClass}>
              Conductor
            </NavLink>
            <NavLink to="/dashboard/tickets" className={navClass}>
              Tickets
            </NavLink>
            <NavLink to="/dashboard/analytics" className={navClass}>
              Analytics
            </NavLink>
            <NavLink to="/dashboard/canned" className={navClass}>
              Saved replies
            </NavLink>
            <NavLink to="/dashboard/status" className={navClass}>
              Status
            </NavLink>
            {operator.role === "admin" ? (
              <>
                <NavLink to="/dashboard/operators" className={navClass}>
                  Operators
                </NavLink>
                <NavLink to="/dashboard/developers" className={navClass}>
                  Developers
                </NavLink>
              </>
            ) : null}
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <Form method="post" action="/dashboard?index" className="flex items-center gap-2">
              <input type="hidden" name="intent" value="availability" />
              <label htmlFor="availability" className="text-slate-600">
                {operator.name}
              </label>
              <select
                id="availability"
                name="availability"
                defaultValue={operator.availability}
                onChange={(e) => e.currentTarget.form?.requestSubmit()}
                className="rounded-md border border-slate-300 px-2 py-1"
              >
                <option value="online">Online</option>
                <option value="away">Away</option>
                <option value="offline">Offline</option>
              </select>
            </Form>
            <CommandBar />
            <button
              type="button"
              onClick={attention.toggleSound}
              aria-pressed={attention.sound}
              className="rounded-md px-2 py-1 text-slate-600 underline hover:text-slate-900"
            >
              Sound {attention.sound ? "on" : "off"}
            </button>
            {attention.permission === "default" ? (
              <button
                type="button"
                onClick={() => void attention.askPermission()}
                className="rounded-md px-2 py-1 text-slate-600 underline hover:text-slate-900"
              >
                Desktop notifications
              </button>
            ) : null}
            <NavLink to="/dashboard/password" className="text-slate-600 underline hover:text-slate-900">
              Password
            </NavLink>
            <Form method="post" action="/dashboard/logout">
              <button type="submit" className="rounded-md px-2 py-1 text-slate-600 underline hover:text-slate-900">
                Sign out
              </button>
            </Form>
          </div>
        </div>
      </header>
      <section aria-label="Notifications" aria-live="polite" className="empty:hidden">
        {attention.waiting.length ? (
          <div
            role="status"
            className="flex items-center gap-3 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950"
            data-testid="waiting-banner"
          >
            <span className="min-w-0 flex-1 truncate">{waitingText(attention.waiting)}</span>
            <Link
              to={`/dashboard/conversations/${attention.waiting[0]!.conversationId}`}
              className="font-medium underline"
            >
              {attention.waiting.length === 1 ? "Open" : "Open the newest"}
            </Link>
            {attention.waiting.length > 1 ? (
              <Link to="/dashboard?view=waiting" className="font-medium underline">
                See all waiting
              </Link>
            ) : null}
            <button type="button" onClick={attention.dismissWaiting} className="underline">
              Dismiss
            </button>
          </div>
        ) : null}
        {attention.alerts.map((a) => (
          <div
            key={a.key}
            role="status"
            className="flex items-center gap-3 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950"
            data-testid="attention-banner"
          >
            <span className="min-w-0 flex-1 truncate">{a.text}</span>
            {a.conversationId ? (
              <Link
                to={`/dashboard/conversations/${a.conversationId}`}
                onClick={() => attention.dismiss(a.key)}
                className="font-medium underline"
              >
                Open
              </Link>
            ) : null}
            <button type="button" onClick={() => attention.dismiss(a.key)} className="underline">
              Dismiss
            </button>
          </div>
        ))}
      </section>
      <LiveConnectionProvider value={live}>
        {/* Going to the Conductor, its panels' outlines show until its data arrives. */}
        {navigation.location?.pathname === "/dashboard/conductor" && location.pathname !== "/dashboard/conductor" ? (
          <ConductorSkeleton />
        ) : (
          <Outlet />
        )}
      </LiveConnectionProvider>
    </div>
  );
}

export const ErrorBoundary = DashboardErrorBoundary;

/** A network blip during a refetch keeps the page as it was (see keep-last-data.ts). */
export const clientLoader = keepLastData("routes/dashboard");
