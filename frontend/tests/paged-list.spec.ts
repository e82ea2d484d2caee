import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import type { Paged, Pagination } from '@/api/client'
import { useLatest } from '@/composables/useLatest'
import { usePagedList, type PagedListOptions } from '@/composables/usePagedList'
import ListPager from '@/layout/ListPager.vue'

/** A fetcher answering from a list of `total` numbers, and the pages it was asked for. */
function numbers(total: number) {
  const asked: Array<[number, number]> = []
  const fetch = vi.fn(async (page: number, size: number): Promise<Paged<number>> => {
    asked.push([page, size])
    const from = (page - 1) * size
    const items = Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i + 1)
    return { items, page: { total, total_pages: Math.ceil(total / size), page } }
  })
  return {
    asked,
    fetch,
    shrink(to: number) {
      total = to
    },
  }
}

/** A fetcher whose answers the test hands out, in any order. */
function controlled() {
  const calls: Array<{ page: number; resolve: (r: Paged<string>) => void; reject: (e: unknown) => void }> = []
  const fetch = (page: number) => new Promise<Paged<string>>((resolve, reject) => calls.push({ page, resolve, reject }))
  return { calls, fetch }
}
const answer = (items: string[], total = items.length): Paged<string> => ({ items, page: { total, total_pages: Math.ceil(total / 20), page: 1 } })

/** The list inside a component (the URL option needs the router); returns its state. */
async function mounted<T>(fetch: (page: number, size: number) => Promise<Paged<T>>, options: PagedListOptions, url: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', component: { render: () => null } }] })
  await router.push(url)
  let list!: ReturnType<typeof usePagedList<T>>
  const Host = defineComponent({
    setup() {
      list = usePagedList(fetch, options)
      return () => h('div')
    },
  })
  mount(Host, { global: { plugins: [router] } })
  return { list, router }
}

describe('usePagedList', () => {
  it('loads the page asked for, then the one the pager moves to, at the page size', async () => {
    const api = numbers(45)
    const { items, page, pageNo, load } = usePagedList(api.fetch)
    await load()
    expect(api.asked).toEqual([[1, 20]])
    expect(items.value).toHaveLength(20)
    expect(page.value?.total).toBe(45)

    pageNo.value = 3
    await flushPromises()
    expect(api.asked.at(-1)).toEqual([3, 20])
    expect(items.value).toEqual([41, 42, 43, 44, 45])
  })

  it('restarts at the first page with one request', async () => {
    const api = numbers(45)
    const { pageNo, load, restart } = usePagedList(api.fetch, { pageSize: 10 })
    await load()
    pageNo.value = 4
    await flushPromises()
    api.asked.length = 0
    restart()
    await flushPromises()
    expect(pageNo.value).toBe(1)
    expect(api.asked).toEqual([[1, 10]])
    restart() // already on the first page: loads it again
    await flushPromises()
    expect(api.asked).toEqual([[1, 10], [1, 10]])
  })

  it('goes back to the last page there is when its page came back empty', async () => {
    const api = numbers(41)
    const { items, pageNo, load } = usePagedList(api.fetch)
    pageNo.value = 3
    await flushPromises()
    expect(items.value).toEqual([41])

    api.shrink(40) // the last row was acknowledged meanwhile
    await load()
    await flushPromises()
    expect(pageNo.value).toBe(2)
    expect(api.asked.slice(-2)).toEqual([[3, 20], [2, 20]])
    expect(items.value).toHaveLength(20)
    expect(items.value[0]).toBe(21)

    api.shrink(0) // everything went: straight to the first page, not one page at a time
    pageNo.value = 3
    await flushPromises()
    expect(api.asked.slice(-2)).toEqual([[3, 20], [1, 20]])
    expect(pageNo.value).toBe(1)
    expect(items.value).toEqual([])
  })

  it('never lets an earlier, slower answer overwrite a newer one', async () => {
    const api = controlled()
    const { items, loading, load } = usePagedList(api.fetch)
    const first = load()
    const second = load()
    api.calls[1]!.resolve(answer(['new']))
    await second
    expect(items.value).toEqual(['new'])
    expect(loading.value).toBe(false)
    api.calls[0]!.resolve(answer([])) // an empty stale page does not move the page either
    await first
    expect(items.value).toEqual(['new'])
  })

  it('keeps the rows and shows the error of a failed load; the next load clears it', async () => {
    const api = controlled()
    const { items, error, loading, load } = usePagedList(api.fetch)
    const ok = load()
    api.calls[0]!.resolve(answer(['a']))
    await ok
    const failing = load()
    expect(loading.value).toBe(true)
    api.calls[1]!.reject(new Error('boom'))
    await failing
    expect((error.value as Error).message).toBe('boom')
    expect(loading.value).toBe(false)
    expect(items.value).toEqual(['a'])

    const retry = load()
    expect(error.value).toBeNull()
    api.calls[2]!.resolve(answer(['b']))
    await retry
    expect(items.value).toEqual(['b'])

    // A stale failure is dropped like a stale answer.
    const stale = load()
    const fresh = load()
    api.calls[4]!.resolve(answer(['c']))
    await fresh
    api.calls[3]!.reject(new Error('late'))
    await stale
    expect(error.value).toBeNull()
    expect(items.value).toEqual(['c'])
  })

  it('reads the page and page size from the URL and writes them after the view query', async () => {
    const api = numbers(200)
    const view = { tab: 'all' }
    const { list, router } = await mounted(api.fetch, { url: () => (view.tab === 'all' ? { view: 'all' } : {}) }, '/list?view=all&page=3&page_size=50')
    await list.load()
    expect(api.asked).toEqual([[3, 50]])

    list.pageNo.value = 4
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ view: 'all', page: '4', page_size: '50' })

    view.tab = 'pending'
    list.pageSize.value = 20
    list.restart()
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({})
    expect(api.asked.at(-1)).toEqual([1, 20])
  })
})

