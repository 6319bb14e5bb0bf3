export {
  BAGGAGE,
  type Carrier,
  continueTrace,
  extract,
  getBaggage,
  inject,
  TRACEPARENT,
  TRACESTATE,
  W3CPropagator,
  withBaggage,
} from './w3c.js';
