import type { ApiScope } from "../../drizzle/schema.ts";
import { forbidden, unauthenticated } from "../errors.ts";
import type { Actor } from "./actor.ts";

/**
 * Who may do what, for the kinds of caller that are not a conversation's own customer. Domain
 * functions call these, so GraphQL over HTTP and WebSocket and the Remix actions share one rule.
 *
 * - Operators do their job: every team field; admins also the admin fields.
 * - API keys do what their scopes grant (`admin` grants every scope and the admin fields), and
 *   never what only a person can do: claim, take over, reply as an operator, their own presence.
 */

export type OperatorActor = Extract<Actor, { kind: "operator" }>;
export type IntegrationActor = Extract<Actor, { kind: "integration" }>;
/** The team's side of a conversation: an operator or a scoped integration. */
export type StaffActor = OperatorActor | IntegrationActor;

/**
 * The operator behind the actor. One whose password was generated or reset by an admin may only
 * change it (and sign out) until they do: pass `allowPasswordChange` for those two operations.
 */
export function requireOperator(actor: Actor, opts: { allowPasswordChange?: boolean } = {}): OperatorActor {
  if (actor.kind === "operator") {
    if (actor.mustChangePassword && !opts.allowPasswordChange)
      throw forbidden("Change your password before doing anything else.");
    return actor;
  }
  if (actor.kind === "anonymous") throw unauthenticated("Sign in as an operator.");
  if (actor.kind === "integration") throw forbidden("Only a signed-in operator can do that; an API key cannot.");
  throw forbidden("Only operators can do that.");
}

/** A write scope includes reading what it writes (tickets:write reads tickets too). */
const impliedBy: Partial<Record<ApiScope, ApiScope>> = {
  "conversations:read": "conversations:write",
  "escalations:read": "escalations:write",
  "tickets:read": "tickets:write",
  "decisions:read": "decisions:write",
};

export function hasScope(actor: Actor, scope: ApiScope): boolean {
  if (actor.kind !== "integration") return false;
  const implied = impliedBy[scope];
  return (
    actor.scopes.includes(scope) || actor.scopes.includes("admin") || (!!implied && actor.scopes.includes(implied))
  );
}

/** An operator, or an API key with `scope`. */
export function requireStaff(actor: Actor, scope: ApiScope): StaffActor {
  if (actor.kind === "integration") {
    if (!hasScope(actor, scope)) throw forbidden(`This API key lacks the ${scope} scope.`);
    return actor;
  }
  return requireOperator(actor);
}

/** A signed-in admin: managing people and sessions is never an API key's to do. */
export function requireAdmin(actor: Actor): OperatorActor {
  const op = requireOperator(actor);
  if (op.role !== "admin") throw forbidden("Only admins can do that.");
  return op;
}

/** An admin, or an API key with `scope` (the `admin` scope by default). */
export function requireAdminOrKey(actor: Actor, scope: ApiScope = "admin"): StaffActor {
  return actor.kind === "integration" ? requireStaff(actor, scope) : requireAdmin(actor);
}

/** Whether the actor reads conversations as the team does (every message, notes, tool results). */
export function seesAsTeam(actor: Actor): boolean {
  return actor.kind === "operator" || hasScope(actor, "conversations:read");
}

/** Whether the actor may read who the customer is (names, emails): everyone but an API key without customers:read. */
export function seesCustomer(actor: Actor): boolean {
  return actor.kind !== "integration" || hasScope(actor, "customers:read");
}

/** How a staff actor is named in audit trails and on what it decided. */
export function staffLabel(actor: StaffActor): { id: string; name: string } {
  return actor.kind === "operator"
    ? { id: actor.operatorId, name: actor.name }
    : { id: actor.apiKeyId, name: `${actor.name} (API key)` };
}
