// End-to-end smoke + screenshots against a running SPA (vite preview or dev) and API.
// BASE_URL (default http://127.0.0.1:4173), CHROMIUM (default /usr/bin/chromium). No browser download.
import { chromium } from 'playwright-core'

const BASE = process.env.BASE_URL || 'http://127.0.0.1:4173'
const OUT = new URL('../../docs/screenshots/', import.meta.url).pathname
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] })

async function signIn(page, username) {
  await page.goto(`${BASE}/login`)
  await page.fill('input[name=tenant]', 'demo')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', 'Demo@2026')
  await page.click('[data-test=login-submit]')
  await page.waitForSelector('[data-test=ticket-table], .el-empty', { timeout: 15000 })
}

const ctx1 = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
const page = await ctx1.newPage()
page.on('pageerror', (e) => console.error('pageerror', e.message))
await signIn(page, 'project_agent')
console.log('project_agent menu:', (await page.locator('.el-menu-item').allInnerTexts()).join(' | '))

// Intake: phone → customer, complaint, title, description, Ctrl+Enter saves.
await page.goto(`${BASE}/tickets/new`)
await page.waitForSelector('input[data-test=phone]')
const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-test') === 'phone')
console.log('phone autofocused:', focused)
const phone = process.env.PHONE || '13813074674'
await page.keyboard.type(phone)
await page.keyboard.press('Enter')
await page.waitForSelector('[data-test=customer]', { timeout: 5000 }).catch(() => console.log('no customer found for', phone))
const title = `业主投诉：地下车库渗水 ${Date.now() % 100000}`
await page.fill('input[data-test=title]', title)
await page.fill('textarea[data-test=description]', '业主来电反映地下车库B2层顶板渗水，车辆被污染，要求尽快处理并赔偿洗车费用。')
await page.screenshot({ path: `${OUT}intake.png` })
await page.focus('textarea[data-test=description]')
await page.keyboard.press('Control+Enter')
await page.waitForSelector('[data-test=intake-saved]', { timeout: 10000 })
console.log('saved:', await page.locator('[data-test=intake-saved] .el-result__title').innerText())

await page.goto(`${BASE}/tickets`)
await page.waitForSelector('[data-test=ticket-table]')
const listed = await page.locator(`text=${title}`).count()
console.log('new ticket in list:', listed > 0)
await page.locator(`text=${title}`).first().click()
await page.waitForSelector('[data-test=sla]')
await page.waitForFunction(() => [...document.querySelectorAll('.page-header h2')].some((h) => h.textContent.includes('DEMO-')))
console.log('ticket page:', await page.locator('.page-header h2', { hasText: 'DEMO-' }).innerText())
await page.screenshot({ path: `${OUT}ticket.png` })

// A project agent has no escalation.handle: the inbox is a no-permission page.
await page.goto(`${BASE}/escalations`)
await page.waitForSelector('[data-test=forbidden]')
console.log('escalations as project_agent: forbidden page')

// hq_crm sees every project.
const ctx2 = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
const hq = await ctx2.newPage()
await signIn(hq, 'hq_crm')
await hq.goto(`${BASE}/tickets?page_size=100`)
await hq.waitForSelector('[data-test=ticket-table]')
const projects = new Set((await hq.locator('.el-table__body tr td:nth-child(5)').allInnerTexts()).map((s) => s.trim()))
console.log('hq_crm menu:', (await hq.locator('.el-menu-item').allInnerTexts()).join(' | '))
console.log('hq_crm sees projects:', [...projects].join(', '))
await hq.screenshot({ path: `${OUT}tickets.png` })

await browser.close()
