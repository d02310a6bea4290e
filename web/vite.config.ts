// Builds the dashboard into web/dist: hashed files under assets/ (cached for a year by the
// server), index.html revalidated on every load.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 200,
  },
  server: {
    // `npm run dev:web` against a running `upbeat serve` on the default address.
    proxy: { "/api": { target: "http://127.0.0.1:8080", changeOrigin: false }, "/pages": "http://127.0.0.1:8080" },
  },
});
