// The metric shapes src/kube reports into. They are the slices of prom-client's Counter and Gauge
// that the runtime calls, so a caller passes real prom-client metrics (registered on a registry of
// its choosing) or simple test doubles; nothing here creates or registers a metric.

export type MetricLabels = Readonly<Record<string, string>>;

export interface CounterLike {
  inc(labels: MetricLabels, value?: number): void;
}

export interface GaugeLike {
  set(labels: MetricLabels, value: number): void;
}

export interface HistogramLike {
  observe(labels: MetricLabels, value: number): void;
}
