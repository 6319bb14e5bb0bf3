/** retention: deletes data older than `retention.maxAgeDays` on a schedule. */
export { type RetentionOptions, retentionCutoff, scheduleRetention } from './retention-schedule.js';