describe('ListPager', () => {
  const pager = (page: Pagination | null, sizes: boolean) =>
    mount(ListPager, { props: { page, sizes, pageNo: 1, pageSize: 20 }, global: { plugins: [ElementPlus] } })

  it('with sizes shows as soon as there is a row; without, only for more than one page', async () => {
    expect(pager({ total: 5, total_pages: 1, page: 1 }, true).find('.el-pagination__sizes').exists()).toBe(true)
    expect(pager({ total: 0, total_pages: 0, page: 1 }, true).find('.el-pagination').exists()).toBe(false)
    expect(pager({ total: 20, total_pages: 1, page: 1 }, false).find('.el-pagination').exists()).toBe(false)
    const two = pager({ total: 21, total_pages: 2, page: 1 }, false)
    expect(two.find('.el-pagination').exists()).toBe(true)
    expect(two.find('.el-pagination__sizes').exists()).toBe(false)
    expect(pager(null, true).find('.el-pagination').exists()).toBe(false)
  })

  it('hands the page picked to v-model', async () => {
    const wrapper = pager({ total: 45, total_pages: 3, page: 1 }, false)
    await wrapper.findAll('.el-pager li').find((li) => li.text() === '3')!.trigger('click')
    await nextTick()
    expect(wrapper.emitted('update:pageNo')?.[0]).toEqual([3])
  })
})

describe('useLatest', () => {
  it('keeps the latest answer when an earlier, slower one arrives after it', async () => {
    const pending: Array<(value: string) => void> = []
    const { data, loading, load } = useLatest(() => new Promise<string>((resolve) => pending.push(resolve)), '')
    const first = load()
    const second = load()
    pending[1]('new')
    await second
    expect(data.value).toBe('new')
    expect(loading.value).toBe(false)
    pending[0]('old')
    await first
    expect(data.value).toBe('new')
  })
})
