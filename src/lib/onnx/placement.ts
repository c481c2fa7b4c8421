// Reads ORT's verbose session log (logSeverityLevel 0) for where each node was
// placed, so the lab can show — and tests can assert — which nodes did not run
// on the requested execution provider.

export interface PlacedNode {
  opType: string;
  name: string;
}

export interface NodePlacement {
  /** Node count per execution provider, as ORT names them (JsExecutionProvider is WebGPU). */
  counts: Record<string, number>;
  /** Nodes ORT put on its CPU provider. */
  cpuNodes: PlacedNode[];
}

const HEADER = /Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)/;
const NODE = /VerifyEachNodeIsAssignedToAnEp\]\s{2,}(\w+) \((.*)\)\s*$/;

export function parseNodePlacement(lines: readonly string[]): NodePlacement {
  const counts: Record<string, number> = {};
  const cpuNodes: PlacedNode[] = [];
  let provider: string | null = null;
  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header) {
      provider = header[1];
      counts[provider] = Number(header[2]);
      continue;
    }
    const node = NODE.exec(line);
    if (node && provider === 'CPUExecutionProvider') cpuNodes.push({ opType: node[1], name: node[2] });
  }
  return { counts, cpuNodes };
}
