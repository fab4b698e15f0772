import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { portalPolicies } from './portal-policies.ts';

// Staff console and the residents' portal (portal.html, src/portal/), both built to web/dist; the
// server serves the console at `/` and the portal at `/portal` (SPA fallbacks to each html file).
// In development `/api` is proxied to a locally running server.
export default defineConfig(({ command }) => {
  // A build started by a test runner inherits NODE_ENV=test and would ship React's development
  // build (+55 KB gzipped, slower); Vite reads NODE_ENV after loading this file.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
  plugins: [react(), portalPolicies()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: process.env.MINSHENG_API ?? 'http://localhost:8080', changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      input: { index: 'index.html', portal: 'portal.html' },
      output: {
        // Long-lived vendor chunks so a deploy that only touches our code keeps the browser cache.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler)[\\/]/, priority: 20 },
            { name: 'i18n', test: /node_modules[\\/](i18next|react-i18next|html-parse-stringify|void-elements)[\\/]/, priority: 15 },
          ],
        },
      },
    },
  },
};
});
