/** The activity log: a decision record for every inbound message that reached the rules. */
export { ActivityLog, MAX_PREVIEW } from './activity-log.js';
export type { ActivityEntry, ReadonlyActivityEntry, NewActivityEntry, ActivityPatch, ActivityQuery, ActivityLogOptions, ActivityLogEvents } from './activity-log.js';
export { toActivityView, VIEW_PREVIEW_CHARS } from './views.js';
