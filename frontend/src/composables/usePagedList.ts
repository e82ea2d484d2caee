import { ref, watch, type Ref } from 'vue'
import { useRoute, useRouter, type LocationQueryRaw } from 'vue-router'
import type { Paged, Pagination } from '@/api/client'
import { useLatestCall } from './useLatest'

/** The API's default page size, and the first of the sizes a list offers. */
export const PAGE_SIZE = 20
export const PAGE_SIZES = [20, 50, 100]

export interface PagedListOptions {
  /** Rows per page (with `url`, `?page_size=` overrides it). */
  pageSize?: number
  /**
   * The view's own part of the URL (filters, tab…). With it the list opens at `?page=` and
   * `?page_size=`, and writes them after this part to the URL whenever it changes page or restarts.
   */
  url?: () => LocationQueryRaw
}

/**
 * A paged list: the rows, the page (total…), loading and error, the page number and size (an
 * `el-pagination`, see ListPager, changes them and the list loads that page). Only the latest
 * request's answer is shown. A page past the first that comes back empty (its rows acknowledged or
 * read meanwhile, or the URL named a page past the end) goes to the last page there is.
 */
export function usePagedList<T>(fetch: (page: number, pageSize: number) => Promise<Paged<T>>, options: PagedListOptions = {}) {
  const defaultSize = options.pageSize ?? PAGE_SIZE
  const route = options.url ? useRoute() : null
  const router = options.url ? useRouter() : null
  const pageNo = ref(Number(route?.query.page) || 1)
  const pageSize = ref(Number(route?.query.page_size) || defaultSize)
  const items = ref([]) as Ref<T[]>
  const page = ref<Pagination | null>(null)

  const { loading, error, load } = useLatestCall(
    () => fetch(pageNo.value, pageSize.value),
    (result) => {
      if (!result.items.length && pageNo.value > 1) {
        const last = result.page ? Math.ceil(result.page.total / pageSize.value) : pageNo.value - 1
        pageNo.value = Math.max(1, Math.min(pageNo.value - 1, last)) // the page watcher loads it
        return
      }
      items.value = result.items
      page.value = result.page
    },
  )

  /** The view's query, the page and the page size (each left out at its default) into the URL. */
  function syncUrl(): void {
    if (!options.url || !router) return
    const query = { ...options.url() }
    if (pageNo.value > 1) query.page = String(pageNo.value)
    if (pageSize.value !== defaultSize) query.page_size = String(pageSize.value)
    void router.replace({ query })
  }
  function reload(): void {
    syncUrl()
    void load()
  }
  /** The query changed (a filter, a tab, the scope): back to the first page and load it. */
  function restart(): void {
    if (pageNo.value !== 1) pageNo.value = 1 // the page watcher reloads
    else reload()
  }
  watch([pageNo, pageSize], reload)

  return { items, page, loading, error, pageNo, pageSize, load, restart, syncUrl }
}
