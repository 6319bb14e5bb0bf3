export {
  assertOptions,
  describe,
  type Field,
  isPlainObject,
  problemsOf,
  type Shape,
  WitnessConfigError,
  warnOnce,
  warnOptions,
} from './check-options.js';
export {
  agentShape,
  batchShape,
  decisionShape,
  exporterShape,
  governanceShape,
  initShape,
  isHttpUrl,
  llmShape,
  toolShape,
  witnessShape,
  wrapShape,
} from './option-shapes.js';
