// Visible strings of this feature: `zh` is the default, `en` is typed against it (no key goes missing).
// Wired into the locale files as the top-level key of the feature (see `src/i18n/zh-CN.ts`).
export const zh = {
  title: '通知',
  all: '全部',
  unread: '未读',
  markRead: '标为已读',
  markAllRead: '全部标为已读',
  markedAll: '已将 {n} 条通知标为已读',
  openTicket: '查看工单',
  openAlerts: '查看预警',
  empty: '暂无通知',
  emptyUnread: '没有未读通知',
  kinds: {
    escalation: '升级',
    escalation_reminder: '催办',
    group_complaint_alert: '群诉预警',
    sla_breached: '超时',
    sla_digest: '超时汇总',
  },
}

export const en: typeof zh = {
  title: 'Notifications',
  all: 'All',
  unread: 'Unread',
  markRead: 'Mark read',
  markAllRead: 'Mark all read',
  markedAll: '{n} notification(s) marked read',
  openTicket: 'Open ticket',
  openAlerts: 'Open alerts',
  empty: 'No notifications',
  emptyUnread: 'No unread notifications',
  kinds: {
    escalation: 'Escalation',
    escalation_reminder: 'Reminder',
    group_complaint_alert: 'Group complaint',
    sla_breached: 'Overdue',
    sla_digest: 'Overdue digest',
  },
}
