// Visible strings of this feature: `zh` is the default, `en` is typed against it (no key goes missing).
// Wired into the locale files as the top-level key of the feature (see `src/i18n/zh-CN.ts`).
export const zh = {}

export const en: typeof zh = {}
