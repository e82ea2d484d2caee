import { describe, expect, it } from 'vitest'
import { BAR_COLOR, FLAGGED_COLOR, chartHeight, rankingOption } from '@/features/contractors/charts'
import type { ScorecardRow } from '@/features/contractors/store'

function row(contractor_name: string, rank: number | null, avg: number | null, flagged = false): ScorecardRow {
  return {
    region_id: 2, region_name: '华东区域', contractor_id: contractor_name.length, contractor_name, trades: ['general'],
    jobs: 5, on_time_jobs: 5, on_time_rate: 1, scored_jobs: avg === null ? 0 : 5, avg_satisfaction: avg, reopened_jobs: 0,
    reopen_rate: 0, cost_total: '1000.00', bonus_penalty: '10.00', rank, ranked_in_region: 4, flagged,
  }
}

const words = { series: '平均满意度', label: (rank: number, avg: string) => `第${rank}名 · ${avg}` }

type Any = any // the option's parts, read without ECharts' unions

describe('scorecard ranking chart option', () => {
  const rows = [
    row('甲', 1, 4.8),
    row('乙', 2, 4.2),
    row('丙', 2, 4.2),
    row('丁', 4, 2.5, true),
    row('戊', null, null),
  ]
  const option = rankingOption(rows, words) as Any
  const data = option.series[0].data as Any[]

  it('draws one bar per ranked contractor, best on top, ties by name; unscored ones left out', () => {
    expect(option.yAxis.data).toEqual(['甲', '丙', '乙', '丁'])
    expect(option.yAxis.inverse).toBe(true)
    expect(data.map((d) => d.value)).toEqual([4.8, 4.2, 4.2, 2.5])
    expect(option.xAxis).toMatchObject({ type: 'value', min: 0, max: 5 })
  })

  it('labels each bar with its rank: equal averages share it', () => {
    expect(data.map((d) => d.label.formatter)).toEqual(['第1名 · 4.80', '第2名 · 4.20', '第2名 · 4.20', '第4名 · 2.50'])
  })

  it('colours the flagged (末位) bars red and the others blue', () => {
    expect(data.map((d) => d.itemStyle.color)).toEqual([BAR_COLOR, BAR_COLOR, BAR_COLOR, FLAGGED_COLOR])
    expect(data[3].label.color).toBe(FLAGGED_COLOR)
    expect(FLAGGED_COLOR).not.toBe(BAR_COLOR)
  })

  it('sorts by rank whatever the order it is given', () => {
    const shuffled = rankingOption([rows[3]!, rows[4]!, rows[0]!], words) as Any
    expect(shuffled.yAxis.data).toEqual(['甲', '丁'])
    expect(shuffled.series[0].name).toBe('平均满意度')
  })

  it('grows with the number of bars', () => {
    expect(chartHeight(10)).toBeGreaterThan(chartHeight(2))
    expect(chartHeight(0)).toBe(chartHeight(1))
  })
})
