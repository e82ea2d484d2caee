// SLA targets are minutes in the API; people think in minutes, hours and days.
export type DurationUnit = 'days' | 'hours' | 'minutes'
export const DURATION_UNITS: { unit: DurationUnit; minutes: number }[] = [
  { unit: 'days', minutes: 24 * 60 },
  { unit: 'hours', minutes: 60 },
  { unit: 'minutes', minutes: 1 },
]

/** The largest unit that states `minutes` exactly: 1440 → 1 day, 90 → 90 minutes. */
export function splitMinutes(minutes: number): { value: number; unit: DurationUnit } {
  const found = DURATION_UNITS.find((u) => minutes > 0 && minutes % u.minutes === 0) ?? DURATION_UNITS[2]!
  return { value: minutes / found.minutes, unit: found.unit }
}

export function toMinutes(value: number, unit: DurationUnit): number {
  return value * DURATION_UNITS.find((u) => u.unit === unit)!.minutes
}
