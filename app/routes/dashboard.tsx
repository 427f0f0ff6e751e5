import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useLocation } from "@remix-run/react";
import { eq, sql } from "drizzle-orm";
import { decisions, operators } from "#drizzle/schema.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

export const meta: MetaFunction = () => [{ title: "Tandem dashboard" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (new URL(request.url).pathname === "/dashboard/login") return { operator: null, decisionsWaiting: 0 };
  const actor = await requireOperatorSession(request, context);
  const [me] = await context.services.db.select().from(operators).where(eq(operators.id, actor.operatorId));
  const [waiting] = await context.services.db
    .select({ n: sql<number>`count(*)::int` })
    .from(decisions)
    .where(eq(decisions.status, "proposed"));
  return {
    operator: { name: actor.name, role: actor.role, availability: me?.availability ?? "offline" },
    decisionsWaiting: Number(waiting?.n ?? 0),
  };
}

const navClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100"}`;

export default function DashboardLayout() {
  const { operator, decisionsWaiting } = useLoaderData<typeof loader>();
  const location = useLocation();
  if (!operator || location.pathname === "/dashboard/login") return <Outlet />;
  return (
    <div className="flex min-h-full flex-col">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-2">
          <span className="mr-4 text-lg font-semibold text-brand-700">Tandem</span>
          <nav aria-label="Dashboard" className="flex gap-1">
            <NavLink to="/dashboard" end className={navClass}>
              Inbox
            </NavLink>
            <NavLink to="/dashboard/decisions" className={navClass}>
              Decisions{decisionsWaiting ? ` (${decisionsWaiting})` : ""}
            </NavLink>
            <NavLink to="/dashboard/tickets" className={navClass}>
              Tickets
            </NavLink>
            <NavLink to="/dashboard/status" className={navClass}>
              Status
            </NavLink>
            {operator.role === "admin" ? (
              <NavLink to="/dashboard/operators" className={navClass}>
                Operators
              </NavLink>
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
      <Outlet />
    </div>
  );
}
