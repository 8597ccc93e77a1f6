/** A Vite build manifest (`build.manifest: true`): manifest key → chunk. */
export type Manifest = Record<
  string,
  { file: string; name?: string; src?: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[] }
>;
export interface PageFiles {
  /** The JS files the page loads before any import() runs. */
  start: string[];
  /** The further JS files the import() targets it runs load. */
  lazy: string[];
  /** The import() targets' own files the page does not run. */
  notRun: string[];
}
export interface Sized {
  files: { file: string; brotliBytes: number }[];
  brotliBytes: number;
}
export function readManifest(outDir: string): Manifest;
export function pageFiles(manifest: Manifest, html: string, runs?: RegExp): PageFiles;
export function brotliSize(bytes: Uint8Array): number;
export function sizeOf(outDir: string, files: string[]): Sized;
