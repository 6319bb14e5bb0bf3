/** scores: evaluation scores from telemetry (ScoreSink) and the API (scoreRoutes); see docs/scores.md. */
export { ScoreSink } from './score-sink.js';
export { type ScoreRoutesOptions, scoreRoutes } from './score-routes.js';
export { targetFields } from './score-target.js';
