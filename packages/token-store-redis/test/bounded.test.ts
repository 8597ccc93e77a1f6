import { EventEmitter } from "node:events";
import { inspect } from "node:util";
import { sampleToken } from "@fhir-dsl/token-store/testing";
import { describe, expect, it } from "vitest";
import { RedisTokenStore, TokenStoreError, TokenStoreErrorCode } from "../src/index.js";

/** A stand-in for an ioredis client whose replies the test controls (no network). */
class FakeClient extends EventEmitter {
  status = "ready";
  sent: string[] = [];
  reply: (name: string, args: unknown[]) => Promise<unknown> = async () => null;
  connects = 0;
  private call(name: string, args: unknown[]): Promise<never> {
    this.sent.push(name);
    return this.reply(name, args) as Promise<never>;
  }
  get(...args: unknown[]) {
    return this.call("get", args);
  }
  set(...args: unknown[]) {
    return this.call("set", args);
  }
  del(...args: unknown[]) {
    return this.call("del", args);
  }
  eval(...args: unknown[]) {
    return this.call("eval", args);
  }
  async connect() {
    this.connects++;
  }
}

const storeOn = (fake: FakeClient, commandTimeoutMs = 100) => new RedisTokenStore(fake as never, { commandTimeoutMs });

async function rejection(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TokenStoreError.is(error)).toBe(true);
  return error as TokenStoreError;
}

describe("every command is bounded by commandTimeoutMs", () => {
  it("a reply that never comes: store_unavailable, retryable, within the bound", async () => {
    const fake = new FakeClient();
    fake.reply = () => new Promise(() => {});
    const store = storeOn(fake, 100);
    const started = Date.now();
    const error = await rejection(store.get("k"));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
    expect(error.code).toBe("store_unavailable");
    expect(error.retryable).toBe(true);
    expect(error.key).toBe("k");
    expect(error.message).toMatch(/no Redis reply within 100 ms/);
  });

  it("a late rejection after the timeout is not an unhandled rejection", async () => {
    const fake = new FakeClient();
    let rejectLater: (e: Error) => void = () => {};
    fake.reply = () =>
      new Promise((_, reject) => {
        rejectLater = reject;
      });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await rejection(storeOn(fake, 20).get("k"));
      rejectLater(new Error("Connection is closed."));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("while not connected, waits for ready within the bound and never queues the command", async () => {
    const fake = new FakeClient();
    fake.status = "reconnecting";
    const store = storeOn(fake, 100);
    const error = await rejection(store.set("k", sampleToken()));
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
    expect(error.message).toMatch(/no Redis connection within 100 ms/);
    expect(fake.sent).toEqual([]);
    expect(fake.listenerCount("ready")).toBe(1);
  });

  it("many waiting calls share one ready listener, and all proceed once ready", async () => {
    const fake = new FakeClient();
    fake.status = "connecting";
    const store = storeOn(fake, 1_000);
    const calls = Array.from({ length: 50 }, (_, i) => store.get(`k${i}`));
    expect(fake.listenerCount("ready")).toBe(1);
    setTimeout(() => {
      fake.status = "ready";
      fake.emit("ready");
    }, 20);
    expect(await Promise.all(calls)).toEqual(Array(50).fill(undefined));
    expect(fake.sent).toHaveLength(50);
    expect(fake.listenerCount("ready")).toBe(0);
  });

  it("a lazyConnect client (status wait) is connected, as a plain command would", async () => {
    const fake = new FakeClient();
    fake.status = "wait";
    const store = storeOn(fake, 50);
    await rejection(store.get("k"));
    expect(fake.connects).toBe(1);
  });

  it("a closed client (status end) fails at once with a retryable typed error", async () => {
    const fake = new FakeClient();
    fake.status = "end";
    const started = Date.now();
    const error = await rejection(storeOn(fake, 5_000).delete("k"));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
    expect(error.message).toMatch(/client is closed/);
  });
});

describe("errors never carry the token", () => {
  it("an ioredis error with command args is kept as cause, without the args", async () => {
    const fake = new FakeClient();
    fake.reply = async (name, args) => {
      throw Object.assign(new Error("ERR something broke"), { name: "ReplyError", command: { name, args } });
    };
    const token = sampleToken();
    const error = await rejection(storeOn(fake).set("k", token));
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
    const cause = error.cause as Error & { command: { name: string } };
    expect(cause.message).toBe("ERR something broke");
    expect(cause.name).toBe("ReplyError");
    expect(cause.command).toEqual({ name: "set" });
    for (const text of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 20 })]) {
      expect(text).not.toContain(token.access_token);
      expect(text).not.toContain(token.refresh_token);
    }
  });

  it("a lock release failure is a typed error without the owner token", async () => {
    const fake = new FakeClient();
    let ownerToken = "";
    fake.reply = async (name, args) => {
      if (name === "set") {
        ownerToken = String(args[1]);
        return "OK";
      }
      throw Object.assign(new Error("Connection is closed."), { command: { name, args } });
    };
    const lock = await storeOn(fake).lock("k", 1_000);
    expect(ownerToken).toMatch(/^[0-9a-f]{32}$/);
    const error = await rejection(lock!.release());
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
    expect(error.key).toBe("k");
    expect(inspect(error, { depth: 20 })).not.toContain(ownerToken);
    expect(JSON.stringify(error)).not.toContain(ownerToken);
  });

  it("a non-Error rejection is still wrapped as store_unavailable", async () => {
    const fake = new FakeClient();
    fake.reply = () => Promise.reject("boom");
    const error = await rejection(storeOn(fake).get("k"));
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
    expect(error.cause).toBe("boom");
  });
});
