import { InMemoryTokenStore, storedTokenProblem } from "@fhir-dsl/token-store";
import { describe, expect, it } from "vitest";
import { SmartAuthError } from "../src/errors.js";
import { normaliseLaunchContext, processTokenResponse } from "../src/token-response.js";

const endpoint = "https://auth.example.com/token";
const json = (body: unknown, status = 200, type = "application/json") =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": type } });

describe("processTokenResponse", () => {
  it("dates the token from the receipt time (checklist E2)", async () => {
    const t = await processTokenResponse(
      json({ access_token: "a", token_type: "Bearer", expires_in: 300, scope: "x" }),
      endpoint,
      1_000,
    );
    expect(t.expires_at).toBe(301_000);
    expect(t.token_type).toBe("Bearer");
  });

  it("accepts any 2xx, e.g. 201 (E8)", async () => {
    const t = await processTokenResponse(
      json({ access_token: "a", token_type: "bearer", expires_in: 60 }, 201),
      endpoint,
      0,
    );
    expect(t.access_token).toBe("a");
  });

  it("accepts token_type in any case and always reports Bearer (E13)", async () => {
    for (const tokenType of ["bearer", "BEARER", "Bearer", "bEaReR"]) {
      const t = await processTokenResponse(json({ access_token: "a", token_type: tokenType }), endpoint, 0);
      expect(t.token_type).toBe("Bearer");
    }
  });

  it("refuses a non-bearer token type", async () => {
    await expect(
      processTokenResponse(json({ access_token: "a", token_type: "mac" }), endpoint, 0),
    ).rejects.toMatchObject({
      code: "invalid_token_response",
    });
  });

  it("coerces a string expires_in, leaves a missing or garbage one unknown (E2, E23)", async () => {
    expect(
      (await processTokenResponse(json({ access_token: "a", token_type: "bearer", expires_in: "3600" }), endpoint, 0))
        .expires_at,
    ).toBe(3_600_000);
    const missing = await processTokenResponse(json({ access_token: "a", token_type: "bearer" }), endpoint, 0);
    expect(missing.expires_at).toBeUndefined();
    const garbage = await processTokenResponse(
      json({ access_token: "a", token_type: "bearer", expires_in: "soon" }),
      endpoint,
      0,
    );
    expect(garbage.expires_at).toBeUndefined();
    expect(Number.isNaN(garbage.expires_at)).toBe(false);
  });

  it("tolerates a BOM and text/json (E23)", async () => {
    const t = await processTokenResponse(
      json(`\uFEFF${JSON.stringify({ access_token: "a", token_type: "bearer" })}`, 200, "text/json"),
      endpoint,
      0,
    );
    expect(t.access_token).toBe("a");
  });

  it("keeps the id_token (unverified here) and unknown members", async () => {
    const t = await processTokenResponse(
      json({ access_token: "a", token_type: "bearer", id_token: "x.y.z", __ext: 1 }),
      endpoint,
      0,
    );
    expect(t.id_token).toBe("x.y.z");
    expect(t.__ext).toBe(1);
  });

  it("maps an OAuth error body to SmartAuthError with RFC 6749 fields (E8)", async () => {
    const err = await processTokenResponse(
      json({ error: "invalid_grant", error_description: "expired", error_uri: "https://x/doc" }, 400),
      endpoint,
      0,
    ).catch((e: unknown) => e);
    expect(SmartAuthError.is(err)).toBe(true);
    expect(err).toMatchObject({
      code: "token_endpoint_error",
      error: "invalid_grant",
      errorDescription: "expired",
      errorUri: "https://x/doc",
      status: 400,
      retryable: false,
    });
  });

  it("parses HTML and text error pages leniently, keeping the status (E8)", async () => {
    const html = await processTokenResponse(
      json("<html><body>Bad Gateway</body></html>", 502, "text/html"),
      endpoint,
      0,
    ).catch((e: unknown) => e);
    expect(html).toMatchObject({ code: "token_endpoint_error", status: 502, retryable: true, error: undefined });
    expect((html as Error).message).not.toContain("<html>");
    const unauthorized = await processTokenResponse(json("nope", 401, "text/plain"), endpoint, 0).catch(
      (e: unknown) => e,
    );
    expect(unauthorized).toMatchObject({ status: 401, retryable: false });
  });

  it("refuses a 2xx that is not a JSON object or lacks access_token", async () => {
    for (const body of ["[]", "null", "<html/>", JSON.stringify({ token_type: "bearer" })]) {
      await expect(processTokenResponse(json(body), endpoint, 0)).rejects.toMatchObject({
        code: "invalid_token_response",
      });
    }
  });

  it("keeps the raw response non-enumerable", async () => {
    const err = (await processTokenResponse(json({ error: "invalid_client" }, 401), endpoint, 0).catch(
      (e: unknown) => e,
    )) as SmartAuthError;
    expect(err.response).toBeInstanceOf(Response);
    expect(Object.keys(err)).not.toContain("response");
  });
});

describe("normaliseLaunchContext (checklist E14)", () => {
  it("coerces numeric ids, string banners and pre-2.1 fhirContext strings", () => {
    const t = normaliseLaunchContext({
      access_token: "a",
      token_type: "Bearer",
      patient: 123 as unknown as string,
      encounter: 7 as unknown as string,
      need_patient_banner: "true" as unknown as boolean,
      fhirContext: ["Observation/1", { reference: "Encounter/2", role: "launch" }, 5] as never,
    });
    expect(t.patient).toBe("123");
    expect(t.encounter).toBe("7");
    expect(t.need_patient_banner).toBe(true);
    expect(t.fhirContext).toEqual([{ reference: "Observation/1" }, { reference: "Encounter/2", role: "launch" }]);
  });

  it("drops a patient or encounter id that is null, empty (E1) or of another type, so every store accepts the token", async () => {
    const unusable: unknown[] = [
      null,
      "",
      true,
      false,
      {},
      { id: "1" },
      [],
      ["1"],
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (const id of unusable) {
      const t = normaliseLaunchContext({
        access_token: "a",
        token_type: "Bearer",
        patient: id as never,
        encounter: id as never,
      });
      expect("patient" in t || "encounter" in t).toBe(false);
      expect(storedTokenProblem(t)).toBeUndefined();
      // the token a server sent with such an id is saved and served by the default store, not refused on save
      const store = new InMemoryTokenStore();
      await store.set("k", t);
      expect((await store.get("k"))?.access_token).toBe("a");
    }
    const kept = normaliseLaunchContext({ access_token: "a", token_type: "Bearer", patient: "p1", encounter: " " });
    expect([kept.patient, kept.encounter]).toEqual(["p1", " "]);
  });

  it("drops a fhirContext that is not an array, keeps unknown members", () => {
    const t = normaliseLaunchContext({ access_token: "a", token_type: "Bearer", fhirContext: "x" as never, __x: 1 });
    expect(t.fhirContext).toBeUndefined();
    expect(t.__x).toBe(1);
  });
});
