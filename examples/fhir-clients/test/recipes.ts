// Runs the README's code as written: each recipe of packages/smart/README.md is extracted from the file, given
// `auth` and `fhirBaseUrl` (the free variables the README names), and imported as a module.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AuthProvider } from "@fhir-dsl/smart";

const here = dirname(fileURLToPath(import.meta.url));
export const readmePath = join(here, "../../../packages/smart/README.md");
const readme = readFileSync(readmePath, "utf8");

/** The text of a `## heading` section, up to the next `## `. */
export function readmeSection(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "## ${heading}"`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The ```ts blocks of a section. */
export function tsBlocks(section: string): string[] {
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The block of "Using it with a FHIR client" that imports `moduleName`. */
export function recipe(moduleName: string): string {
  const blocks = tsBlocks(readmeSection("Using it with a FHIR client")).filter((b) =>
    b.includes(`from "${moduleName}"`),
  );
  if (blocks.length !== 1) throw new Error(`expected one recipe importing ${moduleName}, found ${blocks.length}`);
  return blocks[0]!;
}

export interface RecipeContext {
  auth: AuthProvider & { readonly fetch: typeof fetch };
  fhirBaseUrl: string;
}

let runs = 0;

/** Imports `code` as a module with `auth` and `fhirBaseUrl` in scope, and returns the bindings named in `exports`. */
export async function runCode<T>(code: string, context: RecipeContext | undefined, exports: string[]): Promise<T> {
  const key = `__fhirClientsRecipe${++runs}`;
  (globalThis as Record<string, unknown>)[key] = context;
  // imports must stay first: the context is read after them
  const imports = code.split("\n").filter((line) => /^import\b/.test(line));
  const body = code.split("\n").filter((line) => !/^import\b/.test(line));
  const prelude = context === undefined ? "" : `const { auth, fhirBaseUrl } = (globalThis as any).${key};\n`;
  const dir = await mkdtemp(join(here, ".recipe-"));
  try {
    const file = join(dir, "recipe.ts");
    await writeFile(file, `${imports.join("\n")}\n${prelude}${body.join("\n")}\nexport { ${exports.join(", ")} };\n`);
    return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as T;
  } finally {
    delete (globalThis as Record<string, unknown>)[key];
    await rm(dir, { recursive: true, force: true });
  }
}
