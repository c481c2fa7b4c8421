// Area under the ROC curve by the Mann–Whitney rank statistic: the probability
// that a random positive scores above a random negative (ties count half).

export function auc(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((s, i) => ({ s, p: positive[i] })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j].s === order[i].s) j++;
    const midRank = (i + 1 + j) / 2; // average 1-based rank of the tie group
    for (let k = i; k < j; k++) if (order[k].p) {
      rankSumPos += midRank;
      nPos++;
    }
    i = j;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
