import type { ExporterConfig, ExportSignal } from '../config/index.js';
import type { MetricPoint } from '../metrics/index.js';
import type { LogRecord, SpanRecord } from '../model/index.js';

export type ExportFilterSpec = ExporterConfig['filter'];

/** The parts of a batch one exporter takes, or null when it takes nothing of it. */
export interface FilteredRecords {
  spans: SpanRecord[];
  logs: LogRecord[];
  points: MetricPoint[];
}

/**
 * An exporter's filter, compiled once: lists are ORs, the lists together an AND; an empty list passes
 * everything. Kinds apply to spans only (logs and metric points have no Witness kind).
 */
export class ExportFilter {
  private readonly projects: ReadonlySet<string> | null;
  private readonly services: ReadonlySet<string> | null;
  private readonly kinds: ReadonlySet<string> | null;

  constructor(
    spec: ExportFilterSpec,
    private readonly signals: ReadonlySet<ExportSignal>,
  ) {
    this.projects = spec.projects.length > 0 ? new Set(spec.projects) : null;
    this.services = spec.services.length > 0 ? new Set(spec.services) : null;
    this.kinds = spec.kinds.length > 0 ? new Set(spec.kinds) : null;
  }

  takesProject(project: string): boolean {
    return this.projects === null || this.projects.has(project);
  }

  takes(signal: ExportSignal): boolean {
    return this.signals.has(signal);
  }

  /** The records of one project's batch this exporter forwards (the same arrays when nothing is cut). */
  select(
    project: string,
    spans: readonly SpanRecord[],
    logs: readonly LogRecord[],
    points: readonly MetricPoint[],
  ): FilteredRecords | null {
    if (!this.takesProject(project)) return null;
    const services = this.services;
    const kinds = this.kinds;
    const s = !this.signals.has('spans')
      ? []
      : services === null && kinds === null
        ? (spans as SpanRecord[])
        : spans.filter(
            (r) =>
              (services === null || services.has(r.serviceName)) && (kinds === null || kinds.has(r.kind)),
          );
    const l = !this.signals.has('logs')
      ? []
      : services === null
        ? (logs as LogRecord[])
        : logs.filter((r) => services.has(r.serviceName));
    const p = !this.signals.has('metrics')
      ? []
      : services === null
        ? (points as MetricPoint[])
        : points.filter((r) => services.has(r.serviceName));
    if (s.length === 0 && l.length === 0 && p.length === 0) return null;
    return { spans: s, logs: l, points: p };
  }
}
