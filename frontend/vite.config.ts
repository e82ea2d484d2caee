/// <reference types="vitest/config" />
import { defineConfig, loadEnv } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// `/api` goes to the Flask API, in `vite` (dev) and in `vite preview` (the built SPA).
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '')
  const target = process.env.SERVICEHUB_API || env.SERVICEHUB_API || 'http://127.0.0.1:8000'
  const proxy = { '/api': { target, changeOrigin: false } }
  return {
    plugins: [vue()],
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    server: { port: 5173, strictPort: true, proxy },
    preview: { port: 4173, proxy },
    build: { chunkSizeWarningLimit: 1500 },
    test: {
      environment: 'jsdom',
      include: ['tests/**/*.spec.ts'],
      restoreMocks: true,
    },
  }
})
