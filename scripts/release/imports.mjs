// What a tarball's code actually imports, against what its package.json declares.
import { builtinModules } from "node:module";

const BUILTINS = new Set(builtinModules);
// import ... from "x" | export ... from "x" | import "x" | import("x") | require("x") | import x = require("x")
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)(["'])([^"'\s]+)\1/gm;

/** The package a bare specifier names ("@a/b/c" -> "@a/b", "x/y" -> "x"), or undefined for relative/builtin ones. */
export function packageOf(specifier) {
  if (/^(\.|\/|node:|data:|#)/.test(specifier)) return undefined;
  const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
  return BUILTINS.has(name) ? undefined : name;
}

// Block comments, and line comments not preceded by ":" or a quote (so "https://..." strings survive)
const stripComments = (code) => code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");

/** Packages imported by the shipped code (`.js`/`.cjs`/`.mjs`) and type declarations (`.d.ts`/`.d.cts`). */
export function importedPackages(entries) {
  const code = new Set();
  const types = new Set();
  for (const { path, data } of entries) {
    const isTypes = /\.d\.[cm]?ts$/.test(path);
    if (!isTypes && !/\.[cm]?js$/.test(path)) continue;
    for (const match of stripComments(data.toString("utf8")).matchAll(SPECIFIER)) {
      const name = packageOf(match[2]);
      if (name) (isTypes ? types : code).add(name);
    }
  }
  return { code, types };
}

// Declared on purpose without being imported, with the reason (printed by the dry run).
export const PROVIDED_FOR_USERS = {
  "@fhir-dsl/smart": {
    jose: "the README imports PEM keys with jose's importPKCS8; the core signs and verifies through oauth4webapi and WebCrypto",
  },
};

/** Undeclared imports break a consumer; declared but unused dependencies install code for nothing. */
export function checkImports(manifest, entries) {
  const problems = [];
  const { code, types } = importedPackages(entries);
  const deps = new Set(Object.keys(manifest.dependencies ?? {}));
  const peers = new Set(Object.keys(manifest.peerDependencies ?? {}));
  const optionalPeers = new Set(
    Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, m]) => m?.optional)
      .map(([n]) => n),
  );
  for (const name of code) {
    if (name !== manifest.name && !deps.has(name) && !peers.has(name)) {
      problems.push(
        `dist code imports ${name}, which package.json does not declare (dependencies or peerDependencies)`,
      );
    }
  }
  for (const name of types) {
    if (name !== manifest.name && !deps.has(name) && !peers.has(name) && !code.has(name)) {
      problems.push(`type declarations import ${name}, which package.json does not declare: consumers' tsc will fail`);
    }
  }
  const provided = PROVIDED_FOR_USERS[manifest.name] ?? {};
  for (const name of deps) {
    if (!code.has(name) && !types.has(name) && !provided[name])
      problems.push(`declares dependency ${name} but never imports it`);
  }
  for (const name of peers) {
    if (!code.has(name) && !types.has(name) && !optionalPeers.has(name))
      problems.push(`declares peerDependency ${name} but never imports it`);
  }
  return problems;
}
