import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Staff console. Built to web/dist, served by the server at `/` (SPA fallback to index.html).
// In development `/api` is proxied to a locally running server.
export default defineConfig({
  plugins: [react()],
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
});
