// The shape every benchmark returns and every results file stores.

export type Metric = {
  key: string;
  value: number;
  unit: string;
  better: "higher" | "lower";
  /** The value the metric should reach (≤ for lower-is-better, ≥ for higher-is-better). */
  target?: number;
};

export type BenchmarkResult = { metrics: Metric[] };

/** The default export of bench/<name>.ts. */
export type Benchmark = () => Promise<BenchmarkResult>;

export type ResultsFile = {
  name: string;
  date: string;
  machine: { cpus: number; node: string };
  metrics: Metric[];
};
