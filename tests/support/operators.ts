import type { Actor } from "../../server/auth/actor.ts";
import type { TestApp } from "./app.ts";
import { TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD } from "./app.ts";

const SIGN_IN = /* GraphQL */ `
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      token
      operator {
        id
        name
        role
      }
    }
  }
`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateOperatorInput!) {
    createOperator(input: $input) {
      id
    }
  }
`;

export async function signInAs(t: TestApp, email = TEST_ADMIN_EMAIL, password = TEST_ADMIN_PASSWORD) {
  const r = await t.gql<{ signIn: { token: string; operator: { id: string; name: string } } }>(SIGN_IN, {
    email,
    password,
  });
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.signIn;
}

/** The seeded admin, signed in, as the domain sees them: for calling domain functions directly. */
export async function adminActor(t: TestApp): Promise<Actor> {
  const admin = await signInAs(t);
  return { kind: "operator", operatorId: admin.operator.id, role: "admin", name: admin.operator.name };
}

/** Creates an operator through the admin API and signs them in. */
export async function newOperator(t: TestApp, name: string, role: "OPERATOR" | "ADMIN" = "OPERATOR") {
  const admin = await signInAs(t);
  const email = `${name.toLowerCase().replace(/\W+/g, ".")}.${crypto.randomUUID().slice(0, 6)}@tandem.local`;
  const password = "a long enough password";
  const r = await t.gql(CREATE, { input: { email, name, role, password } }, admin.token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return signInAs(t, email, password);
}
