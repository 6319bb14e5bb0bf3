/**
 * alerting: alert rules, the alert state machine, notifications (webhook, Slack, PagerDuty,
 * Alertmanager) with grouping and silences, and the loop that drives them with the SLO evaluator.
 */
export {
  AlertEngine,
  AlertEngineError,
  type AlertEngineOptions,
  type AlertingConfig,
  type AlertRecord,
  expand,
  fingerprintOf,
  MAX_POLICY_ALERTS,
  type PolicyAlertInput,
} from './alert-engine.js';
export { type AlertEvent, type AlertInstance, type AlertInput, stepAlert } from './alert-state.js';
export {
  alertmanagerPayload,
  type NotificationGroup,
  type NotifiedAlert,
  pagerDutyDedupKey,
  pagerDutyPayload,
  slackPayload,
  webhookPayload,
} from './notify/payloads.js';
export { planNotifications, type GroupState } from './notify/plan.js';
export {
  buildRequest,
  SIGNATURE_HEADER,
  type SendResult,
  sendNotification,
  signBody,
} from './notify/send.js';
export { alertingRoutes } from './routes.js';
export { anomalyConditions, compare, evaluateRules } from './rule-evaluator.js';
export { matches, matchesAll, silenceFromBody } from './silences.js';
