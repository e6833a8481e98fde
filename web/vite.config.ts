import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The build is served by web/server behind the Envoy gateway (same origin as the gRPC-web API). `npm run
// dev` proxies the API and /config.json to a running `make run` stack (FITCOACH_GATEWAY_URL).
const gateway = process.env.FITCOACH_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/fitcoach.": gateway,
      "/config.json": gateway,
      "/auth/dev/": gateway,
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
