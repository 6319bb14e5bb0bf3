export { wrapAnthropic } from './anthropic.js';
export type { WrapOptions } from './instrument.js';
export { wrapOpenAI } from './openai.js';
