// ECharts options of the dashboard, built from plain, already translated data (the charts
// registered in `ChartCard.vue` are exactly the ones used here).
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, GaugeSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'

export type ChartOption = ComposeOption<
  BarSeriesOption | GaugeSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

export interface Datum {
  label: string
  value: number
}

/** A 0..1 rate in percent with one decimal; "—" when there is none. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
}

/** Axis labels stay inside the chart (long names are cut rather than clipped at the edge). */
const GRID = { outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' } as const

const BLUE = '#409eff'
const GREEN = '#67c23a'
const ORANGE = '#e6a23c'

/** A donut, each slice labelled with its name and count. */
export function donut(name: string, slices: Datum[]): ChartOption {
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    series: [{
      name,
      type: 'pie',
      radius: ['35%', '55%'],
      label: { formatter: '{b}\n{c}', lineHeight: 16 },
      labelLine: { length: 8, length2: 6 },
      data: slices.map((s) => ({ name: s.label, value: s.value })),
    }],
  }
}

/** Vertical bars, one per category, in the given order. */
export function columns(name: string, bars: Datum[]): ChartOption {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { ...GRID, left: 8, right: 8, top: 24, bottom: 8 },
    xAxis: { type: 'category', data: bars.map((b) => b.label), axisLabel: { interval: 0, width: 56, overflow: 'break' } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name, type: 'bar', barMaxWidth: 36, label: { show: true, position: 'top' }, itemStyle: { color: BLUE }, data: bars.map((b) => b.value) }],
  }
}

/** Horizontal bars, the first on top; long names are cut. */
export function ranking(name: string, bars: Datum[], color = BLUE): ChartOption {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { ...GRID, left: 8, right: 40, top: 8, bottom: 8 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: bars.map((b) => b.label), axisLabel: { width: 110, overflow: 'truncate' } },
    series: [{ name, type: 'bar', barMaxWidth: 20, label: { show: true, position: 'right' }, itemStyle: { color }, data: bars.map((b) => b.value) }],
  }
}

export interface Week {
  label: string
  created: number
  resolved: number
}

/** Two lines per week: created and resolved. */
export function trend(names: { created: string; resolved: string }, weeks: Week[]): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { ...GRID, left: 8, right: 16, top: 32, bottom: 8 },
    xAxis: { type: 'category', boundaryGap: false, data: weeks.map((w) => w.label) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: names.created, type: 'line', symbolSize: 7, itemStyle: { color: BLUE }, data: weeks.map((w) => w.created) },
      { name: names.resolved, type: 'line', symbolSize: 7, itemStyle: { color: GREEN }, data: weeks.map((w) => w.resolved) },
    ],
  }
}

export interface Rate {
  /** Shown under the dial, e.g. "响应 18/20". */
  label: string
  /** 0..1, or null when nothing was due. */
  rate: number | null
}

/** One dial per rate, side by side, in percent; a rate without data reads "—". */
export function dials(rates: Rate[]): ChartOption {
  const width = 100 / rates.length
  return {
    series: rates.map((r, i): GaugeSeriesOption => ({
      type: 'gauge',
      center: [`${width * i + width / 2}%`, '55%'],
      radius: `${Math.min(80, width * 1.15)}%`,
      min: 0,
      max: 100,
      progress: { show: true, width: 12, itemStyle: { color: r.rate !== null && r.rate < 0.9 ? ORANGE : GREEN } },
      axisLine: { lineStyle: { width: 12 } },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: { show: false },
      pointer: { show: false },
      anchor: { show: false },
      title: { offsetCenter: [0, '78%'], fontSize: 13 },
      detail: { offsetCenter: [0, '10%'], fontSize: 22, fontWeight: 600, formatter: () => percent(r.rate) },
      data: [{ name: r.label, value: r.rate === null ? 0 : Math.round(r.rate * 1000) / 10 }],
    })),
  }
}
