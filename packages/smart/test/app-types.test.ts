import { describe, expectTypeOf, it } from "vitest";
import {
  buildAuthorizeRequest,
  buildAuthorizeUrl,
  exchangeCode,
  introspectToken,
  revokeToken,
  SmartClient,
  type SmartLaunch,
  type AuthorizeRequest,
  type AuthProvider,
  type IntrospectionResult,
  type LaunchStart,
  type StoredToken,
} from "../src/index.js";

describe("public App Launch types (seed README)", () => {
  it("have the shapes the README and core expect", () => {
    expectTypeOf(buildAuthorizeUrl).returns.toEqualTypeOf<string>();
    expectTypeOf(buildAuthorizeRequest).returns.toEqualTypeOf<AuthorizeRequest>();
    expectTypeOf(exchangeCode).returns.resolves.toEqualTypeOf<StoredToken>();
    expectTypeOf<SmartClient>().toMatchTypeOf<AuthProvider>();
    expectTypeOf<SmartClient["patientId"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf(SmartClient.restore).returns.resolves.toEqualTypeOf<SmartClient | undefined>();
    expectTypeOf<SmartLaunch["handleCallback"]>().returns.resolves.toEqualTypeOf<SmartClient>();
    expectTypeOf<SmartLaunch["ehrLaunch"]>().returns.resolves.toEqualTypeOf<LaunchStart>();
    expectTypeOf(introspectToken).returns.resolves.toEqualTypeOf<IntrospectionResult>();
    expectTypeOf(revokeToken).returns.resolves.toEqualTypeOf<void>();
  });
});
