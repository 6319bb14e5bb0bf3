/**
 * Prometheus remote write 1.0 (prompb/remote.proto and types.proto, field numbers as published):
 * WriteRequest → TimeSeries (labels sorted by name, `__name__` among them) → Samples.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
`;

export const WriteRequest = protobuf
  .parse(PROTO, { keepCase: true })
  .root.lookupType('prometheus.WriteRequest');
