// Which of the names a module should export are missing.
export const SKIP_EXIT = 78;

export function missingExports(mod, names) {
  return names.filter((name) => mod[name] === undefined);
}

/** Adapters still being written: exit 78 (reported as skipped) when the package does not export `names` yet. */
export function skipUnlessExported(mod, pkg, names) {
  const missing = missingExports(mod, names);
  if (missing.length > 0) {
    console.log(`SKIP: ${pkg} does not export ${missing.join(", ")} yet`);
    process.exit(SKIP_EXIT);
  }
}
