import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Two static pages: launch.html (the EHR opens it with iss and launch) and index.html (the redirect URI).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        launch: fileURLToPath(new URL("launch.html", import.meta.url)),
      },
    },
  },
});
