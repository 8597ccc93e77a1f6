import { describe, expect, it } from "vitest";
import { buildScopes, diffScopes, formatScope, parseScope, resourceScope } from "../src/index.js";

// Scope values are not secrets, but a caller may pass one by mistake: misuse errors never echo the input.
const SECRET = "eyJhbGciOiJSUzM4NCJ9.c2VjcmV0LXRva2Vu.sig";

const caught = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
};

describe("errors: TypeError for misuse, never echoing the input", () => {
  it("keeps the value out of the message, the stack head and JSON", () => {
    const errors = [
      caught(() => buildScopes([`${SECRET} x`])),
      caught(() => buildScopes([`${SECRET}"`])),
      caught(() => resourceScope({ context: SECRET as never, resource: "Patient", perms: "r" })),
      caught(() => resourceScope({ context: "patient", resource: SECRET, perms: "r" })),
      caught(() => resourceScope({ context: "patient", resource: "Patient", perms: SECRET })),
      caught(() =>
        resourceScope({ context: "patient", resource: "Patient", perms: "r", params: { code: `${SECRET} x` } }),
      ),
      caught(() => formatScope({ kind: "unknown", raw: `${SECRET} x` })),
      caught(() => formatScope({ kind: "launch-context", raw: "", type: SECRET })),
      caught(() => parseScope("patient/*.rs").allows(SECRET as never, "Patient")),
      caught(() => diffScopes({ token: SECRET } as never, "openid")),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).not.toContain(SECRET);
      expect(err.message).not.toContain("c2VjcmV0");
      expect(JSON.stringify(err)).not.toContain(SECRET);
      expect(String(err)).not.toContain(SECRET);
      expect(err.message).toMatch(/^\w+: /);
    }
  });
});
