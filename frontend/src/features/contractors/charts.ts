// The scorecard's ranking chart, built from one region's rows and already translated words (the
// chart types registered in `ScorecardChart.vue` are exactly the ones used here).
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption } from 'echarts/charts'
import type { GridComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ScorecardRow } from './store'

export type ChartOption = ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption>

export const BAR_COLOR = '#409eff'
/** 末位: the flagged contractors' bars. */
export const FLAGGED_COLOR = '#f56c6c'

export interface RankingWords {
  /** The series' name (平均满意度). */
  series: string
  /** A bar's label from its rank and average, e.g. "第2名 · 4.22". */
  label: (rank: number, average: string) => string
}

/** The ranked rows of a region, best first (equal ranks by name): the chart shows only these. */
export function rankedRows(rows: ScorecardRow[]): ScorecardRow[] {
  return rows
    .filter((r) => r.rank !== null && r.avg_satisfaction !== null)
    .sort((a, b) => (a.rank as number) - (b.rank as number) || a.contractor_name.localeCompare(b.contractor_name, 'zh-CN'))
}

/** Pixels: one bar row each, plus the axis. */
export function chartHeight(bars: number): number {
  return 48 + Math.max(1, bars) * 30
}

/**
 * Horizontal bars, one per ranked contractor of the region, best on top: the length is the average
 * satisfaction (axis 0–5), the label its rank (equal averages share one) and average, and a flagged
 * contractor's bar is red.
 */
export function rankingOption(rows: ScorecardRow[], words: RankingWords): ChartOption {
  const ranked = rankedRows(rows)
  return {
    // A ranking is read, not watched: the bars stand at once (also in screenshots of the page).
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { outerBoundsMode: 'same', outerBoundsContain: 'axisLabel', left: 8, right: 96, top: 8, bottom: 8 },
    xAxis: { type: 'value', min: 0, max: 5, interval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: ranked.map((r) => r.contractor_name),
      axisLabel: { width: 120, overflow: 'truncate' },
    },
    series: [{
      name: words.series,
      type: 'bar',
      barMaxWidth: 18,
      data: ranked.map((r) => ({
        value: r.avg_satisfaction as number,
        itemStyle: { color: r.flagged ? FLAGGED_COLOR : BAR_COLOR },
        label: {
          show: true,
          position: 'right',
          color: r.flagged ? FLAGGED_COLOR : undefined,
          formatter: words.label(r.rank as number, (r.avg_satisfaction as number).toFixed(2)),
        },
      })),
    }],
  }
}
