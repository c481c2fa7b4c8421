// The figures that say whether the built-in task and the shipped models meet
// the paper's preconditions (shared DESIGN.md, "Built-in task"), from one
// sampling of the pool: how diverse the LM's samples are (distinct texts per
// prompt), how well similarity to the target separates right from wrong samples
// (AUC), and how many of the negatives the reference filter selects are really
// wrong at each a% (data accuracy, paper Fig. 5's left axis).
import { auc } from '../contrast/auc';
import { dataAccuracyCurve, rankCandidates, selectNegatives, PAPER_FILTER, type Ranking, type SimilarityTable } from '../contrast/filter';

export interface TaskFigures {
  prompts: number;
  samplesPerPrompt: number;
  /** Distinct sample texts per prompt: median and 10th percentile. */
  distinctMedian: number;
  distinctP10: number;
  /** Share of samples the verifier accepts. */
  sampleAccuracy: number;
  /** AUC of cosine(sample, target) separating verifier-correct from wrong samples, over all samples. */
  auc: number;
  /** Share of prompts that give pairs at the paper's setting (a = 25%, M = 8, reference rule). */
  pairsAtM8: number;
  /** Data accuracy of the selected negatives (M = 1) per a%. */
  dataAccuracy: { a: number; accuracy: number; negatives: number }[];
  /**
   * The same with a perfect encoder (every wrong sample less similar than every right one): the most any
   * encoder can reach under the reference rule, which always takes its K least similar texts — on a prompt
   * with fewer than K wrong distinct texts some negatives are right answers whatever the similarity.
   */
  dataAccuracyCeiling: { a: number; accuracy: number; negatives: number }[];
}

export const FIGURE_A_VALUES = [6.25, 12.5, 25, 50, 100];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** `correct[i]` is the verifier's verdict on sample i of the table (1 = right). */
export function taskFigures(table: SimilarityTable, ranking: Ranking, correct: Uint8Array, seed = 1): TaskFigures {
  const P = table.offsets.length - 1;
  const distinct: number[] = [];
  for (let p = 0; p < P; p++) {
    let d = 0;
    for (let i = table.offsets[p]; i < table.offsets[p + 1]; i++) d += table.firstCopy[i];
    distinct.push(d);
  }
  const labels = Array.from(correct, (c) => c === 1);
  const m8 = selectNegatives(table, ranking, { ...PAPER_FILTER, m: 8, seed });
  return {
    prompts: P,
    samplesPerPrompt: P ? table.offsets[1] - table.offsets[0] : 0,
    distinctMedian: quantile(distinct, 0.5),
    distinctP10: quantile(distinct, 0.1),
    sampleAccuracy: labels.filter(Boolean).length / Math.max(1, labels.length),
    auc: auc(Array.from(table.similarity), labels),
    pairsAtM8: m8.promptsKept / Math.max(1, P),
    dataAccuracy: dataAccuracyCurve(table, ranking, correct, { ...PAPER_FILTER, m: 1, seed }, FIGURE_A_VALUES),
    dataAccuracyCeiling: dataAccuracyCurve(perfectTable(table, correct), rankCandidates(perfectTable(table, correct), 'reference'), correct, { ...PAPER_FILTER, m: 1, seed }, FIGURE_A_VALUES),
  };
}

/** The table as a perfect encoder would score it: right samples above wrong ones, the encoder's order within each. */
export function perfectTable(table: SimilarityTable, correct: Uint8Array): SimilarityTable {
  const similarity = Float32Array.from(table.similarity, (s, i) => s + (correct[i] ? 4 : 0));
  const rank = new Int32Array(similarity.length);
  for (let p = 0; p + 1 < table.offsets.length; p++) {
    for (let i = table.offsets[p]; i < table.offsets[p + 1]; i++) {
      let below = 0;
      for (let j = table.offsets[p]; j < table.offsets[p + 1]; j++) if (similarity[j] < similarity[i]) below++;
      rank[i] = below;
    }
  }
  return { ...table, similarity, rank };
}
