import { defineStore } from 'pinia'
import { api, paged, unwrap, type Paged, type Schemas } from '@/api/client'
import type { paths } from '@/api/schema'

export type Customer = Schemas['Customer']
export type CustomerCreate = Schemas['CustomerCreate']
export type CustomerUpdate = Schemas['CustomerUpdate']
export type CustomerQuery = NonNullable<paths['/api/v1/customers']['get']['parameters']['query']>
export type TimelineEntry = Schemas['TimelineEntry']
export type Property = Schemas['Property']
export type Ownership = Schemas['Ownership']
/** A unit the customer holds or held: the relation (业主 / 共有人 / 住户), the unit and its project. */
export type Holding = Schemas['Holding']

export const STAGES = ['prospect', 'pending_owner', 'break_in', 'stable', 'veteran', 'lost'] as const
export const TIERS = ['normal', 'vip', 'key_account'] as const
export const KINDS = ['person', 'company'] as const
export const SOURCE_CHANNELS = ['walk_in', 'phone', 'referral', 'online', 'event', 'sales_office', 'import', 'other'] as const

/** Customer files (一户一档): every call of the feature goes through here (components never fetch). */
export const useCustomerStore = defineStore('customers', () => {
  async function list(query: CustomerQuery): Promise<Paged<Customer>> {
    return paged<Customer>(await api.GET('/api/v1/customers', { params: { query } }))
  }

  /** The file, phone and ID number masked (`pii_revealable` says whether `reveal` may unmask them). */
  async function get(id: number): Promise<Customer> {
    return unwrap(await api.GET('/api/v1/customers/{customer_id}', { params: { path: { customer_id: id } } })) as Customer
  }

  /** The file with phone and ID number unmasked: the API writes each reveal to the audit log; 403 without customer.pii. */
  async function reveal(id: number): Promise<Customer> {
    return unwrap(
      await api.GET('/api/v1/customers/{customer_id}', { params: { path: { customer_id: id }, query: { reveal: true } } }),
    ) as Customer
  }

  /**
   * A phone already on file answers 409; `errors.existing_customer_id` names that file when the
   * caller may read it (a file of another project or region is not named).
   */
  async function create(body: CustomerCreate): Promise<Customer> {
    return unwrap(await api.POST('/api/v1/customers', { body })) as Customer
  }

  async function update(id: number, changes: CustomerUpdate): Promise<Customer> {
    return unwrap(await api.PATCH('/api/v1/customers/{customer_id}', { params: { path: { customer_id: id } }, body: changes })) as Customer
  }

  async function timeline(id: number, page = 1, pageSize = 20): Promise<Paged<TimelineEntry>> {
    return paged<TimelineEntry>(await api.GET('/api/v1/customers/{customer_id}/timeline', {
      params: { path: { customer_id: id }, query: { page, page_size: pageSize } },
    }))
  }

  /** The customer's units (current relations first) in the projects the caller reaches, in one call. */
  async function holdings(customerId: number): Promise<Holding[]> {
    return unwrap(await api.GET('/api/v1/customers/{customer_id}/properties', { params: { path: { customer_id: customerId } } })) as Holding[]
  }

  return { list, get, reveal, create, update, timeline, holdings }
})
