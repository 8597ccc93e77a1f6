// Issue 20 item 6 (size): what a SmartClient loads through import() on first use must not come back through a
// static import, or every browser page carries it again. Walks the static imports of src/ from smart-client.ts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src/", import.meta.url));
// value imports and re-exports only: `import type` and `import(...)` load nothing at start
const STATIC_IMPORT = /^(?:import|export)\s+(?!type\b)([^;]*?)\s+from\s+"([^"]+)";/gms;

function staticGraph(entry: string): { files: Set<string>; packageImports: string[] } {
  const files = new Set<string>();
  const packageImports: string[] = [];
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(src + file, "utf8");
    for (const [, names = "", from = ""] of text.matchAll(STATIC_IMPORT)) {
      if (from.startsWith("./")) visit(from.slice(2).replace(/\.js$/, ".ts"));
      else packageImports.push(`${from}: ${names.replace(/\s+/g, " ")}`);
    }
  };
  visit(entry);
  return { files, packageImports };
}

describe("SmartClient's static imports (issue 20 item 6)", () => {
  const { files, packageImports } = staticGraph("smart-client.ts");

  it("reach none of the parts it loads on first use: lifecycle events, the fleet lease, id_token checks, revocation, introspection", () => {
    const lazy = [
      "lifecycle-events.ts",
      "lifecycle-sink.ts",
      "fleet-renewal.ts",
      "id-token.ts",
      "revocation.ts",
      "introspection.ts",
    ];
    expect(lazy.filter((file) => files.has(file))).toEqual([]);
    expect(files.has("lifecycle-observer.ts")).toBe(true); // the walk does follow the imports
  });

  it("take no InMemoryTokenStore (a client given no store keeps its session in OwnTokenStore)", () => {
    expect(packageImports.filter((line) => line.includes("InMemoryTokenStore"))).toEqual([]);
    expect(files.has("own-token-store.ts")).toBe(true);
  });
});
