import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const contracts = fileURLToPath(new URL('../../packages/contracts/src/index.ts', import.meta.url));
// `npm run dev -w @netra/web` proxies the API and the socket to a gateway (default: `npm start` on :3000).
const gateway = process.env.NETRA_GATEWAY_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The wire types and their zod schemas come from the contracts' sources, so the browser validates frames with
    // exactly the schemas the gateway uses.
    alias: { '@netra/contracts': contracts },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names under /assets/ are what the gateway serves as immutable.
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: gateway, changeOrigin: true },
      '/ws': {
        target: gateway,
        ws: true,
        changeOrigin: true,
        // The gateway accepts browser upgrades from its own origin only (or CORS_ORIGINS): present the proxied
        // upgrade as same-origin, so development needs no backend setting.
        configure: (proxy) => {
          proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', gateway));
        },
      },
    },
  },
});
